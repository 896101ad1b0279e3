//! What the bench binaries share: criterion settings sized for a shared
//! 2-core machine, paired A/B ratios, and the lines that report them.
//!
//! Each binary includes this file with `mod support;` and uses part of it.
#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use scalekit_tower::{Client, Config};

/// True under `cargo bench` (cargo passes `--bench`); false under
/// `cargo test --benches`, where every bench runs once as a smoke test and no
/// ratio is judged.
pub(crate) fn bench_mode() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// Criterion with short but meaningful defaults; command-line flags
/// (`--sample-size`, `--measurement-time`, a filter...) still override them.
pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// True when criterion is asked to `--profile-time` (run one bench under a
/// profiler): the hand-made ratio measurements are skipped then.
pub(crate) fn profiling() -> bool {
    std::env::args().any(|arg| arg == "--profile-time")
}

/// A scale for the number of iterations of the hand-made measurements:
/// 1 under `cargo bench`, tiny under `cargo test --benches`.
pub(crate) fn scaled(full: usize) -> usize {
    if bench_mode() { full } else { 2.min(full) }
}

/// The outcome of measuring two variants alternately.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paired {
    /// Median over rounds of (time per iteration of A) / (of B).
    pub(crate) ratio: f64,
    /// Median time per iteration of A.
    pub(crate) a: Duration,
    /// Median time per iteration of B.
    pub(crate) b: Duration,
}

/// Measures A and B alternately for `rounds` rounds (ABBA order, so a drift
/// in machine load hits both alike). Each closure runs its own block of
/// iterations and returns the time per iteration. The ratio is the median of
/// the per-round ratios: other processes on a shared machine slow single
/// rounds, not the median.
pub(crate) fn paired(
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> Paired {
    let mut ratios = Vec::with_capacity(rounds);
    let mut times_a = Vec::with_capacity(rounds);
    let mut times_b = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        let (ta, tb) = if round % 2 == 0 {
            let ta = a();
            (ta, b())
        } else {
            let tb = b();
            (a(), tb)
        };
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64().max(1e-12));
        times_a.push(ta);
        times_b.push(tb);
    }
    Paired {
        ratio: median_f64(&mut ratios),
        a: median(&mut times_a),
        b: median(&mut times_b),
    }
}

fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// How a ratio is judged.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// The ratio must be at most this.
    AtMost(f64),
    /// The ratio must be at least this.
    AtLeast(f64),
    /// Reported only.
    None,
}

/// Prints one `RATIO` line (BENCHMARKS.md quotes these).
pub(crate) fn report(name: &str, a_label: &str, b_label: &str, paired: Paired, target: Target) {
    let verdict = match (target, bench_mode()) {
        (Target::None, _) => String::new(),
        (_, false) => "  (test mode: not judged)".to_owned(),
        (Target::AtMost(limit), true) => format!(
            "  target <= {limit:.2}x: {}",
            if paired.ratio <= limit {
                "MET"
            } else {
                "MISSED"
            }
        ),
        (Target::AtLeast(limit), true) => format!(
            "  target >= {limit:.2}x: {}",
            if paired.ratio >= limit {
                "MET"
            } else {
                "MISSED"
            }
        ),
    };
    println!(
        "RATIO {name}: {:.3}x  ({a_label} {} / {b_label} {}, medians of paired rounds){verdict}",
        paired.ratio,
        fmt_duration(paired.a),
        fmt_duration(paired.b),
    );
}

/// `123 ns`, `45.6 µs`, `7.89 ms`.
pub(crate) fn fmt_duration(d: Duration) -> String {
    let ns = d.as_secs_f64() * 1e9;
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

/// A client for an address nothing listens on: for benches that must never
/// reach upstream.
pub(crate) fn offline_client() -> Client {
    let config = Config::builder()
        .environment_url("http://127.0.0.1:9")
        .client_id("skc_bench")
        .client_secret("bench-secret")
        .build()
        .expect("a valid config");
    Client::new(config).expect("the client builds")
}

//! Benchmark 4: 1,000 concurrent mints on a cold token cache.
//!
//! Each iteration builds a new `Client` (empty token cache) and spawns 1,000
//! `generate_portal_link` calls at once on a 2-worker runtime. Every
//! iteration asserts that the emulator saw exactly one token request and
//! minted 1,000 links. `tests/cold_cache_single_flight.rs` asserts the same
//! under `cargo test`.

mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use scalekit_emulator::{Emulator, demo};
use scalekit_tower::{Client, Feature, OrganizationId};
use tokio::runtime::Runtime;

const MINTS: usize = 1_000;

/// 1,000 concurrent mints with a fresh client; asserts one token fetch.
async fn cold_burst(emulator: &Emulator) -> Duration {
    let before = emulator.stats();
    let client: Client = scalekit_testkit::client_for(emulator, Duration::from_secs(30));
    let org: OrganizationId = demo::ACME_ID.parse().expect("valid id");
    let started = Instant::now();
    let tasks: Vec<_> = (0..MINTS)
        .map(|_| {
            let (client, org) = (client.clone(), org.clone());
            tokio::spawn(async move { client.generate_portal_link(&org, &[Feature::Sso]).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("minted");
    }
    let elapsed = started.elapsed();
    let after = emulator.stats();
    assert_eq!(after.token_requests - before.token_requests, 1);
    assert_eq!(after.links_minted - before.links_minted, MINTS as u64);
    elapsed
}

fn main() {
    let rt: Runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let emulator = rt.block_on(async { Emulator::builder().start().await.expect("starts") });

    let mut c: Criterion = support::criterion().sample_size(10);
    let mut group = c.benchmark_group("cold_cache");
    group.throughput(Throughput::Elements(MINTS as u64));
    group.bench_function("1000_concurrent_mints", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let emulator = &emulator;
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += cold_burst(emulator).await;
                }
                total
            }
        })
    });
    group.finish();
    c.final_summary();

    let stats = emulator.stats();
    println!(
        "COLD CACHE: {} bursts of {MINTS} concurrent mints, {} token requests in all: exactly 1 per burst (asserted)",
        stats.links_minted / MINTS as u64,
        stats.token_requests
    );
}

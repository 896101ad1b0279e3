//! Benchmark 6: a bounded load run against the demo app, next to the same
//! load sent straight to the emulator.
//!
//! The demo (`scalekit_demo::start` with its in-process emulator) runs on a
//! 2-worker runtime. An in-process load generator on its own thread keeps
//! `CONNECTIONS` HTTP/1.1 keep-alive connections busy for `SECONDS` per
//! scenario (after a short warm-up) and records each request's latency.
//!
//! Scenarios, each at 0 ms and at 20 ms added emulator latency (every REST
//! call, `FaultScope::Api`):
//! - `demo GET /settings`: signed in as alice; the layer resolves the tenant
//!   (external-id lookup, cached), mints one link, the page renders the
//!   snippet;
//! - `emulator PUT portal_links`: the emulator alone, with a token in hand:
//!   its ceiling, which must stay above the demo's figure so the emulator is
//!   not what limits the demo.
//!
//! `LOAD_SECONDS` and `LOAD_CONNECTIONS` override the defaults. Under
//! `cargo test --benches` every scenario runs for a fraction of a second.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::{Method, Request, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use scalekit_demo::{Demo, Upstream};
use scalekit_emulator::{Emulator, FaultScope, demo};

const DEFAULT_SECONDS: f64 = 4.0;
const DEFAULT_CONNECTIONS: usize = 32;

#[derive(Clone)]
struct Target {
    addr: SocketAddr,
    method: Method,
    path: String,
    header: (header::HeaderName, String),
}

struct Figures {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let Some(last) = self.latencies.len().checked_sub(1) else {
            return Duration::ZERO;
        };
        self.latencies[((last as f64) * p).round() as usize]
    }
}

/// Keeps one connection busy until `until`; latencies of requests started
/// after `measure_from` are recorded.
async fn worker(
    target: Target,
    measure_from: Instant,
    until: Instant,
) -> (usize, usize, Vec<Duration>) {
    let stream = tokio::net::TcpStream::connect(target.addr)
        .await
        .expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let (mut ok, mut errors, mut latencies) = (0, 0, Vec::new());
    let host = target.addr.to_string();
    loop {
        let started = Instant::now();
        if started >= until {
            break;
        }
        sender.ready().await.expect("connection usable");
        let request = Request::builder()
            .method(target.method.clone())
            .uri(target.path.as_str())
            .header(header::HOST, host.as_str())
            .header(target.header.0.clone(), target.header.1.as_str())
            .body(Empty::<Bytes>::new())
            .expect("a valid request");
        let response = sender.send_request(request).await.expect("response");
        let success = response.status().is_success();
        response.into_body().collect().await.expect("body");
        if started >= measure_from {
            latencies.push(started.elapsed());
            if success { ok += 1 } else { errors += 1 }
        }
    }
    (ok, errors, latencies)
}

fn run(target: &Target, connections: usize, warm_up: Duration, measure: Duration) -> Figures {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let measure_from = Instant::now() + warm_up;
        let until = measure_from + measure;
        let workers: Vec<_> = (0..connections)
            .map(|_| tokio::spawn(worker(target.clone(), measure_from, until)))
            .collect();
        let mut figures = Figures {
            requests: 0,
            errors: 0,
            elapsed: measure,
            latencies: Vec::new(),
        };
        for w in workers {
            let (ok, errors, latencies) = w.await.expect("worker");
            figures.requests += ok;
            figures.errors += errors;
            figures.latencies.extend(latencies);
        }
        // The last requests may end a little after `until`.
        figures.elapsed = measure_from.elapsed().max(measure);
        figures
    })
}

async fn sign_in(demo: &Demo) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = http
        .post(format!("{}login", demo.url()))
        .form(&[("user", "alice")])
        .send()
        .await
        .expect("login answers");
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .expect("ascii");
    cookie.split(';').next().expect("name=value").to_owned()
}

async fn token(emulator: &Emulator) -> String {
    let token: serde_json::Value = reqwest::Client::new()
        .post(emulator.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", emulator.client_id()),
            ("client_secret", emulator.client_secret()),
        ])
        .send()
        .await
        .expect("token endpoint")
        .json()
        .await
        .expect("JSON");
    token["access_token"].as_str().expect("a token").to_owned()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let (warm_up, measure) = if support::bench_mode() {
        let seconds = env_or("LOAD_SECONDS", DEFAULT_SECONDS);
        (Duration::from_secs(1), Duration::from_secs_f64(seconds))
    } else {
        (Duration::from_millis(50), Duration::from_millis(200))
    };
    let connections = env_or("LOAD_CONNECTIONS", DEFAULT_CONNECTIONS);

    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (demo, cookie, bearer) = servers.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let demo = scalekit_demo::start(listener, Upstream::local())
            .await
            .expect("the demo starts");
        let cookie = sign_in(&demo).await;
        let bearer = token(demo.emulator().expect("local emulator")).await;
        (demo, cookie, bearer)
    });
    let emulator = demo.emulator().expect("local emulator");

    let settings = Target {
        addr: demo.addr(),
        method: Method::GET,
        path: "/settings".into(),
        header: (header::COOKIE, cookie),
    };
    let direct = Target {
        addr: emulator.addr(),
        method: Method::PUT,
        path: format!(
            "/api/v1/organizations/{}/portal_links?features=sso&features=dir_sync",
            demo::ACME_ID
        ),
        header: (header::AUTHORIZATION, format!("Bearer {bearer}")),
    };

    println!(
        "LOAD {connections} connections, {:.1} s per scenario after {:.1} s warm-up",
        measure.as_secs_f64(),
        warm_up.as_secs_f64()
    );
    println!(
        "LOAD {:<34} {:>9} {:>10} {:>10} {:>7}",
        "scenario", "req/s", "p50", "p99", "errors"
    );
    let mut results = Vec::new();
    for latency_ms in [0u64, 20] {
        emulator
            .faults()
            .set_latency(FaultScope::Api, Duration::from_millis(latency_ms));
        for (name, target) in [
            ("emulator PUT portal_links", &direct),
            ("demo GET /settings", &settings),
        ] {
            let mut figures = run(target, connections, warm_up, measure);
            let (p50, p99) = (figures.percentile(0.50), figures.percentile(0.99));
            let label = format!("{name} @{latency_ms}ms");
            println!(
                "LOAD {label:<34} {:>9.0} {:>10} {:>10} {:>7}",
                figures.rps(),
                support::fmt_duration(p50),
                support::fmt_duration(p99),
                figures.errors
            );
            assert_eq!(figures.errors, 0, "{label}: every request succeeds");
            results.push((latency_ms, name, figures.rps(), p50));
        }
    }
    emulator.faults().clear();
    for latency_ms in [0u64, 20] {
        let find = |name: &str| {
            results
                .iter()
                .find(|r| r.0 == latency_ms && r.1 == name)
                .expect("measured")
        };
        let (ceiling, kit) = (
            find("emulator PUT portal_links"),
            find("demo GET /settings"),
        );
        println!(
            "LOAD @{latency_ms}ms: demo / emulator ceiling = {:.2} of the req/s; p50 {} vs {} (+{})",
            kit.2 / ceiling.2,
            support::fmt_duration(kit.3),
            support::fmt_duration(ceiling.3),
            support::fmt_duration(kit.3.saturating_sub(ceiling.3)),
        );
    }
    let stats = emulator.stats();
    println!(
        "LOAD emulator saw {} token requests, {} links minted",
        stats.token_requests, stats.links_minted
    );
    drop(demo);
    servers.shutdown_timeout(Duration::from_secs(1));
}

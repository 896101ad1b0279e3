//! The slow-client run of `docs/reliability.md` ("Hostile and careless
//! input", item 11): a few thousand connections to the demo binary, each
//! sending a webhook delivery's headers and half of a 256 KiB body, then
//! holding it. The demo's resident memory must stay flat: the webhook
//! endpoint's read budget refuses what it cannot hold (503), its read
//! deadline frees what stalls (408), and the server caps connections.
//!
//! Bounded in count ([`CONNECTIONS`]) and time ([`RUN`]); ignored by default
//! (it takes about half a minute):
//!
//! ```sh
//! cargo test -p scalekit-demo --test demo_slow_clients -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use scalekit_demo::WEBHOOK_PATH;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

/// Connections opened and held.
const CONNECTIONS: usize = 3_000;
/// Body bytes each sends of the 256 KiB − 1 it declares.
const SENT: usize = 128 * 1024;
/// How long the whole run may take.
const RUN: Duration = Duration::from_secs(30);
/// How much the demo's resident memory may grow while they hold on.
const FLAT: u64 = 96 * 1024 * 1024;

/// The resident memory of process `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// Opens one connection that sends the head and [`SENT`] body bytes, then
/// waits for the server's answer or close; the status line it got, if any.
async fn hold(addr: String, body: &'static [u8]) -> Option<String> {
    let mut stream = TcpStream::connect(&addr).await.ok()?;
    let head = format!(
        "POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {addr}\r\nwebhook-id: msg_slow\r\n\
         webhook-timestamp: 1700000000\r\nwebhook-signature: v1,AAAA\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        256 * 1024 - 1
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    // The server may answer before taking all of it: stop writing then.
    let _ = stream.write_all(body).await;
    let mut answer = [0u8; 64];
    let read = stream.read(&mut answer).await.ok()?;
    let line = String::from_utf8_lossy(&answer[..read]).to_string();
    line.split("\r\n").next().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a long run: cargo test -p scalekit-demo --test demo_slow_clients -- --ignored"]
async fn thousands_of_half_sent_bodies_leave_the_demo_memory_flat() {
    let dir = tempfile::tempdir().unwrap();
    let (child, url, _) = common::run_binary(dir.path(), &[]).await;
    let pid = child.id().unwrap();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    // Warm up: one page and one refused delivery.
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    let before = rss(pid);

    let started = Instant::now();
    let body: &'static [u8] = Box::leak(vec![b'x'; SENT].into_boxed_slice());
    let mut held = tokio::task::JoinSet::new();
    for _ in 0..CONNECTIONS {
        held.spawn(hold(addr.clone(), body));
    }
    let mut peak = before;
    while started.elapsed() < Duration::from_secs(20) {
        peak = peak.max(rss(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    let collect = async {
        while let Some(answer) = held.join_next().await {
            let answer = answer.unwrap().unwrap_or_else(|| "closed".to_owned());
            *answers.entry(answer).or_default() += 1;
        }
    };
    let all_answered = tokio::time::timeout(RUN.saturating_sub(started.elapsed()), collect)
        .await
        .is_ok();
    let still_open = held.len();
    held.abort_all();
    let after = rss(pid);
    println!(
        "{CONNECTIONS} connections x {SENT} bytes held: RSS before {} MiB, peak {} MiB, after {} MiB, \
         in {:.1} s; answers {answers:?}, still open {still_open}",
        before >> 20,
        peak >> 20,
        after >> 20,
        started.elapsed().as_secs_f64()
    );
    assert!(
        peak.saturating_sub(before) < FLAT,
        "the demo's memory grew by {} MiB",
        (peak - before) >> 20
    );
    assert!(
        all_answered,
        "{still_open} connections still open after {RUN:?}"
    );
    // Still serving.
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
}

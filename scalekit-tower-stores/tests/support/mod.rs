//! Finding the test servers, unique names per test, and a server that never
//! answers.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;

/// The PostgreSQL URL the tests use (`SCALEKIT_TEST_DATABASE_URL`, default
/// the local `test` database), or `None` with a notice when no server
/// listens. Under `CI=true` a missing server fails the test.
pub async fn postgres_url() -> Option<String> {
    let url = std::env::var("SCALEKIT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    reachable("PostgreSQL", "127.0.0.1:5432", url).await
}

/// The Redis URL the tests use (`SCALEKIT_TEST_REDIS_URL`, default the local
/// server), or `None` with a notice.
pub async fn redis_url() -> Option<String> {
    let url = std::env::var("SCALEKIT_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    reachable("Redis", "127.0.0.1:6379", url).await
}

async fn reachable(engine: &str, address: &str, url: String) -> Option<String> {
    let connect = tokio::net::TcpStream::connect(address);
    if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), connect).await {
        return Some(url);
    }
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{engine} is not running on {address}; CI needs it (.ci/run starts it)");
    }
    eprintln!("notice: {engine} is not running on {address}; skipping this test");
    None
}

/// A name no other test, run or session on this machine uses.
pub fn unique(stem: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{stem}_{}_{}_{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    )
}

/// A TCP server that accepts connections and never answers: a store that
/// hangs.
pub async fn black_hole() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    address
}

/// A loopback port nothing listens on: a store that is down.
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    address
}
#[macro_use]
pub mod suite;

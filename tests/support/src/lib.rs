//! Shared helpers for the cross-crate tests, examples and benchmarks: start an
//! emulator with a client for it, serve an app on loopback.
//!
//! Nothing here is part of the published crates.

pub mod browser;
pub mod fenced;
pub mod portal;
pub mod proxy;
#[cfg(doctest)]
mod readme;
pub mod scim;

use std::net::SocketAddr;
use std::time::Duration;

use scalekit_emulator::{Emulator, EmulatorBuilder};
use scalekit_tower::{Client, Config};

/// An emulator and a client configured for it.
#[derive(Debug)]
pub struct Upstream {
    /// The running emulator.
    pub emulator: Emulator,
    /// A client pointed at it.
    pub client: Client,
}

impl Upstream {
    /// Starts `builder` and makes a client with a `timeout` deadline for it.
    pub async fn start(builder: EmulatorBuilder, timeout: Duration) -> Self {
        let emulator = builder.start().await.expect("the emulator starts");
        let client = client_for(&emulator, timeout);
        Self { emulator, client }
    }
}

/// A client for `emulator` with the given deadline.
pub fn client_for(emulator: &Emulator, timeout: Duration) -> Client {
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .timeout(timeout)
        .build()
        .expect("emulator settings are a valid config");
    Client::new(config).expect("the client builds")
}

/// An app served on 127.0.0.1 until dropped.
#[derive(Debug)]
pub struct Served {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    /// Serves `router` on a free loopback port; returns once it accepts connections.
    pub async fn axum(router: axum::Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve the app");
        });
        Self { addr, task }
    }

    /// The app's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The app's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

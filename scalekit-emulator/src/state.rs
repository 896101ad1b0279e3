//! What the HTTP layers share: the settings fixed at start, the store, the
//! event vocabulary switch and the shutdown signal. Nothing is global, so any
//! number of emulators can run in one process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::store::Store;

/// Settings fixed when the emulator starts.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) token_lifetime: Duration,
    pub(crate) link_lifetime: Duration,
    pub(crate) session_lifetime: Duration,
    pub(crate) session_warning_before: Duration,
    pub(crate) deadlines: Deadlines,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_lifetime", &self.token_lifetime)
            .field("link_lifetime", &self.link_lifetime)
            .field("session_lifetime", &self.session_lifetime)
            .field("session_warning_before", &self.session_warning_before)
            .finish()
    }
}

/// Everything the handlers share, behind one `Arc`.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// `http://127.0.0.1:PORT` (or `https://`), no trailing slash.
    pub(crate) base_url: String,
    pub(crate) store: Arc<Store>,
    legacy_events: AtomicBool,
    shutdown: watch::Receiver<bool>,
}

/// The axum state type.
pub(crate) type AppState = Arc<Shared>;

impl Shared {
    pub(crate) fn new(
        config: Config,
        base_url: String,
        store: Arc<Store>,
        legacy_events: bool,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            config,
            base_url,
            store,
            legacy_events: AtomicBool::new(legacy_events),
            shutdown,
        }
    }

    /// Whether the portal speaks the older `type` vocabulary.
    pub(crate) fn legacy_events(&self) -> bool {
        self.legacy_events.load(Ordering::SeqCst)
    }

    pub(crate) fn set_legacy_events(&self, legacy: bool) {
        self.legacy_events.store(legacy, Ordering::SeqCst);
    }

    /// Resolves when the emulator shuts down.
    pub(crate) async fn shutdown_signal(&self) {
        let mut receiver = self.shutdown.clone();
        // An error means the sender is gone, which also means shutdown.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }

    /// Sleeps for `duration`, or less if the emulator shuts down first.
    pub(crate) async fn sleep_unless_shutdown(&self, duration: Duration) {
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            () = self.shutdown_signal() => {}
        }
    }
}

/// The deadlines of one emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadlines {
    /// For the TLS handshake, from the accepted connection.
    pub(crate) tls_handshake: Duration,
    /// For the whole request body, from the request's headers.
    pub(crate) request_body: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            tls_handshake: Duration::from_secs(10),
            request_body: Duration::from_secs(30),
        }
    }
}

//! The state one emulator instance keeps: configuration, stores, counters
//! and armed faults. Nothing is global, so any number of emulators can run in
//! one process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::faults::FaultQueue;
use crate::organization::OrganizationStore;
use crate::origins::ParentOrigins;
use crate::portal_store::PortalStore;
use crate::stats::Counters;
use crate::token::TokenStore;

/// Settings fixed when the emulator starts.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) token_lifetime: Duration,
    pub(crate) link_lifetime: Duration,
    pub(crate) session_lifetime: Duration,
    pub(crate) session_warning_before: Duration,
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
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub(crate) base_url: String,
    pub(crate) origins: RwLock<ParentOrigins>,
    legacy_events: AtomicBool,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) organizations: Mutex<OrganizationStore>,
    pub(crate) portal: Mutex<PortalStore>,
    pub(crate) counters: Counters,
    pub(crate) faults: FaultQueue,
    shutdown: watch::Receiver<bool>,
}

/// The axum state type.
pub(crate) type AppState = Arc<Shared>;

impl Shared {
    pub(crate) fn new(
        config: Config,
        base_url: String,
        origins: ParentOrigins,
        legacy_events: bool,
        organizations: OrganizationStore,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            config,
            base_url,
            origins: RwLock::new(origins),
            legacy_events: AtomicBool::new(legacy_events),
            tokens: Mutex::new(TokenStore::default()),
            organizations: Mutex::new(organizations),
            portal: Mutex::new(PortalStore::default()),
            counters: Counters::default(),
            faults: FaultQueue::default(),
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

    /// A copy of the registered parent origins.
    pub(crate) fn parent_origins(&self) -> ParentOrigins {
        self.origins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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

/// Locks a mutex, ignoring poisoning: every critical section leaves its data
/// consistent, so a panic elsewhere must not take the emulator down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

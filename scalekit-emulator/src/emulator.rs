//! The handle of a running emulator.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::builder::{CaFile, EmulatorBuilder, Launched};
use crate::faults::Faults;
use crate::start_error::StartError;
use crate::state::Shared;
use crate::stats::Stats;
use crate::store::organizations::OrganizationInfo;
use crate::store::parent_origins::InvalidOrigin;
use crate::webhooks::{DeliveryOutcome, Dispatcher, WebhookDelivery};

/// How long [`Emulator::shutdown`] waits for open requests before it
/// aborts the server.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running emulator on 127.0.0.1. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), scalekit_emulator::StartError> {
/// let emu = scalekit_emulator::Emulator::start().await?;
/// assert!(emu.base_url().starts_with("http://127.0.0.1:"));
/// assert!(emu.client_id().starts_with("skc_"));
/// emu.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    shared: Arc<Shared>,
    webhooks: Arc<Dispatcher>,
    faults: Faults,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    ca: Option<CaFile>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.shared.base_url)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    /// Binds 127.0.0.1 and starts serving; returns once the listener is
    /// bound, so requests can be sent right away.
    pub async fn start(self) -> Result<Emulator, StartError> {
        let Launched {
            shared,
            webhooks,
            addr,
            shutdown,
            task,
            ca,
        } = self.launch().await?;
        Ok(Emulator {
            faults: Faults::new(shared.store.clone(), webhooks.clone()),
            shared,
            webhooks,
            addr,
            shutdown,
            task: Some(task),
            ca,
        })
    }
}

impl Emulator {
    /// A builder with the defaults (random credentials, demo organizations,
    /// Scalekit's lifetimes, a free port).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts an emulator with the defaults.
    pub async fn start() -> Result<Self, StartError> {
        Self::builder().start().await
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`EmulatorBuilder::tls`]),
    /// without a trailing slash: the value for `SCALEKIT_ENVIRONMENT_URL`,
    /// and the origin of the portal pages.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// `base_url` followed by `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.base_url)
    }

    /// With [`EmulatorBuilder::tls`]: the file holding the CA certificate
    /// (PEM) that signed the server's, for clients to trust. It lives in a
    /// fresh private directory (mode 0700; the file 0600), removed with it
    /// when the emulator is dropped.
    pub fn ca_file(&self) -> Option<&std::path::Path> {
        self.ca.as_ref().map(|ca| ca.dir.path())
    }

    /// With [`EmulatorBuilder::tls`]: the CA certificate, PEM.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(|ca| ca.pem.as_str())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.shared.config.client_secret
    }

    /// The environment's id (`env_...`), as Scalekit's webhooks and domain
    /// records carry it. Random per emulator.
    pub fn environment_id(&self) -> &str {
        self.shared.store.environment_id()
    }

    /// The access tokens the token endpoint has issued (live, expired or
    /// revoked; each is forgotten an hour after it ends), so a test can check
    /// that none of them leaks into logs, pages or error messages.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.store.issued_tokens()
    }

    /// A snapshot of the counters, webhook deliveries included.
    pub fn stats(&self) -> Stats {
        Stats::new(
            self.shared.store.counters.snapshot(),
            self.webhooks.log().counts(),
        )
    }

    /// The webhook signing secret (`whsec_...`), given to
    /// [`EmulatorBuilder::webhook_secret`] or generated: the app under test
    /// verifies deliveries with it.
    pub fn webhook_secret(&self) -> &str {
        self.webhooks.secret().as_str()
    }

    /// The webhook deliveries so far (the latest thousand), oldest first:
    /// one per event and endpoint, with its attempts and last answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), scalekit_emulator::StartError> {
    /// let emu = scalekit_emulator::Emulator::start().await?;
    /// // Without webhook endpoints nothing is delivered.
    /// assert!(emu.deliveries().is_empty());
    /// assert!(emu.webhook_secret().starts_with("whsec_"));
    /// # Ok(()) }
    /// ```
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.webhooks.log().deliveries()
    }

    /// Waits until no webhook delivery is pending: each was acknowledged,
    /// given up or dropped. Bound the wait with `tokio::time::timeout`.
    pub async fn webhooks_settled(&self) {
        self.webhooks
            .log()
            .wait_until(|deliveries| {
                deliveries
                    .iter()
                    .all(|d| d.outcome != DeliveryOutcome::Pending)
            })
            .await;
    }

    /// The fault controls.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Registers another parent origin allowed to embed the portal, e.g.
    /// once the host app knows its own port. Pages served afterwards allow
    /// it.
    pub fn add_allowed_parent_origin(&self, origin: &str) -> Result<(), InvalidOrigin> {
        self.shared.store.add_parent_origin(origin)
    }

    /// The registered parent origins, normalized, in registration order.
    pub fn allowed_parent_origins(&self) -> Vec<String> {
        self.shared.store.parent_origins().as_slice().to_vec()
    }

    /// Switches the event vocabulary of pages and toggles served from now on.
    pub fn set_legacy_events(&self, legacy: bool) {
        self.shared.set_legacy_events(legacy);
    }

    /// Whether the legacy event vocabulary is in force.
    pub fn legacy_events(&self) -> bool {
        self.shared.legacy_events()
    }

    /// A copy of one organization, if it exists.
    pub fn organization(&self, id: &str) -> Option<OrganizationInfo> {
        self.shared.store.organization(id).map(|o| o.info())
    }

    /// Copies of all organizations, in creation order.
    pub fn organizations(&self) -> Vec<OrganizationInfo> {
        self.shared.store.with_organizations(|organizations| {
            organizations.filtered(None).map(|o| o.info()).collect()
        })
    }

    /// Stops accepting connections, releases hanging requests, waits up to
    /// five seconds for open requests to finish, then stops the server.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // The server task sees the signal and finishes on its own; the CA's
        // directory goes with `self.ca`.
        let _ = self.shutdown.send(true);
    }
}

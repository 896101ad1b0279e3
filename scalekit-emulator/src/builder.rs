//! Configuring and starting an emulator.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use tokio::task::JoinHandle;

use crate::demo;
use crate::format::ids;
use crate::router::router;
use crate::serve;
use crate::start_error::StartError;
use crate::state::Deadlines;
use crate::state::{Config, Shared};
use crate::store::changes::ChangeObserver;
use crate::store::domains::VerificationOutcome;
use crate::store::organizations::{
    Conflict, Organization, Organizations, validate_display_name, validate_id,
};
use crate::store::parent_origins::ParentOrigins;
use crate::store::{Store, StoreSeed};
use crate::tls;
use crate::webhook_feed;
use crate::webhooks::{Dispatcher, WebhookSettings};

/// Default `expires_in` of access tokens, as Scalekit answers.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(86_399);
/// Default lifetime of an unused portal link (1 minute).
pub const DEFAULT_LINK_LIFETIME: Duration = Duration::from_secs(60);
/// Default portal session length (6 hours).
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(6 * 3600);
/// Default lead of `PORTAL_SESSION_WARNING` before the session ends (5 minutes).
pub const DEFAULT_SESSION_WARNING_BEFORE: Duration = Duration::from_secs(300);

/// Builds an [`Emulator`](crate::Emulator); get one from
/// [`Emulator::builder`](crate::Emulator::builder).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), scalekit_emulator::StartError> {
/// use std::time::Duration;
/// use scalekit_emulator::Emulator;
///
/// let emu = Emulator::builder()
///     .client_id("skc_test")
///     .client_secret("test-secret")
///     .token_lifetime(Duration::from_secs(2))
///     .allowed_parent_origin("http://127.0.0.1:4000")
///     .seed_demo_organizations(false)
///     .organization("org_test_a", "Test A", Some("tenant-a"))
///     .start()
///     .await?;
/// assert_eq!(emu.client_id(), "skc_test");
/// assert!(emu.organization("org_test_a").is_some());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EmulatorBuilder {
    client_id: Option<String>,
    client_secret: Option<String>,
    token_lifetime: Duration,
    link_lifetime: Duration,
    session_lifetime: Duration,
    session_warning_before: Duration,
    allowed_parent_origins: Vec<String>,
    legacy_events: bool,
    seed_demo_organizations: bool,
    organizations: Vec<(String, String, Option<String>)>,
    port: u16,
    domain_verification_outcome: VerificationOutcome,
    change_observers: Vec<ChangeObserver>,
    webhooks: WebhookSettings,
    tls: bool,
    deadlines: Deadlines,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("token_lifetime", &self.token_lifetime)
            .field("link_lifetime", &self.link_lifetime)
            .field("session_lifetime", &self.session_lifetime)
            .field("session_warning_before", &self.session_warning_before)
            .field("allowed_parent_origins", &self.allowed_parent_origins)
            .field("legacy_events", &self.legacy_events)
            .field("seed_demo_organizations", &self.seed_demo_organizations)
            .field("organizations", &self.organizations)
            .field("port", &self.port)
            .field(
                "domain_verification_outcome",
                &self.domain_verification_outcome,
            )
            .field("change_observers", &self.change_observers.len())
            .field("webhooks", &self.webhooks)
            .field("tls", &self.tls)
            .finish()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            link_lifetime: DEFAULT_LINK_LIFETIME,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            session_warning_before: DEFAULT_SESSION_WARNING_BEFORE,
            allowed_parent_origins: Vec::new(),
            legacy_events: false,
            seed_demo_organizations: true,
            organizations: Vec::new(),
            port: 0,
            domain_verification_outcome: VerificationOutcome::Verified,
            change_observers: Vec::new(),
            webhooks: WebhookSettings::default(),
            tls: false,
            deadlines: Deadlines::default(),
        }
    }
}

impl EmulatorBuilder {
    /// The OAuth client id the token endpoint accepts. Default: a random
    /// `skc_<digits>` value.
    #[must_use]
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The OAuth client secret the token endpoint accepts. Default: random.
    #[must_use]
    pub fn client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(client_secret.into());
        self
    }

    /// How long access tokens live (`expires_in`, whole seconds). Default
    /// 86399 s.
    #[must_use]
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// How long a minted portal link can be loaded. Default 60 s.
    #[must_use]
    pub fn link_lifetime(mut self, lifetime: Duration) -> Self {
        self.link_lifetime = lifetime;
        self
    }

    /// How long a portal session lasts once a link is loaded. Default 6 h.
    #[must_use]
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_lifetime = lifetime;
        self
    }

    /// How long before the session ends `PORTAL_SESSION_WARNING` is posted.
    /// Default 5 min; when not shorter than the session, the warning comes
    /// halfway through it.
    #[must_use]
    pub fn session_warning_before(mut self, lead: Duration) -> Self {
        self.session_warning_before = lead;
        self
    }

    /// Registers a parent origin allowed to embed the portal (Scalekit's
    /// "allowed redirect URIs"). Repeatable. An invalid origin makes
    /// [`start`](Self::start) fail.
    #[must_use]
    pub fn allowed_parent_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_parent_origins.push(origin.into());
        self
    }

    /// Speak the older `type` event vocabulary (`SSO_CONFIGURED`,
    /// `SCIM_CONFIGURED`, `SESSION_EXPIRED`). Default false.
    #[must_use]
    pub fn legacy_events(mut self, legacy: bool) -> Self {
        self.legacy_events = legacy;
        self
    }

    /// Whether to hold the [`demo`] organizations. Default true.
    #[must_use]
    pub fn seed_demo_organizations(mut self, seed: bool) -> Self {
        self.seed_demo_organizations = seed;
        self
    }

    /// Adds an organization with this id, display name and optional external
    /// id, both features disabled. Repeatable.
    #[must_use]
    pub fn organization(
        mut self,
        id: impl Into<String>,
        display_name: impl Into<String>,
        external_id: Option<&str>,
    ) -> Self {
        self.organizations.push((
            id.into(),
            display_name.into(),
            external_id.map(str::to_owned),
        ));
        self
    }

    /// The port on 127.0.0.1 to listen on. Default 0: a free port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// What a domain verification finds when no outcome is queued with
    /// [`Faults::next_domain_verifications`](crate::Faults::next_domain_verifications).
    /// Default [`VerificationOutcome::Verified`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), scalekit_emulator::StartError> {
    /// use scalekit_emulator::{Emulator, VerificationOutcome};
    ///
    /// let emu = Emulator::builder()
    ///     .domain_verification_outcome(VerificationOutcome::Failed)
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn domain_verification_outcome(mut self, outcome: VerificationOutcome) -> Self {
        self.domain_verification_outcome = outcome;
        self
    }

    /// Delivers Scalekit's webhooks (signed, retried on Scalekit's
    /// schedule) to `url`, an `http://` URL of the app under test.
    /// Repeatable: every endpoint gets every event. An unusable URL makes
    /// [`start`](Self::start) fail.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), scalekit_emulator::StartError> {
    /// let emu = scalekit_emulator::Emulator::builder()
    ///     .webhook_endpoint("http://127.0.0.1:3000/webhooks/scalekit")
    ///     .webhook_secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
    ///     .webhook_retry_scale(0.001)
    ///     .start()
    ///     .await?;
    /// assert_eq!(emu.webhook_secret(), "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn webhook_endpoint(mut self, url: impl Into<String>) -> Self {
        self.webhooks.endpoints.push(url.into());
        self
    }

    /// The signing secret, `whsec_` followed by the standard base64 of a
    /// 24- to 64-byte key. Default: a random one
    /// ([`Emulator::webhook_secret`](crate::Emulator::webhook_secret)).
    #[must_use]
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhooks.secret = Some(secret.into());
        self
    }

    /// Multiplies every wait of the retry schedule (right away, 5 s, 30 s,
    /// 2 min, 5 min, 15 min). Default 1.0; tests use e.g. 0.001, so the
    /// six attempts take about 1.4 s instead of 22 minutes. Must be finite
    /// and at least 0.
    #[must_use]
    pub fn webhook_retry_scale(mut self, scale: f64) -> Self {
        self.webhooks.retry_scale = scale;
        self
    }

    /// How long one delivery attempt may take before it counts as failed
    /// and is retried. Default 15 s.
    #[must_use]
    pub fn webhook_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.webhooks.attempt_timeout = timeout;
        self
    }

    /// Serves HTTPS instead of plain HTTP: a CA made at start signs a
    /// certificate for `127.0.0.1` and `localhost`, ALPN offers HTTP/2 and
    /// HTTP/1.1, [`Emulator::base_url`](crate::Emulator::base_url) is
    /// `https://...`, and [`Emulator::ca_file`](crate::Emulator::ca_file)
    /// holds the CA to trust (Node: `NODE_EXTRA_CA_CERTS`; Python's gRPC:
    /// `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`, its token request:
    /// `REQUESTS_CA_BUNDLE`). Default: plain HTTP.
    #[must_use]
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Shorter deadlines for slow peers (tests of the deadlines).
    #[must_use]
    #[cfg(test)]
    pub(crate) fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    /// Registers a function told about every state change, in order, after
    /// the store has released its locks (see [`crate::store::changes`]).
    /// The webhook deliveries plug in here.
    #[must_use]
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn observe_changes(mut self, observer: ChangeObserver) -> Self {
        self.change_observers.push(observer);
        self
    }

    fn organization_store(&self) -> Result<Organizations, StartError> {
        let mut store = Organizations::default();
        if self.seed_demo_organizations {
            for seed in demo::ORGANIZATIONS {
                let connection_type = store.next_connection_type();
                let organization = Organization::new(
                    seed.id.to_owned(),
                    seed.display_name.to_owned(),
                    Some(seed.external_id.to_owned()),
                    Default::default(),
                    seed.sso_enabled,
                    seed.dir_sync_enabled,
                    connection_type,
                );
                // The seeds are distinct constants, so this cannot conflict.
                let _ = store.insert(organization);
            }
        }
        for (id, display_name, external_id) in &self.organizations {
            let invalid = |reason: String| StartError::InvalidOrganization {
                id: id.clone(),
                reason,
            };
            validate_id(id).map_err(|_| {
                invalid("the id must start with org_ and be 1 to 32 characters".into())
            })?;
            validate_display_name(display_name).map_err(invalid)?;
            let connection_type = store.next_connection_type();
            let organization = Organization::new(
                id.clone(),
                display_name.clone(),
                external_id.clone().filter(|e| !e.is_empty()),
                Default::default(),
                false,
                false,
                connection_type,
            );
            store
                .insert(organization)
                .map_err(|conflict| match conflict {
                    Conflict::Id(_) => {
                        invalid("an organization with this id already exists".into())
                    }
                    Conflict::ExternalId(e) => invalid(format!(
                        "an organization with external id {e:?} already exists"
                    )),
                })?;
        }
        Ok(store)
    }

    /// Binds 127.0.0.1 and starts serving (see
    /// [`start`](EmulatorBuilder::start), which wraps this in an
    /// [`Emulator`](crate::Emulator)).
    pub(crate) async fn launch(self) -> Result<Launched, StartError> {
        let client_id = self
            .client_id
            .clone()
            .unwrap_or_else(|| ids::prefixed_digits("skc_", 17));
        let client_secret = self
            .client_secret
            .clone()
            .unwrap_or_else(ids::random_secret);
        if client_id.is_empty() {
            return Err(StartError::EmptyCredential("client id"));
        }
        if client_secret.is_empty() {
            return Err(StartError::EmptyCredential("client secret"));
        }
        let mut origins = ParentOrigins::default();
        for origin in &self.allowed_parent_origins {
            origins.add(origin).map_err(StartError::InvalidOrigin)?;
        }
        let organizations = self.organization_store()?;
        let environment_id = ids::prefixed_digits("env_", 17);
        let webhook_config = self.webhooks.validate(&environment_id)?;

        let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let bind_error = |source| StartError::Bind {
            addr: requested,
            source,
        };
        let listener = TcpListener::bind(requested).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let (tls, base_url) = if self.tls {
            let material = tls::generate().map_err(StartError::Tls)?;
            let dir = tls::CaDir::write(&material.ca_pem).map_err(|err| {
                StartError::Tls(format!(
                    "cannot write the CA file into a new private directory under {}: {err}",
                    std::env::temp_dir().display()
                ))
            })?;
            (Some((material, dir)), format!("https://{addr}"))
        } else {
            (None, format!("http://{addr}"))
        };

        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let webhooks = Arc::new(Dispatcher::start(webhook_config, shutdown_rx.clone()));
        let mut observers = self.change_observers;
        observers.push(webhook_feed::observer(webhooks.clone()));
        let store = Arc::new(Store::new(
            StoreSeed {
                environment_id,
                organizations,
                origins,
                default_verification: self.domain_verification_outcome,
            },
            observers,
        ));
        let config = Config {
            client_id,
            client_secret,
            token_lifetime: self.token_lifetime,
            link_lifetime: self.link_lifetime,
            session_lifetime: self.session_lifetime,
            session_warning_before: self.session_warning_before,
            deadlines: self.deadlines,
        };
        let shared = Arc::new(Shared::new(
            config,
            base_url,
            store,
            self.legacy_events,
            shutdown_rx,
        ));
        let app = router(shared.clone());
        let (acceptor, ca) = match tls {
            Some((material, dir)) => (
                Some(material.acceptor),
                Some(CaFile {
                    dir,
                    pem: material.ca_pem,
                }),
            ),
            None => (None, None),
        };
        let task = tokio::spawn(serve::serve(
            listener,
            app,
            acceptor.map(|acceptor| (acceptor, self.deadlines.tls_handshake)),
            shared.clone(),
        ));
        tracing::info!(%addr, "scalekit emulator listening");
        Ok(Launched {
            shared,
            webhooks,
            addr,
            shutdown: shutdown_tx,
            task,
            ca,
        })
    }
}

/// A server that [`EmulatorBuilder::launch`] started.
#[derive(Debug)]
pub(crate) struct Launched {
    pub(crate) shared: Arc<Shared>,
    pub(crate) webhooks: Arc<Dispatcher>,
    pub(crate) addr: SocketAddr,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) task: JoinHandle<()>,
    pub(crate) ca: Option<CaFile>,
}

/// The CA of an HTTPS emulator: its PEM and the private directory whose
/// file holds it (removed when this is dropped).
#[derive(Debug)]
pub(crate) struct CaFile {
    pub(crate) dir: tls::CaDir,
    pub(crate) pem: String,
}

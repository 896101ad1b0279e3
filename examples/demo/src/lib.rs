//! The demo app: a small SaaS settings page that embeds Scalekit's admin
//! portal with `scalekit-tower`, exactly as a user of the kit would write it.
//!
//! - `/`: pick a demo user (a `tower-sessions` session, nothing more);
//! - `/settings`: the settings page, behind [`PortalLinkLayer`], with the
//!   portal snippet and a live log of the portal's events;
//! - `/settings/portal/refresh`: the refresh endpoint the snippet calls when
//!   the portal session expires;
//! - `/settings/portal/status`: the status endpoint the snippet calls after
//!   the portal reports an SSO or directory change (the badges follow its
//!   answer, never the portal's message);
//! - `/settings/portal/open`: the handoff endpoint, a `303` to a fresh link
//!   for the snippet's "Open in a new tab" when the iframe cannot work;
//! - `/scalekit/portal-<hash>.js`: the snippet's listener script, a cached
//!   asset the page loads with `integrity` and its CSP nonce;
//! - `/settings/webhooks`: the verified webhook deliveries about the user's
//!   organization, for the page's panel;
//! - `POST /webhooks/scalekit`: Scalekit's signed webhooks, verified by the
//!   kit's `WebhookService` (outside the session layer).
//!
//! Only admins may open the portal (`PortalLinkLayer::authorize`): Dave, a
//! member of Acme who is not an admin, gets a 403 from the settings page,
//! the refresh endpoint and the status endpoint, and nothing is asked of
//! Scalekit for him. The browser endpoints share one limit per organization
//! and per signed-in user.
//!
//! With no `SCALEKIT_*` variables it runs against an in-process
//! [`scalekit_emulator::Emulator`], which delivers its signed webhooks to
//! the demo; with them, against real Scalekit. `SCALEKIT_WEBHOOK_SECRET`
//! sets the webhook signing secret in both modes (the emulator then signs
//! with it).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! let demo = scalekit_demo::start(listener, scalekit_demo::Upstream::local()).await?;
//! println!("open {}", demo.url());
//! demo.serve_forever().await;
//! # Ok(()) }
//! ```

mod bounded_sessions;
mod fleet;
mod hosts;
mod pages;
mod postgres_call;
mod security;
mod server;
mod session;
mod session_store;
pub mod startup;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::request::Parts;
use axum::middleware;
use axum::routing::{get, post};
use scalekit_axum_extract::{
    handoff_route, listener_route, refresh_route, status_route, webhook_route,
};
use scalekit_emulator::{Emulator, EmulatorBuilder};
use scalekit_tower::resolve::ExternalIdResolver;
use scalekit_tower::template::ListenerAsset;
use scalekit_tower::webhook::{WebhookEvent, WebhookService, WebhookVerifier};
use scalekit_tower::{Client, Config, Feature, MintLimit, PortalLinkLayer, resolve};
use tokio::net::TcpListener;

pub use bounded_sessions::{BoundedStore, DEFAULT_SESSION_CAPACITY};
pub use fleet::Fleet;
pub use server::ServerLimits;
pub use session::{DEMO_USERS, DemoUser};
use session_store::Sessions;

/// The path of the refresh endpoint.
pub const REFRESH_PATH: &str = "/settings/portal/refresh";
/// The path of the status endpoint.
pub const STATUS_PATH: &str = "/settings/portal/status";
/// The path of the handoff endpoint: the portal in a new tab.
pub const HANDOFF_PATH: &str = "/settings/portal/open";
/// The path Scalekit delivers webhooks to.
pub const WEBHOOK_PATH: &str = "/webhooks/scalekit";
/// The path of the webhook-deliveries list the settings page shows.
pub const DELIVERIES_PATH: &str = "/settings/webhooks";

/// How long a sign-in lasts without a request.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Which Scalekit the demo talks to.
#[derive(Debug)]
pub enum Upstream {
    /// A local emulator started in this process, with the demo's origin
    /// registered and demo organizations seeded.
    Emulator(EmulatorBuilder),
    /// A real Scalekit environment.
    Scalekit(Config),
}

impl Upstream {
    /// A local emulator with default settings.
    pub fn local() -> Self {
        Upstream::Emulator(Emulator::builder())
    }

    /// A local emulator whose portal sessions last `session` (warned
    /// halfway), to watch the portal expire and the snippet bring it back.
    pub fn local_with_portal_session(session: Duration) -> Self {
        Upstream::Emulator(
            Emulator::builder()
                .session_lifetime(session)
                .session_warning_before(session / 2),
        )
    }
}

/// How the demo is started, beyond its listener and upstream.
#[derive(Debug, Clone)]
pub struct Options {
    /// The webhook signing secret(s) (`whsec_...`; several separated by
    /// spaces or commas during a rotation), as in `SCALEKIT_WEBHOOK_SECRET`.
    /// With the emulator, it signs with the last one.
    pub webhook_secret: Option<String>,
    /// Host names the demo answers for besides the loopback names on its
    /// port (`app.example.com`, or with a port); any other `Host` gets 421.
    pub allowed_hosts: Vec<String>,
    /// The server's timeouts and connection limits.
    pub server: ServerLimits,
    /// The most sessions kept at once in memory (without a fleet database).
    pub session_capacity: usize,
    /// The fleet this replica belongs to; `None`: alone, everything in memory.
    pub fleet: Option<Fleet>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            webhook_secret: None,
            allowed_hosts: Vec::new(),
            server: ServerLimits::default(),
            session_capacity: DEFAULT_SESSION_CAPACITY,
            fleet: None,
        }
    }
}

/// A running demo.
#[derive(Debug)]
pub struct Demo {
    addr: SocketAddr,
    client: Client,
    emulator: Option<Emulator>,
    sessions: Sessions,
    server: tokio::task::JoinHandle<()>,
}

impl Demo {
    /// The URL to open, `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator, when the demo runs against one.
    pub fn emulator(&self) -> Option<&Emulator> {
        self.emulator.as_ref()
    }

    /// The Scalekit client the demo uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// How many sign-in sessions the demo holds now.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Serves until the process ends.
    pub async fn serve_forever(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the demo on `listener` against `upstream`: with the emulator, its
/// webhooks are delivered to the demo, signed with the emulator's own
/// secret; against real Scalekit, no webhook endpoint is mounted.
pub async fn start(
    listener: TcpListener,
    upstream: Upstream,
) -> Result<Demo, Box<dyn std::error::Error + Send + Sync>> {
    start_with(listener, upstream, None).await
}

/// Starts the demo on `listener` against `upstream`. `webhook_secret`
/// (`whsec_...`, from `SCALEKIT_WEBHOOK_SECRET`) verifies the webhooks at
/// [`WEBHOOK_PATH`]; with the emulator it is also the secret the emulator
/// signs with (default: the emulator's own). Against real Scalekit without
/// a secret, no webhook endpoint is mounted.
pub async fn start_with(
    listener: TcpListener,
    upstream: Upstream,
    webhook_secret: Option<String>,
) -> Result<Demo, Box<dyn std::error::Error + Send + Sync>> {
    let options = Options {
        webhook_secret,
        ..Options::default()
    };
    start_with_options(listener, upstream, options).await
}

/// [`start_with`] as one replica of `fleet`: its sessions, webhook
/// idempotency and deliveries record in the fleet's PostgreSQL, its minting
/// limits in the fleet's Redis (each when the fleet has it).
pub async fn start_fleet(
    listener: TcpListener,
    upstream: Upstream,
    webhook_secret: Option<String>,
    fleet: Fleet,
) -> Result<Demo, Box<dyn std::error::Error + Send + Sync>> {
    let options = Options {
        webhook_secret,
        fleet: Some(fleet),
        ..Options::default()
    };
    start_with_options(listener, upstream, options).await
}

/// Starts the demo on `listener` against `upstream` with `options`.
pub async fn start_with_options(
    listener: TcpListener,
    upstream: Upstream,
    options: Options,
) -> Result<Demo, Box<dyn std::error::Error + Send + Sync>> {
    let webhook_secret = options.webhook_secret;
    let fleet = match options.fleet {
        Some(fleet) => fleet,
        None => Fleet::in_memory(listener.local_addr()?.port().to_string()),
    };
    let addr = listener.local_addr()?;
    let origin = format!("http://{addr}");
    let (config, emulator, webhook_secret) = match upstream {
        Upstream::Scalekit(config) => (config, None, webhook_secret),
        Upstream::Emulator(builder) => {
            // The emulator delivers its signed webhooks to this demo, with
            // the given secret or its own.
            let mut builder = builder
                .allowed_parent_origin(origin.clone())
                .webhook_endpoint(format!("{origin}{WEBHOOK_PATH}"));
            if let Some(newest) = webhook_secret.as_deref().and_then(newest_secret) {
                builder = builder.webhook_secret(newest);
            }
            let emulator = builder.start().await?;
            let webhook_secret =
                webhook_secret.or_else(|| Some(emulator.webhook_secret().to_owned()));
            let config = Config::builder()
                .environment_url(emulator.base_url())
                .client_id(emulator.client_id())
                .client_secret(emulator.client_secret())
                .timeout(Duration::from_secs(5))
                .build()?;
            (config, Some(emulator), webhook_secret)
        }
    };
    // The rotation format (`whsec_old whsec_new`) is read as the kit reads it.
    let verifier = match webhook_secret {
        Some(secret) => Some(WebhookVerifier::from_lookup(|_| Some(secret.clone()))?),
        None => None,
    };
    let client = Client::new(config)?;
    fleet.spawn_housekeeping();
    let sessions = fleet.sessions(options.session_capacity);
    let limits = options.server;
    let hosts = hosts::AllowedHosts::new(addr, &options.allowed_hosts);
    let router = build_router(
        client.clone(),
        verifier,
        SESSION_IDLE_TIMEOUT,
        fleet,
        sessions.clone(),
        PageLimit::On,
    )?
    .layer(limits.request_layer())
    .layer(middleware::from_fn_with_state(hosts, hosts::check));
    let server = tokio::spawn(server::serve(listener, router, limits));
    Ok(Demo {
        addr,
        client,
        emulator,
        sessions,
        server,
    })
}

/// The last secret of a rotation list: the one Scalekit signs with.
fn newest_secret(list: &str) -> Option<&str> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .rfind(|part| !part.is_empty())
}

/// The signed-in user's tenant id (Scalekit's external id).
fn tenant(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<DemoUser>()
        .and_then(|user| user.tenant.map(str::to_owned))
}

/// The demo's organization resolver.
pub(crate) type Resolver = ExternalIdResolver<fn(&Parts) -> Option<String>>;

/// The demo's routes, for a client of any Scalekit; with a `verifier`, the
/// webhook endpoint at [`WEBHOOK_PATH`].
pub fn router(
    client: Client,
    verifier: Option<WebhookVerifier>,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    router_with_session_timeout(client, verifier, SESSION_IDLE_TIMEOUT)
}

/// [`router`] with sign-ins that expire after `idle` without a request.
pub fn router_with_session_timeout(
    client: Client,
    verifier: Option<WebhookVerifier>,
    idle: Duration,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let sessions = Sessions::memory(DEFAULT_SESSION_CAPACITY);
    let fleet = Fleet::in_memory("local");
    build_router(client, verifier, idle, fleet, sessions, PageLimit::On)
}

/// [`router`] without the settings page's own minting limit, so every
/// reload mints: for load tests of the mint path, never for an app.
pub fn router_without_page_limit(
    client: Client,
    verifier: Option<WebhookVerifier>,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let sessions = Sessions::memory(DEFAULT_SESSION_CAPACITY);
    let fleet = Fleet::in_memory("local");
    let idle = SESSION_IDLE_TIMEOUT;
    build_router(client, verifier, idle, fleet, sessions, PageLimit::Off)
}

/// Whether the settings page has its own minting limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageLimit {
    On,
    Off,
}

/// The demo's routes as one replica of `fleet`, its sign-ins in `sessions`.
fn build_router(
    client: Client,
    verifier: Option<WebhookVerifier>,
    idle: Duration,
    fleet: Fleet,
    sessions: Sessions,
    page_limit: PageLimit,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let server = webhooks::ServerState::default();
    // The app's tenant id comes from its own session; Scalekit's external-id
    // lookup maps it to the organization (cached briefly; links never are).
    let resolver: Resolver = resolve::by_external_id(client.clone(), tenant as fn(&Parts) -> _);
    let pages = Arc::new(pages::Pages::new(
        client.clone(),
        resolver.clone(),
        server.clone(),
        fleet.clone(),
        verifier.is_some(),
    )?);
    let frame_src: Arc<str> = client.config().portal_origin().into();
    let signed_in =
        |parts: &axum::http::request::Parts| parts.extensions.get::<DemoUser>().copied();
    let mut portal = PortalLinkLayer::new(client, resolver)
        // Signed in is not enough: only admins may configure single sign-on.
        .authorize(move |parts| signed_in(parts).is_some_and(|user| user.admin))
        // The browser's refresh calls: per organization (the default) and
        // per signed-in user.
        .with_refresh_limit(fleet.share(MintLimit::default().per_user(
            move |parts| signed_in(parts).map(|user| user.key.to_owned()),
            10,
            Duration::from_secs(6),
        )))
        .with_features([Feature::Sso, Feature::DirSync])
        .with_methods([axum::http::Method::GET]);
    if page_limit == PageLimit::On {
        // The settings page itself: reloading it mints too, so it has its own
        // budget per organization and per signed-in user.
        portal = portal.with_limit(fleet.share(MintLimit::default().per_user(
            move |parts| signed_in(parts).map(|user| user.key.to_owned()),
            10,
            Duration::from_secs(6),
        )));
    }

    let app = Router::new()
        .route("/settings", get(pages::settings))
        .route_layer(portal.clone())
        .merge(refresh_route(REFRESH_PATH, portal.refresh_endpoint()))
        .merge(status_route(STATUS_PATH, portal.status_endpoint()))
        .merge(handoff_route(HANDOFF_PATH, portal.handoff_endpoint()))
        .route(DELIVERIES_PATH, get(pages::deliveries))
        .route("/", get(pages::home))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/static/demo.css", get(pages::stylesheet))
        .route("/static/demo.js", get(pages::script))
        .with_state(pages)
        // The app's auth: the session layer, then the user it holds put in
        // the request extensions for the pages and the resolver.
        .layer(middleware::from_fn(session::load_user))
        .layer(session::layer(idle, sessions))
        .layer(middleware::from_fn_with_state(frame_src, security::headers))
        // The snippet's listener script: the same cached file for everyone,
        // outside the session layer.
        .merge(listener_route(ListenerAsset::new()));
    // Scalekit signs its deliveries and has no session: the webhook route
    // is merged after the session and page layers, so they do not wrap it.
    Ok(match verifier {
        Some(verifier) => {
            let store = fleet.webhook_store();
            let service = WebhookService::new(verifier, move |event: WebhookEvent| {
                let server = server.clone();
                let fleet = fleet.clone();
                async move {
                    tokio::time::sleep(fleet.handler_delay()).await;
                    // The shared record first: if it fails, the handler
                    // fails and Scalekit retries.
                    fleet.record(&event).await?;
                    let Ok(()) = server.on_event(event).await;
                    Ok::<_, scalekit_tower_stores::StoreFailure>(())
                }
            })
            .with_store(store);
            app.merge(webhook_route(WEBHOOK_PATH, service))
        }
        None => app,
    })
}

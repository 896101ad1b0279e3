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

mod fleet;
mod pages;
mod postgres_call;
mod security;
mod session;
mod session_store;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::request::Parts;
use axum::middleware;
use axum::routing::{get, post};
use scalekit_axum_extract::{refresh_route, status_route, webhook_route};
use scalekit_emulator::{Emulator, EmulatorBuilder};
use scalekit_tower::resolve::ExternalIdResolver;
use scalekit_tower::webhook::{WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier};
use scalekit_tower::{Client, Config, Feature, MintLimit, PortalLinkLayer, resolve};
use tokio::net::TcpListener;

pub use fleet::Fleet;
pub use session::{DEMO_USERS, DemoUser};

/// The path of the refresh endpoint.
pub const REFRESH_PATH: &str = "/settings/portal/refresh";
/// The path of the status endpoint.
pub const STATUS_PATH: &str = "/settings/portal/status";
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
}

/// A running demo.
#[derive(Debug)]
pub struct Demo {
    addr: SocketAddr,
    client: Client,
    emulator: Option<Emulator>,
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
    let replica = listener.local_addr()?.port().to_string();
    start_fleet(
        listener,
        upstream,
        webhook_secret,
        Fleet::in_memory(replica),
    )
    .await
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
            if let Some(secret) = webhook_secret {
                builder = builder.webhook_secret(secret);
            }
            let emulator = builder.start().await?;
            let webhook_secret = Some(emulator.webhook_secret().to_owned());
            let config = Config::builder()
                .environment_url(emulator.base_url())
                .client_id(emulator.client_id())
                .client_secret(emulator.client_secret())
                .timeout(Duration::from_secs(5))
                .build()?;
            (config, Some(emulator), webhook_secret)
        }
    };
    let verifier = match webhook_secret {
        Some(secret) => Some(WebhookVerifier::new(WebhookSecret::new(&secret)?)),
        None => None,
    };
    let client = Client::new(config)?;
    fleet.spawn_housekeeping();
    let router = router_in(client.clone(), verifier, SESSION_IDLE_TIMEOUT, fleet)?;
    let server = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(error = %err, "the demo server stopped");
        }
    });
    Ok(Demo {
        addr,
        client,
        emulator,
        server,
    })
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
    router_in(client, verifier, idle, Fleet::in_memory("local"))
}

/// [`router_with_session_timeout`] as one replica of `fleet`.
fn router_in(
    client: Client,
    verifier: Option<WebhookVerifier>,
    idle: Duration,
    fleet: Fleet,
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
    let portal = PortalLinkLayer::new(client, resolver)
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

    let app = Router::new()
        .route("/settings", get(pages::settings))
        .route_layer(portal.clone())
        .merge(refresh_route(REFRESH_PATH, portal.refresh_endpoint()))
        .merge(status_route(STATUS_PATH, portal.status_endpoint()))
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
        .layer(session::layer(idle, fleet.sessions()))
        .layer(middleware::from_fn_with_state(frame_src, security::headers));
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

//! The demo app: a small SaaS settings page that embeds Scalekit's admin
//! portal with `scalekit-tower`, exactly as a user of the kit would write it.
//!
//! - `/`: pick a demo user (a `tower-sessions` session, nothing more);
//! - `/settings`: the settings page, behind [`PortalLinkLayer`], with the
//!   portal snippet and a live log of the portal's events;
//! - `/settings/portal/refresh`: the refresh endpoint the snippet calls when
//!   the portal session expires.
//!
//! Only admins may open the portal (`PortalLinkLayer::authorize`): Dave, a
//! member of Acme who is not an admin, gets a 403 from the settings page and
//! the refresh endpoint, and nothing is minted for him. The refresh endpoint
//! is limited per organization and per signed-in user.
//!
//! With no `SCALEKIT_*` variables it runs against an in-process
//! [`scalekit_emulator::Emulator`]; with them, against real Scalekit.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! let demo = scalekit_demo::start(listener, scalekit_demo::Upstream::local()).await?;
//! println!("open {}", demo.url());
//! demo.serve_forever().await;
//! # Ok(()) }
//! ```

mod pages;
mod security;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use scalekit_axum_extract::refresh_route;
use scalekit_emulator::{Emulator, EmulatorBuilder};
use scalekit_tower::{Client, Config, Feature, MintLimit, PortalLinkLayer, resolve};
use tokio::net::TcpListener;

pub use session::{DEMO_USERS, DemoUser};

/// The path of the refresh endpoint.
pub const REFRESH_PATH: &str = "/settings/portal/refresh";

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

/// Starts the demo on `listener` against `upstream`.
pub async fn start(
    listener: TcpListener,
    upstream: Upstream,
) -> Result<Demo, Box<dyn std::error::Error + Send + Sync>> {
    let addr = listener.local_addr()?;
    let origin = format!("http://{addr}");
    let (config, emulator) = match upstream {
        Upstream::Scalekit(config) => (config, None),
        Upstream::Emulator(builder) => {
            let emulator = builder.allowed_parent_origin(origin).start().await?;
            let config = Config::builder()
                .environment_url(emulator.base_url())
                .client_id(emulator.client_id())
                .client_secret(emulator.client_secret())
                .timeout(Duration::from_secs(5))
                .build()?;
            (config, Some(emulator))
        }
    };
    let client = Client::new(config)?;
    let router = router(client.clone())?;
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

/// The demo's routes, for a client of any Scalekit.
pub fn router(client: Client) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    router_with_session_timeout(client, SESSION_IDLE_TIMEOUT)
}

/// [`router`] with sign-ins that expire after `idle` without a request.
pub fn router_with_session_timeout(
    client: Client,
    idle: Duration,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let pages = Arc::new(pages::Pages::new(client.config().portal_origin())?);
    let frame_src: Arc<str> = client.config().portal_origin().into();
    // The app's tenant id comes from its own session; Scalekit's external-id
    // lookup maps it to the organization (cached briefly; links never are).
    let resolver = resolve::by_external_id(client.clone(), |parts: &axum::http::request::Parts| {
        parts
            .extensions
            .get::<DemoUser>()
            .and_then(|user| user.tenant.map(str::to_owned))
    });
    let signed_in =
        |parts: &axum::http::request::Parts| parts.extensions.get::<DemoUser>().copied();
    let portal = PortalLinkLayer::new(client, resolver)
        // Signed in is not enough: only admins may configure single sign-on.
        .authorize(move |parts| signed_in(parts).is_some_and(|user| user.admin))
        // The browser's refresh calls: per organization (the default) and
        // per signed-in user.
        .with_refresh_limit(MintLimit::default().per_user(
            move |parts| signed_in(parts).map(|user| user.key.to_owned()),
            10,
            Duration::from_secs(6),
        ))
        .with_features([Feature::Sso, Feature::DirSync])
        .with_methods([axum::http::Method::GET]);

    Ok(Router::new()
        .route("/settings", get(pages::settings))
        .route_layer(portal.clone())
        .merge(refresh_route(REFRESH_PATH, portal.refresh_endpoint()))
        .route("/", get(pages::home))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/static/demo.css", get(pages::stylesheet))
        .route("/static/demo.js", get(pages::script))
        .with_state(pages)
        // The app's auth: the session layer, then the user it holds put in
        // the request extensions for the pages and the resolver.
        .layer(middleware::from_fn(session::load_user))
        .layer(session::layer(idle))
        .layer(middleware::from_fn_with_state(frame_src, security::headers)))
}

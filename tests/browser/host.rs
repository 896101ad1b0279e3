//! The host app of the browser tests: an axum settings page embedding the
//! portal exactly the way the README tells users to (the layer with a
//! resolver, the `PortalLink` extractor, the minijinja snippet, the refresh
//! and status routes, the listener asset), plus the event recorder and, on
//! request, a strict CSP.
//!
//! The snippet loads its listener from the cached asset; with
//! `SCALEKIT_SNIPPET=inline` (or [`HostOptions::inline`]) it is inline.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::{Environment, context};
use scalekit_axum_extract::{
    PortalLink, handoff_route, listener_route, refresh_route, status_route,
};
use scalekit_testkit::Served;
use scalekit_testkit::browser::EVENT_RECORDER_JS;
use scalekit_tower::template::{self, ListenerAsset, PortalEmbed};
use scalekit_tower::{Client, Feature, OrganizationId, PortalLinkLayer, resolve};

/// Where the refresh endpoint is mounted.
pub(crate) const REFRESH_PATH: &str = "/settings/portal/refresh";
/// Where the status endpoint is mounted.
pub(crate) const STATUS_PATH: &str = "/settings/portal/status";
/// Where the handoff (the portal in a new tab) is mounted.
pub(crate) const HANDOFF_PATH: &str = "/settings/portal/open";

/// How the host page is served.
#[derive(Debug, Clone)]
pub(crate) struct HostOptions {
    /// The organization every request belongs to.
    pub(crate) organization: OrganizationId,
    /// Send `Content-Security-Policy: default-src 'self'; script-src
    /// 'nonce-…'; frame-src <portal origin>; style-src 'self'` with a fresh
    /// nonce per response.
    pub(crate) csp: bool,
    /// The snippet's load timeout.
    pub(crate) load_timeout: Duration,
    /// The listener inline in the page instead of the cached asset.
    pub(crate) inline: bool,
}

impl HostOptions {
    pub(crate) fn new(organization: &str) -> Self {
        Self {
            organization: organization.parse().expect("a valid organization id"),
            csp: false,
            load_timeout: Duration::from_secs(15),
            inline: Self::default_inline(),
        }
    }

    /// Whether `SCALEKIT_SNIPPET=inline` asks for the inline listener.
    pub(crate) fn default_inline() -> bool {
        std::env::var("SCALEKIT_SNIPPET").is_ok_and(|mode| mode == "inline")
    }

    pub(crate) fn inline(mut self, inline: bool) -> Self {
        self.inline = inline;
        self
    }

    pub(crate) fn csp(mut self, csp: bool) -> Self {
        self.csp = csp;
        self
    }

    pub(crate) fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }
}

struct AppState {
    env: Environment<'static>,
    embed: PortalEmbed,
    csp: bool,
    portal_origin: String,
}

/// The settings page. `{{ recorder }}` is the test's event recorder; the
/// script without nonce at the end is the CSP probe (it must not run under
/// the CSP).
const SETTINGS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Single sign-on · Settings · Taskboard</title>
<link rel="stylesheet" href="/assets/settings.css">
<script{% if nonce %} nonce="{{ nonce }}"{% endif %}>{{ recorder }}</script>
</head>
<body>
<header class="topbar"><span class="brand">&#9635; Taskboard</span><span class="account">Dana Scully · Acme Corp</span></header>
<div class="layout">
<nav class="sidebar" aria-label="Settings">
<p class="sidebar-title">Organization settings</p>
<a href="/elsewhere">General</a>
<a href="/elsewhere">Members</a>
<a href="/elsewhere">Billing</a>
<a href="/settings" aria-current="page">Single sign-on</a>
<a href="/elsewhere">Audit log</a>
</nav>
<main>
<h1>Single sign-on &amp; directory sync</h1>
<p class="lead">Let your team sign in with your identity provider, and keep members in sync with your directory.</p>
{% include "scalekit/portal.html" %}
</main>
</div>
<script>window.__inlineWithoutNonce = true;</script>
</body>
</html>
"#;

const SETTINGS_CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2330; background: #f5f6fa; }
.topbar { display: flex; justify-content: space-between; align-items: center; height: 52px; padding: 0 24px; background: #1f2330; color: #fff; }
.brand { font-weight: 700; letter-spacing: .02em; }
.account { font-size: 13px; opacity: .8; }
.layout { display: flex; }
.sidebar { width: 220px; padding: 24px 12px; border-right: 1px solid #e3e5ec; min-height: calc(100vh - 52px); background: #fff; }
.sidebar-title { margin: 0 12px 8px; font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: #7a8094; }
.sidebar a { display: block; padding: 7px 12px; border-radius: 6px; color: #3b4152; text-decoration: none; }
.sidebar a[aria-current] { background: #eef0ff; color: #3d43d8; font-weight: 600; }
main { flex: 1; padding: 28px 36px; max-width: 1000px; }
h1 { margin: 0 0 4px; font-size: 22px; }
.lead { margin: 0 0 20px; color: #5b6175; }
.scalekit-portal-frame { display: block; width: 100%; border: 1px solid #e3e5ec; border-radius: 10px; background: #fff; }
.scalekit-portal-status { margin-top: 12px; padding: 12px 16px; border: 1px solid #f0c36d; border-radius: 8px; background: #fff8e6; }
.scalekit-portal-message { margin: 0 0 8px; }
[hidden] { display: none !important; }
"#;

const ELSEWHERE_HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>General · Settings</title></head>
<body><h1>General settings</h1><a id="to-settings" href="/settings">Single sign-on</a></body></html>
"#;

/// A random CSP nonce (128 bits, hex).
fn nonce() -> String {
    format!("{:032x}", fastrand::u128(..))
}

async fn settings(State(state): State<Arc<AppState>>, link: Option<PortalLink>) -> Response {
    let nonce = state.csp.then(nonce);
    let mut embed = state.embed.clone();
    if let Some(nonce) = &nonce {
        embed = embed.with_nonce(nonce.clone());
    }
    let html = state
        .env
        .get_template("settings.html")
        .and_then(|t| {
            t.render(context! {
                scalekit => template::context(link.as_deref(), &embed),
                nonce => nonce.as_deref(),
                recorder => minijinja::Value::from_safe_string(EVENT_RECORDER_JS.to_owned()),
            })
        })
        .expect("the settings page renders");
    let mut response = Html(html).into_response();
    if let Some(nonce) = &nonce {
        let csp = format!(
            "default-src 'self'; script-src 'nonce-{nonce}'; frame-src {}; style-src 'self'",
            state.portal_origin
        );
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).expect("a valid header"),
        );
    }
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        SETTINGS_CSS,
    )
}

async fn elsewhere() -> Html<&'static str> {
    Html(ELSEWHERE_HTML)
}

/// Serves the host app for `client` (whose environment is at `portal_origin`).
pub(crate) async fn serve(client: Client, portal_origin: &str, options: HostOptions) -> Served {
    let mut env = Environment::new();
    template::register(&mut env).expect("the snippets register");
    env.add_template("settings.html", SETTINGS_HTML)
        .expect("the settings page parses");
    let asset = ListenerAsset::new();
    let embed = PortalEmbed::new()
        .with_refresh_url(REFRESH_PATH)
        .with_status_url(STATUS_PATH)
        .with_handoff_url(HANDOFF_PATH)
        .with_height(640)
        .with_load_timeout(options.load_timeout);
    let state = Arc::new(AppState {
        env,
        embed: match options.inline {
            true => embed.with_inline_listener(),
            false => embed.with_listener_url(asset.url()),
        },
        csp: options.csp,
        portal_origin: portal_origin.to_owned(),
    });
    let portal = PortalLinkLayer::new(client, resolve::fixed(options.organization))
        .with_features([Feature::Sso, Feature::DirSync]);
    let router = Router::new()
        .route("/settings", get(settings))
        .route_layer(portal.clone())
        .route("/assets/settings.css", get(stylesheet))
        .route("/elsewhere", get(elsewhere))
        .merge(refresh_route(REFRESH_PATH, portal.refresh_endpoint()))
        .merge(status_route(STATUS_PATH, portal.status_endpoint()))
        .merge(handoff_route(HANDOFF_PATH, portal.handoff_endpoint()))
        .merge(listener_route(asset))
        .with_state(state);
    Served::axum(router).await
}

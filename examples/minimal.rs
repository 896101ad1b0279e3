//! The smallest axum app that embeds the admin portal.
//!
//! Against the local emulator, in two terminals:
//!
//! ```sh
//! # 1. The emulator, allowing this app's origin to embed its portal:
//! cargo run -p scalekit-emulator -- --allow-origin http://127.0.0.1:3000
//! # 2. Export the SCALEKIT_* lines it printed, then:
//! SCALEKIT_ORGANIZATION_ID=org_70400000000000001 cargo run --example minimal
//! # open http://127.0.0.1:3000/settings
//! ```
//!
//! Against Scalekit: export your environment's `SCALEKIT_ENVIRONMENT_URL`,
//! `SCALEKIT_CLIENT_ID` and `SCALEKIT_CLIENT_SECRET`, set
//! `SCALEKIT_ORGANIZATION_ID` to one of its organizations, and register
//! `http://127.0.0.1:3000` as an allowed redirect URL in the dashboard.
//! `PORT` picks another port than 3000 (then allow that origin instead).
use axum::{Router, response::Html, routing::get};
use scalekit_axum_extract::{
    PortalLink, handoff_route, listener_route, refresh_route, status_route,
};
use scalekit_tower::template::{ListenerAsset, PortalEmbed, render_portal};
use scalekit_tower::{Client, OrganizationId, PortalLinkLayer, resolve};

/// Where a link to open the portal in a new tab points (the snippet offers
/// it too when the frame cannot load).
const HANDOFF_URL: &str = PortalEmbed::DEFAULT_HANDOFF_URL;

/// The settings page; the snippet's refresh, status and listener URLs are
/// the defaults mounted in `run`.
async fn settings(PortalLink(link): PortalLink) -> Html<String> {
    let portal = render_portal(Some(&link), &PortalEmbed::new());
    // `concat` sizes the page once; `format!` would grow it three times.
    Html(
        [
            "<!doctype html><title>Settings</title><h1>Single sign-on</h1>",
            &portal,
            "<p><a href=\"",
            HANDOFF_URL,
            "\" target=\"_blank\">Open in a new tab</a></p>",
        ]
        .concat(),
    )
}

/// A required environment variable, or an error naming it and what to set.
fn required(name: &str, what: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| format!("{name} is not set: set it to {what}"))
}

async fn run() -> Result<(), String> {
    let client = Client::from_env().map_err(|err| {
        format!("{err} (against the emulator: export the SCALEKIT_* lines it printed)")
    })?;
    // A real app resolves the organization from its session; see resolve::from_extension.
    let org: OrganizationId = required(
        "SCALEKIT_ORGANIZATION_ID",
        "the organization whose portal to show (the emulator's Acme Corp is org_70400000000000001)",
    )?
    .parse()
    .map_err(|err| format!("SCALEKIT_ORGANIZATION_ID: {err}"))?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT is not a port number: {port:?}"))?,
        Err(_) => 3000,
    };
    let portal = PortalLinkLayer::new(client, resolve::fixed(org));

    // Only the settings page mints; the snippet's endpoints sit beside it.
    let app = Router::new()
        .route("/settings", get(settings))
        .route_layer(portal.clone())
        .merge(refresh_route(
            PortalEmbed::DEFAULT_REFRESH_URL,
            portal.refresh_endpoint(),
        ))
        .merge(status_route(
            PortalEmbed::DEFAULT_STATUS_URL,
            portal.status_endpoint(),
        ))
        .merge(handoff_route(HANDOFF_URL, portal.handoff_endpoint()))
        // The snippet's listener script, a cached file.
        .merge(listener_route(ListenerAsset::new()));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|err| {
            format!("cannot listen on 127.0.0.1:{port} ({err}): set PORT to a free port")
        })?;
    println!("open http://127.0.0.1:{port}/settings");
    axum::serve(listener, app)
        .await
        .map_err(|err| err.to_string())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

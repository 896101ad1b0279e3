//! The smallest axum app that embeds the admin portal.
//!
//! ```sh
//! # With real credentials in SCALEKIT_* (or: `cargo run -p scalekit-emulator` and export what it prints)
//! SCALEKIT_ORGANIZATION_ID=org_... cargo run --example minimal
//! ```
use axum::{Router, response::Html, routing::get};
use scalekit_axum_extract::{PortalLink, listener_route, refresh_route};
use scalekit_tower::template::{ListenerAsset, PortalEmbed, render_portal};
use scalekit_tower::{Client, OrganizationId, PortalLinkLayer, resolve};

async fn settings(PortalLink(link): PortalLink) -> Html<String> {
    // Its refresh URL is PortalEmbed::DEFAULT_REFRESH_URL; its listener
    // script is the ListenerAsset mounted below.
    let embed = PortalEmbed::new();
    Html(format!(
        "<!doctype html><title>Settings</title><h1>Single sign-on</h1>{}",
        render_portal(Some(&link), &embed)
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    // A real app resolves the organization from its session; see resolve::from_extension.
    let org: OrganizationId = std::env::var("SCALEKIT_ORGANIZATION_ID")?.parse()?;
    let portal = PortalLinkLayer::new(client, resolve::fixed(org));

    let app = Router::new()
        .route("/settings", get(settings))
        .route_layer(portal.clone())
        .merge(refresh_route(
            PortalEmbed::DEFAULT_REFRESH_URL,
            portal.refresh_endpoint(),
        ))
        .merge(listener_route(ListenerAsset::new()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("open http://127.0.0.1:3000/settings");
    axum::serve(listener, app).await?;
    Ok(())
}

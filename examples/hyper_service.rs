//! The portal-link layer in a plain hyper server, without axum.
//!
//! Runs against a local emulator it starts itself:
//!
//! ```sh
//! cargo run --example hyper_service
//! curl -i http://127.0.0.1:3001/
//! ```

use std::convert::Infallible;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use scalekit_emulator::{Emulator, demo};
use scalekit_tower::template::{PortalEmbed, render_portal};
use scalekit_tower::{Client, Config, PortalLink, PortalLinkLayer, resolve};
use tower::ServiceBuilder;

/// The handler: renders the portal snippet for the link the layer minted.
async fn settings(request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let link = request.extensions().get::<PortalLink>();
    // One self-contained page: the listener inline, no asset route to serve.
    let html = render_portal(link, &PortalEmbed::new().with_inline_listener());
    Ok(Response::builder()
        .header("content-type", "text/html; charset=utf-8")
        .body(format!("<!doctype html><title>Settings</title>{html}"))
        .expect("static headers are valid"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .allowed_parent_origin("http://127.0.0.1:3001")
        .start()
        .await?;
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .timeout(Duration::from_secs(5))
        .build()?;
    let layer = PortalLinkLayer::new(Client::new(config)?, resolve::fixed(demo::ACME_ID.parse()?));
    let service = ServiceBuilder::new().layer(layer).service_fn(settings);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
    println!(
        "Serving on http://127.0.0.1:3001/ against the local Scalekit emulator at {}",
        emulator.base_url()
    );
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {err}");
            }
        });
    }
}

//! The portal-link layer in a plain hyper server, without axum: a small
//! router sends `/settings` through the layer (the only path that mints a
//! link), serves the snippet's refresh, status and handoff endpoints beside
//! it, and answers every other path without asking Scalekit.
//!
//! On its own it starts a local emulator in-process, allowing this app's
//! origin to embed the portal:
//!
//! ```sh
//! cargo run --example hyper_service
//! # open http://127.0.0.1:3001/settings
//! ```
//!
//! Against an emulator of your own (or Scalekit), export its `SCALEKIT_*`
//! lines and the organization to show; the emulator must allow this origin:
//!
//! ```sh
//! cargo run -p scalekit-emulator -- --allow-origin http://127.0.0.1:3001
//! # export the SCALEKIT_* lines it printed, then:
//! SCALEKIT_ORGANIZATION_ID=org_70400000000000001 cargo run --example hyper_service
//! ```
//!
//! `PORT` picks another port than 3001 (then allow that origin instead).

use std::convert::Infallible;
use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use scalekit_emulator::{Emulator, demo};
use scalekit_tower::resolve::{self, Fixed};
use scalekit_tower::template::{PortalEmbed, render_portal};
use scalekit_tower::{Client, Config, OrganizationId, PortalLink, PortalLinkLayer};
use tower::{ServiceBuilder, ServiceExt};

/// Where a link to open the portal in a new tab points.
const HANDOFF_URL: &str = PortalEmbed::DEFAULT_HANDOFF_URL;

/// The settings page: renders the portal snippet for the link the layer minted.
async fn settings(request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let link = request.extensions().get::<PortalLink>();
    // One self-contained page: the listener inline, no asset route to serve.
    let embed = PortalEmbed::new().with_inline_listener();
    Ok(html(
        StatusCode::OK,
        format!(
            "<!doctype html><title>Settings</title><h1>Single sign-on</h1>{}\
             <p><a href=\"{HANDOFF_URL}\" target=\"_blank\">Open in a new tab</a></p>",
            render_portal(link, &embed)
        ),
    ))
}

fn html(status: StatusCode, body: String) -> Response<String> {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(body)
        .expect("static headers are valid")
}

/// The app's routes, by path: what a real app's router does.
async fn route(
    portal: PortalLinkLayer<Fixed>,
    request: Request<Incoming>,
) -> Result<Response<String>, Infallible> {
    match request.uri().path() {
        "/settings" => {
            ServiceBuilder::new()
                .layer(portal)
                .service_fn(settings)
                .oneshot(request)
                .await
        }
        PortalEmbed::DEFAULT_REFRESH_URL => portal.refresh_endpoint().oneshot(request).await,
        PortalEmbed::DEFAULT_STATUS_URL => portal.status_endpoint().oneshot(request).await,
        HANDOFF_URL => portal.handoff_endpoint().oneshot(request).await,
        "/" => Ok(html(
            StatusCode::OK,
            "<!doctype html><title>Home</title><a href=\"/settings\">Settings</a>".to_owned(),
        )),
        _ => Ok(html(StatusCode::NOT_FOUND, "Not found".to_owned())),
    }
}

/// A required environment variable, or an error naming it and what to set.
fn required(name: &str, what: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| format!("{name} is not set: set it to {what}"))
}

/// The client and organization: from `SCALEKIT_*` when
/// `SCALEKIT_ENVIRONMENT_URL` is set, else from an emulator started here
/// (kept alive by the returned handle).
async fn upstream(port: u16) -> Result<(Client, OrganizationId, Option<Emulator>), String> {
    if std::env::var_os("SCALEKIT_ENVIRONMENT_URL").is_some() {
        let client = Client::from_env().map_err(|err| {
            format!("{err} (against the emulator: export the SCALEKIT_* lines it printed)")
        })?;
        let org = required(
            "SCALEKIT_ORGANIZATION_ID",
            "the organization whose portal to show (the emulator's Acme Corp is org_70400000000000001)",
        )?
        .parse()
        .map_err(|err| format!("SCALEKIT_ORGANIZATION_ID: {err}"))?;
        return Ok((client, org, None));
    }
    let emulator = Emulator::builder()
        .allowed_parent_origin(format!("http://127.0.0.1:{port}"))
        .start()
        .await
        .map_err(|err| format!("cannot start the local emulator: {err}"))?;
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|err| err.to_string())?;
    let client = Client::new(config).map_err(|err| err.to_string())?;
    let org = demo::ACME_ID.parse().map_err(|err| format!("{err}"))?;
    println!(
        "against the local Scalekit emulator at {}",
        emulator.base_url()
    );
    Ok((client, org, Some(emulator)))
}

async fn run() -> Result<(), String> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT is not a port number: {port:?}"))?,
        Err(_) => 3001,
    };
    let (client, org, _emulator) = upstream(port).await?;
    let portal = PortalLinkLayer::new(client, resolve::fixed(org));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|err| {
            format!("cannot listen on 127.0.0.1:{port} ({err}): set PORT to a free port")
        })?;
    println!("open http://127.0.0.1:{port}/settings");
    loop {
        let (stream, _) = listener
            .accept()
            .await
            .map_err(|err| format!("accepting a connection: {err}"))?;
        let portal = portal.clone();
        let service = hyper::service::service_fn(move |request| route(portal.clone(), request));
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

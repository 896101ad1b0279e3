//! The layer serves a plain hyper connection (no axum) and hands the handler a link.

use std::convert::Infallible;
use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::Upstream;
use scalekit_tower::{PortalLink, PortalLinkLayer, resolve};
use tower::ServiceBuilder;

async fn handler(request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let body = match request.extensions().get::<PortalLink>() {
        Some(link) => link.location().to_string(),
        None => "no link".to_owned(),
    };
    Ok(Response::new(body))
}

#[tokio::test]
async fn hyper_serves_the_layer_and_the_handler_gets_a_link() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let layer = PortalLinkLayer::new(
        upstream.client.clone(),
        resolve::fixed(demo::ACME_ID.parse().unwrap()),
    );
    let service = ServiceBuilder::new().layer(layer).service_fn(handler);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });

    let http = reqwest::Client::new();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let response = http.get(format!("http://{addr}/")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body = response.text().await.unwrap();
        assert!(
            body.starts_with(&format!("{}/magicLink/", upstream.emulator.base_url())),
            "{body}"
        );
        seen.push(body);
    }
    assert_ne!(seen[0], seen[1]);
    assert_eq!(upstream.emulator.stats().links_minted_for(demo::ACME_ID), 2);
    server.abort();
}

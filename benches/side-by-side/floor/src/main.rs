//! The floor of `benches/side-by-side/run.sh`: the settings page written by
//! hand, without the kit. One token fetched at start (client credentials),
//! then per page one plain `reqwest` PUT to the same `portal_links` endpoint
//! the kit calls, the JSON read, and a small page with the iframe. No retries,
//! no token refresh, no checks: what the kit is measured against.
//!
//! Reads the `SCALEKIT_*` lines the emulator prints and
//! `SCALEKIT_ORGANIZATION_ID`; listens on 127.0.0.1:`PORT` (default 0, a
//! free port) and prints `open http://ADDR/settings`.
use axum::{Router, extract::State, response::Html, routing::get};
use serde::Deserialize;

#[derive(Clone)]
struct Floor {
    http: reqwest::Client,
    url: String,
    authorization: String,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Deserialize)]
struct Answer {
    link: Link,
}

#[derive(Deserialize)]
struct Link {
    location: String,
}

async fn settings(State(floor): State<Floor>) -> Html<String> {
    let answer: Answer = floor
        .http
        .put(&floor.url)
        .header("authorization", &floor.authorization)
        .send()
        .await
        .and_then(|response| response.error_for_status())
        .expect("portal_links answers 200")
        .json()
        .await
        .expect("a portal link");
    Html(format!(
        "<!doctype html><title>Settings</title><h1>Single sign-on</h1>\
         <iframe src=\"{}\" title=\"Admin portal\" style=\"width:100%;height:640px;border:0\"></iframe>",
        answer.link.location
    ))
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

#[tokio::main]
async fn main() {
    let (environment, org) = (
        var("SCALEKIT_ENVIRONMENT_URL"),
        var("SCALEKIT_ORGANIZATION_ID"),
    );
    let http = reqwest::Client::new();
    let token: Token = http
        .post(format!("{environment}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &var("SCALEKIT_CLIENT_ID")),
            ("client_secret", &var("SCALEKIT_CLIENT_SECRET")),
        ])
        .send()
        .await
        .and_then(|response| response.error_for_status())
        .expect("the token endpoint answers 200")
        .json()
        .await
        .expect("a token");
    let floor = Floor {
        http,
        url: format!("{environment}/api/v1/organizations/{org}/portal_links"),
        authorization: format!("Bearer {}", token.access_token),
    };
    let port = std::env::var("PORT").map_or(0, |port| port.parse().expect("PORT is a port"));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("a free port");
    println!("open http://{}/settings", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/settings", get(settings))
        .with_state(floor);
    axum::serve(listener, app).await.unwrap();
}

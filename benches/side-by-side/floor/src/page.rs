//! The floor's settings page: what `benches/side-by-side/run.sh` runs (in
//! `main.rs`) and `benches/page_cost.rs` counts (it includes this file).
//! One token fetched at start (client credentials), then per page one plain
//! `reqwest` PUT to the `portal_links` endpoint the kit calls, the JSON read
//! into a struct, and a small page with the iframe. No retries, no token
//! refresh, no checks: what the kit is measured against.
use axum::{extract::State, response::Html};
use serde::Deserialize;

/// What every page needs: the HTTP client, the endpoint and the token.
#[derive(Clone)]
pub(crate) struct Floor {
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

impl Floor {
    /// Fetches the token the pages use, for `organization`.
    pub(crate) async fn start(
        environment: &str,
        client_id: &str,
        client_secret: &str,
        organization: &str,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::new();
        let token: Token = http
            .post(format!("{environment}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", client_secret),
            ])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(Self {
            http,
            url: format!("{environment}/api/v1/organizations/{organization}/portal_links"),
            authorization: format!("Bearer {}", token.access_token),
        })
    }
}

/// `GET /settings`: one fresh link, one page.
pub(crate) async fn settings(State(floor): State<Floor>) -> Html<String> {
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

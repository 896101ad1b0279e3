//! Helpers shared by the integration tests: a plain reqwest client and a few
//! calls spelled out as a Scalekit client would make them.
#![allow(dead_code, unreachable_pub)]

pub mod browser;
pub mod https;
pub mod sdk;
pub mod webhooks;

use reqwest::{Client, Method, Response, StatusCode};
use scalekit_emulator::Emulator;
use serde_json::{Value, json};

pub mod schema;

/// A client without a global timeout (tests that need one set it per request).
pub fn http() -> Client {
    Client::builder().build().expect("client")
}

/// `POST /oauth/token` with the given credentials.
/// The body of a GET to `url`, as text.
pub async fn get_text(url: &str) -> String {
    http().get(url).send().await.unwrap().text().await.unwrap()
}

pub async fn token_request(emu: &Emulator, client_id: &str, secret: &str) -> Response {
    http()
        .post(emu.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("token request")
}

/// A valid access token.
pub async fn token(emu: &Emulator) -> String {
    let response = token_request(emu, emu.client_id(), emu.client_secret()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// `PUT .../portal_links` with the query string as given (e.g. `features=sso`).
pub async fn mint(emu: &Emulator, token: &str, org: &str, query: &str) -> Response {
    let mut url = emu.url(&format!("/api/v1/organizations/{org}/portal_links"));
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    http()
        .put(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("portal_links request")
}

/// Mints a link and returns its `location`.
pub async fn mint_location(emu: &Emulator, token: &str, org: &str, query: &str) -> String {
    let response = mint(emu, token, org, query).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("link json");
    body["link"]["location"]
        .as_str()
        .expect("location")
        .to_owned()
}

/// An authenticated GET returning status and JSON body.
pub async fn get_json(emu: &Emulator, token: &str, path: &str) -> (StatusCode, Value) {
    let response = http()
        .get(emu.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    (status, response.json().await.expect("json body"))
}

/// Checks the REST error shape and returns the body.
pub async fn assert_error(response: Response, status: u16, code: u64) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("error json");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(
        body["details"][0]["@type"], "type.googleapis.com/scalekit.v1.errdetails.ErrorInfo",
        "{body}"
    );
    assert!(body["details"][0]["error_code"].is_string(), "{body}");
    body
}

/// The JSON object in `<script type="application/json" id="portal-config">`.
pub fn portal_config(html: &str) -> Value {
    let start_tag = r#"<script type="application/json" id="portal-config">"#;
    let start = html.find(start_tag).expect("config script") + start_tag.len();
    let end = start + html[start..].find("</script>").expect("end of config");
    serde_json::from_str(&html[start..end]).expect("config json")
}

/// The `frame-ancestors` directive of a response's CSP.
pub fn frame_ancestors(response: &Response) -> String {
    let csp = response
        .headers()
        .get("content-security-policy")
        .expect("CSP header")
        .to_str()
        .expect("ascii CSP");
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-ancestors "))
        .expect("frame-ancestors directive")
        .to_owned()
}

/// Mints a link for `org` and loads it: (response headers' frame-ancestors, html).
pub async fn open_portal(emu: &Emulator, org: &str, query: &str) -> (String, String) {
    let token = token(emu).await;
    let location = mint_location(emu, &token, org, query).await;
    let response = http().get(&location).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let ancestors = frame_ancestors(&response);
    (ancestors, response.text().await.unwrap())
}

pub async fn toggle(
    emu: &Emulator,
    config: &Value,
    feature: &str,
    enabled: bool,
) -> reqwest::Response {
    let session = &config["session"];
    http()
        .post(emu.url(session["toggleUrl"].as_str().unwrap()))
        .header("x-portal-session", session["secret"].as_str().unwrap())
        .json(&json!({"feature": feature, "enabled": enabled}))
        .send()
        .await
        .unwrap()
}

/// An authenticated call with an optional JSON body.
pub async fn call(
    emu: &Emulator,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let request = http().request(method, emu.url(path)).bearer_auth(token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.unwrap()
}

/// Asserts the status and returns the JSON body.
pub async fn ok_json(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

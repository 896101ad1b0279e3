//! The layer, the extractor and the refresh endpoint in an axum app, served on
//! loopback, against the emulator.

use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{HeaderMap, StatusCode};
use scalekit_axum_extract::{PortalLink, PortalLinkRejection, refresh_route};
use scalekit_emulator::{Emulator, FaultScope, demo};
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::{Client, Feature, OrganizationId, PortalLinkLayer, resolve};

/// What the test app's auth middleware puts in the extensions.
#[derive(Clone)]
struct User {
    org: OrganizationId,
}

/// "Authenticates" `Authorization: Bearer acme|globex`.
async fn auth(mut request: Request, next: Next) -> Response {
    let org = match request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    {
        Some("Bearer acme") => Some(demo::ACME_ID),
        Some("Bearer globex") => Some(demo::GLOBEX_ID),
        _ => None,
    };
    if let Some(org) = org {
        request.extensions_mut().insert(User {
            org: org.parse().unwrap(),
        });
    }
    next.run(request).await
}

async fn settings(PortalLink(link): PortalLink) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "location": link.location().as_str(), "id": link.id() }))
}

async fn optional(link: Option<PortalLink>) -> String {
    match link {
        Some(link) => format!("link {}", link.location()),
        None => "no link".into(),
    }
}

async fn fallback(link: Result<PortalLink, PortalLinkRejection>) -> Response {
    match link {
        Ok(_) => "portal".into_response(),
        Err(rejection) => {
            format!("fallback page ({})", rejection.status().as_u16()).into_response()
        }
    }
}

async fn cached_settings(PortalLink(_): PortalLink) -> impl IntoResponse {
    ([("cache-control", "max-age=600")], "cacheable?")
}

async fn private_settings(PortalLink(_): PortalLink) -> impl IntoResponse {
    (
        [("cache-control", "private, no-store, max-age=0")],
        "private",
    )
}

fn app(client: Client) -> Router {
    let portal = PortalLinkLayer::new(
        client,
        resolve::from_extension(|user: &User| Some(user.org.clone())),
    )
    .with_features([Feature::Sso, Feature::DirSync]);
    Router::new()
        .route("/settings", get(settings))
        .route("/settings/optional", get(optional))
        .route("/settings/fallback", get(fallback))
        .route("/settings/cached", get(cached_settings))
        .route("/settings/private", get(private_settings))
        .route_layer(portal.clone())
        .route("/unlayered", get(settings))
        .merge(refresh_route("/portal/refresh", portal.refresh_endpoint()))
        .layer(middleware::from_fn(auth))
}

struct Harness {
    upstream: Upstream,
    app: Served,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        Self::start_with_timeout(Duration::from_secs(5)).await
    }

    async fn start_with_timeout(timeout: Duration) -> Self {
        let upstream = Upstream::start(Emulator::builder(), timeout).await;
        let app = Served::axum(app(upstream.client.clone())).await;
        Self {
            upstream,
            app,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str, user: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(self.app.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(user);
        }
        request.send().await.unwrap()
    }

    fn minted(&self, org: &str) -> u64 {
        self.upstream.emulator.stats().links_minted_for(org)
    }
}

#[tokio::test]
async fn every_request_gets_a_new_link_and_no_store() {
    let h = Harness::start().await;
    let mut locations = Vec::new();
    for _ in 0..3 {
        let response = h.get("/settings", Some("acme")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        locations.push(body["location"].as_str().unwrap().to_owned());
    }
    locations.dedup();
    assert_eq!(locations.len(), 3, "a link is never reused");
    assert_eq!(h.minted(demo::ACME_ID), 3);
}

#[tokio::test]
async fn head_mints_nothing() {
    let h = Harness::start().await;
    let response = h
        .http
        .head(h.app.url("/settings"))
        .bearer_auth("acme")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(h.upstream.emulator.stats().requests_seen, 0);
}

#[tokio::test]
async fn handlers_cache_control_is_replaced_unless_it_forbids_storing() {
    let h = Harness::start().await;
    let cached = h.get("/settings/cached", Some("acme")).await;
    assert_eq!(cached.headers()["cache-control"], "no-store");
    let private = h.get("/settings/private", Some("acme")).await;
    assert_eq!(
        private.headers()["cache-control"],
        "private, no-store, max-age=0"
    );
}

#[tokio::test]
async fn a_route_without_the_layer_says_which_layer_to_add() {
    let h = Harness::start().await;
    let response = h.get("/unlayered", Some("acme")).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("PortalLinkLayer") && text.contains("route_layer"),
        "{text}"
    );
}

#[tokio::test]
async fn a_user_without_organization_is_forbidden() {
    let h = Harness::start().await;
    let response = h.get("/settings", None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("organization"));
    assert_eq!(
        h.get("/settings/optional", None)
            .await
            .text()
            .await
            .unwrap(),
        "no link"
    );
    assert_eq!(
        h.get("/settings/fallback", None)
            .await
            .text()
            .await
            .unwrap(),
        "fallback page (403)"
    );
    assert_eq!(h.upstream.emulator.stats().requests_seen, 0);
}

async fn status_and_retry_after(
    response: reqwest::Response,
) -> (StatusCode, Option<String>, String) {
    let status = response.status();
    let retry_after = header(response.headers(), "retry-after");
    (status, retry_after, response.text().await.unwrap())
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn upstream_failures_become_typed_rejections() {
    let h = Harness::start_with_timeout(Duration::from_millis(600)).await;
    let faults = h.upstream.emulator.faults();

    faults.fail_next_with_retry_after(FaultScope::Api, 1, 429, Duration::from_secs(30));
    let (status, retry_after, text) =
        status_and_retry_after(h.get("/settings", Some("acme")).await).await;
    assert_eq!(
        (status, retry_after.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("30"))
    );
    assert!(text.contains("try again"), "{text}");

    faults.fail_next_with_retry_after(FaultScope::Api, 10, 503, Duration::from_secs(20));
    let (status, retry_after, _) =
        status_and_retry_after(h.get("/settings", Some("acme")).await).await;
    assert_eq!(
        (status, retry_after.as_deref()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("20"))
    );
    faults.clear();

    faults.fail_next(FaultScope::Api, 1, 500);
    let (status, retry_after, text) =
        status_and_retry_after(h.get("/settings", Some("acme")).await).await;
    assert_eq!((status, retry_after), (StatusCode::BAD_GATEWAY, None));
    assert!(text.contains("Scalekit"), "{text}");

    faults.hang_next(FaultScope::Api, 1);
    let (status, _, _) = status_and_retry_after(h.get("/settings", Some("acme")).await).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);

    // The handler's own fallback instead of a rejection.
    faults.fail_next(FaultScope::Api, 1, 500);
    assert_eq!(
        h.get("/settings/fallback", Some("acme"))
            .await
            .text()
            .await
            .unwrap(),
        "fallback page (502)"
    );
    faults.fail_next(FaultScope::Api, 1, 500);
    assert_eq!(
        h.get("/settings/optional", Some("acme"))
            .await
            .text()
            .await
            .unwrap(),
        "no link"
    );

    // Once the faults are gone the next request works, nothing restarted.
    let response = h.get("/settings", Some("acme")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_user_only_ever_gets_links_for_their_own_organization() {
    let h = Harness::start().await;
    for round in 0..3 {
        for (user, org, name) in [
            ("acme", demo::ACME_ID, "Acme Corp"),
            ("globex", demo::GLOBEX_ID, "Globex"),
        ] {
            let before = (h.minted(demo::ACME_ID), h.minted(demo::GLOBEX_ID));
            // A header naming the other organization changes nothing: the
            // resolver reads the authenticated session only.
            let response = h
                .http
                .get(h.app.url("/settings"))
                .bearer_auth(user)
                .header("x-organization-id", demo::INITECH_ID)
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = response.json().await.unwrap();
            let after = (h.minted(demo::ACME_ID), h.minted(demo::GLOBEX_ID));
            let expected = if org == demo::ACME_ID {
                (before.0 + 1, before.1)
            } else {
                (before.0, before.1 + 1)
            };
            assert_eq!(after, expected, "round {round}, user {user}");
            let page = reqwest::get(body["location"].as_str().unwrap())
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains(name), "{user}'s portal shows {name}");
            // The refresh endpoint applies the same resolver.
            let refreshed: serde_json::Value = h
                .get("/portal/refresh", Some(user))
                .await
                .json()
                .await
                .unwrap();
            let page = reqwest::get(refreshed["location"].as_str().unwrap())
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                page.contains(name),
                "{user}'s refreshed portal shows {name}"
            );
        }
    }
    assert_eq!(h.minted(demo::INITECH_ID), 0);
}

#[tokio::test]
async fn the_refresh_endpoint_answers_json_without_cors_and_refuses_cross_site() {
    let h = Harness::start().await;
    let own_origin = url::Url::parse(&h.app.url("/"))
        .unwrap()
        .origin()
        .ascii_serialization();
    let response = h
        .http
        .get(h.app.url("/portal/refresh"))
        .bearer_auth("acme")
        .header("origin", own_origin)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["content-type"], "application/json");
    assert!(
        headers
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{headers:?}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    let location = body["location"].as_str().unwrap();
    assert!(location.starts_with(&format!("{}/magicLink/", h.upstream.emulator.base_url())));
    let expires_at = body["expires_at"].as_str().unwrap();
    time::OffsetDateTime::parse(expires_at, &time::format_description::well_known::Rfc3339)
        .expect("expires_at is RFC 3339");

    for site in ["cross-site", "same-site"] {
        let response = h
            .http
            .get(h.app.url("/portal/refresh"))
            .bearer_auth("acme")
            .header("sec-fetch-site", site)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{site}");
    }
    // A browser without Sec-Fetch-Site still sends Origin: another one is
    // refused, and so is one that contradicts Sec-Fetch-Site.
    for site in [None, Some("same-origin")] {
        let mut request = h
            .http
            .get(h.app.url("/portal/refresh"))
            .bearer_auth("acme")
            .header("origin", "https://evil.test");
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{site:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "cross_origin_request");
    }
    let post = h
        .http
        .post(h.app.url("/portal/refresh"))
        .bearer_auth("acme")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    let anonymous = h.get("/portal/refresh", None).await;
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        anonymous.json::<serde_json::Value>().await.unwrap()["error"],
        "no_organization"
    );
    // Only the one successful request minted.
    assert_eq!(h.minted(demo::ACME_ID), 1);
}

#[tokio::test]
async fn the_refresh_endpoint_reports_upstream_trouble() {
    let h = Harness::start().await;
    h.upstream.emulator.faults().fail_next_with_retry_after(
        FaultScope::Api,
        1,
        429,
        Duration::from_secs(9),
    );
    let response = h.get("/portal/refresh", Some("acme")).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "9");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"error": "rate_limited"}));
}

//! The status endpoint on a real axum server: the server-read truth after a
//! portal toggle, refusals before any upstream call, cross-site refusals,
//! and the refresh endpoint's limit.

use std::time::Duration;

use axum::Router;
use scalekit_axum_extract::{refresh_route, status_route};
use scalekit_emulator::{Emulator, Endpoint, demo};
use scalekit_testkit::portal::PortalSession;
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::template::PortalEmbed;
use scalekit_tower::{Feature, MintLimit, OrganizationId, PortalLinkLayer, resolve};
use serde_json::Value;

const STATUS: &str = PortalEmbed::DEFAULT_STATUS_URL;

fn acme() -> OrganizationId {
    demo::ACME_ID.parse().unwrap()
}

/// An app whose users are admins when they say `x-role: admin` (a stand-in
/// for the app's session), with the refresh and status routes.
async fn app(upstream: &Upstream, limit: MintLimit) -> Served {
    let portal = PortalLinkLayer::new(upstream.client.clone(), resolve::fixed(acme()))
        .authorize(|parts| {
            parts
                .headers
                .get("x-role")
                .is_some_and(|role| role == "admin")
        })
        .with_refresh_limit(limit);
    Served::axum(
        Router::new()
            .merge(refresh_route(
                PortalEmbed::DEFAULT_REFRESH_URL,
                portal.refresh_endpoint(),
            ))
            .merge(status_route(STATUS, portal.status_endpoint())),
    )
    .await
}

async fn get(
    served: &Served,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new().get(served.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, response.json().await.unwrap())
}

#[tokio::test]
async fn answers_the_truth_read_from_scalekit_after_a_portal_toggle() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let served = app(&upstream, MintLimit::default()).await;
    let admin = [("x-role", "admin"), ("sec-fetch-site", "same-origin")];

    let (status, cache, before) = get(&served, STATUS, &admin).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(before["organization_id"], demo::ACME_ID);
    assert_eq!(before["sso"]["enabled"], true);
    assert_eq!(before["sso"]["provider"], "OKTA");
    assert_eq!(before["directory"]["enabled"], false);

    let portal = PortalSession::open(
        &upstream.emulator,
        &upstream.client,
        &acme(),
        &[Feature::Sso, Feature::DirSync],
    )
    .await;
    portal.set("dir_sync", true).await;
    portal.set("sso", false).await;
    let (status, _, after) = get(&served, STATUS, &admin).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["sso"]["enabled"], false);
    assert_eq!(after["directory"]["enabled"], true);
    assert_eq!(after["directory"]["provider"], "MICROSOFT_AD");
    assert_eq!(after["directory"]["directory_type"], "SCIM");
}

#[tokio::test]
async fn a_refused_user_gets_403_and_costs_no_upstream_call() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let served = app(&upstream, MintLimit::default()).await;
    for headers in [&[][..], &[("x-role", "member")][..]] {
        let (status, cache, body) = get(&served, STATUS, headers).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"], "forbidden");
        assert_eq!(cache.as_deref(), Some("no-store"));
    }
    let stats = upstream.emulator.stats();
    assert_eq!(stats.token_requests, 0);
    assert_eq!(stats.api_requests(), 0);
}

#[tokio::test]
async fn cross_site_and_non_get_requests_are_refused_before_the_gate() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let served = app(&upstream, MintLimit::default()).await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("x-role", "admin"), ("sec-fetch-site", "cross-site")],
            "cross_site_request",
        ),
        (
            &[("x-role", "admin"), ("sec-fetch-site", "same-site")],
            "cross_site_request",
        ),
        (
            &[("x-role", "admin"), ("origin", "https://evil.example")],
            "cross_origin_request",
        ),
    ];
    for (headers, code) in cases {
        let (status, _, body) = get(&served, STATUS, headers).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some(code)),
            "{headers:?}"
        );
    }
    let response = reqwest::Client::new()
        .post(served.url(STATUS))
        .header("x-role", "admin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET");
    assert_eq!(upstream.emulator.stats().api_requests(), 0);
}

#[tokio::test]
async fn status_and_refresh_share_one_limit() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let limit = MintLimit::unlimited().per_organization(2, Duration::from_secs(3600));
    let served = app(&upstream, limit).await;
    let admin = [("x-role", "admin")];
    assert_eq!(get(&served, STATUS, &admin).await.0, 200);
    assert_eq!(
        get(&served, PortalEmbed::DEFAULT_REFRESH_URL, &admin)
            .await
            .0,
        200
    );
    let (status, _, body) = get(&served, STATUS, &admin).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
    let reads = upstream
        .emulator
        .stats()
        .requests(Endpoint::ListConnections);
    assert_eq!(reads, 1, "the limited request read nothing");
}

//! The status and handoff endpoints on a real axum server: the server-read
//! truth after a portal toggle, the handoff's redirect to a fresh link,
//! refusals before any upstream call, cross-site refusals, and the refresh
//! endpoint's limit.

use std::time::Duration;

use axum::Router;
use scalekit_axum_extract::{handoff_route, refresh_route, status_route};
use scalekit_emulator::{Emulator, Endpoint, demo};
use scalekit_testkit::portal::PortalSession;
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::template::PortalEmbed;
use scalekit_tower::{Feature, MintLimit, OrganizationId, PortalLinkLayer, resolve};
use serde_json::Value;

const STATUS: &str = PortalEmbed::DEFAULT_STATUS_URL;
const OPEN: &str = "/settings/portal/open";

fn acme() -> OrganizationId {
    demo::ACME_ID.parse().unwrap()
}

/// An app whose users are admins when they say `x-role: admin` (a stand-in
/// for the app's session), with the refresh, status and handoff routes.
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
            .merge(status_route(STATUS, portal.status_endpoint()))
            .merge(handoff_route(OPEN, portal.handoff_endpoint())),
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

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_admin_is_sent_to_a_fresh_link_that_opens_the_portal() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let served = app(&upstream, MintLimit::default()).await;
    let http = no_redirects();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let response = http
            .get(served.url(OPEN))
            .header("x-role", "admin")
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let headers = response.headers();
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let location = headers["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with(upstream.emulator.base_url()),
            "{location}"
        );
        seen.push(location);
    }
    assert_ne!(seen[0], seen[1], "each handoff mints its own link");
    assert_eq!(upstream.emulator.stats().links_minted, 2);
    // The link opens the portal.
    let portal = reqwest::get(&seen[0]).await.unwrap();
    assert!(portal.status().is_success(), "{}", portal.status());
}

#[tokio::test]
async fn handoff_refusals_come_before_any_upstream_call() {
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(5)).await;
    let served = app(
        &upstream,
        MintLimit::unlimited().per_organization(1, Duration::from_secs(60)),
    )
    .await;
    let http = no_redirects();
    let send = |role: &'static str, site: &'static str| {
        http.get(served.url(OPEN))
            .header("x-role", role)
            .header("sec-fetch-site", site)
            .send()
    };
    let member = send("member", "same-origin").await.unwrap();
    assert_eq!(member.status(), 403);
    assert!(member.headers().get("location").is_none());
    let cross_site = send("admin", "cross-site").await.unwrap();
    assert_eq!(cross_site.status(), 403);
    let not_get = http.post(served.url(OPEN)).send().await.unwrap();
    assert_eq!(not_get.status(), 405);
    assert_eq!(upstream.emulator.stats().requests_seen, 0);

    assert_eq!(send("admin", "same-origin").await.unwrap().status(), 303);
    let limited = send("admin", "same-origin").await.unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    assert_eq!(limited.headers()["cache-control"], "no-store");
    assert_eq!(upstream.emulator.stats().links_minted, 1);
}

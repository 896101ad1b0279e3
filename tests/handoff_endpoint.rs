//! The handoff endpoint on a real axum server: a 303 to a fresh link that
//! opens the portal, kept out of caches and referrers; the layer's
//! authorization, the refresh limit and the cross-site refusals before any
//! upstream call.

use std::time::Duration;

use axum::Router;
use scalekit_axum_extract::handoff_route;
use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::{MintLimit, OrganizationId, PortalLinkLayer, resolve};

const OPEN: &str = "/settings/portal/open";

fn acme() -> OrganizationId {
    demo::ACME_ID.parse().unwrap()
}

/// Admins are the requests that say `x-role: admin`.
async fn app(upstream: &Upstream, limit: MintLimit) -> Served {
    let portal = PortalLinkLayer::new(upstream.client.clone(), resolve::fixed(acme()))
        .authorize(|parts| {
            parts
                .headers
                .get("x-role")
                .is_some_and(|role| role == "admin")
        })
        .with_refresh_limit(limit);
    Served::axum(Router::new().merge(handoff_route(OPEN, portal.handoff_endpoint()))).await
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
async fn refusals_come_before_any_upstream_call() {
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

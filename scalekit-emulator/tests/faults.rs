//! Each fault control, observed over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{assert_error, get_json, http, mint, token, token_request};
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, FaultScope, demo};
use serde_json::Value;

fn org_path() -> String {
    format!("/api/v1/organizations/{}", demo::ACME_ID)
}

#[tokio::test]
async fn fail_next_fails_exactly_n_requests_in_scope() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().fail_next(FaultScope::Api, 2, 503);

    // The token endpoint is out of scope.
    assert_eq!(
        token_request(&emu, emu.client_id(), emu.client_secret())
            .await
            .status(),
        StatusCode::OK
    );
    for _ in 0..2 {
        let response = mint(&emu, &token, demo::ACME_ID, "").await;
        assert!(response.headers().get("retry-after").is_none());
        assert_error(response, 503, 14).await;
    }
    assert_eq!(
        mint(&emu, &token, demo::ACME_ID, "").await.status(),
        StatusCode::OK
    );
    let stats = emu.stats();
    assert_eq!(stats.links_minted, 1, "failed requests mint nothing");
    assert_eq!(stats.faults_triggered, 2);
    assert_eq!(emu.faults().pending(), 0);
}

#[tokio::test]
async fn fail_next_is_exact_under_concurrency() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().fail_next(FaultScope::Api, 3, 500);
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let url = emu.url(&org_path());
            let token = token.clone();
            tokio::spawn(async move {
                http()
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::OK => {}
            StatusCode::INTERNAL_SERVER_ERROR => failed += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(failed, 3);
}

#[tokio::test]
async fn rate_limit_with_retry_after() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().fail_next_with_retry_after(
        FaultScope::PortalLinks,
        1,
        429,
        Duration::from_secs(7),
    );
    // Other API calls are out of the PortalLinks scope.
    assert_eq!(get_json(&emu, &token, &org_path()).await.0, StatusCode::OK);
    let response = mint(&emu, &token, demo::ACME_ID, "").await;
    assert_eq!(response.headers()["retry-after"], "7");
    let body = assert_error(response, 429, 8).await;
    assert_eq!(body["details"][0]["error_code"], "RESOURCE_EXHAUSTED");
}

#[tokio::test]
async fn token_endpoint_faults_use_the_oauth_shape() {
    let emu = Emulator::start().await.unwrap();
    emu.faults()
        .fail_next_with_retry_after(FaultScope::Token, 1, 503, Duration::from_secs(2));
    let response = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(emu.stats().token_requests, 1);
    assert_eq!(emu.stats().tokens_issued, 0);
    // Next one works.
    token(&emu).await;
}

#[tokio::test]
async fn malformed_bodies() {
    let emu = Emulator::start().await.unwrap();
    emu.faults().malformed_next(FaultScope::Token, 1);
    emu.faults().malformed_next(FaultScope::Api, 1);
    let response = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    let token = token(&emu).await;
    let response = mint(&emu, &token, demo::ACME_ID, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.is_err());
    assert_eq!(
        mint(&emu, &token, demo::ACME_ID, "").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn portal_links_without_location() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().omit_location_next(1);
    // A failing call does not use up the shape fault.
    assert_eq!(
        mint(&emu, &token, "org_404", "").await.status(),
        StatusCode::NOT_FOUND
    );
    let response = mint(&emu, &token, demo::ACME_ID, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["link"]["id"].as_str().unwrap().starts_with("lnk_"));
    assert!(body["link"]["expire_time"].is_string());
    assert!(body["link"].get("location").is_none(), "{body}");
    let body: Value = mint(&emu, &token, demo::ACME_ID, "")
        .await
        .json()
        .await
        .unwrap();
    assert!(body["link"]["location"].is_string());
}

#[tokio::test]
async fn portal_links_with_a_chosen_location() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults()
        .override_location_next(2, "javascript:alert(document.domain)");
    for _ in 0..2 {
        let body: Value = mint(&emu, &token, demo::ACME_ID, "")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            body["link"]["location"],
            "javascript:alert(document.domain)"
        );
    }
    emu.faults()
        .override_location_next(1, "https://evil.example/magicLink/x");
    let body: Value = mint(&emu, &token, demo::ACME_ID, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["link"]["location"], "https://evil.example/magicLink/x");
    let body: Value = mint(&emu, &token, demo::ACME_ID, "")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        body["link"]["location"]
            .as_str()
            .unwrap()
            .starts_with(emu.base_url())
    );
}

#[tokio::test]
async fn revoked_tokens_get_401() {
    let emu = Emulator::start().await.unwrap();
    let old = token(&emu).await;
    assert_eq!(get_json(&emu, &old, &org_path()).await.0, StatusCode::OK);
    emu.faults().revoke_tokens();
    let response = http()
        .get(emu.url(&org_path()))
        .bearer_auth(&old)
        .send()
        .await
        .unwrap();
    let body = assert_error(response, 401, 16).await;
    assert_eq!(body["details"][0]["error_code"], "UNAUTHENTICATED");
    let new = token(&emu).await;
    assert_eq!(get_json(&emu, &new, &org_path()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn latency_delays_answers_in_scope() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults()
        .set_latency(FaultScope::Api, Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(get_json(&emu, &token, &org_path()).await.0, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    let started = Instant::now();
    let response = http().get(emu.url("/magicLink/none")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "portal pages are out of scope"
    );

    emu.faults().set_latency(FaultScope::Api, Duration::ZERO);
    let started = Instant::now();
    get_json(&emu, &token, &org_path()).await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn hang_never_answers_until_the_client_gives_up() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().hang_next(FaultScope::PortalLinks, 1);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .put(emu.url(&format!(
            "/api/v1/organizations/{}/portal_links",
            demo::ACME_ID
        )))
        .bearer_auth(&token)
        .send()
        .await
        .expect_err("should time out");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(emu.stats().links_minted, 0);
    // The next request is answered.
    assert_eq!(
        mint(&emu, &token, demo::ACME_ID, "").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn hanging_requests_are_released_by_shutdown() {
    let emu = Emulator::start().await.unwrap();
    emu.faults().hang_next(FaultScope::Token, 1);
    let url = emu.url("/oauth/token");
    let request = tokio::spawn(async move {
        http()
            .post(url)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
    });
    // Wait until the server has taken the hanging request.
    while emu.faults().pending() > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    emu.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "shutdown was not held up"
    );
    let outcome = request.await.unwrap();
    assert!(outcome.is_err() || outcome.unwrap().status() == StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn reset_aborts_the_response_mid_body() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().reset_next(FaultScope::Api, 1);
    let response = mint(&emu, &token, demo::ACME_ID, "").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the status line was sent"
    );
    let err = response.bytes().await.expect_err("body must fail");
    assert!(
        err.is_body() || err.is_decode() || err.is_request(),
        "{err}"
    );
    // The emulator is still healthy.
    assert_eq!(
        mint(&emu, &token, demo::ACME_ID, "").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_queue_in_order_and_clear_removes_them() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    emu.faults().fail_next(FaultScope::Api, 1, 504);
    emu.faults().fail_next(FaultScope::Api, 1, 403);
    assert_error(mint(&emu, &token, demo::ACME_ID, "").await, 504, 4).await;
    assert_error(mint(&emu, &token, demo::ACME_ID, "").await, 403, 7).await;

    emu.faults().fail_next(FaultScope::TokenAndApi, 5, 500);
    emu.faults().hang_next(FaultScope::Api, 5);
    emu.faults().omit_location_next(5);
    emu.faults()
        .set_latency(FaultScope::TokenAndApi, Duration::from_secs(5));
    assert_eq!(emu.faults().pending(), 15);
    emu.faults().clear();
    assert_eq!(emu.faults().pending(), 0);
    let started = Instant::now();
    let body: Value = mint(&emu, &token, demo::ACME_ID, "")
        .await
        .json()
        .await
        .unwrap();
    assert!(body["link"]["location"].is_string());
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// How far the `Date` header of `response` is from this machine's clock,
/// in seconds (negative: behind).
fn date_offset(response: &reqwest::Response) -> i64 {
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .expect("a Date header");
    let at = time::OffsetDateTime::parse(date, &time::format_description::well_known::Rfc2822)
        .unwrap_or_else(|err| panic!("{date:?}: {err}"));
    (at - time::OffsetDateTime::now_utc()).whole_seconds()
}

#[tokio::test]
async fn clock_skew_moves_the_date_header_of_every_answer() {
    let emu = Emulator::start().await.unwrap();
    let near = |offset: i64, want: i64| (offset - want).abs() <= 5;
    let real = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    assert!(near(date_offset(&real), 0), "{}", date_offset(&real));

    emu.faults().set_clock_skew(-3600);
    assert_eq!(emu.faults().clock_skew(), -3600);
    let token_answer = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    assert_eq!(token_answer.status(), StatusCode::OK);
    assert!(near(date_offset(&token_answer), -3600));
    let portal = http()
        .get(emu.url("/magicLink/not-a-link"))
        .send()
        .await
        .unwrap();
    assert!(near(date_offset(&portal), -3600));
    let unknown = http().get(emu.url("/nowhere")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(near(date_offset(&unknown), -3600));

    emu.faults().set_clock_skew(600);
    let ahead = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    assert!(near(date_offset(&ahead), 600));

    // `clear` puts the real clock back.
    emu.faults().clear();
    assert_eq!(emu.faults().clock_skew(), 0);
    let back = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    assert!(near(date_offset(&back), 0));
}

//! The client-credentials token endpoint and the bearer check on the API.

mod common;

use std::time::Duration;

use common::{assert_error, get_json, http, token, token_request};
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, demo};
use serde_json::Value;

#[tokio::test]
async fn issues_a_bearer_token_in_scalekits_shape() {
    let emu = Emulator::builder()
        .client_id("skc_test")
        .client_secret("test-secret")
        .start()
        .await
        .unwrap();
    let response = token_request(&emu, "skc_test", "test-secret").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86_399);
    assert_eq!(body["scope"], "openid");
    let access_token = body["access_token"].as_str().unwrap();
    assert!(access_token.len() >= 32);

    let (status, _) = get_json(
        &emu,
        access_token,
        &format!("/api/v1/organizations/{}", demo::ACME_ID),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let stats = emu.stats();
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.token_requests, 1);
}

#[tokio::test]
async fn each_token_is_different() {
    let emu = Emulator::start().await.unwrap();
    assert_ne!(token(&emu).await, token(&emu).await);
}

#[tokio::test]
async fn bad_client_credentials_are_401_invalid_client() {
    let emu = Emulator::start().await.unwrap();
    for (id, secret) in [
        (emu.client_id(), "wrong"),
        ("skc_other", emu.client_secret()),
        ("", ""),
    ] {
        let response = token_request(&emu, id, secret).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
        assert!(body["error_description"].is_string());
        assert!(!body.to_string().contains(emu.client_secret()));
    }
    let stats = emu.stats();
    assert_eq!(stats.token_requests, 3);
    assert_eq!(stats.tokens_issued, 0);
}

#[tokio::test]
async fn wrong_or_missing_grant_type_is_400() {
    let emu = Emulator::start().await.unwrap();
    let send = |form: Vec<(&'static str, String)>| {
        let url = emu.url("/oauth/token");
        async move { http().post(url).form(&form).send().await.unwrap() }
    };
    let response = send(vec![
        ("grant_type", "password".into()),
        ("client_id", emu.client_id().into()),
        ("client_secret", emu.client_secret().into()),
    ])
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    let response = send(vec![
        ("client_id", emu.client_id().into()),
        ("client_secret", emu.client_secret().into()),
    ])
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime() {
    let emu = Emulator::builder()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let response = token_request(&emu, emu.client_id(), emu.client_secret()).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 1);
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organizations/{}", demo::ACME_ID);
    assert_eq!(get_json(&emu, &access_token, &path).await.0, StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = http()
        .get(emu.url(&path))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    let body = assert_error(response, 401, 16).await;
    assert_eq!(body["message"], "token expired");
    assert_eq!(body["details"][0]["error_code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn api_without_a_valid_token_is_401_code_16() {
    let emu = Emulator::start().await.unwrap();
    let path = emu.url(&format!(
        "/api/v1/organizations/{}/portal_links",
        demo::ACME_ID
    ));

    let response = http().put(&path).send().await.unwrap();
    let body = assert_error(response, 401, 16).await;
    assert_eq!(body["message"], "Token empty");
    assert_eq!(body["details"][0]["error_code"], "UNAUTHENTICATED");

    let response = http()
        .put(&path)
        .bearer_auth("skt_made_up")
        .send()
        .await
        .unwrap();
    assert_error(response, 401, 16).await;

    let response = http()
        .put(&path)
        .header("authorization", format!("Basic {}", emu.client_secret()))
        .send()
        .await
        .unwrap();
    assert_error(response, 401, 16).await;
    assert_eq!(emu.stats().links_minted, 0);
}

#[tokio::test]
async fn a_token_from_another_emulator_is_refused() {
    let a = Emulator::start().await.unwrap();
    let b = Emulator::start().await.unwrap();
    assert_ne!(a.client_id(), b.client_id());
    assert_ne!(a.client_secret(), b.client_secret());
    let token_a = token(&a).await;
    let (status, _) = get_json(
        &b,
        &token_a,
        &format!("/api/v1/organizations/{}", demo::ACME_ID),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

//! The portal's domain-verification module: shown for the
//! `domain_verification` link feature while the organization's
//! `domain_verification` setting is on; add, verify (outcome chosen by the
//! test), delete, each visible in `GET .../domains`.

mod common;

use common::*;
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, Endpoint, VerificationOutcome, demo};
use serde_json::{Value, json};

/// Turns the organization's `domain_verification` (and `session_policy`)
/// setting on through the REST API.
async fn enable_domain_verification(emu: &Emulator, token: &str, org: &str) {
    let response = http()
        .patch(emu.url(&format!("/api/v1/organizations/{org}/settings")))
        .bearer_auth(token)
        .json(&json!({"features": [
            {"name": "domain_verification", "enabled": true},
            {"name": "session_policy", "enabled": true},
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let features = body["organization"]["settings"]["features"]
        .as_array()
        .unwrap();
    assert!(features.contains(&json!({"name": "domain_verification", "enabled": true})));
    assert!(features.contains(&json!({"name": "session_policy", "enabled": true})));
}

/// A domain-section request from the page (its session secret).
async fn domain_request(
    emu: &Emulator,
    config: &Value,
    method: reqwest::Method,
    suffix: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let session = &config["session"];
    let url = format!("{}{suffix}", session["domainsUrl"].as_str().unwrap());
    let mut request = http()
        .request(method, emu.url(&url))
        .header("x-portal-session", session["secret"].as_str().unwrap());
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn add(emu: &Emulator, config: &Value, name: &str) -> reqwest::Response {
    domain_request(
        emu,
        config,
        reqwest::Method::POST,
        "",
        Some(json!({"domain": name})),
    )
    .await
}

async fn verify(emu: &Emulator, config: &Value, id: &str) -> Value {
    let response = domain_request(
        emu,
        config,
        reqwest::Method::POST,
        &format!("/{id}/verify"),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn listed(emu: &Emulator, token: &str, org: &str) -> Vec<Value> {
    let (status, body) =
        get_json(emu, token, &format!("/api/v1/organizations/{org}/domains")).await;
    assert_eq!(status, StatusCode::OK);
    body["domains"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_domain_section_needs_the_feature_and_the_setting() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=domain_verification").await;
    assert!(!html.contains(r#"id="domain-section""#));
    assert!(html.contains("Also requested: domain_verification"));

    enable_domain_verification(&emu, &token, demo::GLOBEX_ID).await;
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=domain_verification").await;
    for id in [
        "domain-section",
        "domain-form",
        "domain-input",
        "domain-add",
        "domain-list",
        "domain-empty",
    ] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(!html.contains(r#"id="sso-section""#));
    assert!(!html.contains(r#"id="scim-section""#));

    // A link that asks only for SSO does not show it.
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=sso").await;
    assert!(!html.contains(r#"id="domain-section""#));
    // A link that asks for nothing shows every module the organization has on.
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "").await;
    assert!(html.contains(r#"id="domain-section""#));
    assert!(html.contains(r#"id="sso-section""#));
}

#[tokio::test]
async fn add_verify_fail_then_succeed_and_delete() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    enable_domain_verification(&emu, &token, demo::GLOBEX_ID).await;
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=domain_verification").await;
    let config = portal_config(&html);
    let changes_before = emu.stats().state_changes;

    let response = add(&emu, &config, " Globex.Example ").await;
    assert_eq!(response.status(), StatusCode::OK);
    let added: Value = response.json().await.unwrap();
    let id = added["domain"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("dom_"));
    assert_eq!(added["domain"]["domain"], "globex.example");
    assert_eq!(added["domain"]["verification_status"], "PENDING");
    let fragment = added["html"].as_str().unwrap();
    assert!(fragment.contains(&format!(r#"id="domain-verify-{id}""#)));
    assert!(fragment.contains(&format!(r#"id="domain-delete-{id}""#)));
    assert!(fragment.contains("scalekit-domain-verification.globex.example"));
    assert!(fragment.contains(r#"data-verification-status="PENDING""#));

    let rest = listed(&emu, &token, demo::GLOBEX_ID).await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["verification_status"], "PENDING");
    assert_eq!(rest[0]["verification_method"], "DNS");
    assert_eq!(rest[0]["environment_id"], emu.environment_id());
    // The TXT secret is on the page only, never in the REST answer.
    let secret_start = fragment.find("scalekit-verification=").unwrap();
    let secret: String = fragment[secret_start..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    assert!(!rest[0].to_string().contains(&secret));

    emu.faults()
        .next_domain_verifications(1, VerificationOutcome::Failed);
    let failed = verify(&emu, &config, &id).await;
    assert_eq!(failed["domain"]["verification_status"], "FAILED");
    assert!(
        failed["status_text"]
            .as_str()
            .unwrap()
            .contains("not found")
    );
    assert_eq!(
        listed(&emu, &token, demo::GLOBEX_ID).await[0]["verification_status"],
        "FAILED"
    );

    let verified = verify(&emu, &config, &id).await;
    assert_eq!(verified["domain"]["verification_status"], "VERIFIED");
    let fragment = verified["html"].as_str().unwrap();
    assert!(!fragment.contains(&format!(r#"id="domain-verify-{id}""#)));
    assert_eq!(
        listed(&emu, &token, demo::GLOBEX_ID).await[0]["verification_status"],
        "VERIFIED"
    );

    let response = domain_request(
        &emu,
        &config,
        reqwest::Method::DELETE,
        &format!("/{id}"),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let deleted: Value = response.json().await.unwrap();
    assert!(
        deleted["html"]
            .as_str()
            .unwrap()
            .contains(r#"id="domain-empty""#)
    );
    assert!(listed(&emu, &token, demo::GLOBEX_ID).await.is_empty());

    let stats = emu.stats();
    // created, failed, verified, deleted
    assert_eq!(stats.state_changes - changes_before, 4);
    assert_eq!(stats.requests(Endpoint::PortalDomain), 4);
}

#[tokio::test]
async fn the_builder_decides_the_default_outcome() {
    let emu = Emulator::builder()
        .domain_verification_outcome(VerificationOutcome::Failed)
        .start()
        .await
        .unwrap();
    let token = token(&emu).await;
    enable_domain_verification(&emu, &token, demo::ACME_ID).await;
    let (_, html) = open_portal(&emu, demo::ACME_ID, "features=domain_verification").await;
    let config = portal_config(&html);
    let added: Value = add(&emu, &config, "acme.example")
        .await
        .json()
        .await
        .unwrap();
    let id = added["domain"]["id"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(
            verify(&emu, &config, id).await["domain"]["verification_status"],
            "FAILED"
        );
    }
    emu.faults()
        .next_domain_verifications(1, VerificationOutcome::Verified);
    assert_eq!(
        verify(&emu, &config, id).await["domain"]["verification_status"],
        "VERIFIED"
    );
}

#[tokio::test]
async fn bad_domain_requests_get_clear_errors() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;

    // Without the setting the page has no domain section: 403.
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=domain_verification").await;
    let hidden = portal_config(&html);
    assert_error(add(&emu, &hidden, "globex.example").await, 403, 7).await;

    enable_domain_verification(&emu, &token, demo::GLOBEX_ID).await;
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=domain_verification").await;
    let config = portal_config(&html);
    for bad in ["", "localhost", "a..example", "<b>.example", "10.0.0.1"] {
        let body = assert_error(add(&emu, &config, bad).await, 400, 3).await;
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(add(&emu, &config, "globex.example").await.status(), 200);
    assert_error(add(&emu, &config, "GLOBEX.example").await, 409, 6).await;
    let missing = domain_request(
        &emu,
        &config,
        reqwest::Method::POST,
        "/dom_404/verify",
        None,
    )
    .await;
    assert_error(missing, 404, 5).await;

    let mut wrong = config.clone();
    wrong["session"]["secret"] = json!("not-the-secret");
    assert_error(add(&emu, &wrong, "other.example").await, 401, 16).await;
    assert_eq!(listed(&emu, &token, demo::GLOBEX_ID).await.len(), 1);
}

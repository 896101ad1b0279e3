//! The demo's server-side truth: the webhook endpoint (the binary, started
//! as the README says, accepts a delivery signed by an independent
//! implementation and refuses a tampered one), the status endpoint, and the
//! deliveries list, each only for an organization's admins.

use std::time::{SystemTime, UNIX_EPOCH};

use scalekit_demo::{DELIVERIES_PATH, STATUS_PATH, Upstream, WEBHOOK_PATH};
use serde_json::{Value, json};

mod common;
use common::sign_in;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A delivery of `body` signed with `SECRET` by the `standardwebhooks` crate.
fn signed(http: &reqwest::Client, url: &str, id: &str, body: &str) -> reqwest::RequestBuilder {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign(id, now, body.as_bytes())
        .unwrap();
    http.post(url)
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
}

fn sso_event(organization: &str, enabled: bool) -> String {
    let kind = if enabled { "enabled" } else { "disabled" };
    json!({
        "spec_version": "1",
        "id": format!("evt_{kind}"),
        "type": format!("organization.sso_{kind}"),
        "object": "Connection",
        "occurred_at": "2026-01-01T00:00:00Z",
        "environment_id": "env_1",
        "organization_id": organization,
        "data": {"id": "conn_1", "organization_id": organization, "connection_type": "SAML",
                 "provider": "OKTA", "enabled": enabled, "status": "COMPLETED"},
        "display_name": "SSO"
    })
    .to_string()
}

/// Starts the demo binary the way the README does, with `SCALEKIT_WEBHOOK_SECRET` set.
async fn run_binary(dir: &std::path::Path) -> (tokio::process::Child, String, String) {
    common::run_binary(dir, &[("SCALEKIT_WEBHOOK_SECRET", SECRET)]).await
}

#[tokio::test]
async fn the_demo_binary_accepts_a_signed_webhook_and_refuses_a_tampered_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url, printed) = run_binary(dir.path()).await;
    // The secret alone does not switch the demo to real Scalekit.
    assert!(printed.contains("local Scalekit emulator"), "{printed}");
    let endpoint = format!("{}{}", url.trim_end_matches('/'), WEBHOOK_PATH);
    let http = reqwest::Client::new();
    let body = sso_event("org_70400000000000001", true);

    let accepted = signed(&http, &endpoint, "msg_demo_1", &body)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 204);

    // The same signature over a changed body.
    let tampered = body.replace("\"enabled\":true", "\"enabled\":false");
    assert_ne!(tampered, body);
    let refused = signed(&http, &endpoint, "msg_demo_2", &body)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let answer: Value = refused.json().await.unwrap();
    assert_eq!(answer["error"], "invalid_signature", "{answer}");
    // Unsigned: 400 (headers missing); the secret never appears in answers.
    let unsigned = http
        .post(&endpoint)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert!(!unsigned.text().await.unwrap().contains("MfKQ9r8G"));

    child.kill().await.unwrap();
}

#[tokio::test]
async fn only_admins_read_the_status_and_the_deliveries_of_their_organization() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start_with(listener, Upstream::local(), Some(SECRET.to_owned()))
        .await
        .unwrap();
    let emulator = demo.emulator().unwrap();

    // Dave, a member of Acme who is not an admin: 403, and Scalekit is not asked.
    let dave = sign_in(&demo.url(), "dave").await;
    let before = emulator.stats().api_requests();
    let status = dave.get(STATUS_PATH).await;
    assert_eq!(status.status(), 403);
    let body: Value = status.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
    assert_eq!(dave.get(DELIVERIES_PATH).await.status(), 403);
    assert_eq!(emulator.stats().api_requests(), before);

    // Alice, Acme's admin, reads Acme's status from Scalekit.
    let alice = sign_in(&demo.url(), "alice").await;
    let status = alice.get(STATUS_PATH).await;
    assert_eq!(status.status(), 200);
    assert_eq!(status.headers()["cache-control"], "no-store");
    let body: Value = status.json().await.unwrap();
    assert_eq!(body["organization_id"], scalekit_emulator::demo::ACME_ID);
    assert_eq!(body["sso"]["enabled"], true);

    // A verified delivery about Acme is Acme's admin's to see, not Globex's.
    let http = reqwest::Client::new();
    let endpoint = format!("{}{}", demo.url().trim_end_matches('/'), WEBHOOK_PATH);
    let body = sso_event(scalekit_emulator::demo::ACME_ID, false);
    let response = signed(&http, &endpoint, "msg_acme", &body)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let listed: Value = alice.get(DELIVERIES_PATH).await.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    assert!(
        listed.iter().any(
            |d| d["webhook_id"] == "msg_acme" && d["event_type"] == "organization.sso_disabled"
        ),
        "{listed:?}"
    );
    let bob = sign_in(&demo.url(), "bob").await;
    let theirs: Value = bob.get(DELIVERIES_PATH).await.json().await.unwrap();
    assert!(!theirs.to_string().contains("msg_acme"), "{theirs}");

    // The settings page's SSO badge is the server's state: the webhook said off.
    let html = alice.get("/settings").await.text().await.unwrap();
    assert!(
        html.contains(r#"id="badge-sso" data-state="off""#),
        "{html}"
    );
    assert!(html.contains("organization.sso_disabled"), "{html}");
}

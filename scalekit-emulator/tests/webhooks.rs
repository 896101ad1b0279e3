//! Signed webhook deliveries caused by real requests: portal toggles,
//! domain actions and REST calls, received on a listener on 127.0.0.1,
//! verified with the `standardwebhooks` crate and validated against the
//! reference schemas.

mod common;

use common::webhooks::{PATIENCE, Receiver, schema_errors};
use common::{http, mint_location, open_portal, portal_config, toggle, token};
use reqwest::StatusCode;
use scalekit_emulator::{DeliveryOutcome, Emulator, StartError, VerificationOutcome};
use serde_json::{Value, json};

const ORG: &str = "org_webhook_test";

/// An emulator with one organization (no demo ones) delivering to `app`,
/// retrying on a thousandth of Scalekit's schedule.
async fn emulator(app: &Receiver) -> Emulator {
    Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "Webhook Test", Some("tenant-webhooks"))
        .webhook_endpoint(&app.url)
        .webhook_retry_scale(0.001)
        .start()
        .await
        .unwrap()
}

async fn settled(emu: &Emulator) {
    tokio::time::timeout(PATIENCE, emu.webhooks_settled())
        .await
        .expect("deliveries settle");
}

#[tokio::test]
async fn a_portal_toggle_delivers_a_signed_event_and_a_500_is_retried_with_the_same_id() {
    let mut app = Receiver::start(&[500]).await;
    let emu = emulator(&app).await;
    let (_, html) = open_portal(&emu, ORG, "features=sso").await;
    let response = toggle(&emu, &portal_config(&html), "sso", true).await;
    assert_eq!(response.status(), StatusCode::OK);

    // The first SSO use creates the connection, then enables it. The app
    // answers 500 to the first delivery only.
    let refused = app.next().await;
    refused.verify(emu.webhook_secret()).unwrap();
    assert_eq!(refused.headers["content-type"], "application/json");
    assert_eq!(refused.event_type(), "organization.sso_created");
    let mut retry = None;
    let mut enabled = None;
    while retry.is_none() || enabled.is_none() {
        let received = app.next().await;
        received.verify(emu.webhook_secret()).unwrap();
        if received.webhook_id() == refused.webhook_id() {
            retry = Some(received);
        } else {
            enabled = Some(received);
        }
    }
    let retry = retry.unwrap();
    assert_eq!(retry.body, refused.body, "a retry carries the same body");

    let enabled = enabled.unwrap().json();
    assert_eq!(enabled["type"], "organization.sso_enabled");
    assert_eq!(enabled["object"], "Connection");
    assert_eq!(enabled["organization_id"], ORG);
    assert_eq!(enabled["environment_id"], emu.environment_id());
    assert_eq!(enabled["data"]["enabled"], true);
    assert_eq!(enabled["data"]["status"], "COMPLETED");
    assert_eq!(
        enabled["data"]["id"].as_str(),
        Some(emu.organization(ORG).unwrap().sso_connection_id.as_str())
    );
    assert_eq!(schema_errors(&enabled), Vec::<String>::new());

    settled(&emu).await;
    let deliveries = emu.deliveries();
    let created = deliveries
        .iter()
        .find(|d| d.event_type == "organization.sso_created")
        .unwrap();
    assert_eq!(created.webhook_id, refused.webhook_id());
    assert_eq!((created.attempts, created.last_status), (2, Some(200)));
    assert_eq!(created.outcome, DeliveryOutcome::Acknowledged);
    assert_eq!(created.endpoint, app.url);
    let stats = emu.stats();
    let counts = stats.webhooks("organization.sso_created");
    assert_eq!(
        (counts.deliveries, counts.attempts, counts.acknowledged),
        (1, 2, 1)
    );
    assert_eq!(stats.webhooks("organization.sso_enabled").attempts, 1);
    assert_eq!(stats.webhook_totals().attempts, 3);
    assert!(!app.has_more());
}

/// `POST /magicLink/{id}/domains...` with the page's session secret.
async fn domain_action(
    emu: &Emulator,
    config: &Value,
    method: reqwest::Method,
    suffix: &str,
    body: Option<Value>,
) -> Value {
    let session = &config["session"];
    let url = format!("{}{suffix}", session["domainsUrl"].as_str().unwrap());
    let mut request = http()
        .request(method, emu.url(&url))
        .header("x-portal-session", session["secret"].as_str().unwrap());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_state_change_sends_its_documented_event() {
    let mut app = Receiver::start(&[]).await;
    let emu = emulator(&app).await;
    let token = token(&emu).await;

    // REST: create an organization, then turn its domain module on.
    let response = http()
        .post(emu.url("/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&json!({"display_name": "Domain Co", "external_id": "tenant-domains"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let org = created["organization"]["id"].as_str().unwrap().to_owned();
    let response = http()
        .patch(emu.url(&format!("/api/v1/organizations/{org}/settings")))
        .bearer_auth(&token)
        .json(&json!({"features": [{"name": "domain_verification", "enabled": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // Portal: SSO on and off, directory sync on and off.
    let location = mint_location(&emu, &token, &org, "").await;
    let config = portal_config(
        &http()
            .get(&location)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    for (feature, enabled) in [
        ("sso", true),
        ("sso", false),
        ("dir_sync", true),
        ("dir_sync", false),
    ] {
        let response = toggle(&emu, &config, feature, enabled).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    // Portal: a domain added, a failed then a successful verification,
    // deleted.
    let added = domain_action(
        &emu,
        &config,
        reqwest::Method::POST,
        "",
        Some(json!({"domain": "domain-co.example"})),
    )
    .await;
    let domain_id = added["domain"]["id"].as_str().unwrap().to_owned();
    emu.faults()
        .next_domain_verifications(1, VerificationOutcome::Failed);
    let verify = format!("/{domain_id}/verify");
    domain_action(&emu, &config, reqwest::Method::POST, &verify, None).await;
    domain_action(&emu, &config, reqwest::Method::POST, &verify, None).await;
    domain_action(
        &emu,
        &config,
        reqwest::Method::DELETE,
        &format!("/{domain_id}"),
        None,
    )
    .await;

    let expected = [
        "organization.created",
        "organization.updated",
        "organization.sso_created",
        "organization.sso_enabled",
        "organization.sso_disabled",
        "organization.directory_enabled",
        "organization.directory_disabled",
        "organization.domain_created",
        "organization.domain_dns_verification_failed",
        "organization.domain_dns_verification_success",
        "organization.domain_deleted",
    ];
    let mut ids = Vec::new();
    for event_type in expected {
        let received = app.next().await;
        received.verify(emu.webhook_secret()).unwrap();
        let body = received.json();
        assert_eq!(
            body["type"], event_type,
            "deliveries keep the order of the changes"
        );
        assert_eq!(body["organization_id"], org.as_str());
        assert_eq!(body["environment_id"], emu.environment_id());
        assert_eq!(schema_errors(&body), Vec::<String>::new(), "{body:#}");
        if event_type.starts_with("organization.domain_") {
            assert_eq!(body["data"]["domain"], "domain-co.example");
            assert_eq!(body["data"]["id"].as_str(), Some(domain_id.as_str()));
        }
        ids.push(received.webhook_id().to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected.len(), "one webhook-id per event");
    settled(&emu).await;
    assert!(!app.has_more());
    assert_eq!(
        emu.stats().webhook_totals().acknowledged,
        expected.len() as u64
    );
}

#[tokio::test]
async fn delivery_faults_reach_the_app() {
    let mut app = Receiver::start(&[401]).await;
    let emu = emulator(&app).await;
    emu.faults().wrong_secret_next_webhooks(1);
    emu.faults().drop_next_webhooks(1);
    emu.faults().duplicate_next_webhooks(1);
    assert_eq!(emu.faults().pending(), 3);
    let (_, html) = open_portal(&emu, ORG, "features=dir_sync").await;
    let config = portal_config(&html);
    // directory_enabled is dropped; directory_disabled is duplicated, and
    // its first attempt is signed with a wrong key.
    toggle(&emu, &config, "dir_sync", true).await;
    toggle(&emu, &config, "dir_sync", false).await;

    let forged = app.next().await;
    assert_eq!(forged.event_type(), "organization.directory_disabled");
    assert!(forged.verify(emu.webhook_secret()).is_err());
    let mut same_id = 0;
    for _ in 0..2 {
        let received = app.next().await;
        received.verify(emu.webhook_secret()).unwrap();
        assert_eq!(received.body, forged.body);
        same_id += usize::from(received.webhook_id() == forged.webhook_id());
    }
    assert_eq!(
        same_id, 2,
        "the retry and the duplicate share the webhook-id"
    );
    settled(&emu).await;
    assert!(!app.has_more());
    let dropped = emu.stats().webhooks("organization.directory_enabled");
    assert_eq!(
        (dropped.deliveries, dropped.attempts, dropped.dropped),
        (1, 0, 1)
    );
    assert_eq!(emu.faults().pending(), 0);
}

#[tokio::test]
async fn reorder_and_stale_faults_reach_the_app() {
    let mut app = Receiver::start(&[]).await;
    let emu = emulator(&app).await;
    emu.faults().reorder_next_webhooks(1);
    emu.faults().stale_next_webhooks(1);
    let (_, html) = open_portal(&emu, ORG, "features=sso").await;
    // The first SSO use sends sso_created, then sso_enabled; the first is
    // held back until the second has been sent, which goes out stale.
    toggle(&emu, &portal_config(&html), "sso", true).await;

    let first = app.next().await;
    assert_eq!(first.event_type(), "organization.sso_enabled");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp: u64 = first.headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(now - timestamp > 300, "older than the 5-minute tolerance");
    assert!(matches!(
        first.verify(emu.webhook_secret()),
        Err(standardwebhooks::WebhookError::TimestampTooOldError)
    ));
    let second = app.next().await;
    assert_eq!(second.event_type(), "organization.sso_created");
    second.verify(emu.webhook_secret()).unwrap();
    assert_eq!(emu.faults().pending(), 0);
}

#[tokio::test]
async fn bad_webhook_settings_refuse_to_start() {
    let error = |builder: scalekit_emulator::EmulatorBuilder| async move {
        builder.start().await.expect_err("a start error")
    };
    let https = error(Emulator::builder().webhook_endpoint("https://app.example/hook")).await;
    assert!(matches!(https, StartError::InvalidWebhookUrl(_)), "{https}");
    assert!(https.to_string().contains("https://app.example/hook"));
    let secret = error(Emulator::builder().webhook_secret("whsec_short")).await;
    assert!(
        matches!(secret, StartError::InvalidWebhookSecret(_)),
        "{secret}"
    );
    assert!(!secret.to_string().contains("short"));
    let scale = error(Emulator::builder().webhook_retry_scale(f64::NAN)).await;
    assert!(matches!(scale, StartError::InvalidRetryScale(_)), "{scale}");
}

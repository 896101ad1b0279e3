//! End-to-end tests of the crate-private change feed: an observer
//! registered on the builder sees every state change, in order, with the
//! records the status reads serve, while real HTTP requests drive the
//! emulator.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::store::changes::{Change, ChangeObserver};
use crate::store::locking::lock;
use crate::{Emulator, VerificationOutcome};

/// `(event type, organization id, record JSON)` of each change seen.
type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

/// An observer that records what it sees.
fn recorder() -> (ChangeObserver, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let observer: ChangeObserver = Arc::new(move |change: &Change| {
        let record = match change {
            Change::OrganizationCreated(o)
            | Change::OrganizationUpdated(o)
            | Change::OrganizationDeleted(o, _) => o.to_json(),
            Change::SsoConnectionCreated(c)
            | Change::SsoEnabled(c)
            | Change::SsoDisabled(c)
            | Change::SsoDeleted(c) => c.to_json(),
            Change::DirectoryEnabled(d) | Change::DirectoryDisabled(d) => d.to_json(),
            Change::DomainCreated(d)
            | Change::DomainVerified(d)
            | Change::DomainVerificationFailed(d)
            | Change::DomainDeleted(d) => d.to_json(),
        };
        lock(&sink).push((
            change.event_type().to_owned(),
            change.organization_id().to_owned(),
            record,
        ));
    });
    (observer, seen)
}

async fn send(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn observers_see_every_change_in_order() {
    let (first, seen) = recorder();
    let (second, seen_too) = recorder();
    let emu = Emulator::builder()
        .observe_changes(first)
        .observe_changes(second)
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let token = send(http.post(emu.url("/oauth/token")).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", emu.client_id()),
        ("client_secret", emu.client_secret()),
    ]))
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let created = send(
        http.post(emu.url("/api/v1/organizations"))
            .bearer_auth(&token)
            .json(&json!({"display_name": "Hooli", "external_id": "hooli"})),
    )
    .await;
    let org = created["organization"]["id"].as_str().unwrap().to_owned();
    send(
        http.patch(emu.url(&format!("/api/v1/organizations/{org}/settings")))
            .bearer_auth(&token)
            .json(&json!({"features": [{"name": "domain_verification", "enabled": true}]})),
    )
    .await;
    let link = send(
        http.put(emu.url(&format!("/api/v1/organizations/{org}/portal_links")))
            .bearer_auth(&token),
    )
    .await;
    let page = http
        .get(link["link"]["location"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find(r#"id="portal-config">"#).unwrap() + r#"id="portal-config">"#.len();
    let end = start + page[start..].find("</script>").unwrap();
    let config: Value = serde_json::from_str(&page[start..end]).unwrap();
    let session = &config["session"];
    let secret = session["secret"].as_str().unwrap();
    let toggle_url = emu.url(session["toggleUrl"].as_str().unwrap());
    let domains_url = emu.url(session["domainsUrl"].as_str().unwrap());
    let toggle = |feature: &str, enabled: bool| {
        http.post(&toggle_url)
            .header("x-portal-session", secret)
            .json(&json!({"feature": feature, "enabled": enabled}))
    };
    send(toggle("sso", true)).await;
    send(toggle("sso", true)).await; // no change
    send(toggle("sso", false)).await;
    send(toggle("dir_sync", true)).await;
    send(toggle("dir_sync", false)).await;
    let domain = send(
        http.post(&domains_url)
            .header("x-portal-session", secret)
            .json(&json!({"domain": "hooli.example"})),
    )
    .await;
    let domain_id = domain["domain"]["id"].as_str().unwrap();
    emu.faults()
        .next_domain_verifications(1, VerificationOutcome::Failed);
    for _ in 0..2 {
        send(
            http.post(format!("{domains_url}/{domain_id}/verify"))
                .header("x-portal-session", secret),
        )
        .await;
    }
    send(
        http.delete(format!("{domains_url}/{domain_id}"))
            .header("x-portal-session", secret),
    )
    .await;

    let seen = lock(&seen).clone();
    let types: Vec<&str> = seen.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(
        types,
        [
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
        ]
    );
    assert!(seen.iter().all(|(_, organization, _)| *organization == org));
    assert_eq!(*lock(&seen_too), seen, "every observer sees the same feed");
    assert_eq!(emu.stats().state_changes, 11);

    let info = emu.organization(&org).unwrap();
    let record = |kind: &str| &seen.iter().find(|(k, _, _)| k == kind).unwrap().2;
    assert_eq!(record("organization.created")["display_name"], "Hooli");
    let created = record("organization.sso_created");
    assert_eq!(created["id"], info.sso_connection_id.as_str());
    assert_eq!(created["enabled"], false);
    assert_eq!(created["status"], "IN_PROGRESS");
    let enabled = record("organization.sso_enabled");
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["status"], "COMPLETED");
    assert!(matches!(enabled["type"].as_str(), Some("OIDC" | "SAML")));
    assert_eq!(record("organization.sso_disabled")["enabled"], false);
    let directory = record("organization.directory_enabled");
    assert_eq!(directory["id"], info.directory_id.as_str());
    assert_eq!(directory["enabled"], true);
    assert_eq!(record("organization.directory_disabled")["enabled"], false);
    assert_eq!(
        record("organization.domain_dns_verification_failed")["verification_status"],
        "FAILED"
    );
    let deleted = record("organization.domain_deleted");
    assert_eq!(deleted["verification_status"], "VERIFIED");
    assert_eq!(deleted["domain"], "hooli.example");
    assert_eq!(deleted["environment_id"], emu.environment_id());
}

/// Observers run after the store's locks are released: while one is still
/// busy with a change, the emulator keeps answering reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observers_run_outside_the_store_locks() {
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    let release_rx = Mutex::new(release_rx);
    let observer: ChangeObserver = Arc::new(move |_change: &Change| {
        let _ = lock(&entered_tx).send(());
        // Block the way a slow observer would, but hand this worker's queued
        // tasks to another thread first: a task parked in a blocked worker's
        // LIFO slot cannot be stolen, and the read below would stall on the
        // runtime rather than on the store.
        tokio::task::block_in_place(|| {
            let _ = lock(&release_rx).recv_timeout(std::time::Duration::from_secs(10));
        });
    });
    let emu = Emulator::builder()
        .observe_changes(observer)
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let token = send(http.post(emu.url("/oauth/token")).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", emu.client_id()),
        ("client_secret", emu.client_secret()),
    ]))
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let create = tokio::spawn(
        http.post(emu.url("/api/v1/organizations"))
            .bearer_auth(&token)
            .json(&json!({"display_name": "Pied Piper"}))
            .send(),
    );
    tokio::task::spawn_blocking(move || {
        entered_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the observer was called")
    })
    .await
    .unwrap();
    // The observer is still busy: a read must not wait for it.
    let listed = send(
        http.get(emu.url("/api/v1/organizations?page_size=100"))
            .bearer_auth(&token)
            .timeout(std::time::Duration::from_secs(5)),
    )
    .await;
    assert!(
        listed["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["display_name"] == "Pied Piper")
    );
    release_tx.send(()).unwrap();
    assert_eq!(create.await.unwrap().unwrap().status(), 201);
}

//! Scalekit's official Node SDK (`@scalekit-sdk/node`, the version pinned in
//! `sdk/node/package-lock.json`) against the emulator, unchanged: it fetches
//! its token over REST and makes every other call as gRPC over HTTP/2
//! cleartext. `sdk/node/run.js` runs the calls and prints what the SDK
//! returned or raised; this test asserts on it.
//!
//! Needs `node` and `npm ci` in `tests/sdk/node` (`.ci/run` does both).
//! Without them the test says so and passes, except under `CI=true`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::browser::{Driver, browser, click, session, wait_for};
use common::sdk::{self, error, get_json, sdk_dir, token, value};
use common::webhooks::Receiver;
use scalekit_emulator::{Emulator, Endpoint, FaultScope, demo};
use serde_json::{Value, json};

const ORG: &str = demo::ACME_ID;

/// `node`, when it and the installed SDK are there.
fn node() -> Option<PathBuf> {
    sdk::runner(
        which::which("node").ok(),
        &sdk_dir("node").join("node_modules/@scalekit-sdk/node/package.json"),
        "the Node SDK check needs `node` on PATH and `npm ci` in tests/sdk/node",
    )
}

/// Runs `node run.js <mode>` against `emu` and parses its JSON output.
fn run(node: &Path, emu: &Emulator, mode: &str, stdin: Option<&Value>) -> Value {
    run_for(node, emu, ORG, mode, stdin)
}

/// [`run`] for another organization.
fn run_for(
    node: &Path,
    emu: &Emulator,
    organization: &str,
    mode: &str,
    stdin: Option<&Value>,
) -> Value {
    let mut command = Command::new(node);
    if let Some(ca_file) = emu.ca_file() {
        // How Node (its https and http2 modules) trusts another CA.
        command.env("NODE_EXTRA_CA_CERTS", ca_file);
    }
    command.arg("run.js").arg(mode).current_dir(sdk_dir("node"));
    sdk::run(command, emu, organization, stdin)
}

async fn emulator(app: &Receiver, tls: bool) -> Emulator {
    Emulator::builder()
        .tls(tls)
        .webhook_endpoint(&app.url)
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_node_sdk_completes_every_call_over_h2c() {
    every_call(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_node_sdk_completes_every_call_over_tls() {
    every_call(true).await;
}

async fn every_call(tls: bool) {
    let Some(node) = node() else { return };
    let mut app = Receiver::start(&[]).await;
    let emu = emulator(&app, tls).await;
    assert_eq!(emu.base_url().starts_with("https://"), tls);
    let results = {
        let (node, emu_ref) = (node.clone(), &emu);
        tokio::task::block_in_place(|| run(&node, emu_ref, "calls", None))
    };

    // Portal links open the emulator's portal page, with the asked features.
    sdk::assert_links_open_the_portal(&emu, &results, ORG).await;
    for call in ["generate_portal_link", "generate_portal_link_with_features"] {
        let id = value(&results, call)["id"].as_str().unwrap();
        assert!(id.starts_with("lnk_"), "{call}: {id}");
    }

    let token = token(&emu).await;
    let rest = get_json(&emu, &token, &format!("/api/v1/organizations/{ORG}")).await;
    let organization = &value(&results, "get_organization")["organization"];
    assert_eq!(organization["id"], ORG);
    assert_eq!(
        organization["displayName"],
        rest["organization"]["display_name"]
    );

    // Listed before the SDK created one.
    let rest = get_json(&emu, &token, "/api/v1/organizations?page_size=100").await;
    let list = value(&results, "list_organization");
    assert_eq!(
        list["totalSize"].as_u64().unwrap() + 1,
        rest["total_size"].as_u64().unwrap(),
        "{list}"
    );
    assert!(!list["organizations"].as_array().unwrap().is_empty());

    let created = &value(&results, "create_organization")["organization"];
    let created_id = created["id"].as_str().unwrap();
    assert!(created_id.starts_with("org_"));
    let by_external = &value(&results, "get_organization_by_external_id")["organization"];
    assert_eq!(by_external["id"], created_id);
    let updated = &value(&results, "update_organization_settings")["organization"];
    let features = updated["settings"]["features"].as_array().unwrap();
    assert!(
        features.contains(&json!({"name": "sso", "enabled": true})),
        "{updated}"
    );
    let info = emu.organization(created_id).unwrap();
    assert!(info.feature_enabled("sso") && info.feature_enabled("dir_sync"));

    // The status reads agree with REST.
    let connections = value(&results, "list_connections")["connections"]
        .as_array()
        .unwrap()
        .clone();
    let rest = get_json(
        &emu,
        &token,
        &format!("/api/v1/connections?organization_id={ORG}"),
    )
    .await;
    assert_eq!(
        connections.len(),
        rest["connections"].as_array().unwrap().len()
    );
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0]["id"], rest["connections"][0]["id"]);
    assert_eq!(connections[0]["enabled"], true);
    let rest = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{ORG}/directories"),
    )
    .await;
    assert_eq!(
        value(&results, "list_directories")["directories"]
            .as_array()
            .map_or(0, Vec::len),
        rest["directories"].as_array().unwrap().len()
    );
    assert!(value(&results, "list_domains").is_object());

    // The SDK's own errors: not found, invalid argument, bad credentials.
    let missing = error(&results, "unknown_organization");
    assert_eq!(missing["class"], "ScalekitNotFoundException", "{missing}");
    assert_eq!(missing["grpcStatus"], 5);
    assert_eq!(missing["httpStatus"], 404);
    assert_eq!(missing["errorCode"], "NOT_FOUND");
    let invalid = error(&results, "invalid_organization_id");
    assert_eq!(invalid["class"], "ScalekitBadRequestException", "{invalid}");
    assert_eq!(invalid["grpcStatus"], 3);
    // A refused token request surfaces as the SDK's HTTP client error, 401.
    let wrong = error(&results, "wrong_credentials");
    assert_eq!(wrong["class"], "AxiosError", "{wrong}");
    assert_eq!(wrong["responseStatus"], 401, "{wrong}");

    // The SDK's first call went without a token (16), then it fetched one;
    // the client with a wrong secret was refused. Plus this test's own.
    assert!(emu.stats().requests(Endpoint::Token) >= 3);

    // The created organization's webhook passes the SDK's verification.
    let delivery = app.next().await;
    let headers: serde_json::Map<String, Value> =
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .iter()
            .map(|name| {
                let value = delivery.headers[*name].to_str().unwrap();
                ((*name).to_owned(), json!(value))
            })
            .collect();
    let input = json!({
        "secret": emu.webhook_secret(),
        "headers": headers,
        "body": String::from_utf8(delivery.body.to_vec()).unwrap(),
    });
    let verified = tokio::task::block_in_place(|| run(&node, &emu, "verify", Some(&input)));
    assert_eq!(value(&verified, "verify"), &json!(true), "{verified}");
    let tampered = &verified["verify_tampered"];
    assert!(
        tampered["ok"] == false || tampered["value"] == false,
        "{tampered}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_sdk_raises_its_rate_limit_error_and_retries_unavailable() {
    let Some(node) = node() else { return };
    let app = Receiver::start(&[]).await;
    let emu = emulator(&app, false).await;
    emu.faults().fail_next(FaultScope::PortalLinks, 1, 429);
    emu.faults().fail_next(FaultScope::Api, 1, 503);
    let results = tokio::task::block_in_place(|| run(&node, &emu, "faults", None));
    let limited = error(&results, "rate_limited");
    assert_eq!(
        limited["class"], "ScalekitTooManyRequestsException",
        "{limited}"
    );
    assert_eq!(limited["grpcStatus"], 8);
    assert_eq!(limited["httpStatus"], 429);
    let retried = value(&results, "unavailable_then_retried");
    assert_eq!(retried["organization"]["id"], ORG);
    assert_eq!(emu.faults().pending(), 0);
    // Faults answer before the token check, as over REST: the 503, the
    // retry without a token (16), and the retry with one.
    assert_eq!(emu.stats().requests(Endpoint::GetOrganization), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_minted_by_the_node_sdk_drives_the_portal_in_chromium() {
    let Some(node) = node() else { return };
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let mut app = Receiver::start(&[]).await;
    let emu = emulator(&app, false).await;
    let results =
        tokio::task::block_in_place(|| run_for(&node, &emu, demo::GLOBEX_ID, "link", None));
    let location = value(&results, "link")["location"]
        .as_str()
        .unwrap()
        .to_owned();

    let driver = Driver::start(&chromedriver).await;
    let client = session(&driver, &chromium).await;
    client.goto(&location).await.unwrap();
    wait_for(&client, r#"body[data-portal-state="active"] #sso-section"#).await;
    click(&client, "sso-enable").await;
    wait_for(&client, r#"#sso-state[data-enabled="true"]"#).await;
    let _ = client.close().await;

    // The same webhooks a REST-minted link's page sends, properly signed.
    let mut types = Vec::new();
    for _ in 0..2 {
        let delivery = app.next().await;
        delivery.verify(emu.webhook_secret()).unwrap();
        types.push(delivery.event_type());
    }
    assert!(
        types.contains(&"organization.sso_enabled".to_owned()),
        "{types:?}"
    );
    assert!(
        emu.organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
}

/// The admin-portal scope of Scalekit's API, as the Node SDK calls it:
/// every answer, error case and webhook, checked against REST.
#[tokio::test(flavor = "multi_thread")]
async fn the_node_sdk_drives_the_admin_portal_scope() {
    let Some(node) = node() else { return };
    let mut app = Receiver::start(&[]).await;
    let emu = emulator(&app, false).await;
    let results = tokio::task::block_in_place(|| run(&node, &emu, "admin", None));
    let token = token(&emu).await;

    let created = &value(&results, "create")["organization"];
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["slug"], "admin-scope", "{created}");
    assert_eq!(created["logoUrl"], "https://cdn.example/logo.png");
    let small = value(&results, "list_small_page");
    assert_eq!(
        small["organizations"].as_array().unwrap().len(),
        2,
        "{small}"
    );
    assert_ne!(small["nextPageToken"], "", "{small}");

    let updated = &value(&results, "update")["organization"];
    assert_eq!(updated["displayName"], "Admin Scope Renamed");
    assert_eq!(updated["metadata"], json!({"plan": "gold"}));
    assert_eq!(updated["slug"], "admin-scope");
    let by_external = &value(&results, "update_by_external_id")["organization"];
    assert_eq!(by_external["id"], id.as_str());
    assert_eq!(by_external["slug"], "renamed-scope");
    assert_eq!(error(&results, "update_unknown")["grpcStatus"], 5);
    let blank = error(&results, "update_blank_name");
    assert_eq!(blank["grpcStatus"], 3, "{blank}");
    assert_eq!(blank["errorCode"], "INVALID_ARGUMENT");
    let found = value(&results, "search");
    assert_eq!(found["organizations"][0]["id"], id.as_str(), "{found}");
    assert_eq!(found["totalSize"], 1);
    assert_eq!(error(&results, "search_page_too_large")["grpcStatus"], 3);

    assert_eq!(
        value(&results, "session_policy_default")["policySource"],
        1,
        "APPLICATION"
    );
    let policy = value(&results, "session_policy");
    assert_eq!(policy, value(&results, "session_policy_update"));
    assert_eq!(policy["policySource"], 2, "{policy}");
    assert_eq!(policy["absoluteSessionTimeout"], 90);
    assert_eq!(policy["idleSessionTimeoutEnabled"], true);
    assert_eq!(policy["idleSessionTimeout"], 30);
    assert_eq!(error(&results, "session_policy_invalid")["grpcStatus"], 3);
    assert_eq!(error(&results, "session_policy_unknown")["grpcStatus"], 5);
    assert_eq!(
        value(&results, "user_management_upsert")["maxAllowedUsers"],
        50
    );
    assert_eq!(
        value(&results, "user_management")["settings"]["maxAllowedUsers"],
        50
    );

    let domain = &value(&results, "create_domain")["domain"];
    assert_eq!(domain["domain"], "admin-scope.example");
    assert_eq!(domain["domainType"], 1, "ALLOWED_EMAIL_DOMAIN: {domain}");
    assert_eq!(value(&results, "get_domain")["domain"]["id"], domain["id"]);
    assert_eq!(
        error(&results, "create_domain_without_dot")["grpcStatus"],
        3
    );
    assert!(
        results["delete_domain"]["ok"].as_bool().unwrap(),
        "{results}"
    );
    assert_eq!(error(&results, "get_deleted_domain")["grpcStatus"], 5);

    let connection = &value(&results, "create_connection")["connection"];
    assert!(connection["id"].as_str().unwrap().starts_with("conn_"));
    assert_eq!(connection["type"], 2, "SAML: {connection}");
    assert_eq!(connection["enabled"], false);
    assert_eq!(error(&results, "create_second_connection")["grpcStatus"], 6);
    assert!(results["delete_connection"]["ok"].as_bool().unwrap());
    assert_eq!(
        error(&results, "delete_unknown_connection")["grpcStatus"],
        5
    );
    assert_eq!(value(&results, "list_app_connections")["totalSize"], 0);

    let unserved = error(&results, "unserved");
    assert_eq!(unserved["grpcStatus"], 12, "{unserved}");
    assert!(
        unserved["message"].as_str().unwrap().contains(
            "/scalekit.v1.organizations.OrganizationService/GetPortalLinks is not served by the emulator"
        ),
        "{unserved}"
    );

    // Deleted: gone for the SDK and for REST, a second delete is 5.
    assert!(results["delete"]["ok"].as_bool().unwrap(), "{results}");
    assert_eq!(error(&results, "get_deleted")["grpcStatus"], 5);
    assert_eq!(error(&results, "delete_again")["grpcStatus"], 5);
    let (status, _) =
        common::sdk::get(&emu, &format!("/api/v1/organizations/{id}"), Some(&token)).await;
    assert_eq!(status, 404);
    assert!(emu.organization(&id).is_none());

    // Each change was delivered as its webhook, in order.
    let mut types = Vec::new();
    while types.last().map(String::as_str) != Some("organization.deleted") {
        let delivery = app.next().await;
        delivery.verify(emu.webhook_secret()).unwrap();
        types.push(delivery.event_type());
    }
    assert_eq!(
        types,
        [
            "organization.created",
            "organization.updated",
            "organization.updated",
            "organization.domain_created",
            "organization.domain_deleted",
            "organization.sso_created",
            "organization.sso_deleted",
            "organization.deleted",
        ]
    );
}

//! Scalekit's official Python SDK (`scalekit-sdk-python`, the version pinned
//! in `sdk/python/requirements.txt`) against the emulator, unchanged. The
//! SDK speaks gRPC over TLS only (`grpc.secure_channel` with the default
//! roots), so the emulator runs with `tls(true)` and the SDK trusts its CA
//! through `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH` (gRPC) and
//! `REQUESTS_CA_BUNDLE` (the token request). `sdk/python/run.py` runs the
//! calls and prints what the SDK returned or raised.
//!
//! Needs a venv in `tests/sdk/python/.venv` with the requirements installed
//! (`.ci/run` makes it). Without it the test says so and passes, except
//! under `CI=true`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::sdk::{self, error, get_json, sdk_dir, token, value};
use scalekit_emulator::{Emulator, Endpoint, FaultScope, demo};
use serde_json::{Value, json};

const ORG: &str = demo::ACME_ID;

/// The venv's `python`, when it is there.
fn python() -> Option<PathBuf> {
    let python = sdk_dir("python").join(".venv/bin/python");
    sdk::runner(
        python.is_file().then(|| python.clone()),
        &python,
        "the Python SDK check needs a venv with requirements.txt in tests/sdk/python/.venv",
    )
}

/// Runs `python run.py <mode>` against `emu` (a TLS one) and parses its
/// JSON output.
fn run(python: &PathBuf, emu: &Emulator, mode: &str) -> Value {
    let ca_file = emu.ca_file().expect("the Python SDK needs TLS");
    let mut command = Command::new(python);
    command
        .env("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", ca_file)
        .env("REQUESTS_CA_BUNDLE", ca_file)
        .arg("run.py")
        .arg(mode)
        .current_dir(sdk_dir("python"));
    sdk::run(command, emu, ORG, None)
}

async fn emulator() -> Emulator {
    Emulator::builder().tls(true).start().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_python_sdk_completes_every_call_over_tls() {
    let Some(python) = python() else { return };
    let emu = emulator().await;
    let results = tokio::task::block_in_place(|| run(&python, &emu, "calls"));

    sdk::assert_links_open_the_portal(&emu, &results, ORG).await;

    let token = token(&emu).await;
    let rest = get_json(&emu, &token, &format!("/api/v1/organizations/{ORG}")).await;
    let organization = &value(&results, "get_organization")["organization"];
    assert_eq!(organization["id"], ORG);
    assert_eq!(
        organization["displayName"],
        rest["organization"]["display_name"]
    );

    let rest = get_json(&emu, &token, "/api/v1/organizations?page_size=100").await;
    let list = value(&results, "list_organization");
    assert_eq!(
        list["totalSize"].as_u64().unwrap() + 1,
        rest["total_size"].as_u64().unwrap(),
        "{list}"
    );

    let created = &value(&results, "create_organization")["organization"];
    let created_id = created["id"].as_str().unwrap();
    assert_eq!(created["externalId"], "tenant-python-sdk");
    let by_external = &value(&results, "get_organization_by_external_id")["organization"];
    assert_eq!(by_external["id"], created_id);
    let updated = &value(&results, "update_organization_settings")["organization"];
    let features = updated["settings"]["features"].as_array().unwrap();
    assert!(
        features.contains(&json!({"name": "dir_sync", "enabled": true})),
        "{updated}"
    );
    let info = emu.organization(created_id).unwrap();
    assert!(info.feature_enabled("sso") && info.feature_enabled("dir_sync"));

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
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0]["id"], rest["connections"][0]["id"]);
    assert_eq!(connections[0]["status"], "COMPLETED");
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

    let missing = error(&results, "unknown_organization");
    assert_eq!(missing["class"], "ScalekitNotFoundException", "{missing}");
    assert_eq!(missing["grpcStatus"], 5);
    assert_eq!(missing["errorCode"], "NOT_FOUND");
    let invalid = error(&results, "invalid_organization_id");
    assert_eq!(invalid["class"], "ScalekitBadRequestException", "{invalid}");
    assert_eq!(invalid["grpcStatus"], 3);
    let wrong = error(&results, "wrong_credentials");
    assert_eq!(wrong["class"], "ScalekitUnauthorizedException", "{wrong}");
    assert_eq!(wrong["httpStatus"], 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_raises_its_rate_limit_error_and_retries_unavailable() {
    let Some(python) = python() else { return };
    let emu = emulator().await;
    emu.faults().fail_next(FaultScope::PortalLinks, 1, 429);
    emu.faults().fail_next(FaultScope::Api, 1, 503);
    let results = tokio::task::block_in_place(|| run(&python, &emu, "faults"));
    let limited = error(&results, "rate_limited");
    assert_eq!(
        limited["class"], "ScalekitTooManyRequestsException",
        "{limited}"
    );
    assert_eq!(limited["grpcStatus"], 8);
    let retried = value(&results, "unavailable_then_retried");
    assert_eq!(retried["organization"]["id"], ORG);
    assert_eq!(emu.faults().pending(), 0);
    // The 503, then the retry.
    assert_eq!(emu.stats().requests(Endpoint::GetOrganization), 2);
}

/// The organization and domain calls of the admin-portal scope that the
/// Python SDK has, with their error cases, read back over REST.
#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_drives_the_admin_portal_scope() {
    let Some(python) = python() else { return };
    let emu = emulator().await;
    let results = tokio::task::block_in_place(|| run(&python, &emu, "admin"));
    let token = token(&emu).await;

    let created = &value(&results, "create")["organization"];
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["slug"], "python-admin", "{created}");
    assert_eq!(created["logoUrl"], "https://cdn.example/py.png");
    let updated = &value(&results, "update")["organization"];
    assert_eq!(updated["displayName"], "Python Admin Renamed");
    let by_external = &value(&results, "update_by_external_id")["organization"];
    assert_eq!(by_external["metadata"], json!({"plan": "gold"}));
    assert_eq!(by_external["displayName"], "Python Admin Renamed");
    let unknown = error(&results, "update_unknown");
    assert_eq!(unknown["grpcStatus"], 5, "{unknown}");

    let policy = &value(&results, "session_policy")["policy"];
    assert_eq!(policy, &value(&results, "session_policy_update")["policy"]);
    assert_eq!(policy["policySource"], "CUSTOM", "{policy}");
    assert_eq!(policy["absoluteSessionTimeout"], 2);
    assert_eq!(policy["absoluteSessionTimeoutUnit"], "DAYS");
    let invalid = error(&results, "session_policy_invalid");
    assert_eq!(invalid["grpcStatus"], 3, "{invalid}");
    assert_eq!(value(&results, "user_management")["maxAllowedUsers"], 7);

    let domain = &value(&results, "create_domain")["domain"];
    assert_eq!(domain["domain"], "python-admin.example");
    assert_eq!(domain["domainType"], "ORGANIZATION_DOMAIN");
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

    assert!(results["delete"]["ok"].as_bool().unwrap(), "{results}");
    assert_eq!(error(&results, "get_deleted")["grpcStatus"], 5);
    assert!(emu.organization(&id).is_none());
    let (status, _) = sdk::get(&emu, &format!("/api/v1/organizations/{id}"), Some(&token)).await;
    assert_eq!(status, 404);
}

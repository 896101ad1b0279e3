//! The emulator's SCIM server driven by an outside SCIM 2.0 client:
//! `scim2-client` (python-scim, pinned in `sdk/python/requirements.txt`),
//! which discovers the server from its `ServiceProviderConfig`,
//! `ResourceTypes` and `Schemas`, validates every answer against the RFC
//! 7643 models, and creates, finds, replaces, patches and deletes users and
//! groups. `sdk/python/scim_client.py` runs the calls and prints what the
//! client returned.
//!
//! Needs the venv in `tests/sdk/python/.venv` (`.ci/run` makes it); without
//! it the test says so and passes, except under `CI=true`.

mod common;

use std::process::Command;

use common::scim::connect;
use common::sdk::{self, sdk_dir};
use scalekit_emulator::Emulator;
use serde_json::json;

const ORG: &str = "org_scim_client";

#[tokio::test(flavor = "multi_thread")]
async fn an_outside_scim_client_provisions_users_and_groups() {
    let python = sdk_dir("python").join(".venv/bin/python");
    let Some(python) = sdk::runner(
        python.is_file().then(|| python.clone()),
        &python,
        "the SCIM client check needs a venv with requirements.txt in tests/sdk/python/.venv",
    ) else {
        return;
    };
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "SCIM Client", None)
        .start()
        .await
        .unwrap();
    let directory = emu.organization(ORG).unwrap().directory_id;
    let idp = connect(&emu, ORG, &directory).await;
    let mut command = Command::new(python);
    command
        .env("SCIM_BASE_URL", &idp.base)
        .env("SCIM_TOKEN", &idp.secret)
        .arg("scim_client.py")
        .current_dir(sdk_dir("python"));
    let out = tokio::task::block_in_place(|| sdk::run(command, &emu, ORG, None));

    assert_eq!(out["resource_types"], json!(["Group", "User"]));
    assert_eq!(out["patch_supported"], true);
    let id = out["created"]["id"].as_str().unwrap();
    assert!(id.starts_with("diruser_"), "{out}");
    assert_eq!(
        out["duplicate"],
        json!({"status": 409, "scim_type": "uniqueness"})
    );
    assert_eq!(out["found"], json!([id]));
    assert_eq!(out["replaced_given_name"], "Babs");
    assert_eq!(out["active_after_patch"], false);
    assert_eq!(out["group"]["display_name"], "Admins");
    assert_eq!(out["group"]["members"], json!([id]));
    assert_eq!(out["after_delete"], 404);
    emu.shutdown().await;
}

//! The CLI against the emulator: success, unknown organization, bad id,
//! missing credentials.

use std::process::Output;

use scalekit_emulator::{Emulator, demo};
use tokio::process::Command;

/// Runs the CLI with exactly `env` as its Scalekit settings, from an empty
/// directory (so no `.env` file is read).
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir().join(format!("portal-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalekit-portal-link"));
    command
        .args(args)
        .current_dir(&dir)
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .env_remove("SCALEKIT_PORTAL_ORIGIN");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.unwrap()
}

fn credentials(emulator: &Emulator) -> [(&'static str, &str); 3] {
    [
        ("SCALEKIT_ENVIRONMENT_URL", emulator.base_url()),
        ("SCALEKIT_CLIENT_ID", emulator.client_id()),
        ("SCALEKIT_CLIENT_SECRET", emulator.client_secret()),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn prints_a_link_and_says_it_is_single_use() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(
        &[demo::ACME_ID, "--feature", "sso"],
        &credentials(&emulator),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("{}/magicLink/", emulator.base_url())),
        "{stdout}"
    );
    assert!(
        stdout.contains("single-use") && stdout.contains("within a minute"),
        "{stdout}"
    );
    assert_eq!(emulator.stats().links_minted_for(demo::ACME_ID), 1);
    assert!(!stdout.contains(emulator.client_secret()));
}

#[tokio::test]
async fn prints_json_by_external_id() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(
        &["--external-id", demo::GLOBEX_EXTERNAL_ID, "--json"],
        &credentials(&emulator),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["organization_id"], demo::GLOBEX_ID);
    assert_eq!(json["single_use"], true);
    let location = json["location"].as_str().unwrap();
    assert!(location.starts_with(&format!("{}/magicLink/", emulator.base_url())));
    assert!(json["expires_at"].as_str().is_some());
}

#[tokio::test]
async fn unknown_organization_fails_with_a_hint() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(&["org_404404"], &credentials(&emulator)).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("organization not found"), "{stderr}");
    assert!(stderr.contains("--external-id"), "{stderr}");
}

#[tokio::test]
async fn a_malformed_id_is_refused_before_any_request() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(&["tenant-42"], &credentials(&emulator)).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("invalid organization id"));
    assert_eq!(emulator.stats().requests_seen, 0);
}

#[tokio::test]
async fn missing_credentials_name_the_variable() {
    let output = run(
        &[demo::ACME_ID],
        &[("SCALEKIT_ENVIRONMENT_URL", "https://acme.scalekit.dev")],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("SCALEKIT_CLIENT_ID is not set"), "{stderr}");
}

#[tokio::test]
async fn wrong_usage_prints_help() {
    let output = run(&[], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("Usage: scalekit-portal-link"));
}

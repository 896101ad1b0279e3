//! Separate state per instance, the counters, and the binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{get_json, get_text, http, mint, mint_location, token};
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, Endpoint, FaultScope, StartError, demo};
use serde_json::json;

#[tokio::test]
async fn two_emulators_keep_separate_state() {
    let (a, b) = tokio::join!(Emulator::start(), Emulator::start());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.base_url(), b.base_url());
    let (token_a, token_b) = tokio::join!(token(&a), token(&b));

    // Faults and settings on A do not touch B.
    a.faults().fail_next(FaultScope::Api, 1, 500);
    assert_eq!(
        mint(&b, &token_b, demo::ACME_ID, "").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        mint(&a, &token_a, demo::ACME_ID, "").await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let created = http()
        .post(a.url("/api/v1/organizations"))
        .bearer_auth(&token_a)
        .json(&json!({"display_name": "Only in A", "external_id": "only-a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        get_json(&b, &token_b, "/api/v1/organizations:external/only-a")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_json(&a, &token_a, "/api/v1/organizations:external/only-a")
            .await
            .0,
        StatusCode::OK
    );

    // A link minted by A cannot be opened on B.
    let location = mint_location(&a, &token_a, demo::ACME_ID, "").await;
    let on_b = location.replace(a.base_url(), b.base_url());
    let html = get_text(&on_b).await;
    assert!(html.contains("PORTAL_LOAD_FAILURE"));

    a.add_allowed_parent_origin("http://127.0.0.1:1111")
        .unwrap();
    assert!(b.allowed_parent_origins().is_empty());
    a.set_legacy_events(true);
    assert!(!b.legacy_events());

    assert_eq!(a.stats().links_minted, 1);
    assert_eq!(b.stats().links_minted, 1);
}

#[tokio::test]
async fn stats_count_what_was_seen() {
    let emu = Emulator::start().await.unwrap();
    assert_eq!(emu.stats().requests_seen, 0);
    let token = token(&emu).await;
    common::token_request(&emu, emu.client_id(), "wrong").await;
    mint(&emu, &token, demo::ACME_ID, "features=sso").await;
    mint(&emu, &token, demo::ACME_ID, "").await;
    let location = mint_location(&emu, &token, demo::GLOBEX_ID, "").await;
    mint(&emu, &token, "org_404", "").await;
    get_json(&emu, &token, "/api/v1/organizations").await;
    http().get(&location).send().await.unwrap();
    http().get(&location).send().await.unwrap();
    http().get(emu.url("/nope")).send().await.unwrap();

    let stats = emu.stats();
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.links_minted, 3);
    assert_eq!(stats.links_minted_for(demo::ACME_ID), 2);
    assert_eq!(stats.links_minted_for(demo::GLOBEX_ID), 1);
    assert_eq!(stats.requests(Endpoint::GeneratePortalLink), 4);
    assert_eq!(stats.requests(Endpoint::ListOrganizations), 1);
    assert_eq!(stats.api_requests(), 5);
    assert_eq!(stats.requests(Endpoint::PortalPage), 2);
    assert_eq!(stats.requests(Endpoint::Other), 1);
    assert_eq!(stats.portal_page_loads, 2);
    assert_eq!(stats.portal_sessions_started, 1);
    assert_eq!(stats.portal_load_failures, 1);
    assert_eq!(stats.requests_seen, 2 + 4 + 1 + 2 + 1);
}

#[tokio::test]
async fn invalid_builder_input_is_reported() {
    let err = Emulator::builder()
        .allowed_parent_origin("not an origin")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::InvalidOrigin(_)), "{err}");
    let err = Emulator::builder()
        .organization("acme", "Acme", None)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("org_"), "{err}");
    let err = Emulator::builder()
        .organization(demo::ACME_ID, "Again", None)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = Emulator::builder()
        .client_secret("")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::EmptyCredential(_)));
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let first = Emulator::start().await.unwrap();
    let err = Emulator::builder()
        .port(first.addr().port())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::Bind { .. }));
    assert!(err.to_string().contains("already in use"), "{err}");
}

#[tokio::test]
async fn debug_output_never_shows_the_secret() {
    let emu = Emulator::builder()
        .client_secret("s3cr3t-value")
        .start()
        .await
        .unwrap();
    assert!(!format!("{emu:?}").contains("s3cr3t-value"));
    let builder = Emulator::builder().client_secret("s3cr3t-value");
    assert!(!format!("{builder:?}").contains("s3cr3t-value"));
}

/// Kills the child process even when an assertion fails.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_the_export_lines_and_serves() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_scalekit-emulator"))
            .args([
                "--port",
                "0",
                "--allow-origin",
                "http://127.0.0.1:3000",
                "--client-secret",
                "bin-secret",
            ])
            .env_remove("PORT")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    // All four lines it prints: closing the pipe before the last one is
    // written would make the binary fail to print it, and stop.
    let lines: Vec<String> = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(4)
            .map(Result::unwrap)
            .collect()
    })
    .await
    .unwrap();
    let value = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {lines:?}"))
            .to_owned()
    };
    let base = value("SCALEKIT_ENVIRONMENT_URL");
    let client_id = value("SCALEKIT_CLIENT_ID");
    assert_eq!(value("SCALEKIT_CLIENT_SECRET"), "bin-secret");
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with('/'),
        "{base}"
    );
    assert!(client_id.starts_with("skc_"));

    let response = http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", "bin-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = http()
        .get(format!("{base}/magicLink/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(common::frame_ancestors(&page), "http://127.0.0.1:3000");
}

#[tokio::test]
async fn the_binary_rejects_a_taken_port() {
    let emu = Emulator::start().await.unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scalekit-emulator"))
        .args(["--port", &emu.addr().port().to_string()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already in use"), "{stderr}");
}

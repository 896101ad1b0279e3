//! The `scalekit-emulator` binary with `--webhook-url`: it prints the
//! secret beside the other `SCALEKIT_*` lines and delivers a signed event
//! when the portal's SSO toggle is pressed.

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;

use common::webhooks::{PATIENCE, Receiver, schema_errors};
use common::{http, portal_config};
use reqwest::StatusCode;
use scalekit_emulator::demo;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const PRINTED: [&str; 4] = [
    "SCALEKIT_ENVIRONMENT_URL",
    "SCALEKIT_CLIENT_ID",
    "SCALEKIT_CLIENT_SECRET",
    "SCALEKIT_WEBHOOK_SECRET",
];

#[tokio::test]
async fn the_binary_delivers_a_signed_event_for_an_sso_toggle() {
    let mut app = Receiver::start(&[]).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalekit-emulator"))
        .args(["--port", "0", "--webhook-url", &app.url])
        .args(["--webhook-retry-scale", "0.001"])
        .env_remove("PORT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator binary starts");

    // The `SCALEKIT_*` lines, printed once the server listens.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut env = BTreeMap::new();
    while env.len() < PRINTED.len() {
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("the SCALEKIT_* lines within the patience")
            .unwrap()
            .expect("the binary keeps running");
        if let Some((name, value)) = line.split_once('=') {
            env.insert(name.to_owned(), value.to_owned());
        }
    }
    for name in PRINTED {
        assert!(env.contains_key(name), "{name} printed");
    }
    let base = &env["SCALEKIT_ENVIRONMENT_URL"];
    let secret = &env["SCALEKIT_WEBHOOK_SECRET"];
    assert!(secret.starts_with("whsec_"), "{secret}");

    // A client's calls: token, portal link, page load.
    let token: Value = http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &env["SCALEKIT_CLIENT_ID"]),
            ("client_secret", &env["SCALEKIT_CLIENT_SECRET"]),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link: Value = http()
        .put(format!(
            "{base}/api/v1/organizations/{}/portal_links?features=sso",
            demo::ACME_ID
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = http()
        .get(link["link"]["location"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let session = &portal_config(&page)["session"];

    // The admin turns SSO off (the demo organization has it on).
    let response = http()
        .post(format!("{base}{}", session["toggleUrl"].as_str().unwrap()))
        .header("x-portal-session", session["secret"].as_str().unwrap())
        .json(&json!({"feature": "sso", "enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let received = app.next().await;
    received.verify(secret).unwrap();
    let body = received.json();
    assert_eq!(body["type"], "organization.sso_disabled");
    assert_eq!(body["organization_id"], demo::ACME_ID);
    assert_eq!(body["data"]["enabled"], false);
    assert_eq!(schema_errors(&body), Vec::<String>::new());

    child.kill().await.unwrap();
}

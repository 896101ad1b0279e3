//! `doctor` against the emulator, each misconfiguration set up on purpose:
//! the app's origin not allowed by the portal, a page CSP without the portal
//! in `frame-src`, a wrong webhook secret, a skewed clock. And never a
//! secret in its output.

use std::convert::Infallible;
use std::process::Output;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use scalekit_emulator::{Emulator, demo};
use scalekit_tower::webhook::{WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier};
use serde_json::Value;
use tokio::process::Command;

const APP_SECRET: &str = "whsec_c2VjcmV0LWtleS1vZi10aGUtYXBw";
const OTHER_SECRET: &str = "whsec_YW5vdGhlci1rZXktbm90LXRoZS1hcHBz";

/// A settings page with `csp` (the portal snippet in asset mode) and a
/// webhook endpoint verifying with `APP_SECRET`; returns its origin.
async fn app(csp: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let page = move || {
        let csp = csp.clone();
        async move {
            (
                [(header::CONTENT_SECURITY_POLICY, csp)],
                axum::response::Html(
                    r#"<!doctype html><div class="scalekit-portal" id="scalekit-portal-container"><iframe id="scalekit-portal"></iframe></div>
<script type="application/json" id="scalekit-portal-config" data-scalekit-config nonce="n0nce">{}</script>
<script src="/scalekit/portal-0123456789abcdef.js" integrity="sha384-x" nonce="n0nce"></script>"#,
                ),
            )
                .into_response()
        }
    };
    let verifier = WebhookVerifier::new(WebhookSecret::new(APP_SECRET).unwrap());
    let webhooks = WebhookService::new(verifier, |_event: WebhookEvent| async {
        Ok::<(), Infallible>(())
    });
    let router = Router::new()
        .route("/settings", get(page))
        .route_service("/webhooks/scalekit", webhooks);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    origin
}

fn good_csp(portal: &str) -> String {
    format!("default-src 'self'; script-src 'nonce-n0nce'; frame-src {portal}; connect-src 'self'")
}

async fn doctor(args: &[&str], env: &[(&str, &str)]) -> (Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalekit-portal-link"));
    command
        .arg("doctor")
        .args(args)
        .arg("--json")
        .current_dir(dir.path())
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .env_remove("SCALEKIT_PORTAL_ORIGIN")
        .env_remove("SCALEKIT_WEBHOOK_SECRET");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, json)
}

fn credentials<'a>(
    emulator: &'a Emulator,
    webhook_secret: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("SCALEKIT_ENVIRONMENT_URL", emulator.base_url()),
        ("SCALEKIT_CLIENT_ID", emulator.client_id()),
        ("SCALEKIT_CLIENT_SECRET", emulator.client_secret()),
        ("SCALEKIT_WEBHOOK_SECRET", webhook_secret),
    ]
}

/// The verdict of `check`.
fn verdict<'a>(json: &'a Value, check: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["check"] == check)
        .unwrap_or_else(|| panic!("no {check} in {json}"))
}

fn assert_no_secret(output: &Output, secrets: &[&str]) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for secret in secrets {
        assert!(!all.contains(secret), "a secret was printed: {all}");
    }
}

#[tokio::test]
async fn a_good_deployment_passes_every_check() {
    let emulator = Emulator::builder().start().await.unwrap();
    let app = app(good_csp(emulator.base_url())).await;
    emulator.add_allowed_parent_origin(&app).unwrap();
    let page = format!("{app}/settings");
    let webhook = format!("{app}/webhooks/scalekit");
    let (output, json) = doctor(
        &[
            demo::ACME_ID,
            "--app-origin",
            &app,
            "--page",
            &page,
            "--webhook-url",
            &webhook,
        ],
        &credentials(&emulator, APP_SECRET),
    )
    .await;
    assert!(output.status.success(), "{json:#}");
    assert_eq!(json["ok"], true);
    for check in [
        "credentials",
        "token",
        "clock",
        "link minted",
        "frame-ancestors",
        "custom domain",
        "page frame-src",
        "page nonce",
        "page connect-src",
        "webhook secret",
        "webhook delivery",
    ] {
        assert_eq!(verdict(&json, check)["status"], "pass", "{check}: {json:#}");
    }
    assert!(
        verdict(&json, "token")["detail"]
            .as_str()
            .unwrap()
            .contains(" ms")
    );
    assert_eq!(emulator.stats().links_minted_for(demo::ACME_ID), 1);
    assert_no_secret(
        &output,
        &[
            emulator.client_secret(),
            APP_SECRET,
            "c2VjcmV0LWtleS1vZi10aGUtYXBw",
        ],
    );

    // By external id, and in human form.
    let dir = tempfile::tempdir().unwrap();
    let human = Command::new(env!("CARGO_BIN_EXE_scalekit-portal-link"))
        .args([
            "doctor",
            "--external-id",
            demo::GLOBEX_EXTERNAL_ID,
            "--app-origin",
            &app,
        ])
        .current_dir(dir.path())
        .env_remove("SCALEKIT_WEBHOOK_SECRET")
        .env_remove("SCALEKIT_PORTAL_ORIGIN")
        .envs(credentials(&emulator, APP_SECRET).into_iter().take(3))
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(human.status.success(), "{stdout}");
    assert!(stdout.contains("ok   frame-ancestors"), "{stdout}");
    assert!(stdout.contains("All checks passed."), "{stdout}");
    assert_eq!(emulator.stats().links_minted_for(demo::GLOBEX_ID), 1);
}

#[tokio::test]
async fn an_origin_the_portal_does_not_allow_fails_with_the_fix() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (output, json) = doctor(
        &[demo::ACME_ID, "--app-origin", "https://app.example.com"],
        &credentials(&emulator, APP_SECRET),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{json:#}");
    assert_eq!(json["ok"], false);
    let v = verdict(&json, "frame-ancestors");
    assert_eq!(v["status"], "fail");
    assert!(v["detail"].as_str().unwrap().contains("'none'"), "{v}");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .contains("https://app.example.com")
            && v["fix"].as_str().unwrap().contains("dashboard"),
        "{v}"
    );
    assert_eq!(verdict(&json, "token")["status"], "pass");
}

#[tokio::test]
async fn a_page_csp_without_the_portal_in_frame_src_fails() {
    let emulator = Emulator::builder().start().await.unwrap();
    let app = app("default-src 'self'; script-src 'nonce-other'".to_owned()).await;
    emulator.add_allowed_parent_origin(&app).unwrap();
    let page = format!("{app}/settings");
    let (output, json) = doctor(
        &[demo::ACME_ID, "--app-origin", &app, "--page", &page],
        &credentials(&emulator, APP_SECRET),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let frame = verdict(&json, "page frame-src");
    assert_eq!(frame["status"], "fail", "{json:#}");
    assert_eq!(
        frame["fix"],
        format!("add {} to frame-src", emulator.base_url())
    );
    // The snippet's nonce is not the policy's either.
    assert_eq!(verdict(&json, "page nonce")["status"], "fail");
    // default-src 'self' covers the endpoints.
    assert_eq!(verdict(&json, "page connect-src")["status"], "pass");
}

#[tokio::test]
async fn a_wrong_webhook_secret_is_refused_by_the_endpoint() {
    let emulator = Emulator::builder().start().await.unwrap();
    let app = app(good_csp(emulator.base_url())).await;
    let webhook = format!("{app}/webhooks/scalekit");
    let (output, json) = doctor(
        &["--app-origin", &app, "--webhook-url", &webhook],
        &credentials(&emulator, OTHER_SECRET),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(verdict(&json, "webhook secret")["status"], "pass");
    let delivery = verdict(&json, "webhook delivery");
    assert_eq!(delivery["status"], "fail", "{json:#}");
    assert!(
        delivery["detail"].as_str().unwrap().contains("401"),
        "{delivery}"
    );
    assert!(delivery["fix"].as_str().unwrap().contains("another secret"));
    assert_eq!(verdict(&json, "link minted")["status"], "skip");

    // A secret that is not one at all.
    let (_, json) = doctor(
        &["--app-origin", &app],
        &credentials(&emulator, "not-a-secret"),
    )
    .await;
    assert_eq!(verdict(&json, "webhook secret")["status"], "fail");
}

/// The emulator shows a `Date` an hour behind (`--clock-skew -3600`, here
/// through its fault controls): this machine's clock is an hour ahead of
/// the environment's, outside the webhook window.
#[tokio::test]
async fn a_skewed_clock_fails() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.faults().set_clock_skew(-3600);
    let (output, json) = doctor(
        &["--app-origin", "http://127.0.0.1:1"],
        &credentials(&emulator, APP_SECRET),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let clock = verdict(&json, "clock");
    assert_eq!(clock["status"], "fail", "{json:#}");
    let detail = clock["detail"].as_str().unwrap();
    assert!(
        (detail.starts_with("360") || detail.starts_with("3599")) && detail.contains("s ahead of"),
        "{clock}"
    );
    assert!(clock["fix"].as_str().unwrap().contains("NTP"));
    assert_no_secret(&output, &[emulator.client_secret(), APP_SECRET]);

    // The same emulator with its clock back: the check passes.
    emulator.faults().set_clock_skew(0);
    let (_, json) = doctor(
        &["--app-origin", "http://127.0.0.1:1"],
        &credentials(&emulator, APP_SECRET),
    )
    .await;
    assert_eq!(verdict(&json, "clock")["status"], "pass", "{json:#}");
}

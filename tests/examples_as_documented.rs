//! Each example runs as its doc comment says: the emulator started with the
//! documented settings (`--allow-origin` the example's origin), the example
//! binary run with the documented variables, its settings page loaded in
//! headless Chromium, SSO enabled inside the portal, and the page's status
//! check answered (`scalekit:status`, never `scalekit:status-failed`).
//!
//! The example binaries are built with `cargo build --example ...` (a no-op
//! when `cargo test` already built them); each listens on a free port given
//! as `PORT`, and the emulator allows that origin instead of the documented
//! default port.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::browser::{Browser, EVENT_RECORDER_JS, names};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The longest any one condition is waited for (two cores, several Chromiums).
const WAIT: Duration = Duration::from_secs(60);

/// The portal page's own readiness, checked inside its frame.
const PORTAL_ACTIVE_JS: &str = "return document.body && document.body.getAttribute('data-portal-state') === 'active' \
     && !!document.getElementById('sso-enable');";

/// The path of the example binary `name`, built once per test binary.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--example",
                "minimal",
                "--example",
                "hyper_service",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --example failed: {status}");
    });
    // target/debug/deps/<this test> -> target/debug/examples/<name>
    let exe = std::env::current_exe().expect("the test binary has a path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary sits in target/<profile>/deps");
    dir.join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A running example: killed when dropped.
struct Running {
    _child: Child,
    settings_url: String,
}

/// Starts the example `name` with `env` and waits for its `open <url>` line.
async fn run_example(name: &str, env: &[(&str, String)]) -> Running {
    let mut command = Command::new(example(name));
    command
        .env_clear()
        .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("the example starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let settings_url = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.expect("readable stdout") {
            if let Some(url) = line.strip_prefix("open ") {
                return url.trim().to_owned();
            }
        }
        panic!("{name} exited without printing its address");
    })
    .await
    .unwrap_or_else(|_| panic!("{name} printed no address within {WAIT:?}"));
    // Keep draining stdout so the example never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Running {
        _child: child,
        settings_url,
    }
}

/// The `SCALEKIT_*` lines the emulator prints, for `org`, and `PORT`.
fn exported(emulator: &Emulator, org: &str, port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("SCALEKIT_ENVIRONMENT_URL", emulator.base_url().to_owned()),
        ("SCALEKIT_CLIENT_ID", emulator.client_id().to_owned()),
        (
            "SCALEKIT_CLIENT_SECRET",
            emulator.client_secret().to_owned(),
        ),
        ("SCALEKIT_ORGANIZATION_ID", org.to_owned()),
        ("PORT", port.to_string()),
    ]
}

/// Loads `url`, waits for the portal, enables SSO inside it, and asserts the
/// page's status check succeeded.
async fn enable_sso_in_the_page(browser: &Browser, url: &str) {
    browser.goto(url).await;
    browser.eval(EVENT_RECORDER_JS).await;
    browser
        .wait_until(
            "the portal iframe to load",
            "var f = document.getElementById('scalekit-portal'); \
             return !!f && f.getAttribute('data-scalekit-state') === 'loaded';",
            WAIT,
        )
        .await;
    browser.enter_frame("scalekit-portal").await;
    browser
        .wait_until("the portal page inside the frame", PORTAL_ACTIVE_JS, WAIT)
        .await;
    browser.click("sso-enable").await;
    browser.leave_frame().await;
    browser
        .wait_until(
            "scalekit:status or scalekit:status-failed",
            "var r = window.__scalekit; return !!r && r.events.some(function (e) { \
             return e.name === 'status' || e.name === 'status-failed'; });",
            WAIT,
        )
        .await;
    let events = browser.events().await;
    let status = events
        .iter()
        .find(|e| e.name == "status")
        .unwrap_or_else(|| panic!("the status check failed: {:?}", names(&events)));
    assert_eq!(status.detail["sso"]["enabled"], true, "{:?}", status.detail);
    browser.assert_no_errors().await;
}

#[tokio::test]
async fn minimal_runs_as_documented() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let port = free_port();
    // `cargo run -p scalekit-emulator -- --allow-origin http://127.0.0.1:PORT`
    let emulator = Emulator::builder()
        .allowed_parent_origin(format!("http://127.0.0.1:{port}"))
        .start()
        .await
        .unwrap();
    let app = run_example("minimal", &exported(&emulator, demo::GLOBEX_ID, port)).await;
    assert_eq!(
        app.settings_url,
        format!("http://127.0.0.1:{port}/settings")
    );

    enable_sso_in_the_page(&browser, &app.settings_url).await;
    let stats = emulator.stats();
    assert_eq!(
        stats.links_minted_for(demo::GLOBEX_ID),
        1,
        "only the page minted"
    );
    assert!(
        emulator
            .organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
}

#[tokio::test]
async fn minimal_names_a_missing_variable() {
    let emulator = Emulator::start().await.unwrap();
    let mut env = exported(&emulator, demo::ACME_ID, free_port());
    env.retain(|(key, _)| *key != "SCALEKIT_ORGANIZATION_ID");
    let output = Command::new(example("minimal"))
        .env_clear()
        .envs(env)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SCALEKIT_ORGANIZATION_ID is not set: set it to"),
        "{stderr}"
    );

    let output = Command::new(example("minimal"))
        .env_clear()
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SCALEKIT_ENVIRONMENT_URL"), "{stderr}");
    assert!(
        stderr.contains("--allow-origin") || stderr.contains("SCALEKIT_* lines"),
        "{stderr}"
    );
}

#[tokio::test]
async fn hyper_service_routes_like_an_app() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let port = free_port();
    let emulator = Emulator::builder()
        .allowed_parent_origin(format!("http://127.0.0.1:{port}"))
        .start()
        .await
        .unwrap();
    let app = run_example("hyper_service", &exported(&emulator, demo::GLOBEX_ID, port)).await;
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(app.settings_url, format!("{base}/settings"));

    // Paths other than the settings page mint nothing.
    let http = reqwest::Client::new();
    for path in ["/favicon.ico", "/", "/settings/other"] {
        let response = http.get(format!("{base}{path}")).send().await.unwrap();
        let expected = if path == "/" { 200 } else { 404 };
        assert_eq!(response.status().as_u16(), expected, "{path}");
    }
    assert_eq!(
        emulator.stats().links_minted,
        0,
        "no link minted off the settings page"
    );

    enable_sso_in_the_page(&browser, &app.settings_url).await;
    assert_eq!(emulator.stats().links_minted_for(demo::GLOBEX_ID), 1);

    let response = http
        .get(format!("{base}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        emulator.stats().links_minted,
        1,
        "/favicon.ico minted a link"
    );
}

#[tokio::test]
async fn hyper_service_starts_its_own_emulator() {
    let port = free_port();
    let app = run_example("hyper_service", &[("PORT", port.to_string())]).await;
    let http = reqwest::Client::new();
    let page = http.get(&app.settings_url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.unwrap();
    // The iframe's src is a portal link (HTML-escaped in the attribute).
    assert!(page.contains("magicLink"), "{page}");
    let status = http
        .get(format!("http://127.0.0.1:{port}/scalekit/portal/status"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status().as_u16(), 200);
    let status: serde_json::Value = status.json().await.unwrap();
    assert_eq!(status["organization_id"], demo::ACME_ID, "{status}");
}

#[tokio::test]
async fn minimal_without_allow_origin_names_the_flag() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let port = free_port();
    // The emulator started without `--allow-origin`: its portal refuses the frame.
    let emulator = Emulator::start().await.unwrap();
    let app = run_example("minimal", &exported(&emulator, demo::ACME_ID, port)).await;
    browser.goto(&app.settings_url).await;
    let hint = browser
        .wait_until(
            "the load-timeout hint",
            "var m = document.getElementById('scalekit-portal-message'); \
             return m && m.offsetParent !== null && m.textContent ? m.textContent : false;",
            WAIT,
        )
        .await;
    let hint = hint.as_str().unwrap_or_default();
    assert!(hint.contains("--allow-origin"), "{hint}");
    assert!(hint.contains("Scalekit dashboard"), "{hint}");
}

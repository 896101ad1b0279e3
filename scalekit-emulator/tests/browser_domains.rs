//! The portal page's domain section and SSO button in a real headless
//! Chromium: the page's own script adds, verifies (failing, then
//! succeeding) and deletes a domain, and enables SSO; the status reads see
//! each change.
//!
//! Needs `chromium` and `chromedriver` (`CHROMIUM` / `CHROMEDRIVER`, else
//! `/usr/bin/...`); without them the test is skipped with a message, unless
//! `CI` is set.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use scalekit_emulator::{Emulator, VerificationOutcome, demo};
use serde_json::{Value, json};

/// How long chromedriver may take to say it is ready.
const DRIVER_READY: Duration = Duration::from_secs(20);
/// How long the page may take to show a change.
const PAGE_WAIT: Duration = Duration::from_secs(10);

fn binary(env: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(default)))
        .filter(|path| path.is_file())
}

/// A private chromedriver (own process group, own Chromium profile).
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(chromedriver);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!(
            "scalekit-emulator-browser-{}-{port}",
            std::process::id()
        ));
        let driver = Self {
            child,
            port,
            profile,
        };
        // Poll /status (bounded) until chromedriver says it is ready.
        let deadline = Instant::now() + DRIVER_READY;
        loop {
            let ready = http()
                .get(format!("http://127.0.0.1:{port}/status"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .ok();
            if let Some(response) = ready {
                let body: Value = response.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    return driver;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver not ready in time");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started share its process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn session(driver: &Driver, chromium: &Path) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                format!("--user-data-dir={}", driver.profile.display()),
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    // chromedriver listens on plain HTTP on 127.0.0.1: no TLS.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// Waits (bounded) for an element matching a CSS selector.
async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_page_script_drives_domains_and_sso() {
    let (Some(chromium), Some(chromedriver)) = (
        binary("CHROMIUM", "/usr/bin/chromium"),
        binary("CHROMEDRIVER", "/usr/bin/chromedriver"),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium and chromedriver are required under CI"
        );
        eprintln!("skipped: chromium or chromedriver not installed");
        return;
    };
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let response = http()
        .patch(emu.url(&format!(
            "/api/v1/organizations/{}/settings",
            demo::GLOBEX_ID
        )))
        .bearer_auth(&token)
        .json(&json!({"features": [{"name": "domain_verification", "enabled": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let location = mint_location(&emu, &token, demo::GLOBEX_ID, "").await;

    let driver = Driver::start(&chromedriver).await;
    let client = session(&driver, &chromium).await;
    client.goto(&location).await.unwrap();
    wait_for(&client, r#"body[data-portal-state="active"] #domain-empty"#).await;

    // Add a domain with the page's form.
    client
        .find(Locator::Id("domain-input"))
        .await
        .unwrap()
        .send_keys("globex.example")
        .await
        .unwrap();
    click(&client, "domain-add").await;
    let row = wait_for(
        &client,
        r#"li[data-domain="globex.example"][data-verification-status="PENDING"]"#,
    )
    .await;
    let id = row.attr("data-domain-id").await.unwrap().expect("an id");
    let txt = client
        .find(Locator::Id(&format!("domain-txt-name-{id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(txt, "scalekit-domain-verification.globex.example");

    // Verify: the test decides it fails, then the default succeeds.
    emu.faults()
        .next_domain_verifications(1, VerificationOutcome::Failed);
    click(&client, &format!("domain-verify-{id}")).await;
    wait_for(
        &client,
        &format!(r#"li[data-domain-id="{id}"][data-verification-status="FAILED"]"#),
    )
    .await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(listed["domains"][0]["verification_status"], "FAILED");
    click(&client, &format!("domain-verify-{id}")).await;
    wait_for(
        &client,
        &format!(r#"li[data-domain-id="{id}"][data-verification-status="VERIFIED"]"#),
    )
    .await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(listed["domains"][0]["verification_status"], "VERIFIED");

    // Delete it.
    click(&client, &format!("domain-delete-{id}")).await;
    wait_for(&client, "#domain-empty").await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(listed["domains"], json!([]));

    // The SSO button creates and enables the connection the status read reports.
    click(&client, "sso-enable").await;
    wait_for(&client, r#"#sso-state[data-enabled="true"]"#).await;
    let (_, connections) = get_json(
        &emu,
        &token,
        &format!("/api/v1/connections?organization_id={}", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(connections["connections"][0]["enabled"], true);
    assert_eq!(connections["connections"][0]["status"], "COMPLETED");

    let _ = client.close().await;
}

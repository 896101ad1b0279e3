//! The demo app, as a person uses it: sign in, see the portal load in the
//! settings page, switch SSO on inside it, watch the page react. Also makes
//! the README's screenshot.

use std::path::Path;

use scalekit_demo::Upstream;
use scalekit_testkit::browser::Browser;

use crate::WAIT;

/// Waits until the demo badge `id` is in `state` (demo.js sets it from the
/// portal's `scalekit:*` events).
async fn wait_for_badge(browser: &Browser, id: &str, state: &str) {
    browser
        .wait_until_with(
            &format!("#{id} to be {state}"),
            "var b = document.getElementById(arguments[0]); \
             return !!b && b.getAttribute('data-state') === arguments[1];",
            vec![serde_json::json!(id), serde_json::json!(state)],
            WAIT,
        )
        .await;
}

#[tokio::test]
async fn the_demo_settings_page_embeds_a_working_portal() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let emulator = demo.emulator().expect("the demo runs offline by default");

    browser.goto(&demo.url()).await;
    browser.click("login-alice").await;
    wait_for_badge(&browser, "badge-session", "active").await;
    assert_eq!(
        emulator.stats().portal_sessions_started,
        1,
        "the iframe loaded the minted link"
    );

    // Alice turns SSO off then on inside the portal; the host page shows it.
    browser.enter_frame("scalekit-portal").await;
    browser.click("sso-disable").await;
    browser.leave_frame().await;
    wait_for_badge(&browser, "badge-sso", "off").await;
    browser.enter_frame("scalekit-portal").await;
    browser.click("sso-enable").await;
    browser.leave_frame().await;
    wait_for_badge(&browser, "badge-sso", "on").await;
    let log = browser
        .eval("return document.getElementById('event-log').textContent;")
        .await;
    let log = log.as_str().unwrap_or_default();
    assert!(
        log.contains("scalekit:sso-enabled") && log.contains("scalekit:loaded"),
        "{log}"
    );
    let acme = emulator
        .organization(scalekit_emulator::demo::ACME_ID)
        .unwrap();
    assert!(acme.feature_enabled("sso"));

    if std::env::var_os("SCALEKIT_SCREENSHOT").is_some() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/settings-page.png");
        browser.screenshot_to(&path).await;
        eprintln!("wrote {}", path.display());
    }
}

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

/// The `data-state` of the demo badge `id`.
async fn badge(browser: &Browser, id: &str) -> String {
    browser
        .attribute(id, "data-state")
        .await
        .unwrap_or_default()
}

/// Posts, from the host page itself, what the portal would post if an admin
/// switched SSO off, and dispatches the DOM event the listener would; then
/// waits until a marker posted after them has arrived (messages arrive in
/// order, so the forgeries were handled by then).
const FORGE_JS: &str = "var done = arguments[0]; \
     window.addEventListener('message', function (e) { \
       if (e.data && e.data.marker === 'after-forgery') { window.__forgeryDone = true; } }); \
     var claim = { event_type: 'ORGANIZATION_SSO_DISABLED', object: 'connection', \
       organization_id: 'org_70400000000000001', message: 'forged', \
       data: { connection_type: 'SSO', id: 'conn_forged', type: 'SAML', provider: 'OKTA', enabled: false } }; \
     window.postMessage(claim, '*'); \
     window.postMessage({ type: 'SSO_CONFIGURED', data: { enabled: false } }, '*'); \
     document.getElementById('scalekit-portal').dispatchEvent( \
       new CustomEvent('scalekit:sso-disabled', { bubbles: true, detail: claim })); \
     window.postMessage({ marker: 'after-forgery' }, '*'); \
     return done;";

#[tokio::test]
async fn the_demo_badges_follow_the_server_and_a_forged_message_changes_nothing() {
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
    // Rendered from the server's state: Acme has SSO on.
    assert_eq!(badge(&browser, "badge-sso").await, "on");

    // The page forges the portal's claim: the listener ignores the message
    // (not from the portal frame), nothing asks the server, the badge stays.
    let reads = emulator
        .stats()
        .requests(scalekit_emulator::Endpoint::ListConnections);
    browser
        .eval_with(FORGE_JS, vec![serde_json::json!(true)])
        .await;
    browser
        .wait_until(
            "the forged messages to be handled",
            "return window.__forgeryDone === true;",
            WAIT,
        )
        .await;
    assert_eq!(badge(&browser, "badge-sso").await, "on");
    assert_eq!(
        emulator
            .stats()
            .requests(scalekit_emulator::Endpoint::ListConnections),
        reads,
        "a forged message made the page ask the server"
    );
    assert!(
        emulator
            .organization(scalekit_emulator::demo::ACME_ID)
            .unwrap()
            .feature_enabled("sso")
    );

    // Alice switches SSO off inside the portal: the badge changes through
    // the server (the status endpoint), and Scalekit's signed webhook
    // reaches the demo's server and its panel.
    browser.enter_frame("scalekit-portal").await;
    browser.click("sso-disable").await;
    browser.leave_frame().await;
    wait_for_badge(&browser, "badge-sso", "off").await;
    browser
        .wait_until(
            "the verified sso_disabled delivery in the panel",
            "return !!document.querySelector('#webhook-log li[data-event-type=\"organization.sso_disabled\"]');",
            WAIT,
        )
        .await;
    // A reload renders the badge from the server's state (the webhook).
    browser.goto(&format!("{}settings", demo.url())).await;
    wait_for_badge(&browser, "badge-session", "active").await;
    assert_eq!(badge(&browser, "badge-sso").await, "off");
    let log = browser
        .eval("return document.getElementById('event-log').textContent;")
        .await;
    assert!(
        !log.as_str()
            .unwrap_or_default()
            .contains("scalekit:status-failed"),
        "{log}"
    );
}

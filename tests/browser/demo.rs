//! The demo app, as a person uses it: sign in, see the portal load in the
//! settings page, switch SSO on inside it, watch the page react. Also makes
//! the README's screenshot.

use std::path::Path;

use scalekit_demo::Upstream;
use scalekit_testkit::browser::Browser;

use crate::WAIT;

/// Waits until the demo badge `id` is in `state` (demo.js sets it from the
/// portal's `scalekit:*` events).
pub(crate) async fn wait_for_badge(browser: &Browser, id: &str, state: &str) {
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
    let demo = start_demo(Upstream::local()).await;
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
    let log = event_log(&browser).await;
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

/// The demo on a free loopback port against `upstream`.
pub(crate) async fn start_demo(upstream: Upstream) -> scalekit_demo::Demo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    scalekit_demo::start(listener, upstream).await.unwrap()
}

/// The demo page's event log, as text.
async fn event_log(browser: &Browser) -> String {
    browser
        .eval("return document.getElementById('event-log').textContent;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
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
    let demo = start_demo(Upstream::local()).await;
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
    let log = event_log(&browser).await;
    assert!(!log.contains("scalekit:status-failed"), "{log}");
}

/// The demo on `localhost`, its emulator on `127.0.0.1` (two sites), in a
/// browser that blocks third-party cookies: the portal cannot keep its
/// session in the frame, the demo's page falls back to "Open in a new tab"
/// and says so in its badge; the admin switches SSO in the new tab, and the
/// first tab's SSO badge follows, through the server.
#[tokio::test]
async fn the_demo_falls_back_to_a_new_tab_with_blocked_cookies_and_its_badges_follow() {
    let Some(browser) = Browser::start_blocking_third_party_cookies().await else {
        return;
    };
    let demo = start_demo(Upstream::local()).await;
    let emulator = demo.emulator().expect("the demo runs offline by default");
    assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    let app = format!("http://localhost:{}", demo.addr().port());
    emulator
        .add_allowed_parent_origin(&app)
        .expect("a valid origin");

    browser.goto(&format!("{app}/")).await;
    browser.click("login-bob").await;
    // The fallback: the frame hidden, the new-tab control shown, the
    // demo's own badge saying where the portal is.
    browser
        .wait_until(
            "the demo's badge to say the portal opens in a new tab",
            "var b = document.getElementById('badge-session'); \
             return !!b && b.textContent === 'Portal: open in a new tab';",
            WAIT,
        )
        .await;
    assert_eq!(
        browser.property("scalekit-portal-open", "hidden").await,
        serde_json::json!(false)
    );
    let before = badge(&browser, "badge-sso").await;
    let (button, after) = match before.as_str() {
        "on" => ("sso-disable", "off"),
        _ => ("sso-enable", "on"),
    };

    // The new tab opens the portal through the demo's handoff endpoint.
    let first = crate::handoff::open_the_new_tab(&browser).await;
    browser
        .wait_until_with(
            "the portal page in the new tab",
            "return document.body && document.body.getAttribute('data-portal-state') === 'active' \
               && !!document.getElementById(arguments[0]);",
            vec![serde_json::json!(button)],
            WAIT,
        )
        .await;
    let url = browser.client().current_url().await.expect("the tab's url");
    assert!(
        url.as_str()
            .starts_with(&format!("{}/magicLink/", emulator.base_url())),
        "{url}"
    );
    browser.click(button).await;

    // Back in the first tab: the demo's SSO badge follows the server.
    browser
        .client()
        .switch_to_window(first)
        .await
        .expect("switch back");
    wait_for_badge(&browser, "badge-sso", after).await;
    let log = event_log(&browser).await;
    assert!(
        log.contains("scalekit:fallback") && log.contains("scalekit:status"),
        "{log}"
    );
    let globex = emulator
        .organization(scalekit_emulator::demo::GLOBEX_ID)
        .unwrap();
    assert_eq!(globex.feature_enabled("sso"), after == "on");
}

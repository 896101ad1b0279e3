//! The demo's page layout and the emulator's portal page, as a newcomer
//! sees them: toasts that never cover a panel, no portal badge where there
//! is no portal, no sentence about "(no organization)", an "Enable" button
//! that is the primary action only while the feature is off, and a session
//! warning that states the time really left.

use std::time::Duration;

use scalekit_demo::Upstream;
use scalekit_testkit::browser::Browser;
use serde_json::{Value, json};

use crate::WAIT;
use crate::demo::{start_demo, wait_for_badge};

/// Every `.card` panel that the toast strip overlaps (their bounding boxes
/// intersect), by id or class; and how many toasts show.
const TOAST_OVERLAP_JS: &str = "var strip = document.getElementById('toasts').getBoundingClientRect(); \
     var hits = []; \
     document.querySelectorAll('.card').forEach(function (card) { \
       var r = card.getBoundingClientRect(); \
       if (r.left < strip.right && strip.left < r.right && r.top < strip.bottom && strip.top < r.bottom) { \
         hits.push(card.id || card.className); } }); \
     return { hits: hits, toasts: document.querySelectorAll('#toasts .toast').length, \
       strip: [strip.left, strip.top, strip.width, strip.height] };";

/// Dispatches, on the page, the DOM events the listener sends most often,
/// each making a toast (the demo's script toasts every `scalekit:*` event).
const MANY_TOASTS_JS: &str = "['scalekit:sso-enabled', 'scalekit:status', 'scalekit:sso-disabled', \
       'scalekit:status', 'scalekit:directory-enabled', 'scalekit:status'] \
     .forEach(function (type) { document.dispatchEvent(new CustomEvent(type, { detail: {} })); }); \
     return true;";

/// Signs in as `user` (replacing whoever was signed in) and waits for the
/// settings page.
async fn sign_in_as(browser: &Browser, base: &str, user: &str) {
    browser.goto(base).await;
    browser.click(&format!("login-{user}")).await;
    browser
        .wait_until(
            "the settings page",
            "return location.pathname === '/settings' && document.readyState === 'complete';",
            WAIT,
        )
        .await;
}

#[tokio::test]
async fn toasts_never_cover_a_panel_and_pages_without_a_portal_show_no_portal_badge() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    // A laptop-sized window: the old corner toasts covered the deliveries
    // panel here.
    browser.set_viewport(1280, 720).await;
    let demo = start_demo(Upstream::local()).await;
    let base = demo.url();

    sign_in_as(&browser, &base, "alice").await;
    wait_for_badge(&browser, "badge-session", "active").await;
    let sentence = browser
        .eval("return document.querySelector('.portal p.muted').textContent;")
        .await;
    assert!(
        sentence
            .as_str()
            .is_some_and(|s| s.contains("Changes apply to everyone at Acme Corp")),
        "{sentence}"
    );
    // A burst of events, as SSO switched off and on produces.
    browser.eval(MANY_TOASTS_JS).await;
    let seen = browser.eval(TOAST_OVERLAP_JS).await;
    assert_eq!(seen["hits"], json!([]), "a toast covers a panel: {seen}");
    let toasts = seen["toasts"].as_u64().unwrap_or_default();
    assert!((1..=2).contains(&toasts), "{seen}");
    // The strip is in the top bar, above every panel, with room to show.
    let strip = &seen["strip"];
    assert!(strip[2].as_f64().unwrap_or_default() > 100.0, "{seen}");
    let deliveries_top = browser
        .eval("return document.querySelector('.webhooks').getBoundingClientRect().top;")
        .await;
    assert!(
        strip[1].as_f64().unwrap_or_default() + strip[3].as_f64().unwrap_or_default()
            <= deliveries_top.as_f64().unwrap_or_default(),
        "{seen} {deliveries_top}"
    );
    // The event log keeps them all; the toasts go by themselves.
    browser
        .wait_until(
            "the toasts to go",
            "return document.querySelectorAll('#toasts .toast').length === 0;",
            WAIT,
        )
        .await;

    // Carol has no organization: no portal, no portal badge, no sentence
    // about everyone at "(no organization)".
    sign_in_as(&browser, &base, "carol").await;
    assert_no_portal(&browser).await;
    let text = browser
        .eval("return document.querySelector('main').textContent;")
        .await;
    let text = text.as_str().unwrap_or_default();
    assert!(!text.contains("Changes apply to everyone"), "{text}");
    assert!(!text.contains("(no organization)"), "{text}");
    assert!(text.contains("without a company account"), "{text}");

    // Dave is not an admin: refused, and no portal badge either.
    sign_in_as(&browser, &base, "dave").await;
    assert_no_portal(&browser).await;
    let text = browser
        .eval("return document.querySelector('main').textContent;")
        .await;
    assert!(
        text.as_str().is_some_and(|t| t.contains("not an admin")),
        "{text}"
    );
    browser.assert_no_errors().await;
}

/// No portal, and no badge about one.
async fn assert_no_portal(browser: &Browser) {
    let seen = browser
        .eval(
            "return { badge: !!document.getElementById('badge-session'), \
               frame: !!document.getElementById('scalekit-portal'), \
               loading: document.body.textContent.indexOf('Portal: loading') !== -1 };",
        )
        .await;
    assert_eq!(
        seen,
        json!({ "badge": false, "frame": false, "loading": false })
    );
}

/// The session warning text inside the portal frame, once shown.
const WARNING_TEXT_JS: &str = "var s = document.getElementById('portal-status'); \
     return s && s.textContent.indexOf('expires in') !== -1 ? s.textContent : null;";

#[tokio::test]
async fn the_portal_page_styles_enable_by_state_and_warns_with_the_real_time_left() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    // The demo's short-session setting (DEMO_PORTAL_SESSION_SECS): 12 s
    // sessions, warned halfway.
    let demo = start_demo(Upstream::local_with_portal_session(Duration::from_secs(12))).await;
    sign_in_as(&browser, &demo.url(), "alice").await;
    wait_for_badge(&browser, "badge-session", "active").await;

    // Acme has SSO on: "Enable" is not the primary action, until SSO is off.
    browser.enter_frame("scalekit-portal").await;
    assert_eq!(primary(&browser, "sso-enable").await, json!(false));
    assert_eq!(primary(&browser, "sso-disable").await, json!(false));
    browser.click("sso-disable").await;
    browser
        .wait_until(
            "Enable to become the primary action",
            "return document.getElementById('sso-enable').classList.contains('primary') \
               && document.getElementById('sso-state').getAttribute('data-enabled') === 'false';",
            WAIT,
        )
        .await;

    // The warning comes 6 s before the end and says so in seconds.
    let warning = browser
        .wait_until("the session warning", WARNING_TEXT_JS, WAIT)
        .await;
    let warning = warning.as_str().unwrap_or_default().to_owned();
    let seconds: u64 = warning
        .split("expires in ")
        .nth(1)
        .and_then(|rest| rest.split(" second").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no seconds in {warning:?}"));
    assert!((1..=6).contains(&seconds), "{warning}");
    assert!(!warning.contains("a few minutes"), "{warning}");
    browser.leave_frame().await;

    // And the demo heals: the expired session is replaced by a fresh link.
    browser
        .wait_until(
            "the portal to come back after the session ends",
            "return document.getElementById('event-log').textContent.indexOf('scalekit:refreshed') !== -1;",
            WAIT,
        )
        .await;
    wait_for_badge(&browser, "badge-session", "active").await;
    browser.assert_no_errors().await;
}

/// Whether the button `id` (in the current frame) is styled as primary.
async fn primary(browser: &Browser, id: &str) -> Value {
    browser
        .eval_with(
            "return document.getElementById(arguments[0]).classList.contains('primary');",
            vec![json!(id)],
        )
        .await
}

//! What must not work: messages that do not come from the portal frame on
//! the portal origin, malformed messages, and embedding from an origin the
//! environment does not know.

use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::Served;
use scalekit_testkit::browser::names;
use serde_json::{Value, json};

use crate::host::HostOptions;
use crate::{Fixture, WAIT};

/// Messages with exactly the portal's shapes, each of which would change
/// something if the host page believed it: report SSO or the directory
/// enabled, refresh the link, or claim a load.
fn forged_messages(organization: &str) -> Value {
    let session = |event_type: &str| {
        json!({
            "event_type": event_type,
            "object": "session",
            "organization_id": organization,
            "message": "forged",
            "data": { "expiry": "2030-01-01T00:00:00.000000Z" },
        })
    };
    json!([
        {
            "event_type": "ORGANIZATION_SSO_ENABLED",
            "object": "connection",
            "organization_id": organization,
            "message": "SSO connection enabled",
            "data": { "connection_type": "SSO", "id": "conn_forged", "type": "SAML", "provider": "OKTA", "enabled": true },
        },
        {
            "event_type": "ORGANIZATION_DIRECTORY_ENABLED",
            "object": "directory",
            "organization_id": organization,
            "message": "Directory sync enabled",
            "data": { "directory_type": "SCIM", "id": "dir_forged", "provider": "MICROSOFT_AD", "enabled": true },
        },
        session("PORTAL_LOAD_SUCCESS"),
        session("PORTAL_SESSION_WARNING"),
        session("PORTAL_SESSION_EXPIRY"),
        {
            "event_type": "PORTAL_LOAD_FAILURE",
            "object": "session",
            "message": "forged",
            "data": { "error_code": "SESSION_EXPIRED" },
        },
        { "type": "SSO_CONFIGURED", "data": { "connection_type": "SSO", "enabled": true } },
        { "type": "SCIM_CONFIGURED", "data": { "directory_type": "SCIM" } },
        { "type": "SESSION_EXPIRED" },
    ])
}

/// Posts `arguments[0]` (a list), then `{marker: arguments[1]}`, to the
/// window `TARGET` names.
const POST_ALL_JS: &str = "var list = arguments[0], marker = arguments[1]; \
     list.forEach(function (m) { TARGET.postMessage(m, '*'); }); \
     TARGET.postMessage({ marker: marker }, '*'); \
     return true;";

fn post_all(target: &str) -> String {
    POST_ALL_JS.replace("TARGET", target)
}

/// Posts data a portal never sends, then `{marker: arguments[0]}`, to the
/// window `TARGET` names. None of it may raise an error in the host page.
const POST_MALFORMED_JS: &str = "var marker = arguments[0]; \
     var huge = {}; for (var i = 0; i < 100000; i++) { huge['k' + i] = i; } \
     var deep = {}; var cursor = deep; \
     for (var j = 0; j < 1000; j++) { cursor.data = {}; cursor = cursor.data; } \
     var list = [ \
       'PORTAL_LOAD_FAILURE', '{\"event_type\":\"PORTAL_SESSION_EXPIRY\"}', '', \
       null, undefined, 0, 42, NaN, true, false, \
       [], [{ event_type: 'PORTAL_SESSION_EXPIRY' }], \
       huge, deep, 'x'.repeat(1 << 20), new ArrayBuffer(1 << 16), \
       new Date(0), /PORTAL_SESSION_EXPIRY/, new Map([['event_type', 'PORTAL_SESSION_EXPIRY']]), \
       {}, { event_type: 42 }, { event_type: null, type: null }, { event_type: 'NOPE' }, \
       { event_type: '__proto__' }, { event_type: 'constructor' }, { event_type: 'toString' }, \
       { event_type: 'hasOwnProperty' }, { type: 'constructor' }, { type: '__proto__' }, \
       { type: {} }, { type: ['SESSION_EXPIRED'] }, { event_type: ['PORTAL_SESSION_EXPIRY'] }, \
       { event_type: { toString: 'PORTAL_SESSION_EXPIRY' } }, \
       { hasOwnProperty: 1, event_type: 'NOPE' }, { data: null }, { data: 'x', enabled: 'yes' } \
     ]; \
     list.forEach(function (m) { TARGET.postMessage(m, '*'); }); \
     TARGET.postMessage({ marker: marker }, '*'); \
     return list.length;";

fn post_malformed(target: &str) -> String {
    POST_MALFORMED_JS.replace("TARGET", target)
}

/// Asserts the page still shows the first link, loaded, having seen only
/// its `scalekit:loaded`, and no refresh was asked for.
async fn assert_untouched(f: &Fixture, src: &str) {
    let events = f.browser.events().await;
    assert_eq!(
        names(&events),
        ["loaded"],
        "only the real portal's event: {events:#?}"
    );
    assert_eq!(
        f.browser
            .attribute("scalekit-portal", "src")
            .await
            .as_deref(),
        Some(src),
        "the iframe src is unchanged"
    );
    assert_eq!(
        f.browser
            .attribute("scalekit-portal", "data-scalekit-state")
            .await
            .as_deref(),
        Some("loaded")
    );
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(true)
    );
    assert_eq!(
        f.upstream.emulator.stats().links_minted_for(demo::ACME_ID),
        1,
        "no new link was minted"
    );
    assert!(
        !f.upstream
            .emulator
            .organization(demo::ACME_ID)
            .unwrap()
            .feature_enabled("dir_sync")
    );
    f.browser.assert_no_errors().await;
}

/// A second app on its own port: the "other origin".
async fn other_origin() -> Served {
    Served::axum(Router::new().route(
        "/",
        get(|| async {
            Html("<!doctype html><html><head><title>Elsewhere</title></head><body><p>Another site</p></body></html>")
        }),
    ))
    .await
}

async fn acme() -> Option<Fixture> {
    Fixture::registered(Emulator::builder(), HostOptions::new(demo::ACME_ID)).await
}

// Scenario 4 ---------------------------------------------------------------

/// Another site opens the settings page and posts it the portal's messages.
/// Neither the origin nor the source is the portal frame.
#[tokio::test]
async fn messages_from_another_site_change_nothing() {
    let Some(f) = acme().await else { return };
    let evil = other_origin().await;
    f.browser.goto(&evil.url("/")).await;
    let opener = f.browser.client().window().await.expect("current window");
    f.browser
        .eval_with(
            "window.__host = window.open(arguments[0], 'scalekit-host'); return !!window.__host;",
            vec![json!(f.host.url("/settings"))],
        )
        .await;
    // The new window may take a moment to be listed: poll, bounded.
    let deadline = std::time::Instant::now() + WAIT;
    let host_window = loop {
        let windows = f.browser.client().windows().await.expect("windows");
        if let Some(window) = windows.into_iter().find(|w| *w != opener) {
            break window;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the settings page did not open in a second window"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    f.browser
        .client()
        .switch_to_window(host_window.clone())
        .await
        .expect("switch to the settings page");
    let events = f.browser.wait_for_event("loaded", 1, WAIT).await;
    let src = events[0].src.clone().expect("src");

    f.browser
        .client()
        .switch_to_window(opener)
        .await
        .expect("switch back");
    f.browser
        .eval_with(
            &post_all("window.__host"),
            vec![forged_messages(demo::ACME_ID), json!("from-another-site")],
        )
        .await;
    f.browser
        .client()
        .switch_to_window(host_window)
        .await
        .expect("switch to the settings page");
    f.browser
        .wait_for_marker(&evil.origin(), "from-another-site", WAIT)
        .await;
    assert_untouched(&f, &src).await;
}

/// The portal frame is navigated to another origin, which posts the
/// portal's messages: the right source, the wrong origin.
#[tokio::test]
async fn messages_from_another_origin_inside_the_portal_frame_change_nothing() {
    let Some(f) = acme().await else { return };
    let evil = other_origin().await;
    let src = f.open_loaded_settings().await;
    let evil_url = evil.url("/");
    f.browser
        .eval_with(
            "document.getElementById('scalekit-portal').contentWindow.location.replace(arguments[0]); return true;",
            vec![json!(evil_url)],
        )
        .await;
    f.browser.enter_frame("scalekit-portal").await;
    f.browser
        .wait_until_with(
            "the portal frame to show the other site",
            "return location.href === arguments[0] && document.readyState === 'complete';",
            vec![json!(evil_url)],
            WAIT,
        )
        .await;
    f.browser
        .eval_with(
            &post_all("window.parent"),
            vec![forged_messages(demo::ACME_ID), json!("from-the-frame")],
        )
        .await;
    f.browser.leave_frame().await;
    f.browser
        .wait_for_marker(&evil.origin(), "from-the-frame", WAIT)
        .await;
    assert_untouched(&f, &src).await;
}

/// A second frame on the portal origin (an unknown link, which posts
/// `PORTAL_LOAD_FAILURE` by itself) posts the portal's messages: the right
/// origin, the wrong source.
#[tokio::test]
async fn messages_from_another_frame_on_the_portal_origin_change_nothing() {
    let Some(f) = acme().await else { return };
    let src = f.open_loaded_settings().await;
    let decoy = format!("{}/magicLink/not-a-link", f.portal_origin());
    f.browser
        .eval_with(
            "var frame = document.createElement('iframe'); \
             frame.id = 'decoy'; frame.src = arguments[0]; \
             document.body.appendChild(frame); return true;",
            vec![json!(decoy)],
        )
        .await;
    // Its own PORTAL_LOAD_FAILURE arrives first.
    f.browser
        .wait_until_with(
            "the decoy's PORTAL_LOAD_FAILURE",
            "var origin = arguments[0]; \
             return window.__scalekit.messages.some(function (m) { \
               return m.origin === origin && m.event_type === 'PORTAL_LOAD_FAILURE'; });",
            vec![json!(f.portal_origin())],
            WAIT,
        )
        .await;
    f.browser.enter_frame("decoy").await;
    f.browser
        .eval_with(
            &post_all("window.parent"),
            vec![forged_messages(demo::ACME_ID), json!("from-the-decoy")],
        )
        .await;
    f.browser.leave_frame().await;
    f.browser
        .wait_for_marker(f.portal_origin(), "from-the-decoy", WAIT)
        .await;
    assert_eq!(f.upstream.emulator.stats().portal_load_failures, 1);
    assert_untouched(&f, &src).await;
}

/// The host page posts the portal's messages and malformed data to itself
/// (its own origin, not the frame), then the real portal frame posts
/// malformed data (right origin and source: only WebDriver can make it):
/// nothing changes and no error is raised.
#[tokio::test]
async fn forged_and_malformed_messages_change_nothing_and_raise_no_error() {
    let Some(f) = acme().await else { return };
    let src = f.open_loaded_settings().await;

    f.browser
        .eval_with(
            &post_all("window"),
            vec![forged_messages(demo::ACME_ID), json!("forged-by-the-host")],
        )
        .await;
    f.browser
        .eval_with(
            &post_malformed("window"),
            vec![json!("malformed-by-the-host")],
        )
        .await;
    f.browser
        .wait_for_marker(&f.host.origin(), "malformed-by-the-host", WAIT)
        .await;
    assert_untouched(&f, &src).await;

    f.browser.enter_frame("scalekit-portal").await;
    let posted = f
        .browser
        .eval_with(
            &post_malformed("window.parent"),
            vec![json!("malformed-from-the-portal")],
        )
        .await;
    f.browser.leave_frame().await;
    f.browser
        .wait_for_marker(f.portal_origin(), "malformed-from-the-portal", WAIT)
        .await;
    let messages = f.browser.messages().await;
    let from_portal = messages
        .iter()
        .filter(|m| m["origin"] == f.portal_origin())
        .count();
    // PORTAL_LOAD_SUCCESS, the malformed list and the marker.
    assert_eq!(json!(from_portal), json!(posted.as_u64().unwrap() + 2));
    assert_untouched(&f, &src).await;
}

// Scenario 5 ---------------------------------------------------------------

/// The host's origin is not registered: the portal's `frame-ancestors`
/// keeps it out of the frame, no message arrives, and after the load timeout
/// the page shows the hint about registering the domain. Registering it and
/// pressing the retry button then loads the portal.
#[tokio::test]
async fn unregistered_host_is_blocked_and_shows_the_load_timeout_hint() {
    let options = HostOptions::new(demo::ACME_ID).load_timeout(Duration::from_secs(2));
    let Some(f) = Fixture::start(Emulator::builder(), options, false).await else {
        return;
    };
    f.browser.goto(&f.host.url("/settings")).await;
    let events = f.browser.wait_for_event("load-timeout", 1, WAIT).await;
    assert_eq!(names(&events), ["load-timeout", "fallback"]);
    assert_eq!(events[0].detail, json!({ "timeout_ms": 2000 }));
    assert_eq!(events[0].state.as_deref(), Some("timeout"));
    assert_eq!(events[1].detail, json!({ "reason": "load-timeout" }));
    // A new tab is offered: there frame-ancestors does not apply.
    assert_eq!(
        f.browser.property("scalekit-portal-open", "hidden").await,
        json!(false)
    );

    // The hint is visible, names the cause, and the frame stays in place.
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(false)
    );
    let status = f
        .browser
        .client()
        .find(fantoccini::Locator::Id("scalekit-portal-status"))
        .await
        .expect("the status box");
    assert!(status.is_displayed().await.expect("is_displayed"));
    let message = f
        .browser
        .property("scalekit-portal-message", "textContent")
        .await;
    let message = message.as_str().unwrap_or_default();
    assert!(
        message.contains("Scalekit dashboard") && message.contains("--allow-origin"),
        "the hint names both fixes: {message}"
    );
    assert_eq!(
        f.browser.property("scalekit-portal", "hidden").await,
        json!(false)
    );

    // The browser did not render the portal in the frame (the emulator did
    // serve it: the block is the browser enforcing frame-ancestors).
    assert_eq!(f.upstream.emulator.stats().portal_page_loads, 1);
    f.browser.enter_frame("scalekit-portal").await;
    let inside = f
        .browser
        .eval(
            "return { href: location.href, portal: !!document.getElementById('org-name') \
               || !!document.querySelector('[data-portal-state]') };",
        )
        .await;
    f.browser.leave_frame().await;
    assert_eq!(
        inside["portal"],
        json!(false),
        "the portal rendered: {inside}"
    );
    assert!(
        !f.browser
            .messages()
            .await
            .iter()
            .any(|m| m["origin"] == f.portal_origin()),
        "no message from the portal"
    );
    f.browser.assert_no_errors().await;

    // Once the domain is registered, the retry button brings the portal.
    f.upstream
        .emulator
        .add_allowed_parent_origin(&f.host.origin())
        .unwrap();
    f.browser.click("scalekit-portal-retry").await;
    let events = f.browser.wait_for_event("loaded", 1, WAIT).await;
    assert_eq!(
        names(&events),
        ["load-timeout", "fallback", "refreshed", "loaded"]
    );
    assert_eq!(events[2].detail["reason"], "retry");
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(true)
    );
    f.browser.assert_no_errors().await;
}

//! The portal on another site than the app, in a browser that blocks
//! third-party cookies: the framed portal cannot keep its session cookie,
//! the snippet falls back to "Open in a new tab", the new tab opens the
//! portal through the app's handoff endpoint, and what the admin changes
//! there reaches the first tab through the server (`scalekit:status`).

use std::time::Duration;

use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::Upstream;
use scalekit_testkit::browser::{Browser, names};
use serde_json::json;

use crate::WAIT;
use crate::host::{self, HostOptions};

/// The portal page's own readiness, checked in its window.
const PORTAL_ACTIVE_JS: &str = "return document.body && document.body.getAttribute('data-portal-state') === 'active' \
     && !!document.getElementById('sso-enable');";

#[tokio::test]
async fn blocked_cookies_fall_back_to_a_new_tab_and_the_first_tab_follows_the_server() {
    let Some(browser) = Browser::start_blocking_third_party_cookies().await else {
        return;
    };
    // The emulator on 127.0.0.1, the app on localhost: two sites.
    let upstream = Upstream::start(Emulator::builder(), Duration::from_secs(10)).await;
    let portal_origin = upstream.emulator.base_url().to_owned();
    assert!(
        portal_origin.starts_with("http://127.0.0.1:"),
        "{portal_origin}"
    );
    let app = host::serve(
        upstream.client.clone(),
        &portal_origin,
        HostOptions::new(demo::GLOBEX_ID).csp(true),
    )
    .await;
    let app_origin = format!("http://localhost:{}", app.addr().port());
    upstream
        .emulator
        .add_allowed_parent_origin(&app_origin)
        .expect("a valid origin");

    browser.goto(&format!("{app_origin}/settings")).await;
    // The first link fails in the frame (its cookie was dropped), the
    // snippet refreshes once, the fresh link fails the same way: blocked.
    let events = browser.wait_for_event("fallback", 1, WAIT).await;
    assert_eq!(
        names(&events),
        ["load-failed", "refreshed", "load-failed", "fallback"]
    );
    assert_eq!(events[0].detail["event_type"], "PORTAL_LOAD_FAILURE");
    assert_eq!(events[3].detail, json!({ "reason": "blocked" }));
    assert_eq!(
        browser
            .attribute("scalekit-portal", "data-scalekit-state")
            .await
            .as_deref(),
        Some("blocked")
    );
    assert_eq!(
        browser.property("scalekit-portal", "hidden").await,
        json!(true)
    );
    assert_eq!(
        browser.property("scalekit-portal-status", "hidden").await,
        json!(false)
    );
    let message = browser
        .property("scalekit-portal-message", "textContent")
        .await;
    assert!(
        message.as_str().is_some_and(|m| m.contains("new tab")),
        "{message}"
    );
    assert_eq!(
        browser.property("scalekit-portal-open", "hidden").await,
        json!(false)
    );
    let stats = upstream.emulator.stats();
    assert_eq!(stats.links_minted_for(demo::GLOBEX_ID), 2, "{stats:?}");
    assert!(stats.portal_load_failures >= 2, "{stats:?}");

    // The new tab: the handoff endpoint redirects to a fresh link, which
    // works there (first-party).
    let first = open_the_new_tab(&browser).await;
    browser
        .wait_until("the portal page in the new tab", PORTAL_ACTIVE_JS, WAIT)
        .await;
    let url = browser.client().current_url().await.expect("the tab's url");
    assert!(
        url.as_str()
            .starts_with(&format!("{portal_origin}/magicLink/")),
        "{url}"
    );
    assert_eq!(
        browser.eval("return window.opener === null;").await,
        json!(true),
        "the new tab cannot reach the app's page"
    );
    assert_eq!(
        upstream.emulator.stats().links_minted_for(demo::GLOBEX_ID),
        3
    );
    browser.click("sso-enable").await;
    browser
        .wait_until(
            "the portal to show SSO enabled",
            "return document.getElementById('sso-state').getAttribute('data-enabled') === 'true';",
            WAIT,
        )
        .await;

    // Back in the first tab: the server's answer, not a portal message.
    browser
        .client()
        .switch_to_window(first)
        .await
        .expect("switch back");
    let status = browser
        .wait_until(
            "a scalekit:status with SSO on",
            "var r = window.__scalekit; if (!r) return null; \
             var s = r.events.filter(function (e) { return e.name === 'status' \
               && e.detail && e.detail.sso && e.detail.sso.enabled === true; }); \
             return s.length ? s[0].detail : null;",
            WAIT,
        )
        .await;
    assert_eq!(status["organization_id"], demo::GLOBEX_ID);
    let events = browser.events().await;
    assert_eq!(
        names(&events)[..5],
        [
            "load-failed",
            "refreshed",
            "load-failed",
            "fallback",
            "handoff"
        ]
    );
    assert!(
        !names(&events).contains(&"sso-enabled"),
        "no portal message reached the first tab: {:?}",
        names(&events)
    );
    assert!(
        upstream
            .emulator
            .organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
    browser.assert_no_errors().await;
}

/// Clicks the snippet's "Open in a new tab" and switches to that tab;
/// returns the first tab's handle.
pub(crate) async fn open_the_new_tab(browser: &Browser) -> fantoccini::wd::WindowHandle {
    let first = browser.client().window().await.expect("the first window");
    browser.click("scalekit-portal-open").await;
    let second = wait_for_second_window(browser, &first).await;
    browser
        .client()
        .switch_to_window(second)
        .await
        .expect("switch to the new tab");
    first
}

/// The handle of the window that is not `first`, once the click opened it.
async fn wait_for_second_window(
    browser: &Browser,
    first: &fantoccini::wd::WindowHandle,
) -> fantoccini::wd::WindowHandle {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let windows = browser.client().windows().await.expect("the windows");
        if let Some(other) = windows.into_iter().find(|w| w != first) {
            return other;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new tab opened\n{}",
            browser.diagnostics().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! The older `type` vocabulary (`SSO_CONFIGURED`, `SESSION_EXPIRED`, no
//! load-success message): SSO changes and session refresh still reach the
//! host page.

use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::browser::names;
use serde_json::json;

use crate::host::HostOptions;
use crate::portal::short_sessions;
use crate::{Fixture, WAIT};

/// Waits, inside the portal frame, until the portal page at `src` is active.
async fn wait_for_portal_page(f: &Fixture, src: &str) {
    f.browser.enter_frame("scalekit-portal").await;
    f.browser
        .wait_until_with(
            "the portal page inside the frame",
            "return location.href === arguments[0] && !!document.body \
               && document.body.getAttribute('data-portal-state') === 'active';",
            vec![json!(src)],
            WAIT,
        )
        .await;
}

async fn iframe_src(f: &Fixture) -> String {
    f.browser
        .attribute("scalekit-portal", "src")
        .await
        .expect("the iframe has a src")
}

#[tokio::test]
async fn legacy_sso_configured_is_reported_as_sso_enabled() {
    let Some(f) = Fixture::registered(
        Emulator::builder().legacy_events(true),
        HostOptions::new(demo::GLOBEX_ID),
    )
    .await
    else {
        return;
    };
    f.browser.goto(&f.host.url("/settings")).await;
    let src = iframe_src(&f).await;
    wait_for_portal_page(&f, &src).await;
    f.browser.click("sso-enable").await;
    f.browser
        .wait_until(
            "the portal to show SSO enabled",
            "return document.getElementById('sso-state').getAttribute('data-enabled') === 'true';",
            WAIT,
        )
        .await;
    f.browser.leave_frame().await;

    let events = f.browser.wait_for_event("status", 1, WAIT).await;
    // No load-success message in this vocabulary, so no scalekit:loaded;
    // the legacy claim is confirmed by the server all the same.
    assert_eq!(names(&events), ["sso-enabled", "status"]);
    assert_eq!(
        events[1].detail["sso"]["enabled"], true,
        "{:?}",
        events[1].detail
    );
    let detail = &events[0].detail;
    assert_eq!(detail["type"], "SSO_CONFIGURED");
    assert_eq!(detail["data"]["connection_type"], "SSO");
    assert_eq!(detail["data"]["enabled"], true);
    // Any accepted message proves the portal loaded.
    assert_eq!(events[0].state.as_deref(), Some("loaded"));
    assert!(
        f.upstream
            .emulator
            .organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
    f.browser.assert_no_errors().await;
}

#[tokio::test]
async fn legacy_session_expired_refreshes_the_link() {
    let Some(f) = Fixture::registered(
        short_sessions().legacy_events(true),
        HostOptions::new(demo::ACME_ID),
    )
    .await
    else {
        return;
    };
    f.browser.goto(&f.host.url("/settings")).await;
    let first = iframe_src(&f).await;
    let events = f.browser.wait_for_event("refreshed", 1, WAIT).await;
    assert_eq!(names(&events)[..2], ["session-expired", "refreshed"]);
    assert_eq!(events[0].detail, json!({ "type": "SESSION_EXPIRED" }));
    assert_eq!(events[0].src.as_deref(), Some(first.as_str()));
    assert_eq!(events[1].detail["reason"], "session-expired");
    let second = events[1].src.clone().expect("the iframe has a src");
    assert_ne!(second, first, "the iframe got a different link");

    // The new link loads: the portal page is active in the frame again.
    wait_for_portal_page(&f, &second).await;
    f.browser.leave_frame().await;
    let stats = f.upstream.emulator.stats();
    assert!(stats.portal_sessions_started >= 2, "{stats:?}");
    assert_eq!(stats.portal_load_failures, 0);
    f.browser.assert_no_errors().await;
}

//! The portal in the settings page: loads, reports SSO changes, survives the
//! end of its session and page reloads. Scenarios 1-3 also run under a
//! strict CSP (`csp_*`), and with the listener inline instead of the
//! cached asset (`inline_*`).

use scalekit_emulator::{Emulator, EmulatorBuilder, demo};
use scalekit_testkit::browser::names;
use scalekit_tower::Feature;
use serde_json::json;

use crate::host::HostOptions;
use crate::{Fixture, WAIT, assert_csp};

/// The portal page's own readiness, checked inside its frame.
const PORTAL_ACTIVE_JS: &str = "return document.body && document.body.getAttribute('data-portal-state') === 'active' \
     && !!document.getElementById('sso-enable');";

// Scenario 1 ---------------------------------------------------------------

async fn portal_loads(csp: bool, inline: bool) {
    let Some(f) = Fixture::registered(
        Emulator::builder(),
        HostOptions::new(demo::ACME_ID).csp(csp).inline(inline),
    )
    .await
    else {
        return;
    };
    let src = f.open_loaded_settings().await;
    assert!(
        src.starts_with(&format!("{}/magicLink/", f.portal_origin())),
        "the iframe shows a portal link: {src}"
    );

    let events = f.browser.events().await;
    assert_eq!(names(&events), ["loaded"]);
    let loaded = &events[0];
    assert_eq!(loaded.detail["event_type"], "PORTAL_LOAD_SUCCESS");
    assert_eq!(loaded.detail["organization_id"], demo::ACME_ID);
    assert_eq!(loaded.state.as_deref(), Some("loaded"));
    assert_eq!(
        f.browser
            .attribute("scalekit-portal", "data-scalekit-state")
            .await
            .as_deref(),
        Some("loaded")
    );
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(true),
        "no status box over a loaded portal"
    );

    // The portal really rendered inside the frame.
    f.browser.enter_frame("scalekit-portal").await;
    f.browser
        .wait_until("the portal page inside the frame", PORTAL_ACTIVE_JS, WAIT)
        .await;
    assert_eq!(
        f.browser.property("org-name", "textContent").await,
        json!("Acme Corp")
    );
    f.browser.leave_frame().await;

    let stats = f.upstream.emulator.stats();
    assert_eq!(stats.links_minted_for(demo::ACME_ID), 1);
    assert_eq!(stats.portal_sessions_started, 1);
    assert_eq!(stats.portal_load_failures, 0);
    assert_csp(&f.browser, csp).await;
    f.browser.assert_no_errors().await;
}

#[tokio::test]
async fn portal_loads_and_the_host_sees_loaded() {
    portal_loads(false, HostOptions::default_inline()).await;
}

#[tokio::test]
async fn csp_portal_loads_and_the_host_sees_loaded() {
    portal_loads(true, HostOptions::default_inline()).await;
}

#[tokio::test]
async fn inline_csp_portal_loads_and_the_host_sees_loaded() {
    portal_loads(true, true).await;
}

// Scenario 2 ---------------------------------------------------------------

async fn enabling_sso(csp: bool, inline: bool) {
    // Globex starts with SSO off.
    let Some(f) = Fixture::registered(
        Emulator::builder(),
        HostOptions::new(demo::GLOBEX_ID).csp(csp).inline(inline),
    )
    .await
    else {
        return;
    };
    let emulator = &f.upstream.emulator;
    assert!(
        !emulator
            .organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
    f.open_loaded_settings().await;

    f.browser.enter_frame("scalekit-portal").await;
    f.browser
        .wait_until("the portal page inside the frame", PORTAL_ACTIVE_JS, WAIT)
        .await;
    assert_eq!(
        f.browser
            .attribute("sso-state", "data-enabled")
            .await
            .as_deref(),
        Some("false")
    );
    f.browser.click("sso-enable").await;
    f.browser
        .wait_until(
            "the portal to show SSO enabled",
            "return document.getElementById('sso-state').getAttribute('data-enabled') === 'true';",
            WAIT,
        )
        .await;
    f.browser.leave_frame().await;

    // The portal's claim, then what the server read from Scalekit.
    let events = f.browser.wait_for_event("status", 1, WAIT).await;
    assert_eq!(names(&events), ["loaded", "sso-enabled", "status"]);
    let status = &events[2].detail;
    assert_eq!(status["organization_id"], demo::GLOBEX_ID);
    assert_eq!(status["sso"]["enabled"], true, "{status}");
    assert_eq!(status["sso"]["provider"], "OKTA", "{status}");
    assert_eq!(status["directory"]["enabled"], false, "{status}");
    let detail = &events[1].detail;
    assert_eq!(detail["event_type"], "ORGANIZATION_SSO_ENABLED");
    assert_eq!(detail["object"], "connection");
    assert_eq!(detail["organization_id"], demo::GLOBEX_ID);
    assert_eq!(detail["data"]["connection_type"], "SSO");
    assert_eq!(detail["data"]["enabled"], true);
    assert!(
        detail["data"]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("conn_")),
        "{detail}"
    );

    // The REST API agrees: the emulator's state, and through the client.
    assert!(
        emulator
            .organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
    let organization = f
        .upstream
        .client
        .get_organization(&demo::GLOBEX_ID.parse().unwrap())
        .await
        .expect("get the organization");
    assert!(organization.feature_enabled(&Feature::Sso));

    assert_csp(&f.browser, csp).await;
    f.browser.assert_no_errors().await;
}

#[tokio::test]
async fn enabling_sso_in_the_portal_reaches_the_host_and_the_api() {
    enabling_sso(false, HostOptions::default_inline()).await;
}

#[tokio::test]
async fn csp_enabling_sso_in_the_portal_reaches_the_host_and_the_api() {
    enabling_sso(true, HostOptions::default_inline()).await;
}

#[tokio::test]
async fn inline_csp_enabling_sso_in_the_portal_reaches_the_host_and_the_api() {
    enabling_sso(true, true).await;
}

// Scenario 3 ---------------------------------------------------------------

/// Sessions of 3 s, warned 1 s before the end.
pub(crate) fn short_sessions() -> EmulatorBuilder {
    Emulator::builder()
        .session_lifetime(std::time::Duration::from_secs(3))
        .session_warning_before(std::time::Duration::from_secs(1))
}

/// The admin works in the portal (a click inside the frame): the session
/// warning shows a notice and keeps the page; at the end of the session the
/// snippet replaces the link.
async fn session_refresh(csp: bool, inline: bool) {
    // Long enough to click inside the frame before the warning.
    let emulator = Emulator::builder()
        .session_lifetime(std::time::Duration::from_secs(8))
        .session_warning_before(std::time::Duration::from_secs(2));
    let Some(f) = Fixture::registered(
        emulator,
        HostOptions::new(demo::ACME_ID).csp(csp).inline(inline),
    )
    .await
    else {
        return;
    };
    let first = f.open_loaded_settings().await;
    f.browser.enter_frame("scalekit-portal").await;
    f.browser.click("org-name").await;
    f.browser.leave_frame().await;
    let events = f.browser.wait_for_event("session-warning", 1, WAIT).await;
    assert_eq!(names(&events), ["loaded", "session-warning"]);
    // The notice, over the portal that stays.
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(false)
    );
    assert!(
        f.browser
            .property("scalekit-portal-message", "textContent")
            .await
            .as_str()
            .is_some_and(|text| text.contains("ends soon")),
        "{}",
        f.browser.diagnostics().await
    );
    assert_eq!(
        f.browser.property("scalekit-portal", "hidden").await,
        json!(false)
    );

    let events = f.browser.wait_for_event("loaded", 2, WAIT).await;
    // Later events (the next session's warning) may follow; the first five
    // tell the story.
    assert!(events.len() >= 5, "{:?}", names(&events));
    assert_eq!(
        names(&events)[..5],
        [
            "loaded",
            "session-warning",
            "session-expired",
            "refreshed",
            "loaded"
        ]
    );
    assert_eq!(events[1].detail["event_type"], "PORTAL_SESSION_WARNING");
    assert_eq!(events[1].src.as_deref(), Some(first.as_str()));
    assert_eq!(events[2].detail["event_type"], "PORTAL_SESSION_EXPIRY");
    assert_eq!(events[2].detail["organization_id"], demo::ACME_ID);

    let refreshed = &events[3];
    assert_eq!(refreshed.detail["reason"], "session-expired");
    assert_eq!(refreshed.detail["attempts"], 1);
    assert!(
        refreshed.detail["expires_at"].is_string(),
        "{}",
        refreshed.detail
    );
    let second = refreshed.src.clone().expect("the iframe has a src");
    assert_ne!(second, first, "the iframe got a different link");
    assert!(second.starts_with(&format!("{}/magicLink/", f.portal_origin())));
    assert_eq!(events[4].src.as_deref(), Some(second.as_str()));
    assert_eq!(events[4].detail["event_type"], "PORTAL_LOAD_SUCCESS");
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(true),
        "the notice went with the old session"
    );

    let stats = f.upstream.emulator.stats();
    assert!(stats.links_minted_for(demo::ACME_ID) >= 2, "{stats:?}");
    assert!(stats.portal_sessions_started >= 2, "{stats:?}");
    assert_eq!(stats.portal_load_failures, 0);
    assert_csp(&f.browser, csp).await;
    f.browser.assert_no_errors().await;
}

#[tokio::test]
async fn expired_session_is_replaced_by_a_fresh_link() {
    session_refresh(false, HostOptions::default_inline()).await;
}

#[tokio::test]
async fn csp_expired_session_is_replaced_by_a_fresh_link() {
    session_refresh(true, HostOptions::default_inline()).await;
}

#[tokio::test]
async fn inline_csp_expired_session_is_replaced_by_a_fresh_link() {
    session_refresh(true, true).await;
}

// Scenario 3b --------------------------------------------------------------

/// Nobody works in the portal: the session warning renews it quietly, and
/// the old session never reaches its end in the frame.
#[tokio::test]
async fn session_warning_renews_an_idle_portal_before_it_ends() {
    let Some(f) = Fixture::registered(short_sessions(), HostOptions::new(demo::ACME_ID)).await
    else {
        return;
    };
    let first = f.open_loaded_settings().await;
    let events = f.browser.wait_for_event("loaded", 2, WAIT).await;
    assert_eq!(
        names(&events)[..4],
        ["loaded", "session-warning", "refreshed", "loaded"]
    );
    assert_eq!(events[2].detail["reason"], "session-warning");
    let second = events[2].src.clone().expect("the iframe has a src");
    assert_ne!(second, first);
    assert_eq!(events[3].src.as_deref(), Some(second.as_str()));
    assert_eq!(
        f.browser.property("scalekit-portal-status", "hidden").await,
        json!(true),
        "no notice for a quiet renewal"
    );
    assert_eq!(f.upstream.emulator.stats().portal_load_failures, 0);
    f.browser.assert_no_errors().await;
}

// Scenario 6 ---------------------------------------------------------------

/// Waits for a `scalekit:loaded` whose iframe `src` is none of `seen`, and
/// returns that `src`.
async fn wait_for_fresh_load(f: &Fixture, seen: &[String]) -> String {
    f.browser
        .wait_until_with(
            "scalekit:loaded with a link not seen before",
            "var r = window.__scalekit, seen = arguments[0]; \
             if (!r) return null; \
             var fresh = r.events.filter(function (e) { \
               return e.name === 'loaded' && seen.indexOf(e.src) < 0; }); \
             return fresh.length ? fresh[fresh.length - 1].src : null;",
            vec![json!(seen)],
            WAIT,
        )
        .await
        .as_str()
        .expect("a src")
        .to_owned()
}

#[tokio::test]
async fn reloading_the_page_gets_a_fresh_link_that_loads() {
    let Some(f) = Fixture::registered(Emulator::builder(), HostOptions::new(demo::ACME_ID)).await
    else {
        return;
    };
    let first = f.open_loaded_settings().await;

    f.browser.client().refresh().await.expect("reload");
    let second = wait_for_fresh_load(&f, std::slice::from_ref(&first)).await;
    let events = f.browser.events().await;
    assert_eq!(
        names(&events),
        ["loaded"],
        "a reloaded page loads its own fresh link at once"
    );
    let stats = f.upstream.emulator.stats();
    assert_eq!(stats.links_minted_for(demo::ACME_ID), 2);
    assert_eq!(stats.portal_sessions_started, 2);
    assert_eq!(
        stats.portal_load_failures, 0,
        "no used link was loaded again"
    );

    // Away and back through history: whether Chromium restores the page from
    // its back/forward cache or fetches it again, the portal ends up on a
    // link that was never loaded before.
    f.browser.goto(&f.host.url("/elsewhere")).await;
    f.browser.client().back().await.expect("history back");
    let third = wait_for_fresh_load(&f, &[first.clone(), second.clone()]).await;
    let events = f.browser.events().await;
    match names(&events)[..] {
        // Fetched again (no-store): a new document with its own link.
        ["loaded"] => {}
        // Restored from the back/forward cache: the snippet noticed and
        // replaced the link it had already used.
        ["loaded", "refreshed", "loaded"] => {
            assert_eq!(events[1].detail["reason"], "restored");
        }
        _ => panic!("after history back: {:?}", names(&events)),
    }
    assert_eq!(f.upstream.emulator.stats().portal_load_failures, 0);
    assert_eq!(
        f.browser
            .attribute("scalekit-portal", "src")
            .await
            .as_deref(),
        Some(third.as_str())
    );
    f.browser.assert_no_errors().await;

    // Following a link back to the page is a plain navigation, which a
    // browser serves from its HTTP cache when it may: it must fetch anew.
    f.browser.goto(&f.host.url("/elsewhere")).await;
    f.browser.click("to-settings").await;
    let fourth = wait_for_fresh_load(&f, &[first, second, third]).await;
    let events = f.browser.events().await;
    assert_eq!(names(&events), ["loaded"], "{events:#?}");
    assert_eq!(events[0].src.as_deref(), Some(fourth.as_str()));
    assert_eq!(
        f.upstream.emulator.stats().portal_load_failures,
        0,
        "no used link was loaded again"
    );
    f.browser.assert_no_errors().await;
}

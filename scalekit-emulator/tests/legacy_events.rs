//! The older `type` event vocabulary, switched at start and at runtime.

mod common;

use common::{http, open_portal, portal_config, toggle};
use scalekit_emulator::{Emulator, demo};
use serde_json::{Value, json};

#[tokio::test]
async fn legacy_vocabulary() {
    let emu = Emulator::builder()
        .legacy_events(true)
        .start()
        .await
        .unwrap();
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "").await;
    let config = portal_config(&html);
    assert!(
        config["onLoad"].is_null(),
        "older portals sent no load message"
    );
    assert!(config["session"]["warning"].is_null());
    assert_eq!(
        config["session"]["expiry"],
        json!({"type": "SESSION_EXPIRED"})
    );

    let body: Value = toggle(&emu, &config, "sso", true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["event"]["type"], "SSO_CONFIGURED");
    assert_eq!(body["event"]["data"]["connection_type"], "SSO");
    assert_eq!(body["event"]["data"]["enabled"], true);
    assert!(body["event"].get("event_type").is_none());
    let body: Value = toggle(&emu, &config, "dir_sync", false)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["event"]["type"], "SCIM_CONFIGURED");
    assert_eq!(body["event"]["data"]["directory_type"], "SCIM");

    let failure = http()
        .get(emu.url("/magicLink/used-or-unknown"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        portal_config(&failure)["onLoad"],
        json!({"type": "SESSION_EXPIRED"})
    );

    // Switched back at runtime.
    emu.set_legacy_events(false);
    assert!(!emu.legacy_events());
    let body: Value = toggle(&emu, &config, "sso", false)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["event"]["event_type"], "ORGANIZATION_SSO_DISABLED");
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "").await;
    assert_eq!(
        portal_config(&html)["onLoad"]["event_type"],
        "PORTAL_LOAD_SUCCESS"
    );
}

//! `PUT /api/v1/organizations/{id}/portal_links` and the link semantics.

mod common;

use std::time::Duration;

use common::{assert_error, get_text, http, mint, mint_location, portal_config, token};
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, demo};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[tokio::test]
async fn mints_a_link_in_the_documented_shape() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let before = OffsetDateTime::now_utc();
    let response = mint(
        &emu,
        &token,
        demo::ACME_ID,
        "features=sso&features=dir_sync",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let link = &body["link"];
    assert!(link["id"].as_str().unwrap().starts_with("lnk_"), "{body}");

    let location = link["location"].as_str().unwrap();
    let prefix = format!("{}/magicLink/", emu.base_url());
    let uuid = location
        .strip_prefix(&prefix)
        .expect("location under /magicLink/");
    let parsed = uuid::Uuid::parse_str(uuid).expect("uuid");
    assert_eq!(parsed.get_version_num(), 4);

    let expire_time = link["expire_time"].as_str().unwrap();
    assert!(
        expire_time.ends_with('Z') && expire_time.contains('.'),
        "{expire_time}"
    );
    let expires = OffsetDateTime::parse(expire_time, &Rfc3339).unwrap();
    let lifetime = expires - before;
    assert!(
        lifetime > time::Duration::seconds(55) && lifetime < time::Duration::seconds(65),
        "{lifetime}"
    );

    let stats = emu.stats();
    assert_eq!(stats.links_minted, 1);
    assert_eq!(stats.links_minted_for(demo::ACME_ID), 1);
    assert_eq!(stats.links_minted_for(demo::GLOBEX_ID), 0);
}

#[tokio::test]
async fn repeated_and_unknown_features_are_accepted_and_passed_through() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let location = mint_location(
        &emu,
        &token,
        demo::GLOBEX_ID,
        "features=sso&features=dir_sync&features=domain_verification&features=brand_new",
    )
    .await;
    let html = get_text(&location).await;
    assert!(html.contains(r#"id="sso-section""#));
    assert!(html.contains(r#"id="scim-section""#));
    assert!(
        html.contains("domain_verification, brand_new"),
        "unknown features shown"
    );

    // Only sso: only the SSO section.
    let location = mint_location(&emu, &token, demo::GLOBEX_ID, "features=sso").await;
    let html = get_text(&location).await;
    assert!(html.contains(r#"id="sso-enable""#));
    assert!(!html.contains(r#"id="scim-enable""#));

    // No features: both sections.
    let location = mint_location(&emu, &token, demo::GLOBEX_ID, "").await;
    let html = get_text(&location).await;
    assert!(html.contains(r#"id="sso-enable""#) && html.contains(r#"id="scim-enable""#));
}

#[tokio::test]
async fn a_malformed_organization_id_is_400_code_3() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    for bad in ["acme", "org", &format!("org_{}", "9".repeat(29)), "ORG_1"] {
        let body = assert_error(mint(&emu, &token, bad, "").await, 400, 3).await;
        assert_eq!(body["details"][0]["error_code"], "INVALID_ARGUMENT");
    }
    assert_eq!(emu.stats().links_minted, 0);
}

#[tokio::test]
async fn an_unknown_organization_is_404_code_5() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let body = assert_error(
        mint(&emu, &token, "org_12345", "features=sso").await,
        404,
        5,
    )
    .await;
    assert_eq!(body["details"][0]["error_code"], "NOT_FOUND");
    assert_eq!(emu.stats().links_minted, 0);
}

#[tokio::test]
async fn a_link_is_single_use() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let location = mint_location(&emu, &token, demo::ACME_ID, "features=sso").await;

    let first = http().get(&location).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let config = portal_config(&first.text().await.unwrap());
    assert_eq!(config["onLoad"]["event_type"], "PORTAL_LOAD_SUCCESS");
    assert_eq!(config["onLoad"]["organization_id"], demo::ACME_ID);

    let second = http().get(&location).send().await.unwrap();
    let html = second.text().await.unwrap();
    let config = portal_config(&html);
    assert_eq!(config["onLoad"]["event_type"], "PORTAL_LOAD_FAILURE");
    assert_eq!(config["onLoad"]["object"], "session");
    assert_eq!(config["onLoad"]["data"]["error_code"], "SESSION_EXPIRED");
    assert!(config["onLoad"].get("organization_id").is_none());
    assert!(config["session"].is_null());
    assert!(!html.contains(r#"id="sso-enable""#));

    let stats = emu.stats();
    assert_eq!(stats.portal_page_loads, 2);
    assert_eq!(stats.portal_sessions_started, 1);
    assert_eq!(stats.portal_load_failures, 1);
}

#[tokio::test]
async fn an_unused_link_expires_after_its_lifetime() {
    let emu = Emulator::builder()
        // Long enough that a loaded machine still loads the fresh link in
        // time; the stale one is loaded only after the lifetime has passed.
        .link_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let token = token(&emu).await;
    let fresh = mint_location(&emu, &token, demo::ACME_ID, "").await;
    let stale = mint_location(&emu, &token, demo::ACME_ID, "").await;
    // Loaded in time: works.
    let html = get_text(&fresh).await;
    assert_eq!(
        portal_config(&html)["onLoad"]["event_type"],
        "PORTAL_LOAD_SUCCESS"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let html = get_text(&stale).await;
    let config = portal_config(&html);
    assert_eq!(config["onLoad"]["event_type"], "PORTAL_LOAD_FAILURE");
    assert_eq!(config["onLoad"]["data"]["error_code"], "SESSION_EXPIRED");
}

#[tokio::test]
async fn an_unknown_magic_link_serves_the_failure_page() {
    let emu = Emulator::start().await.unwrap();
    let response = http()
        .get(emu.url("/magicLink/8930509d-0000-4000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert_eq!(
        portal_config(&html)["onLoad"]["event_type"],
        "PORTAL_LOAD_FAILURE"
    );
    assert!(html.contains(r#"id="portal-status""#));
}

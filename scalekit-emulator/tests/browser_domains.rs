//! The portal page's domain section and SSO button in a real headless
//! Chromium: the page's own script adds, verifies (failing, then
//! succeeding) and deletes a domain, and enables SSO; the status reads see
//! each change.
//!
//! Needs `chromium` and `chromedriver` (`CHROMIUM` / `CHROMEDRIVER`, else
//! `/usr/bin/...`); without them the test is skipped with a message, unless
//! `CI` is set.

mod common;

use common::browser::{Driver, browser, click, session, wait_for};
use common::*;
use fantoccini::Locator;
use scalekit_emulator::{Emulator, VerificationOutcome, demo};
use serde_json::json;

#[tokio::test]
async fn the_page_script_drives_domains_and_sso() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let response = http()
        .patch(emu.url(&format!(
            "/api/v1/organizations/{}/settings",
            demo::GLOBEX_ID
        )))
        .bearer_auth(&token)
        .json(&json!({"features": [{"name": "domain_verification", "enabled": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let location = mint_location(&emu, &token, demo::GLOBEX_ID, "").await;

    let driver = Driver::start(&chromedriver).await;
    let client = session(&driver, &chromium).await;
    client.goto(&location).await.unwrap();
    wait_for(&client, r#"body[data-portal-state="active"] #domain-empty"#).await;

    // Add a domain with the page's form.
    client
        .find(Locator::Id("domain-input"))
        .await
        .unwrap()
        .send_keys("globex.example")
        .await
        .unwrap();
    click(&client, "domain-add").await;
    let row = wait_for(
        &client,
        r#"li[data-domain="globex.example"][data-verification-status="PENDING"]"#,
    )
    .await;
    let id = row.attr("data-domain-id").await.unwrap().expect("an id");
    let txt = client
        .find(Locator::Id(&format!("domain-txt-name-{id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(txt, "scalekit-domain-verification.globex.example");

    // Verify: the test decides it fails, then the default succeeds.
    emu.faults()
        .next_domain_verifications(1, VerificationOutcome::Failed);
    click(&client, &format!("domain-verify-{id}")).await;
    wait_for(
        &client,
        &format!(r#"li[data-domain-id="{id}"][data-verification-status="FAILED"]"#),
    )
    .await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(listed["domains"][0]["verification_status"], "FAILED");
    click(&client, &format!("domain-verify-{id}")).await;
    wait_for(
        &client,
        &format!(r#"li[data-domain-id="{id}"][data-verification-status="VERIFIED"]"#),
    )
    .await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(listed["domains"][0]["verification_status"], "VERIFIED");

    // Delete it.
    click(&client, &format!("domain-delete-{id}")).await;
    wait_for(&client, "#domain-empty").await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(listed["domains"], json!([]));

    // The SSO button creates and enables the connection the status read reports.
    click(&client, "sso-enable").await;
    wait_for(&client, r#"#sso-state[data-enabled="true"]"#).await;
    let (_, connections) = get_json(
        &emu,
        &token,
        &format!("/api/v1/connections?organization_id={}", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(connections["connections"][0]["enabled"], true);
    assert_eq!(connections["connections"][0]["status"], "COMPLETED");

    let _ = client.close().await;
}

//! Changes made through the management API show in the portal page, in a
//! real headless Chromium: an organization renamed over REST and a domain
//! added over REST appear on the page its next link opens.
//!
//! Needs `chromium` and `chromedriver` (`CHROMIUM` / `CHROMEDRIVER`, else
//! `/usr/bin/...`); without them the test is skipped with a message, unless
//! `CI` is set.

mod common;

use common::browser::{Driver, browser, session, wait_for};
use common::*;
use fantoccini::Locator;
use scalekit_emulator::{Emulator, demo};
use serde_json::json;

#[tokio::test]
async fn an_api_update_shows_in_the_portal_page() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let organization = format!("/api/v1/organizations/{}", demo::GLOBEX_ID);
    for (method, path, body) in [
        (
            reqwest::Method::PATCH,
            organization.clone(),
            json!({"display_name": "Globex Renamed"}),
        ),
        (
            reqwest::Method::PATCH,
            format!("{organization}/settings"),
            json!({"features": [{"name": "domain_verification", "enabled": true}]}),
        ),
        (
            reqwest::Method::POST,
            format!("{organization}/domains"),
            json!({"domain": "globex-renamed.example"}),
        ),
    ] {
        let response = http()
            .request(method, emu.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
    let location = mint_location(&emu, &token, demo::GLOBEX_ID, "").await;

    let driver = Driver::start(&chromedriver).await;
    let client = session(&driver, &chromium).await;
    client.goto(&location).await.unwrap();
    wait_for(&client, r#"body[data-portal-state="active"]"#).await;
    let name = client
        .find(Locator::Id("org-name"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(name, "Globex Renamed");
    assert!(client.title().await.unwrap().contains("Globex Renamed"));
    wait_for(
        &client,
        r#"li[data-domain="globex-renamed.example"][data-verification-status="PENDING"]"#,
    )
    .await;
    let _ = client.close().await;
}

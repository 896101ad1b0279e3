//! The portal's directory section: the admin enables directory sync, reads
//! the SCIM endpoint, generates a token (shown once, regenerable), and the
//! identity provider's calls work with it and stop working with the old one.

mod common;

use common::scim::Idp;
use common::{http, open_portal, portal_config, toggle};
use reqwest::{Method, StatusCode};
use scalekit_emulator::Emulator;
use serde_json::Value;

const ORG: &str = "org_scim_portal";

async fn new_token(emu: &Emulator, config: &Value) -> reqwest::Response {
    let session = &config["session"];
    http()
        .post(emu.url(session["directoryTokenUrl"].as_str().unwrap()))
        .header("x-portal-session", session["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_portal_hands_out_the_endpoint_and_a_token_shown_once() {
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "SCIM Portal", None)
        .start()
        .await
        .unwrap();
    let directory = emu.organization(ORG).unwrap().directory_id;
    let endpoint = emu.url(&format!("/api/v1/directories/{directory}/scim/v2"));
    let (_, html) = open_portal(&emu, ORG, "features=dir_sync").await;
    // minijinja escapes `/` in HTML as `&#x2f;`.
    let shown = html.replace("&#x2f;", "/");
    assert!(
        shown.contains(&format!(r#"<code id="scim-endpoint">{endpoint}</code>"#)),
        "{html}"
    );
    assert!(html.contains("Generate token"));
    let config = portal_config(&html);
    assert_eq!(
        toggle(&emu, &config, "dir_sync", true).await.status(),
        StatusCode::OK
    );

    let first: Value = new_token(&emu, &config).await.json().await.unwrap();
    assert_eq!(first["endpoint"], endpoint.as_str());
    let token = first["token"].as_str().unwrap().to_owned();
    let idp = Idp {
        base: endpoint.clone(),
        secret: token.clone(),
    };
    assert_eq!(idp.ok(Method::GET, "/Users", None).await["totalResults"], 0);

    // A reloaded page shows only the hint, and regenerating retires the old token.
    let (_, html) = open_portal(&emu, ORG, "features=dir_sync").await;
    assert!(!html.contains(&token));
    assert!(html.contains(&token[token.len() - 4..]));
    assert!(html.contains("Regenerate token"));
    let config = portal_config(&html);
    let second: Value = new_token(&emu, &config).await.json().await.unwrap();
    assert_ne!(second["token"], first["token"]);
    let (status, _) = idp.call(Method::GET, "/Users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A page without the directory section cannot mint one.
    let (_, html) = open_portal(&emu, ORG, "features=sso").await;
    assert!(!html.contains(r#"<code id="scim-endpoint">"#));
    let refused = new_token(&emu, &portal_config(&html)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    emu.shutdown().await;
}

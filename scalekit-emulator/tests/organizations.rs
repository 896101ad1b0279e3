//! The organization REST calls.

mod common;

use std::collections::HashSet;

use common::{assert_error, get_json, http, token};
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, demo};
use serde_json::{Value, json};

fn assert_organization_shape(org: &Value) {
    let id = org["id"].as_str().expect("id");
    assert!(id.starts_with("org_") && id.len() <= 32, "{org}");
    assert!(org["display_name"].is_string(), "{org}");
    for field in ["create_time", "update_time"] {
        let text = org[field].as_str().expect(field);
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    }
    assert_eq!(org["region_code"], "US");
    assert!(org["metadata"].is_object());
    let features = org["settings"]["features"].as_array().expect("features");
    let names: Vec<_> = features
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"sso") && names.contains(&"dir_sync"),
        "{org}"
    );
    assert!(features.iter().all(|f| f["enabled"].is_boolean()));
}

fn feature(org: &Value, name: &str) -> bool {
    org["settings"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap()["enabled"]
        .as_bool()
        .unwrap()
}

async fn create(emu: &Emulator, token: &str, body: Value) -> reqwest::Response {
    http()
        .post(emu.url("/api/v1/organizations"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn gets_a_seeded_organization_by_id_and_by_external_id() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let (status, body) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}", demo::ACME_ID),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let org = &body["organization"];
    assert_organization_shape(org);
    assert_eq!(org["id"], demo::ACME_ID);
    assert_eq!(org["display_name"], "Acme Corp");
    assert_eq!(org["external_id"], demo::ACME_EXTERNAL_ID);

    let (status, body) = get_json(&emu, &token, "/api/v1/organizations:external/globex").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["organization"]["id"], demo::GLOBEX_ID);

    let stats = emu.stats();
    assert_eq!(
        stats.requests(scalekit_emulator::Endpoint::GetOrganization),
        1
    );
    assert_eq!(
        stats.requests(scalekit_emulator::Endpoint::GetOrganizationByExternalId),
        1
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let get = |path: String| http().get(emu.url(&path)).bearer_auth(&token).send();
    assert_error(
        get("/api/v1/organizations/org_404".into()).await.unwrap(),
        404,
        5,
    )
    .await;
    assert_error(
        get("/api/v1/organizations/acme".into()).await.unwrap(),
        400,
        3,
    )
    .await;
    assert_error(
        get("/api/v1/organizations:external/nobody".into())
            .await
            .unwrap(),
        404,
        5,
    )
    .await;
    assert_error(get("/api/v1/nothing/here".into()).await.unwrap(), 404, 5).await;
}

#[tokio::test]
async fn lists_all_organizations_over_several_pages() {
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .start()
        .await
        .unwrap();
    let token = token(&emu).await;
    for i in 0..23 {
        let response = create(
            &emu,
            &token,
            json!({"display_name": format!("Org {i}"), "external_id": format!("t{i}")}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    let (status, first) = get_json(&emu, &token, "/api/v1/organizations").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first["organizations"].as_array().unwrap().len(),
        10,
        "default page size"
    );
    assert_eq!(first["total_size"], 23);
    assert_eq!(first["prev_page_token"], "");

    let mut seen = HashSet::new();
    let mut page_token = String::new();
    let mut pages = 0;
    loop {
        let path = format!("/api/v1/organizations?page_size=10&page_token={page_token}");
        let (status, page) = get_json(&emu, &token, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        for org in page["organizations"].as_array().unwrap() {
            assert_organization_shape(org);
            assert!(
                seen.insert(org["id"].as_str().unwrap().to_owned()),
                "duplicate"
            );
        }
        if pages > 1 {
            assert_ne!(page["prev_page_token"], "");
        }
        page_token = page["next_page_token"].as_str().unwrap().to_owned();
        if page_token.is_empty() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 23);

    let (_, big) = get_json(&emu, &token, "/api/v1/organizations?page_size=100").await;
    assert_eq!(big["organizations"].as_array().unwrap().len(), 23);
    assert_eq!(big["next_page_token"], "");

    let (_, filtered) = get_json(&emu, &token, "/api/v1/organizations?external_id=t7").await;
    assert_eq!(filtered["total_size"], 1);
    assert_eq!(filtered["organizations"][0]["display_name"], "Org 7");
}

#[tokio::test]
async fn list_rejects_bad_page_size_and_token() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    for query in ["page_size=ten", "page_size=-1", "page_token=garbage"] {
        let response = http()
            .get(emu.url(&format!("/api/v1/organizations?{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_error(response, 400, 3).await;
    }
}

/// Scalekit's list descriptor documents 10 to 100 without enforcing it:
/// small pages are served, 0 is the default and large sizes answer 100.
#[tokio::test]
async fn list_accepts_small_and_large_page_sizes() {
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .start()
        .await
        .unwrap();
    let token = token(&emu).await;
    for n in 0..12 {
        let response = create(&emu, &token, json!({"display_name": format!("Org {n}")})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let (_, five) = get_json(&emu, &token, "/api/v1/organizations?page_size=5").await;
    assert_eq!(five["organizations"].as_array().unwrap().len(), 5);
    assert_ne!(five["next_page_token"], "");
    let (_, default) = get_json(&emu, &token, "/api/v1/organizations?page_size=0").await;
    assert_eq!(default["organizations"].as_array().unwrap().len(), 10);
    let (_, large) = get_json(&emu, &token, "/api/v1/organizations?page_size=500").await;
    assert_eq!(large["organizations"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn creates_an_organization() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let response = create(
        &emu,
        &token,
        json!({"display_name": "Megasoft", "external_id": "ms-1", "metadata": {"plan": "gold"}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let org = &body["organization"];
    assert_organization_shape(org);
    assert_eq!(org["display_name"], "Megasoft");
    assert_eq!(org["external_id"], "ms-1");
    assert_eq!(org["metadata"], json!({"plan": "gold"}));
    let id = org["id"].as_str().unwrap();
    assert!(
        id["org_".len()..].bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );

    let (status, fetched) = get_json(&emu, &token, &format!("/api/v1/organizations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["organization"]["external_id"], "ms-1");
    assert!(emu.organization(id).is_some());
}

#[tokio::test]
async fn create_validates_its_body() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    assert_error(
        create(&emu, &token, json!({"display_name": ""})).await,
        400,
        3,
    )
    .await;
    assert_error(
        create(&emu, &token, json!({"external_id": "x"})).await,
        400,
        3,
    )
    .await;
    assert_error(
        create(&emu, &token, json!({"display_name": "x".repeat(201)})).await,
        400,
        3,
    )
    .await;
    assert_error(
        create(
            &emu,
            &token,
            json!({"display_name": "A", "metadata": {"n": 1}}),
        )
        .await,
        400,
        3,
    )
    .await;
    let malformed = http()
        .post(emu.url("/api/v1/organizations"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"display_name": "#)
        .send()
        .await
        .unwrap();
    assert_error(malformed, 400, 3).await;
    // 200 characters is fine.
    let response = create(&emu, &token, json!({"display_name": "x".repeat(200)})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_duplicate_external_id_is_409_already_exists() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let body = assert_error(
        create(
            &emu,
            &token,
            json!({"display_name": "Acme 2", "external_id": demo::ACME_EXTERNAL_ID}),
        )
        .await,
        409,
        6,
    )
    .await;
    assert_eq!(body["details"][0]["error_code"], "ALREADY_EXISTS");
}

#[tokio::test]
async fn settings_patch_is_reflected_in_get() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let path = format!("/api/v1/organizations/{}", demo::GLOBEX_ID);
    let (_, before) = get_json(&emu, &token, &path).await;
    assert!(!feature(&before["organization"], "sso"));

    let response = http()
        .patch(emu.url(&format!("{path}/settings")))
        .bearer_auth(&token)
        .json(&json!({"features": [{"name": "sso", "enabled": true}, {"name": "dir_sync", "enabled": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let patched: Value = response.json().await.unwrap();
    assert!(feature(&patched["organization"], "sso"));

    let (_, after) = get_json(&emu, &token, &path).await;
    assert!(feature(&after["organization"], "sso"));
    assert!(feature(&after["organization"], "dir_sync"));
    assert!(
        emu.organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("dir_sync")
    );

    let patch = |body: Value, org: &'static str| {
        http()
            .patch(emu.url(&format!("/api/v1/organizations/{org}/settings")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let unknown_feature = json!({"features": [{"name": "teleport", "enabled": true}]});
    assert_error(
        patch(unknown_feature, demo::GLOBEX_ID).await.unwrap(),
        400,
        3,
    )
    .await;
    let missing_enabled = json!({"features": [{"name": "sso"}]});
    assert_error(
        patch(missing_enabled, demo::GLOBEX_ID).await.unwrap(),
        400,
        3,
    )
    .await;
    let valid = json!({"features": [{"name": "sso", "enabled": false}]});
    assert_error(patch(valid, "org_999").await.unwrap(), 404, 5).await;
}

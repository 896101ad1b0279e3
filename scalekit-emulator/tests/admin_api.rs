//! The organization calls of the admin-portal scope over REST (the
//! `// HTTP` mappings of Scalekit's descriptors): update, delete and search,
//! session policy and user-management settings, with their error shapes
//! and cascades. Domains and connections: `admin_api_domains.rs`.

mod common;

use common::{assert_error, call, get_json, http, mint_location, ok_json, portal_config, token};
use reqwest::{Method, StatusCode};
use scalekit_emulator::{Emulator, Endpoint, demo};
use serde_json::{Value, json};

async fn create(emu: &Emulator, token: &str, body: Value) -> Value {
    let response = call(
        emu,
        token,
        Method::POST,
        "/api/v1/organizations",
        Some(body),
    )
    .await;
    ok_json(response, StatusCode::CREATED).await["organization"].clone()
}

#[tokio::test]
async fn updates_an_organization_and_keeps_slug_and_logo() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let created = create(
        &emu,
        &token,
        json!({"display_name": "Hooli", "external_id": "hooli", "slug": "hooli", "logoUrl": "https://cdn.example/h.png"}),
    )
    .await;
    assert_eq!(created["slug"], "hooli");
    assert_eq!(created["logo_url"], "https://cdn.example/h.png");
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/organizations/{id}");

    let body = ok_json(
        call(
            &emu,
            &token,
            Method::PATCH,
            &path,
            Some(json!({"display_name": "Hooli XYZ", "metadata": {"tier": "1"}})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["organization"]["display_name"], "Hooli XYZ");
    assert_eq!(body["organization"]["slug"], "hooli");
    let (_, read) = get_json(&emu, &token, &path).await;
    assert_eq!(read["organization"]["display_name"], "Hooli XYZ");
    assert_eq!(read["organization"]["metadata"], json!({"tier": "1"}));
    assert_eq!(emu.organization(id).unwrap().display_name, "Hooli XYZ");

    // Validation, unknown ids, malformed ids, a taken external id.
    for bad in [
        json!({"display_name": " "}),
        json!({"display_name": "x".repeat(201)}),
        json!({"slug": "s".repeat(256)}),
    ] {
        assert_error(
            call(&emu, &token, Method::PATCH, &path, Some(bad)).await,
            400,
            3,
        )
        .await;
    }
    assert_error(
        call(
            &emu,
            &token,
            Method::PATCH,
            &path,
            Some(json!({"external_id": "acme"})),
        )
        .await,
        409,
        6,
    )
    .await;
    assert_error(
        call(
            &emu,
            &token,
            Method::PATCH,
            "/api/v1/organizations/org_404",
            Some(json!({"display_name": "x"})),
        )
        .await,
        404,
        5,
    )
    .await;
    assert_error(
        call(
            &emu,
            &token,
            Method::PATCH,
            "/api/v1/organizations/acme",
            Some(json!({"display_name": "x"})),
        )
        .await,
        400,
        3,
    )
    .await;
    assert_eq!(emu.stats().requests(Endpoint::UpdateOrganization), 7);
}

#[tokio::test]
async fn deleting_an_organization_ends_its_links_domains_and_connection() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let org = demo::ACME_ID;
    let domain = ok_json(
        call(
            &emu,
            &token,
            Method::POST,
            &format!("/api/v1/organizations/{org}/domains"),
            Some(json!({"domain": "acme.example"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let domain_id = domain["domain"]["id"].as_str().unwrap().to_owned();
    let location = mint_location(&emu, &token, org, "features=sso").await;

    let deleted = call(
        &emu,
        &token,
        Method::DELETE,
        &format!("/api/v1/organizations/{org}"),
        None,
    )
    .await;
    assert_eq!(ok_json(deleted, StatusCode::OK).await, json!({}));

    // The unused link no longer opens a session.
    let page = http()
        .get(&location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        portal_config(&page)["onLoad"]["event_type"],
        "PORTAL_LOAD_FAILURE"
    );
    for path in [
        format!("/api/v1/organizations/{org}"),
        format!("/api/v1/organizations/{org}/domains/{domain_id}"),
        format!("/api/v1/organizations/{org}/session-policy"),
    ] {
        assert_error(call(&emu, &token, Method::GET, &path, None).await, 404, 5).await;
    }
    let (_, connections) = get_json(
        &emu,
        &token,
        &format!("/api/v1/connections?organization_id={org}&include=all"),
    )
    .await;
    assert_eq!(connections["connections"], json!([]));
    assert_error(
        call(
            &emu,
            &token,
            Method::DELETE,
            &format!("/api/v1/organizations/{org}"),
            None,
        )
        .await,
        404,
        5,
    )
    .await;
    assert!(emu.organization(org).is_none());
}

#[tokio::test]
async fn searches_by_name_id_external_id_and_slug() {
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .start()
        .await
        .unwrap();
    let token = token(&emu).await;
    for n in 0..7 {
        create(
            &emu,
            &token,
            json!({"display_name": format!("Search Co {n}"), "slug": format!("slug-{n}")}),
        )
        .await;
    }
    create(
        &emu,
        &token,
        json!({"display_name": "Other", "external_id": "needle-7"}),
    )
    .await;
    let (_, page) = get_json(
        &emu,
        &token,
        "/api/v1/organizations:search?query=search%20co&page_size=5",
    )
    .await;
    assert_eq!(page["total_size"], 7);
    assert_eq!(page["organizations"].as_array().unwrap().len(), 5);
    let next = page["next_page_token"].as_str().unwrap();
    let (_, rest) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations:search?query=search%20co&page_size=5&page_token={next}"),
    )
    .await;
    assert_eq!(rest["organizations"].as_array().unwrap().len(), 2);
    let (_, by_external) =
        get_json(&emu, &token, "/api/v1/organizations:search?query=NEEDLE").await;
    assert_eq!(by_external["organizations"][0]["display_name"], "Other");
    let (_, by_slug) = get_json(&emu, &token, "/api/v1/organizations:search?query=slug-3").await;
    assert_eq!(by_slug["total_size"], 1);
    for bad in [
        "",
        "?query=",
        "?query=x&page_size=31",
        "?query=x&page_token=zz",
    ] {
        let response = call(
            &emu,
            &token,
            Method::GET,
            &format!("/api/v1/organizations:search{bad}"),
            None,
        )
        .await;
        assert_error(response, 400, 3).await;
    }
}

#[tokio::test]
async fn session_policy_and_user_management_read_back() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let policy_path = format!("/api/v1/organizations/{}/session-policy", demo::GLOBEX_ID);
    let (_, initial) = get_json(&emu, &token, &policy_path).await;
    assert_eq!(initial, json!({"policy": {"policy_source": "APPLICATION"}}));
    let custom = json!({
        "policy_source": "CUSTOM",
        "absolute_session_timeout": 12,
        "absolute_session_timeout_unit": "HOURS",
        "idleSessionTimeoutEnabled": false,
    });
    let updated = ok_json(
        call(&emu, &token, Method::PATCH, &policy_path, Some(custom)).await,
        StatusCode::OK,
    )
    .await;
    let expected = json!({"policy": {
        "policy_source": "CUSTOM",
        "absolute_session_timeout": 12,
        "absolute_session_timeout_unit": "HOURS",
        "idle_session_timeout_enabled": false,
    }});
    assert_eq!(updated, expected);
    assert_eq!(get_json(&emu, &token, &policy_path).await.1, expected);
    for bad in [
        json!({}),
        json!({"policy_source": "CUSTOM"}),
        json!({"policy_source": "CUSTOM", "absolute_session_timeout": 5, "absolute_session_timeout_unit": "WEEKS"}),
        json!({"policy_source": "CUSTOM", "absolute_session_timeout": 5, "absolute_session_timeout_unit": "DAYS", "idle_session_timeout_enabled": true}),
    ] {
        assert_error(
            call(&emu, &token, Method::PATCH, &policy_path, Some(bad)).await,
            400,
            3,
        )
        .await;
    }
    assert_error(
        call(
            &emu,
            &token,
            Method::GET,
            "/api/v1/organizations/org_404/session-policy",
            None,
        )
        .await,
        404,
        5,
    )
    .await;

    let users_path = format!(
        "/api/v1/organizations/{}/settings/usermanagement",
        demo::GLOBEX_ID
    );
    assert_eq!(
        get_json(&emu, &token, &users_path).await.1,
        json!({"settings": {}})
    );
    let upserted = call(
        &emu,
        &token,
        Method::PATCH,
        &users_path,
        Some(json!({"settings": {"maxAllowedUsers": 25}})),
    )
    .await;
    assert_eq!(
        ok_json(upserted, StatusCode::OK).await,
        json!({"settings": {"max_allowed_users": 25}})
    );
    assert_eq!(
        get_json(&emu, &token, &users_path).await.1,
        json!({"settings": {"max_allowed_users": 25}})
    );
    let negative = call(
        &emu,
        &token,
        Method::PATCH,
        &users_path,
        Some(json!({"settings": {"max_allowed_users": -1}})),
    )
    .await;
    assert_error(negative, 400, 3).await;
}

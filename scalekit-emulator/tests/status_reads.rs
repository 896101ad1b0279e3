//! The status reads (`GET /api/v1/connections`, `.../directories`,
//! `.../domains`): answers validated against the reference schemas, and
//! changed by the portal page's own toggle and domain endpoints over HTTP.

mod common;

use common::schema::{assert_schema_bites, assert_valid, list_response_schema};
use common::*;
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, Endpoint, FaultScope, demo};
use serde_json::{Value, json};

/// Fields section 8 of the reference names for each list item.
const CONNECTION_FIELDS: &[&str] = &[
    "id",
    "organization_id",
    "type",
    "provider",
    "status",
    "enabled",
    "domains",
];
const DIRECTORY_FIELDS: &[&str] = &[
    "id",
    "organization_id",
    "directory_type",
    "directory_provider",
    "enabled",
    "status",
];
const DOMAIN_FIELDS: &[&str] = &["id", "domain", "organization_id", "verification_status"];

async fn connections(emu: &Emulator, token: &str, query: &str) -> Value {
    let (status, body) = get_json(emu, token, &format!("/api/v1/connections?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_valid(
        &list_response_schema("/api/v1/connections"),
        &body,
        "connections",
        CONNECTION_FIELDS,
    );
    body
}

async fn directories(emu: &Emulator, token: &str, org: &str) -> Value {
    let (status, body) = get_json(
        emu,
        token,
        &format!("/api/v1/organizations/{org}/directories"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_valid(
        &list_response_schema("/api/v1/organizations/{organization_id}/directories"),
        &body,
        "directories",
        DIRECTORY_FIELDS,
    );
    body
}

async fn domains(emu: &Emulator, token: &str, org: &str) -> Value {
    let (status, body) =
        get_json(emu, token, &format!("/api/v1/organizations/{org}/domains")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_valid(
        &list_response_schema("/api/v1/organizations/{organization_id}/domains"),
        &body,
        "domains",
        DOMAIN_FIELDS,
    );
    body
}

/// Opens a portal page for `org` and returns its configuration.
async fn portal_config_for(emu: &Emulator, org: &str, query: &str) -> (String, Value) {
    let (_, html) = open_portal(emu, org, query).await;
    let config = portal_config(&html);
    (html, config)
}

#[tokio::test]
async fn seeded_organizations_report_what_their_pages_show() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;

    let all = connections(&emu, &token, "").await;
    let owners: Vec<&str> = all["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["organization_id"].as_str().unwrap())
        .collect();
    assert_eq!(owners, [demo::ACME_ID, demo::INITECH_ID]);

    let acme = connections(&emu, &token, &format!("organization_id={}", demo::ACME_ID)).await;
    let connection = &acme["connections"][0];
    assert_eq!(
        connection["id"],
        emu.organization(demo::ACME_ID).unwrap().sso_connection_id
    );
    assert_eq!(connection["enabled"], true);
    assert_eq!(connection["status"], "COMPLETED");
    assert_eq!(connection["organization_name"], "Acme Corp");
    assert_schema_bites(
        &list_response_schema("/api/v1/connections"),
        &acme,
        "connections",
        CONNECTION_FIELDS,
    );

    let initech = directories(&emu, &token, demo::INITECH_ID).await;
    assert_eq!(initech["directories"][0]["enabled"], true);
    assert_eq!(
        initech["directories"][0]["id"],
        emu.organization(demo::INITECH_ID).unwrap().directory_id
    );
    assert_schema_bites(
        &list_response_schema("/api/v1/organizations/{organization_id}/directories"),
        &initech,
        "directories",
        DIRECTORY_FIELDS,
    );
    assert_eq!(
        directories(&emu, &token, demo::ACME_ID).await["directories"],
        json!([])
    );
    assert_eq!(
        connections(
            &emu,
            &token,
            &format!("organization_id={}&include=all", demo::GLOBEX_ID)
        )
        .await["connections"],
        json!([])
    );
    assert_eq!(
        domains(&emu, &token, demo::GLOBEX_ID).await["domains"],
        json!([])
    );
}

#[tokio::test]
async fn the_sso_toggle_creates_enables_and_disables_the_connection() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let globex = format!("organization_id={}", demo::GLOBEX_ID);
    let globex_all = format!("{globex}&include=all");
    assert_eq!(
        connections(&emu, &token, &globex_all).await["connections"],
        json!([])
    );

    let (_, config) = portal_config_for(&emu, demo::GLOBEX_ID, "features=sso").await;
    assert_eq!(toggle(&emu, &config, "sso", true).await.status(), 200);
    let active = connections(&emu, &token, &globex).await;
    let connection = &active["connections"][0];
    assert_eq!(connection["enabled"], true);
    assert_eq!(connection["status"], "COMPLETED");
    assert_eq!(connection["provider"], "OKTA");
    assert!(matches!(connection["type"].as_str(), Some("OIDC" | "SAML")));
    assert_eq!(
        connection["id"],
        emu.organization(demo::GLOBEX_ID).unwrap().sso_connection_id
    );

    assert_eq!(toggle(&emu, &config, "sso", false).await.status(), 200);
    assert_eq!(
        connections(&emu, &token, &globex).await["connections"],
        json!([])
    );
    let all = connections(&emu, &token, &globex_all).await;
    assert_eq!(all["connections"][0]["enabled"], false);
    assert_eq!(all["connections"][0]["status"], "COMPLETED");
    assert_eq!(emu.stats().requests(Endpoint::ListConnections), 4);
}

#[tokio::test]
async fn a_first_disable_leaves_an_unfinished_connection() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let (_, config) = portal_config_for(&emu, demo::GLOBEX_ID, "").await;
    assert_eq!(toggle(&emu, &config, "sso", false).await.status(), 200);
    let all = connections(
        &emu,
        &token,
        &format!("organization_id={}&include=all", demo::GLOBEX_ID),
    )
    .await;
    assert_eq!(all["connections"][0]["status"], "IN_PROGRESS");
    assert_eq!(all["connections"][0]["enabled"], false);
}

#[tokio::test]
async fn the_directory_toggle_creates_enables_and_disables_the_directory() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    assert_eq!(
        directories(&emu, &token, demo::GLOBEX_ID).await["directories"],
        json!([])
    );
    let (_, config) = portal_config_for(&emu, demo::GLOBEX_ID, "features=dir_sync").await;
    assert_eq!(toggle(&emu, &config, "dir_sync", true).await.status(), 200);
    let enabled = directories(&emu, &token, demo::GLOBEX_ID).await;
    let directory = &enabled["directories"][0];
    assert_eq!(directory["enabled"], true);
    assert_eq!(directory["directory_type"], "SCIM");
    assert_eq!(directory["directory_provider"], "MICROSOFT_AD");
    assert_eq!(directory["organization_id"], demo::GLOBEX_ID);

    assert_eq!(toggle(&emu, &config, "dir_sync", false).await.status(), 200);
    let disabled = directories(&emu, &token, demo::GLOBEX_ID).await;
    assert_eq!(disabled["directories"][0]["enabled"], false);
    assert_eq!(disabled["directories"][0]["id"], directory["id"]);
}

#[tokio::test]
async fn status_reads_share_auth_errors_faults_and_counters() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let paths = [
        "/api/v1/connections".to_owned(),
        format!("/api/v1/organizations/{}/directories", demo::ACME_ID),
        format!("/api/v1/organizations/{}/domains", demo::ACME_ID),
    ];
    for path in &paths {
        let response = http().get(emu.url(path)).send().await.unwrap();
        assert_error(response, 401, 16).await;
        let response = http()
            .get(emu.url(path))
            .bearer_auth("skt_nope")
            .send()
            .await
            .unwrap();
        assert_error(response, 401, 16).await;
    }
    for path in [
        "/api/v1/organizations/acme/directories",
        "/api/v1/organizations/acme/domains",
        "/api/v1/connections?organization_id=acme",
        "/api/v1/connections?include=everything",
        "/api/v1/organizations/org_1/domains?page_size=1000",
        "/api/v1/organizations/org_1/domains?domain_type=OTHER",
    ] {
        let response = http()
            .get(emu.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_error(response, 400, 3).await;
    }
    for path in [
        "/api/v1/organizations/org_missing/directories",
        "/api/v1/organizations/org_missing/domains",
    ] {
        let response = http()
            .get(emu.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_error(response, 404, 5).await;
    }

    emu.faults().fail_next(FaultScope::Api, 3, 503);
    for path in &paths {
        let response = http()
            .get(emu.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_error(response, 503, 14).await;
    }
    emu.faults().malformed_next(FaultScope::Api, 1);
    let response = http()
        .get(emu.url(&paths[0]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.json::<Value>().await.is_err());

    let stats = emu.stats();
    assert_eq!(stats.requests(Endpoint::ListConnections), 6);
    assert_eq!(stats.requests(Endpoint::ListDirectories), 5);
    assert_eq!(stats.requests(Endpoint::ListDomains), 7);
    assert_eq!(stats.faults_triggered, 4);
}

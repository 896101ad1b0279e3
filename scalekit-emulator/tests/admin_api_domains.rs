//! The domain and connection calls of the admin-portal scope over REST:
//! create, get and delete domains; create and delete an organization's SSO
//! connection; the app-connection list.

mod common;

use common::{assert_error, call, get_json, ok_json, token};
use reqwest::{Method, StatusCode};
use scalekit_emulator::{Emulator, demo};
use serde_json::json;

#[tokio::test]
async fn creates_gets_and_deletes_domains() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let domains = format!("/api/v1/organizations/{}/domains", demo::GLOBEX_ID);
    let created = ok_json(
        call(
            &emu,
            &token,
            Method::POST,
            &domains,
            Some(json!({"domain": "Globex.Example", "domainType": "ALLOWED_EMAIL_DOMAIN"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let domain = &created["domain"];
    assert_eq!(domain["domain"], "globex.example");
    assert_eq!(domain["domain_type"], "ALLOWED_EMAIL_DOMAIN");
    assert_eq!(domain["verification_status"], "PENDING");
    let one = format!("{domains}/{}", domain["id"].as_str().unwrap());
    assert_eq!(get_json(&emu, &token, &one).await.1["domain"], *domain);
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!("{domains}?domain_type=ALLOWED_EMAIL_DOMAIN"),
    )
    .await;
    assert_eq!(listed["domains"][0]["id"], domain["id"]);

    for (body, status, code) in [
        (json!({"domain": "localhost"}), 400, 3),
        (
            json!({"domain": "x.example", "domain_type": "PERSONAL"}),
            400,
            3,
        ),
        (json!({"domain": "globex.example"}), 409, 6),
    ] {
        assert_error(
            call(&emu, &token, Method::POST, &domains, Some(body)).await,
            status,
            code,
        )
        .await;
    }
    assert_error(
        call(
            &emu,
            &token,
            Method::POST,
            "/api/v1/organizations/org_404/domains",
            Some(json!({"domain": "a.example"})),
        )
        .await,
        404,
        5,
    )
    .await;
    assert_eq!(
        ok_json(
            call(&emu, &token, Method::DELETE, &one, None).await,
            StatusCode::OK
        )
        .await,
        json!({})
    );
    assert_error(call(&emu, &token, Method::GET, &one, None).await, 404, 5).await;
    assert_error(call(&emu, &token, Method::DELETE, &one, None).await, 404, 5).await;
}

#[tokio::test]
async fn creates_and_deletes_an_organizations_connection() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let connections = format!("/api/v1/organizations/{}/connections", demo::GLOBEX_ID);
    let created = ok_json(
        call(
            &emu,
            &token,
            Method::POST,
            &connections,
            Some(json!({"type": "OIDC", "provider": "GOOGLE"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let connection = &created["connection"];
    assert_eq!(connection["type"], "OIDC");
    assert_eq!(connection["provider"], "GOOGLE");
    assert_eq!(connection["status"], "IN_PROGRESS");
    let id = connection["id"].as_str().unwrap().to_owned();
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!(
            "/api/v1/connections?organization_id={}&include=all",
            demo::GLOBEX_ID
        ),
    )
    .await;
    assert_eq!(listed["connections"][0]["id"], id.as_str());

    for (body, status, code) in [
        (json!({"type": "OIDC"}), 409, 6),
        (json!({"type": "PASSWORDLESS"}), 400, 3),
        (json!({}), 400, 3),
        (json!({"type": "SAML", "provider": "MYSPACE"}), 400, 3),
    ] {
        assert_error(
            call(&emu, &token, Method::POST, &connections, Some(body)).await,
            status,
            code,
        )
        .await;
    }
    let one = format!("{connections}/{id}");
    assert_eq!(
        ok_json(
            call(&emu, &token, Method::DELETE, &one, None).await,
            StatusCode::OK
        )
        .await,
        json!({})
    );
    assert_error(call(&emu, &token, Method::DELETE, &one, None).await, 404, 5).await;
    let (_, listed) = get_json(
        &emu,
        &token,
        &format!(
            "/api/v1/connections?organization_id={}&include=all",
            demo::GLOBEX_ID
        ),
    )
    .await;
    assert_eq!(listed["connections"], json!([]));

    // A new connection gets a new id.
    let again = ok_json(
        call(
            &emu,
            &token,
            Method::POST,
            &connections,
            Some(json!({"type": "SAML"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(again["connection"]["id"], id.as_str());

    let (status, apps) = get_json(&emu, &token, "/api/v1/connections/app?page_size=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(apps["connections"], json!([]));
    assert_eq!(apps["total_size"], 0);
}

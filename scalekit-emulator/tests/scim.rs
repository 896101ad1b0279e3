//! The directory's SCIM 2.0 server driven with the request shapes Okta and
//! Entra ID send (reference `scim-providers.md`), its errors, and the signed
//! `organization.directory.*` webhooks each change delivers.

mod common;

use common::scim::{Idp, connect};
use common::webhooks::Receiver;
use common::{http, token};
use reqwest::{Method, StatusCode};
use scalekit_emulator::{Emulator, OrganizationInfo};
use serde_json::{Value, json};

const ORG: &str = "org_scim_test";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// An emulator delivering to `app`, the organization's directory enabled
/// and a secret created over the REST API.
async fn setup(app: &Receiver) -> (Emulator, OrganizationInfo, Idp) {
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "SCIM Test", None)
        .webhook_endpoint(&app.url)
        .webhook_retry_scale(0.001)
        .start()
        .await
        .unwrap();
    let info = emu.organization(ORG).unwrap();
    let idp = connect(&emu, ORG, &info.directory_id).await;
    (emu, info, idp)
}

/// The next `count` deliveries, verified, as JSON bodies.
async fn events(app: &mut Receiver, emu: &Emulator, count: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < count {
        let received = app.next().await;
        received.verify(emu.webhook_secret()).unwrap();
        let body = received.json();
        if body["type"]
            .as_str()
            .unwrap()
            .starts_with("organization.directory.")
        {
            out.push(body);
        }
    }
    out
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn okta_provisions_deactivates_and_manages_groups() {
    let mut app = Receiver::start(&[]).await;
    let (emu, info, idp) = setup(&app).await;

    // Okta looks the user up, then creates it.
    let lookup = idp
        .ok(
            Method::GET,
            "/Users?filter=userName%20eq%20%22jane%40acme.test%22&startIndex=1&count=100",
            None,
        )
        .await;
    assert_eq!(lookup["totalResults"], 0);
    assert_eq!(
        lookup["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane@acme.test",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": "jane@acme.test", "type": "work"}],
        "displayName": "Jane Doe",
        "externalId": "00u1abcd",
        "active": true,
    });
    let (status, jane) = idp.call(Method::POST, "/Users", Some(user.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let jane_id = jane["id"].as_str().unwrap().to_owned();
    assert!(jane_id.starts_with("diruser_"));
    assert_eq!(jane["meta"]["resourceType"], "User");
    assert_eq!(
        jane["meta"]["location"],
        format!("{}/Users/{jane_id}", idp.base)
    );
    let (status, conflict) = idp.call(Method::POST, "/Users", Some(user)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["schemas"][0], ERROR);
    assert_eq!(conflict["status"], "409");
    assert_eq!(conflict["scimType"], "uniqueness");
    let found = idp
        .ok(
            Method::GET,
            "/Users?filter=userName%20eq%20%22JANE%40acme.test%22",
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], jane_id.as_str());

    // Profile update by PATCH with a path, then deactivation without one.
    let renamed = idp
        .ok(
            Method::PATCH,
            &format!("/Users/{jane_id}"),
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "replace", "path": "name.givenName", "value": "Janet"}]})),
        )
        .await;
    assert_eq!(
        renamed["name"],
        json!({"givenName": "Janet", "familyName": "Doe"})
    );

    // Groups: create, look up, add a member, rename, remove the member.
    let (status, group) = idp
        .call(
            Method::POST,
            "/Groups",
            Some(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineering", "members": []}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let group_id = group["id"].as_str().unwrap().to_owned();
    let found = idp
        .ok(
            Method::GET,
            "/Groups?filter=displayName%20eq%20%22Engineering%22",
            None,
        )
        .await;
    assert_eq!(found["Resources"][0]["id"], group_id.as_str());
    let group_path = format!("/Groups/{group_id}");
    let added = idp
        .ok(
            Method::PATCH,
            &group_path,
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": jane_id, "display": "jane@acme.test"}]}]})),
        )
        .await;
    assert_eq!(added["members"][0]["value"], jane_id.as_str());
    let member_of = idp
        .ok(Method::GET, &format!("/Users/{jane_id}"), None)
        .await;
    assert_eq!(member_of["groups"][0]["value"], group_id.as_str());
    idp.ok(
        Method::PATCH,
        &group_path,
        Some(json!({"schemas": [PATCH], "Operations": [
            {"op": "replace", "value": {"id": group_id, "displayName": "Platform"}}]})),
    )
    .await;
    let removed = idp
        .ok(
            Method::PATCH,
            &group_path,
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "remove", "path": format!("members[value eq \"{jane_id}\"]")}]})),
        )
        .await;
    assert_eq!(removed["displayName"], "Platform");
    assert_eq!(removed["members"], json!([]));
    let deactivated = idp
        .ok(
            Method::PATCH,
            &format!("/Users/{jane_id}"),
            Some(json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]})),
        )
        .await;
    assert_eq!(deactivated["active"], false);
    let (status, _) = idp.call(Method::DELETE, &group_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let seen = events(&mut app, &emu, 10).await;
    let user = |kind: &str| format!("organization.directory.user_{kind}");
    let group = |kind: &str| format!("organization.directory.group_{kind}");
    assert_eq!(
        types(&seen),
        [
            user("created"),
            user("updated"),
            group("created"),
            group("updated"),
            user("updated"),
            group("updated"),
            group("updated"),
            user("updated"),
            user("updated"),
            group("deleted"),
        ]
    );
    let created = &seen[0];
    assert_eq!(created["object"], "DirectoryUser");
    assert_eq!(created["organization_id"], ORG);
    assert_eq!(created["display_name"], "Directory User Created");
    let data = &created["data"];
    assert_eq!(data["id"], jane_id.as_str());
    assert_eq!(data["dp_id"], "00u1abcd");
    assert_eq!(data["preferred_username"], "jane@acme.test");
    assert_eq!(data["email"], "jane@acme.test");
    assert_eq!(data["given_name"], "Jane");
    assert_eq!(data["family_name"], "Doe");
    assert_eq!(data["active"], true);
    assert_eq!(data["raw_attributes"]["externalId"], "00u1abcd");
    let group_created = &seen[2];
    assert_eq!(group_created["object"], "DirectoryGroup");
    assert_eq!(
        group_created["data"]["directory_id"],
        info.directory_id.as_str()
    );
    assert_eq!(group_created["data"]["display_name"], "Engineering");
    // Joining a group is a user_updated with the user's groups.
    assert_eq!(seen[4]["data"]["groups"][0]["id"], group_id.as_str());
    let last_user = seen
        .iter()
        .rev()
        .find(|e| e["type"] == "organization.directory.user_updated")
        .unwrap();
    assert_eq!(last_user["data"]["active"], false);
    assert!(
        seen.iter()
            .any(|e| e["type"] == "organization.directory.group_deleted"
                && e["data"]["display_name"] == "Platform")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn entra_id_shapes_are_accepted() {
    let mut app = Receiver::start(&[]).await;
    let (emu, _, idp) = setup(&app).await;
    let (status, user) = idp
        .call(
            Method::POST,
            "/Users",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "alice",
                "userName": "alice@contoso.test",
                "active": true,
                "displayName": "Alice Example",
                "emails": [{"primary": true, "type": "work", "value": "alice@contoso.test"}],
                "name": {"formatted": "Alice Example", "familyName": "Example", "givenName": "Alice"},
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        user["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ])
    );
    let id = user["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let updated = idp
        .ok(
            Method::PATCH,
            &path,
            Some(json!({"schemas": [PATCH], "Operations": [
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alice@fabrikam.test"},
                {"op": "Replace", "path": "name.familyName", "value": "Sample"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Marketing"},
            ]})),
        )
        .await;
    assert_eq!(updated["emails"][0]["value"], "alice@fabrikam.test");
    assert_eq!(updated["name"]["familyName"], "Sample");
    assert_eq!(
        updated["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Marketing"
    );

    // Groups: Microsoft's extra schema, lookup without members, membership
    // as value lists on a plain `members` path.
    let (status, group) = idp
        .call(
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": "8aa1a0c0",
                "displayName": "Sales",
                "members": [],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let group_path = format!("/Groups/{}", group["id"].as_str().unwrap());
    let add = json!({"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]});
    idp.ok(Method::PATCH, &group_path, Some(add)).await;
    let found = idp
        .ok(
            Method::GET,
            "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Sales%22",
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());
    let remove = json!({"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": id}]}]});
    let group = idp.ok(Method::PATCH, &group_path, Some(remove)).await;
    assert_eq!(group["members"], json!([]));

    // Deactivation with the string "False" older tenants send, then a hard
    // delete.
    let off = json!({"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]});
    assert_eq!(
        idp.ok(Method::PATCH, &path, Some(off)).await["active"],
        false
    );
    let (status, _) = idp.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, missing) = idp.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["status"], "404");

    let seen = events(&mut app, &emu, 9).await;
    let deleted = seen.last().unwrap();
    assert_eq!(deleted["type"], "organization.directory.user_deleted");
    let mut fields: Vec<&str> = deleted["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["dp_id", "email", "id", "organization_id"]);
    assert_eq!(deleted["data"]["dp_id"], "alice");
    assert_eq!(deleted["data"]["email"], "alice@fabrikam.test");
    emu.shutdown().await;
}

#[tokio::test]
async fn errors_answer_the_scim_error_schema() {
    let app = Receiver::start(&[]).await;
    let (emu, info, idp) = setup(&app).await;
    let wrong = Idp {
        base: idp.base.clone(),
        secret: "scim_not_the_secret".into(),
    };
    let (status, body) = wrong.call(Method::GET, "/Users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (body["schemas"][0].as_str(), body["status"].as_str()),
        (Some(ERROR), Some("401"))
    );
    let anonymous = http()
        .get(format!("{}/Users", idp.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Regenerating the secret retires the old one.
    let fresh = connect(&emu, ORG, &info.directory_id).await;
    let (status, _) = idp.call(Method::GET, "/Users", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let idp = fresh;

    let cases = [
        (
            Method::GET,
            "/Users/diruser_404",
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::POST,
            "/Users",
            Some("{not json"),
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
        ),
        (
            Method::POST,
            "/Users",
            Some(r#"{"displayName":"x"}"#),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Users",
            Some(r#"{"userName":"x","active":"maybe"}"#),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::GET,
            "/Users?filter=userName%20eq",
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
        ),
        (
            Method::GET,
            "/Users?count=lots",
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/Groups",
            Some(r#"{"displayName":"G","members":[{"value":"diruser_none"}]}"#),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::DELETE,
            "/Groups/dirgroup_404",
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (method, path, body, status, scim_type) in cases {
        let mut request = http()
            .request(method, format!("{}{path}", idp.base))
            .bearer_auth(&idp.secret);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{path} {body:?}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["schemas"][0], ERROR);
        assert_eq!(answer["status"], status.as_str());
        assert_eq!(answer["scimType"].as_str(), scim_type, "{path} {body:?}");
        assert!(answer["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let (status, _) = idp
        .call(
            Method::PATCH,
            "/Users/diruser_404",
            Some(json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    emu.shutdown().await;
}

#[tokio::test]
async fn lists_page_and_discovery_describes_the_server() {
    let app = Receiver::start(&[]).await;
    let (emu, info, idp) = setup(&app).await;
    for n in 0..35 {
        idp.ok(
            Method::POST,
            "/Users",
            Some(json!({"userName": format!("user{n:02}@acme.test")})),
        )
        .await;
    }
    let page = idp
        .ok(Method::GET, "/Users?startIndex=31&count=10", None)
        .await;
    assert_eq!(
        (page["totalResults"].as_u64(), page["startIndex"].as_u64()),
        (Some(35), Some(31))
    );
    assert_eq!(page["itemsPerPage"], 5);
    assert_eq!(page["Resources"][0]["userName"], "user30@acme.test");

    let config = idp.ok(Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["filter"]["supported"], true);
    let kinds = idp.ok(Method::GET, "/ResourceTypes", None).await;
    assert_eq!(kinds["totalResults"], 2);
    assert_eq!(
        idp.ok(Method::GET, "/ResourceTypes/User", None).await["endpoint"],
        "/Users"
    );
    let schemas = idp.ok(Method::GET, "/Schemas", None).await;
    assert!(
        schemas["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "urn:ietf:params:scim:schemas:core:2.0:Group")
    );

    // The REST reads page the same users 30 at a time.
    let token = token(&emu).await;
    let users = format!(
        "/api/v1/organizations/{ORG}/directories/{}/users",
        info.directory_id
    );
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page: Value = http()
            .get(emu.url(&format!("{users}?page_size=30&page_token={page_token}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total_size"], 35);
        for user in page["users"].as_array().unwrap() {
            seen.push(user["preferred_username"].as_str().unwrap().to_owned());
        }
        page_token = page["next_page_token"].as_str().unwrap().to_owned();
        if page_token.is_empty() {
            break;
        }
    }
    let expected: Vec<String> = (0..35).map(|n| format!("user{n:02}@acme.test")).collect();
    assert_eq!(seen, expected);
    let too_big = http()
        .get(emu.url(&format!("{users}?page_size=31")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::BAD_REQUEST);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_disabled_directory_refuses_scim_calls() {
    let app = Receiver::start(&[]).await;
    let (emu, info, idp) = setup(&app).await;
    let token = token(&emu).await;
    let disable = http()
        .patch(emu.url(&format!(
            "/api/v1/organizations/{ORG}/directories/{}:disable",
            info.directory_id
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(disable.json::<Value>().await.unwrap()["enabled"], false);
    let (status, body) = idp.call(Method::GET, "/Users", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["status"], "403");
    emu.shutdown().await;
}

#[tokio::test]
async fn users_listed_by_group_are_its_members_only() {
    let app = Receiver::start(&[]).await;
    let (emu, info, idp) = setup(&app).await;
    let mut ids = Vec::new();
    for name in ["ada", "grace", "linus"] {
        let user = idp
            .ok(
                Method::POST,
                "/Users",
                Some(json!({"userName": format!("{name}@acme.test")})),
            )
            .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let group = idp
        .ok(
            Method::POST,
            "/Groups",
            Some(json!({
                "displayName": "Engineering",
                "members": [{"value": ids[0]}, {"value": ids[2]}],
            })),
        )
        .await;
    let group_id = group["id"].as_str().unwrap();

    let token = token(&emu).await;
    let users = format!(
        "/api/v1/organizations/{ORG}/directories/{}/users",
        info.directory_id
    );
    let listed = |query: String| {
        let (emu, token, users) = (&emu, &token, &users);
        async move {
            http()
                .get(emu.url(&format!("{users}?{query}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    // Both spellings the SDKs send.
    for name in ["directory_group_id", "directoryGroupId"] {
        let page: Value = listed(format!("{name}={group_id}"))
            .await
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = page["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["preferred_username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["ada@acme.test", "linus@acme.test"], "{name}");
        assert_eq!(page["total_size"], 2, "{name}");
    }
    // Without the filter, everyone; with a group that does not exist, 404.
    let all: Value = listed(String::new()).await.json().await.unwrap();
    assert_eq!(all["total_size"], 3);
    let unknown = listed("directory_group_id=dirgroup_missing".into()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    emu.shutdown().await;
}

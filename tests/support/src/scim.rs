//! Playing a customer's identity provider in tests: enabling an
//! organization's directory and creating its SCIM secret over the REST API,
//! then provisioning over SCIM 2.0 as Okta does.

use reqwest::{Client, Method, StatusCode};
use scalekit_emulator::Emulator;
use serde_json::{Value, json};

/// The SCIM media type.
pub const SCIM_JSON: &str = "application/scim+json";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A directory's SCIM endpoint and bearer secret.
#[derive(Debug, Clone)]
pub struct ScimDirectory {
    /// The `directory_endpoint`.
    pub base: String,
    /// The plain secret.
    pub secret: String,
    http: Client,
}

/// An access token for the emulator's management API (client
/// credentials), for calls made without the kit's client.
pub async fn access_token(emulator: &Emulator, http: &Client) -> String {
    let answer: Value = http
        .post(emulator.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", emulator.client_id()),
            ("client_secret", emulator.client_secret()),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    answer["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

impl ScimDirectory {
    /// Enables `organization`'s directory and creates its secret over REST.
    pub async fn connect(emulator: &Emulator, organization: &str) -> Self {
        let http = Client::new();
        let token = access_token(emulator, &http).await;
        let directory_id = emulator
            .organization(organization)
            .expect("the organization exists")
            .directory_id;
        let path = format!("/api/v1/organizations/{organization}/directories/{directory_id}");
        let enabled = http
            .patch(emulator.url(&format!("{path}:enable")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("enable");
        assert_eq!(enabled.status(), StatusCode::OK);
        let secret: Value = http
            .post(emulator.url(&format!("{path}/secrets")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("secret")
            .json()
            .await
            .expect("secret json");
        Self::new(
            emulator.url(&format!("/api/v1/directories/{directory_id}/scim/v2")),
            secret["plain_secret"]
                .as_str()
                .expect("plain_secret")
                .to_owned(),
        )
    }

    /// An endpoint and secret read elsewhere (e.g. from the portal).
    pub fn new(base: String, secret: String) -> Self {
        Self {
            base,
            secret,
            http: Client::new(),
        }
    }

    /// One SCIM call; panics unless it succeeds. Answers the JSON body
    /// (`Null` for 204).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.secret);
        if let Some(body) = body {
            request = request
                .header("content-type", SCIM_JSON)
                .body(body.to_string());
        }
        let response = request.send().await.expect("SCIM call");
        let status = response.status();
        let text = response.text().await.expect("SCIM body");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Creates a user as Okta does; answers its id.
    pub async fn create_user(&self, user_name: &str, given: &str, family: &str) -> String {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": true, "value": user_name, "type": "work"}],
            "externalId": format!("ext-{user_name}"),
            "active": true,
        });
        let created = self.call(Method::POST, "/Users", Some(user)).await;
        created["id"].as_str().expect("an id").to_owned()
    }

    /// Creates a group with these members; answers its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        });
        let created = self.call(Method::POST, "/Groups", Some(group)).await;
        created["id"].as_str().expect("an id").to_owned()
    }

    /// PATCHes a user or group (`path` like `/Users/{id}`) with operations.
    pub async fn patch(&self, path: &str, operations: Value) -> Value {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// Deactivates a user as Okta does (`replace` `active` false, no path).
    pub async fn deactivate(&self, id: &str) {
        self.patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await;
    }

    /// Deletes a user or group (`path` like `/Users/{id}`).
    pub async fn delete(&self, path: &str) {
        self.call(Method::DELETE, path, None).await;
    }

    /// Every user resource (up to 1,000).
    pub async fn users(&self) -> Vec<Value> {
        let list = self.call(Method::GET, "/Users?count=1000", None).await;
        list["Resources"].as_array().cloned().unwrap_or_default()
    }

    /// Every group resource (up to 1,000).
    pub async fn groups(&self) -> Vec<Value> {
        let list = self.call(Method::GET, "/Groups?count=1000", None).await;
        list["Resources"].as_array().cloned().unwrap_or_default()
    }
}

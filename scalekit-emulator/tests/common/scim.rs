//! A directory's SCIM side for tests: enabling the directory and creating
//! its secret over REST, then calling its SCIM endpoint as an identity
//! provider would.

use reqwest::{Method, StatusCode};
use scalekit_emulator::Emulator;
use serde_json::Value;

use super::{http, token};

/// The SCIM media type.
pub const SCIM: &str = "application/scim+json";

/// An identity provider's view: the SCIM base URL and the bearer secret.
pub struct Idp {
    pub base: String,
    pub secret: String,
}

impl Idp {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = http()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.secret);
        if let Some(body) = body {
            request = request.header("content-type", SCIM).body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        if status != StatusCode::NO_CONTENT {
            assert_eq!(response.headers()["content-type"], SCIM, "{path}");
        }
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(method, path, body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

/// Enables the directory and creates its secret over REST.
pub async fn connect(emu: &Emulator, org: &str, directory_id: &str) -> Idp {
    let token = token(emu).await;
    let directory = format!("/api/v1/organizations/{org}/directories/{directory_id}");
    let enabled = http()
        .patch(emu.url(&format!("{directory}:enable")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.status(), StatusCode::OK);
    let created: Value = http()
        .post(emu.url(&format!("{directory}/secrets")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let read: Value = http()
        .get(emu.url(&directory))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["plain_secret"].as_str().unwrap().to_owned();
    let endpoint = read["directory"]["directory_endpoint"].as_str().unwrap();
    assert_eq!(
        endpoint,
        emu.url(&format!("/api/v1/directories/{directory_id}/scim/v2"))
    );
    assert!(
        !read.to_string().contains(&secret),
        "the plain secret is answered once"
    );
    assert_eq!(
        read["directory"]["secrets"][0]["secret_suffix"],
        secret[secret.len() - 4..]
    );
    Idp {
        base: endpoint.to_owned(),
        secret,
    }
}

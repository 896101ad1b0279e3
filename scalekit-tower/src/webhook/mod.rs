//! Verified Scalekit webhooks: the server's own source of truth about an
//! organization's SSO, directories and domains.
//!
//! Scalekit POSTs signed events to the endpoint registered in its dashboard.
//! [`WebhookService`] is that endpoint as a tower service: it verifies the
//! delivery with a [`WebhookVerifier`] (the Standard Webhooks scheme of
//! Scalekit's SDKs: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`,
//! checked in constant time on the raw bytes, within 5 minutes), parses the
//! typed [`WebhookEvent`], makes sure each `webhook-id` reaches the app's
//! handler once ([`IdempotencyStore`]), and answers 2xx only when the handler
//! succeeded, so Scalekit retries failures.
//!
//! ```
//! use http::{Request, StatusCode};
//! use scalekit_tower::webhook::{EventData, WebhookEvent, WebhookService, WebhookVerifier};
//! use tower::ServiceExt;
//!
//! async fn on_event(event: WebhookEvent) -> Result<(), std::io::Error> {
//!     if let EventData::SsoEnabled(connection) = event.data() {
//!         // Record in the app's database that this organization has SSO.
//!         let _ = (&connection.organization_id, &connection.provider);
//!     }
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! let verifier = WebhookVerifier::from_lookup(|_| Some(secret.to_owned())).unwrap();
//! let endpoint = WebhookService::new(verifier, on_event);
//!
//! // Scalekit's side of a delivery, played here by the `standardwebhooks` crate.
//! let body = r#"{"id":"evt_1","type":"organization.sso_enabled","data":
//!     {"id":"conn_1","organization_id":"org_1","provider":"OKTA","enabled":true}}"#;
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
//! let timestamp = i64::try_from(now.as_secs()).unwrap();
//! let signature = standardwebhooks::Webhook::new(secret).unwrap()
//!     .sign("msg_1", timestamp, body.as_bytes()).unwrap();
//! let delivery = || {
//!     Request::post("/webhooks/scalekit")
//!         .header("webhook-id", "msg_1")
//!         .header("webhook-timestamp", timestamp.to_string())
//!         .header("webhook-signature", signature.as_str())
//!         .body(body.to_owned())
//!         .unwrap()
//! };
//!
//! let response = endpoint.clone().oneshot(delivery()).await.unwrap();
//! assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! // A retry of the same delivery is acknowledged without running the handler again.
//! let response = endpoint.clone().oneshot(delivery()).await.unwrap();
//! assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! // A changed body no longer matches the signature.
//! let mut forged = delivery();
//! *forged.body_mut() = body.replace("true", "false");
//! let response = endpoint.oneshot(forged).await.unwrap();
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! # }
//! ```
//!
//! The verifier works alone too, with an [`http::HeaderMap`] and the raw body:
//! [`WebhookVerifier::verify`]. The axum extractor and route helper live in
//! `scalekit-axum-extract`.

mod body;
mod budget;
mod data;
mod deadlines;
mod directory_data;
mod envelope;
mod error;
mod event;
mod guard;
mod idempotency;
mod memory_store;
mod secret;
mod service;
mod signature;
mod verifier;

pub use budget::DEFAULT_READ_BUDGET;
pub use data::{ConnectionData, DirectoryData, DomainData, OrganizationData};
pub use deadlines::{DEFAULT_HANDLER_TIMEOUT, DEFAULT_READ_TIMEOUT};
pub use directory_data::{
    DirectoryGroupData, DirectoryGroupRef, DirectoryRole, DirectoryUserData,
    DirectoryUserDeletedData,
};
pub use error::WebhookError;
pub use event::{EventData, WebhookEvent, parse_event_time};
pub use idempotency::{
    Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, IdempotencyStore, REPLAY_WINDOW,
    StoreError,
};
pub use memory_store::{DEFAULT_CAPACITY, MemoryIdempotencyStore, MemoryStoreFull};
pub use secret::{
    ENV_WEBHOOK_SECRET, MIN_KEY_BYTES, SECRET_PREFIX, WebhookSecret, WebhookSecretError,
};
pub use service::{WebhookHandler, WebhookService};
pub use signature::{
    HEADER_WEBHOOK_ID, HEADER_WEBHOOK_SIGNATURE, HEADER_WEBHOOK_TIMESTAMP, MAX_WEBHOOK_ID_LEN,
};
pub use verifier::{DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE, WebhookVerifier};

/// Parses an event body as a verified delivery would, for the crate's tests.
#[cfg(test)]
pub(crate) fn parse_event_for_tests(body: &str) -> WebhookEvent {
    envelope::parse_event("msg_test", body.as_bytes()).expect("a valid event")
}

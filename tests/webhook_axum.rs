//! Scalekit webhooks in a real axum app on 127.0.0.1: the mounted
//! `WebhookService` and the `ScalekitWebhook` extractor, with deliveries
//! signed by the `standardwebhooks` crate and sent over HTTP.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::routing::post;
use axum::{Extension, Router};
use http::StatusCode;
use scalekit_axum_extract::{ScalekitWebhook, WebhookRejection, webhook_route};
use scalekit_testkit::Served;
use scalekit_tower::webhook::{
    EventData, WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"spec_version":"1","id":"evt_94568078213382471","type":"organization.sso_enabled","object":"Connection","environment_id":"env_74418471961625391","occurred_at":"2025-10-14 09:29:27.098914+00:00","organization_id":"org_83544995172188677","data":{"id":"conn_94567862424830277","organization_id":"org_83544995172188677","connection_type":"OIDC","provider":"OKTA","enabled":true,"status":"COMPLETED"},"display_name":"SSO Connection Enabled"}"#;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap())
}

/// Sends `body` to `url` signed for `id`, as Scalekit would.
async fn post_signed(url: &str, id: &str, body: &str, signed_body: &str) -> reqwest::Response {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp = i64::try_from(now).unwrap();
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign(id, timestamp, signed_body.as_bytes())
        .unwrap();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_mounted_service_hands_each_delivery_to_the_handler_once() {
    let received: Arc<Mutex<Vec<WebhookEvent>>> = Arc::default();
    let sink = Arc::clone(&received);
    let service = WebhookService::new(verifier(), move |event: WebhookEvent| {
        let sink = Arc::clone(&sink);
        async move {
            sink.lock().unwrap().push(event);
            Ok::<_, std::convert::Infallible>(())
        }
    });
    let app = Router::new().merge(webhook_route("/webhooks/scalekit", service));
    let served = Served::axum(app).await;
    let url = served.url("/webhooks/scalekit");

    let response = post_signed(&url, "msg_1", BODY, BODY).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = post_signed(&url, "msg_1", BODY, BODY).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let tampered = BODY.replace("\"enabled\":true", "\"enabled\":false");
    let response = post_signed(&url, "msg_2", &tampered, BODY).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    let received = received.lock().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].organization_id(), Some("org_83544995172188677"));
    assert!(
        matches!(received[0].data(), EventData::SsoEnabled(c) if c.provider.as_deref() == Some("OKTA"))
    );
}

async fn by_hand(ScalekitWebhook(event): ScalekitWebhook) -> String {
    format!("{} {}", event.webhook_id(), event.event_type())
}

async fn with_fallback(webhook: Result<ScalekitWebhook, WebhookRejection>) -> (StatusCode, String) {
    match webhook {
        Ok(event) => (StatusCode::OK, event.id().to_owned()),
        Err(rejection) => (
            rejection.status(),
            format!(
                "refused: {}",
                rejection.error().map_or("setup", |e| e.code())
            ),
        ),
    }
}

#[tokio::test]
async fn the_extractor_yields_the_verified_event_or_a_typed_rejection() {
    let app = Router::new()
        .route("/hooks", post(by_hand))
        .route("/hooks/fallback", post(with_fallback))
        .layer(Extension(verifier().with_max_body_bytes(4_096)))
        .route("/unconfigured", post(by_hand));
    let served = Served::axum(app).await;

    let response = post_signed(&served.url("/hooks"), "msg_1", BODY, BODY).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.text().await.unwrap(),
        "msg_1 organization.sso_enabled"
    );

    let tampered = BODY.replace("OKTA", "EVIL");
    let response = post_signed(&served.url("/hooks"), "msg_2", &tampered, BODY).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    assert!(text.contains("signature does not match"), "{text}");
    assert!(
        !text.contains(SECRET.trim_start_matches("whsec_")),
        "{text}"
    );

    let unsigned = reqwest::Client::new()
        .post(served.url("/hooks"))
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::BAD_REQUEST);
    assert!(unsigned.text().await.unwrap().contains("webhook-id"));

    let big = format!(
        r#"{{"id":"evt_1","type":"user.created","pad":"{}"}}"#,
        "x".repeat(5_000)
    );
    let response = post_signed(&served.url("/hooks"), "msg_3", &big, &big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let response = post_signed(&served.url("/hooks/fallback"), "msg_4", "[]", "[]").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.text().await.unwrap(), "refused: not_an_event");

    let response = post_signed(&served.url("/unconfigured"), "msg_5", BODY, BODY).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Extension(WebhookVerifier")
    );
}

//! The webhook endpoint over the real stores: a store that is down or slow
//! answers 503 (Scalekit retries), runs nothing and marks nothing; the retry
//! after it comes back is handled once.

#![cfg(all(feature = "postgres", feature = "redis"))]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Request, StatusCode};
use scalekit_tower::webhook::{
    IdempotencyStore, WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier,
};
use scalekit_tower_stores::{PostgresIdempotencyStore, RedisIdempotencyStore};
use tower::ServiceExt;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"id":"evt_1","type":"organization.sso_enabled","data":{"id":"conn_1","organization_id":"org_1","provider":"OKTA","enabled":true}}"#;

fn delivery(id: &str) -> Request<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let timestamp = i64::try_from(now.as_secs()).unwrap();
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign(id, timestamp, BODY.as_bytes())
        .unwrap();
    Request::post("/webhooks/scalekit")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(BODY.to_owned())
        .unwrap()
}

/// Posts one delivery through a service over `store`, counting handler runs.
async fn post<S: IdempotencyStore>(store: S, runs: &Arc<AtomicUsize>, id: &str) -> StatusCode {
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    let runs = Arc::clone(runs);
    let service = WebhookService::new(verifier, move |_event: WebhookEvent| {
        let runs = Arc::clone(&runs);
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(())
        }
    })
    .with_store(store);
    service.oneshot(delivery(id)).await.unwrap().status()
}

async fn down_slow_then_back<S: IdempotencyStore + Clone>(down: S, slow: S, real: S) {
    let runs = Arc::new(AtomicUsize::new(0));
    assert_eq!(
        post(down, &runs, "msg_1").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let started = std::time::Instant::now();
    assert_eq!(
        post(slow, &runs, "msg_1").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "past the store's deadline"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0, "nothing ran");
    // Back: the retry is handled (nothing was marked), once.
    assert_eq!(
        post(real.clone(), &runs, "msg_1").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(post(real, &runs, "msg_1").await, StatusCode::NO_CONTENT);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn postgres_down_or_slow_answers_503_and_marks_nothing() {
    let Some(url) = support::postgres_url().await else {
        return;
    };
    let table = support::unique("failures");
    let at = |url: String, deadline: Duration| {
        let table = table.clone();
        async move {
            PostgresIdempotencyStore::connect(&url)
                .await
                .unwrap()
                .with_table(Some("scalekit_tests"), &table)
                .unwrap()
                .with_deadline(deadline)
        }
    };
    let closed = support::closed_port().await;
    let hole = support::black_hole().await;
    let real = at(url, Duration::from_secs(2)).await;
    real.migrate().await.unwrap();
    down_slow_then_back(
        at(
            format!("postgres://postgres@{closed}/test"),
            Duration::from_secs(1),
        )
        .await,
        at(
            format!("postgres://postgres@{hole}/test"),
            Duration::from_millis(300),
        )
        .await,
        real.clone(),
    )
    .await;
    let drop = format!("DROP TABLE \"scalekit_tests\".\"{table}\"");
    sqlx::query(&drop).execute(real.pool()).await.unwrap();
}

#[tokio::test]
async fn redis_down_or_slow_answers_503_and_marks_nothing() {
    let Some(url) = support::redis_url().await else {
        return;
    };
    let prefix = format!("{}:", support::unique("scalekit-test:failures"));
    let at = |url: String, deadline: Duration| {
        RedisIdempotencyStore::connect(&url)
            .unwrap()
            .with_prefix(prefix.clone())
            .with_deadline(deadline)
    };
    let closed = support::closed_port().await;
    let hole = support::black_hole().await;
    down_slow_then_back(
        at(format!("redis://{closed}"), Duration::from_secs(1)),
        at(format!("redis://{hole}"), Duration::from_millis(300)),
        at(url, Duration::from_secs(2)),
    )
    .await;
}

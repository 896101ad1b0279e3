//! The webhook endpoint as a tower service, through `ServiceExt::oneshot`:
//! its statuses, and that each `webhook-id` reaches the handler once.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use http::{Request, Response, StatusCode};
use scalekit_tower::webhook::{
    Claim, ClaimToken, EventData, IdempotencyStore, MemoryIdempotencyStore, StoreError,
    WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier,
};
use tokio::sync::{mpsc, oneshot};
use tower::ServiceExt;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"id":"evt_1","type":"organization.directory_enabled","organization_id":"org_1","data":{"id":"dir_1","organization_id":"org_1","directory_type":"SCIM","enabled":true}}"#;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap())
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A delivery signed by the reference library, as Scalekit sends it.
fn delivery(id: &str, body: &str) -> Request<String> {
    delivery_at(id, body, now())
}

fn delivery_at(id: &str, body: &str, timestamp: i64) -> Request<String> {
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign(id, timestamp, body.as_bytes())
        .unwrap();
    Request::post("/webhooks/scalekit")
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .unwrap()
}

/// A handler that counts its runs and fails while `failures` is above zero.
#[derive(Clone, Default)]
struct Counting {
    runs: Arc<AtomicUsize>,
    failures: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<WebhookEvent>>>,
}

impl Counting {
    fn service(&self) -> WebhookService<impl scalekit_tower::webhook::WebhookHandler> {
        let this = self.clone();
        WebhookService::new(verifier(), move |event: WebhookEvent| {
            let this = this.clone();
            async move {
                this.runs.fetch_add(1, Ordering::SeqCst);
                let failing = this
                    .failures
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if failing {
                    return Err("database unavailable: password=hunter2");
                }
                this.seen.lock().unwrap().push(event);
                Ok(())
            }
        })
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

fn json(response: &Response<String>) -> serde_json::Value {
    serde_json::from_str(response.body()).unwrap()
}

#[tokio::test]
async fn a_verified_delivery_reaches_the_handler_and_answers_204() {
    let handler = Counting::default();
    let response = handler
        .service()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let seen = handler.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].webhook_id(), "msg_1");
    assert_eq!(seen[0].organization_id(), Some("org_1"));
    assert!(
        matches!(seen[0].data(), EventData::DirectoryEnabled(dir) if dir.enabled == Some(true))
    );
}

#[tokio::test]
async fn refusals_answer_400_401_413_405_without_running_the_handler() {
    let handler = Counting::default();
    let service = handler.service();

    let mut missing = delivery("msg_1", BODY);
    missing.headers_mut().remove("webhook-signature");
    let response = service.clone().oneshot(missing).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(&response)["error"], "missing_header");
    assert!(
        json(&response)["message"]
            .as_str()
            .unwrap()
            .contains("webhook-signature")
    );

    let not_json = delivery("msg_2", "{not json");
    let response = service.clone().oneshot(not_json).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(&response)["error"], "not_an_event");

    let mut tampered = delivery("msg_3", BODY);
    *tampered.body_mut() = BODY.replace("true", "false");
    let response = service.clone().oneshot(tampered).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(&response)["error"], "invalid_signature");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(!response.body().contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));

    let stale = delivery_at("msg_4", BODY, now() - 600);
    let response = service.clone().oneshot(stale).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(&response)["error"], "stale_timestamp");

    let get = Request::get("/webhooks/scalekit")
        .body(String::new())
        .unwrap();
    let response = service.clone().oneshot(get).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");

    assert_eq!(handler.runs(), 0);
}

#[tokio::test]
async fn bodies_over_the_cap_answer_413_whether_declared_or_streamed() {
    let handler = Counting::default();
    let service = handler.service();
    let padded = format!(
        r#"{{"id":"evt_1","type":"user.created","pad":"{}"}}"#,
        "x".repeat(256 * 1024)
    );

    // Declared too large: refused by Content-Length.
    let mut declared = delivery("msg_1", &padded);
    declared
        .headers_mut()
        .insert("content-length", padded.len().into());
    let response = service.clone().oneshot(declared).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(&response)["error"], "body_too_large");

    // Undeclared: refused while reading.
    let response = service
        .clone()
        .oneshot(delivery("msg_2", &padded))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A lying Content-Length that claims less is still capped.
    let mut lying = delivery("msg_3", &padded);
    lying.headers_mut().insert("content-length", 10.into());
    let response = service.clone().oneshot(lying).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(handler.runs(), 0);
}

#[tokio::test]
async fn a_duplicate_delivery_reaches_the_handler_once() {
    let handler = Counting::default();
    let service = handler.service();
    for _ in 0..3 {
        let response = service
            .clone()
            .oneshot(delivery("msg_1", BODY))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(handler.runs(), 1);
    // Another delivery of the same event content is a new webhook-id: it runs.
    let response = service
        .clone()
        .oneshot(delivery("msg_2", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(handler.runs(), 2);
}

#[tokio::test]
async fn a_failed_handler_answers_500_and_its_redelivery_runs_again() {
    let handler = Counting::default();
    handler.failures.store(1, Ordering::SeqCst);
    let service = handler.service();

    let response = service
        .clone()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(json(&response)["error"], "processing_failed");
    // The handler's error stays in the log.
    assert!(!response.body().contains("hunter2"));
    assert!(!response.body().contains("database"));

    // Scalekit's retry: same webhook-id, signed again.
    let response = service
        .clone()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = service
        .clone()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(handler.runs(), 2);
    assert_eq!(handler.seen.lock().unwrap().len(), 1);
}

/// A handler that waits for the test's go-ahead, to hold a delivery in flight.
fn gated_service(
    outcome: Arc<Mutex<Vec<Result<(), &'static str>>>>,
) -> (
    WebhookService<impl scalekit_tower::webhook::WebhookHandler>,
    mpsc::UnboundedReceiver<oneshot::Sender<()>>,
    Arc<AtomicUsize>,
) {
    let (entered, inside) = mpsc::unbounded_channel();
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let service = WebhookService::new(verifier(), move |_event: WebhookEvent| {
        let entered = entered.clone();
        let outcome = Arc::clone(&outcome);
        let runs = Arc::clone(&counted);
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            let (go, wait) = oneshot::channel();
            entered.send(go).unwrap();
            wait.await.unwrap();
            outcome.lock().unwrap().remove(0)
        }
    });
    (service, inside, runs)
}

#[tokio::test]
async fn a_concurrent_duplicate_does_not_run_the_handler_twice() {
    let outcome = Arc::new(Mutex::new(vec![Ok(())]));
    let (service, mut inside, runs) = gated_service(outcome);
    let first = tokio::spawn(service.clone().oneshot(delivery("msg_1", BODY)));
    let go = inside.recv().await.unwrap();

    // While the first is in the handler, the duplicate is asked to come back later.
    let response = service
        .clone()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(json(&response)["error"], "delivery_in_progress");

    go.send(()).unwrap();
    assert_eq!(
        first.await.unwrap().unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let response = service
        .clone()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn after_a_concurrent_first_attempt_fails_the_retry_runs() {
    let outcome = Arc::new(Mutex::new(vec![Err("boom"), Ok(())]));
    let (service, mut inside, runs) = gated_service(outcome);
    let first = tokio::spawn(service.clone().oneshot(delivery("msg_1", BODY)));
    let go = inside.recv().await.unwrap();
    let response = service
        .clone()
        .oneshot(delivery("msg_1", BODY))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    go.send(()).unwrap();
    assert_eq!(
        first.await.unwrap().unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let retry = tokio::spawn(service.clone().oneshot(delivery("msg_1", BODY)));
    inside.recv().await.unwrap().send(()).unwrap();
    assert_eq!(
        retry.await.unwrap().unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn replicas_sharing_a_store_run_the_handler_once() {
    // Two services (two replicas) over one store, as over one database.
    let store = Arc::new(MemoryIdempotencyStore::new());
    let handler = Counting::default();
    let replica_a = handler.service().with_store(Arc::clone(&store));
    let replica_b = handler.service().with_store(Arc::clone(&store));
    let response = replica_a.oneshot(delivery("msg_1", BODY)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = replica_b.oneshot(delivery("msg_1", BODY)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(handler.runs(), 1);
    assert_eq!(store.len(), 1);
}

/// A store whose database is down.
#[derive(Debug)]
struct Unavailable;

impl IdempotencyStore for Unavailable {
    async fn claim(&self, _: &str) -> Result<Claim, StoreError> {
        Err("connection refused to db.internal:5432".into())
    }
    async fn complete(&self, _: &str) -> Result<(), StoreError> {
        Err("unreachable".into())
    }
    async fn release(&self, _: &str, _: ClaimToken) -> Result<(), StoreError> {
        Err("unreachable".into())
    }
}

#[tokio::test]
async fn a_failing_store_answers_503_without_running_the_handler() {
    let handler = Counting::default();
    let service = handler.service().with_store(Unavailable);
    let response = service.oneshot(delivery("msg_1", BODY)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    assert!(!response.body().contains("db.internal"));
    assert_eq!(handler.runs(), 0);
}

/// Collects what the `tracing` subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_escape_the_delivery_and_never_show_the_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let handler = Counting::default();
    handler.failures.store(1, Ordering::SeqCst);
    let service = handler.service();
    let forged_line = r#"{"id":"evt_1","type":"user.created\nERROR forged log line\u001b[2J"}"#;
    let response = service
        .clone()
        .oneshot(delivery("msg_1", forged_line))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let mut bad = delivery("msg_2", BODY);
    *bad.body_mut() = "{\"id\":\"\n\u{1b}[31mred".into();
    service.clone().oneshot(bad).await.unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains(r"user.created\nERROR forged log line\u{1b}[2J"),
        "{log}"
    );
    assert!(!log.contains("\nERROR forged"), "{log}");
    assert!(!log.contains('\u{1b}'), "{log}");
    assert!(!log.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{log}");
    assert!(log.contains("msg_1"), "{log}");
}

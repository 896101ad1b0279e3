//! A handler that runs past its claim's lease (`docs/reliability.md`, "The
//! fleet"): the retry takes the claim over and runs the handler again; when
//! the first run then fails, its release must not end the second run's claim,
//! or a third delivery would run beside the second.
//!
//! The service as the app mounts it, with the default in-memory store and a
//! short lease; the lease is waited out on the real clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Request, StatusCode};
use scalekit_testkit::signing::sign_now;
use scalekit_tower::webhook::{
    MemoryIdempotencyStore, WebhookEvent, WebhookService, WebhookVerifier,
};
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"id":"evt_1","type":"organization.sso_enabled","data":{"id":"conn_1","organization_id":"org_1","enabled":true}}"#;
const LEASE: Duration = Duration::from_millis(300);
const PATIENCE: Duration = Duration::from_secs(15);

fn delivery(webhook_id: &str) -> Request<String> {
    let (now, signature) = sign_now(SECRET, webhook_id, BODY);
    Request::post("/webhooks/scalekit")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .body(BODY.to_owned())
        .unwrap()
}

/// Run `n` of the handler says it started, waits for its gate, then fails
/// (the first run) or succeeds (the others).
#[derive(Clone)]
struct Runs {
    started: Arc<Notify>,
    gates: Vec<watch::Receiver<bool>>,
    count: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
}

impl Runs {
    async fn handle(self, _event: WebhookEvent) -> Result<(), String> {
        let run = self.count.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        self.started.notify_one();
        let mut gate = self.gates[run.min(self.gates.len() - 1)].clone();
        let _ = gate.wait_for(|open| *open).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        if run == 0 {
            Err("the first run fails, after its lease ran out".to_owned())
        } else {
            Ok(())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_outlived_its_lease_and_failed_leaves_the_takeover_running_alone() {
    let (open_first, first) = watch::channel(false);
    let (open_second, second) = watch::channel(false);
    let runs = Runs {
        started: Arc::new(Notify::new()),
        gates: vec![first, second],
        count: Arc::default(),
        running: Arc::default(),
        most_at_once: Arc::default(),
    };
    let handler = runs.clone();
    let verifier = WebhookVerifier::from_lookup(|_| Some(SECRET.to_owned())).unwrap();
    let service = WebhookService::new(verifier, move |event| handler.clone().handle(event))
        .with_store(MemoryIdempotencyStore::new().with_lease(LEASE));

    let first_delivery = tokio::spawn(service.clone().oneshot(delivery("msg_slow")));
    tokio::time::timeout(PATIENCE, runs.started.notified())
        .await
        .expect("the first run started");
    // The point of the test: the first run's lease runs out while it runs.
    tokio::time::sleep(LEASE + Duration::from_millis(100)).await;
    let second_delivery = tokio::spawn(service.clone().oneshot(delivery("msg_slow")));
    tokio::time::timeout(PATIENCE, runs.started.notified())
        .await
        .expect("the retry took the expired claim over");

    // The first run fails late and releases what it holds: nothing any more.
    open_first.send(true).unwrap();
    let first_answer = tokio::time::timeout(PATIENCE, first_delivery)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first_answer.status(), StatusCode::INTERNAL_SERVER_ERROR);

    // A third delivery while the second runs: 409, not a third run.
    let third = service.clone().oneshot(delivery("msg_slow")).await.unwrap();
    assert_eq!(
        third.status(),
        StatusCode::CONFLICT,
        "the first run's late release ended the second run's claim"
    );
    assert_eq!(runs.count.load(Ordering::SeqCst), 2);

    open_second.send(true).unwrap();
    let second_answer = tokio::time::timeout(PATIENCE, second_delivery)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(second_answer.status(), StatusCode::NO_CONTENT);
    let after = service.oneshot(delivery("msg_slow")).await.unwrap();
    assert_eq!(after.status(), StatusCode::NO_CONTENT);
    assert_eq!(runs.count.load(Ordering::SeqCst), 2, "two runs in all");
    assert_eq!(
        runs.most_at_once.load(Ordering::SeqCst),
        2,
        "the lease's takeover, never more"
    );
}

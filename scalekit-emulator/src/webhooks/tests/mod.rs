//! Deliveries to a real HTTP listener on 127.0.0.1: signatures checked by
//! the `standardwebhooks` crate, retries, give-ups, timeouts, a full queue
//! and shutdown; the delivery faults are in `delivery_faults`.

mod delivery_faults;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::dispatcher::{DEFAULT_QUEUE_CAPACITY, Dispatcher, DispatcherConfig};
use super::endpoint::EndpointUrl;
use super::envelope::Event;
use super::event_data::samples;
use super::faults::DeliveryFaults;
use super::log::{DeliveryLog, DeliveryOutcome, WebhookDelivery};
use super::schedule::RetrySchedule;
use super::secret::WebhookSecret;

/// Scale that turns the 22-minute schedule into about 135 ms.
const FAST: f64 = 0.0001;
/// Upper bound of any wait in these tests (a hang guard, not a timing).
const PATIENCE: Duration = Duration::from_secs(10);

/// What the receiver answers to one request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Never answer.
    Hang,
}

/// A request the receiver got.
#[derive(Debug)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

impl Received {
    fn webhook_id(&self) -> &str {
        self.headers["webhook-id"].to_str().unwrap()
    }

    fn timestamp(&self) -> i64 {
        self.headers["webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap().to_owned()
    }
}

#[derive(Clone)]
struct ReceiverState {
    script: Arc<Mutex<VecDeque<Answer>>>,
    otherwise: Answer,
    seen: mpsc::UnboundedSender<Received>,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let answer = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(state.otherwise);
    let _ = state.seen.send(Received {
        headers,
        body,
        at: Instant::now(),
    });
    match answer {
        Answer::Status(status) => StatusCode::from_u16(status).unwrap(),
        Answer::Hang => std::future::pending().await,
    }
}

/// An app endpoint on 127.0.0.1:0 that answers `script` in order, then
/// `otherwise`, and reports every request.
struct Receiver {
    url: String,
    seen: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    async fn start(script: &[Answer], otherwise: Answer) -> Self {
        let (tx, seen) = mpsc::unbounded_channel();
        let state = ReceiverState {
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            otherwise,
            seen: tx,
        };
        let app = Router::new()
            .route("/webhooks/scalekit", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url: format!("http://{addr}/webhooks/scalekit"),
            seen,
        }
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.seen.recv())
            .await
            .expect("a delivery within the patience")
            .expect("receiver running")
    }
}

/// A dispatcher and its shutdown switch.
struct Harness {
    dispatcher: Dispatcher,
    shutdown: watch::Sender<bool>,
}

impl Harness {
    fn start(endpoints: &[&str], configure: impl FnOnce(&mut DispatcherConfig)) -> Self {
        let secret = WebhookSecret::generate().unwrap();
        let mut config = DispatcherConfig {
            endpoints: endpoints
                .iter()
                .map(|url| EndpointUrl::parse(url).unwrap())
                .collect(),
            secret: secret.clone(),
            environment_id: "env_74418471961625391".into(),
            schedule: RetrySchedule::scaled(FAST).unwrap(),
            attempt_timeout: PATIENCE,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        };
        configure(&mut config);
        let (shutdown, stop) = watch::channel(false);
        let dispatcher = Dispatcher::start(config, stop);
        assert_eq!(dispatcher.secret(), &secret);
        Self {
            dispatcher,
            shutdown,
        }
    }

    fn log(&self) -> &DeliveryLog {
        self.dispatcher.log()
    }

    fn faults(&self) -> &DeliveryFaults {
        self.dispatcher.faults()
    }

    /// Verifies a received delivery with the independent implementation.
    fn verify(&self, received: &Received) -> Result<(), standardwebhooks::WebhookError> {
        standardwebhooks::Webhook::new(self.dispatcher.secret().as_str())
            .unwrap()
            .verify(&received.body, &received.headers)
    }

    async fn settled(&self, count: usize) -> Vec<WebhookDelivery> {
        let settled = |records: &[WebhookDelivery]| {
            records.len() >= count
                && records
                    .iter()
                    .all(|r| r.outcome != DeliveryOutcome::Pending)
        };
        tokio::time::timeout(PATIENCE, self.log().wait_until(settled))
            .await
            .expect("deliveries settle within the patience");
        self.log().deliveries()
    }
}

fn sso_enabled() -> Event {
    Event::SsoEnabled(samples::connection(true))
}

fn sso_disabled() -> Event {
    Event::SsoDisabled(samples::connection(false))
}

#[tokio::test]
async fn a_delivery_is_signed_json_that_an_independent_verifier_accepts() {
    let mut app = Receiver::start(&[], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.dispatcher.send(&sso_enabled());

    let received = app.next().await;
    assert_eq!(received.headers["content-type"], "application/json");
    assert!(received.webhook_id().starts_with("msg_"));
    let signature = received.headers["webhook-signature"].to_str().unwrap();
    assert!(signature.starts_with("v1,"), "{signature}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - received.timestamp()).abs() <= 5);
    harness.verify(&received).unwrap();
    let body = received.json();
    assert_eq!(body["type"], "organization.sso_enabled");
    assert_eq!(body["data"]["enabled"], true);

    let records = harness.settled(1).await;
    assert_eq!(records[0].webhook_id, received.webhook_id());
    assert_eq!(records[0].event_id, body["id"].as_str().unwrap());
    assert_eq!(records[0].endpoint, app.url);
    assert_eq!(records[0].attempts, 1);
    assert_eq!(records[0].last_status, Some(200));
    assert_eq!(records[0].outcome, DeliveryOutcome::Acknowledged);
    let counts = harness.log().counts()["organization.sso_enabled"];
    assert_eq!(
        (counts.deliveries, counts.attempts, counts.acknowledged),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_the_same_id_and_a_fresh_signature() {
    let mut app = Receiver::start(&[Answer::Status(500)], Answer::Status(204)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.dispatcher.send(&sso_enabled());

    let first = app.next().await;
    let second = app.next().await;
    assert_eq!(first.webhook_id(), second.webhook_id());
    assert_eq!(first.body, second.body);
    harness.verify(&first).unwrap();
    harness.verify(&second).unwrap();
    // The second attempt waited for the (scaled) 5 s step.
    assert!(second.at - first.at >= Duration::from_secs_f64(5.0 * FAST));

    let records = harness.settled(1).await;
    assert_eq!(records[0].attempts, 2);
    assert_eq!(records[0].last_status, Some(204));
    assert_eq!(records[0].outcome, DeliveryOutcome::Acknowledged);
}

#[tokio::test]
async fn six_failed_attempts_give_up_on_the_scaled_schedule() {
    let mut app = Receiver::start(&[], Answer::Status(503)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.dispatcher.send(&sso_disabled());

    let records = harness.settled(1).await;
    assert_eq!(records[0].attempts, 6);
    assert_eq!(records[0].last_status, Some(503));
    assert_eq!(records[0].outcome, DeliveryOutcome::GaveUp);
    let counts = harness.log().counts()["organization.sso_disabled"];
    assert_eq!(
        (counts.attempts, counts.acknowledged, counts.gave_up),
        (6, 0, 1)
    );

    let mut arrivals = Vec::new();
    for _ in 0..6 {
        let received = app.next().await;
        assert_eq!(received.webhook_id(), records[0].webhook_id);
        harness.verify(&received).unwrap();
        arrivals.push(received.at);
    }
    // Each retry waited at least its scaled step: 5 s, 30 s, 2, 5, 15 min.
    for (gap, step) in arrivals.windows(2).zip([5.0, 30.0, 120.0, 300.0, 900.0]) {
        assert!(gap[1] - gap[0] >= Duration::from_secs_f64(step * FAST));
    }
    assert!(app.seen.try_recv().is_err(), "no seventh attempt");
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_retried() {
    let mut app = Receiver::start(&[Answer::Hang], Answer::Status(200)).await;
    // Nothing listens on a port that was just released.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        format!("http://{addr}/hook")
    };
    let harness = Harness::start(&[&app.url, &closed], |config| {
        config.attempt_timeout = Duration::from_millis(200);
    });
    harness.dispatcher.send(&sso_enabled());

    let hung = app.next().await;
    let retried = app.next().await;
    assert_eq!(hung.webhook_id(), retried.webhook_id());
    let records = harness.settled(2).await;
    let to_app = records.iter().find(|r| r.endpoint == app.url).unwrap();
    assert_eq!((to_app.attempts, to_app.last_status), (2, Some(200)));
    assert_eq!(to_app.outcome, DeliveryOutcome::Acknowledged);
    let to_closed = records.iter().find(|r| r.endpoint == closed).unwrap();
    assert_eq!((to_closed.attempts, to_closed.last_status), (6, None));
    assert_eq!(to_closed.outcome, DeliveryOutcome::GaveUp);
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let harness = Harness::start(&["http://127.0.0.1:9/unused"], |config| {
        config.queue_capacity = 2;
    });
    // On this single-threaded runtime the worker cannot run between these
    // calls, so the queue fills: two wait, three are dropped.
    for _ in 0..5 {
        harness.dispatcher.send(&sso_enabled());
    }
    let counts = harness.log().counts()["organization.sso_enabled"];
    assert_eq!((counts.deliveries, counts.dropped), (5, 3));
    let dropped = harness
        .log()
        .deliveries()
        .iter()
        .filter(|r| r.outcome == DeliveryOutcome::Dropped)
        .count();
    assert_eq!(dropped, 3);
}

#[tokio::test]
async fn shutdown_stops_the_workers_and_drops_what_is_left() {
    let mut app = Receiver::start(&[], Answer::Status(500)).await;
    let harness = Harness::start(&[&app.url], |config| {
        config.schedule = RetrySchedule::default();
    });
    harness.dispatcher.send(&sso_enabled());
    app.next().await;
    // The retry is 5 real seconds away; stopping must not wait for it.
    harness.shutdown.send(true).unwrap();
    let records = harness.settled(1).await;
    assert_eq!(records[0].attempts, 1);
    assert_eq!(records[0].outcome, DeliveryOutcome::Dropped);
    assert_eq!(
        harness.log().counts()["organization.sso_enabled"].dropped,
        1
    );
}

#[tokio::test]
async fn without_endpoints_nothing_is_queued() {
    let harness = Harness::start(&[], |_| {});
    harness.dispatcher.send(&sso_enabled());
    assert!(harness.log().deliveries().is_empty());
    assert!(harness.log().counts().is_empty());
}

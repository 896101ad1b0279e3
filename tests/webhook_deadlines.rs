//! Slow senders and broken handlers at the webhook endpoint (`docs/reliability.md`,
//! "Hostile and careless input", items 11 and 13): a body that stalls is
//! answered 408 at the read deadline; the deliveries being read at once hold
//! at most the read budget (503 with `Retry-After` past it); a handler that
//! hangs or panics answers 500 and releases its claim, so the retry runs it.
//!
//! Deliveries are signed by the `standardwebhooks` crate, an implementation
//! of the scheme other than the kit's. Time is tokio's paused clock, so the
//! deadlines are exact and the tests take no wall time.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt as _;
use http::{Request, StatusCode};
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::Frame;
use scalekit_testkit::signing::sign_now;
use scalekit_tower::webhook::{
    DEFAULT_HANDLER_TIMEOUT, DEFAULT_READ_BUDGET, DEFAULT_READ_TIMEOUT, WebhookEvent,
    WebhookService, WebhookVerifier,
};
use tower::ServiceExt as _;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::from_lookup(|_| Some(SECRET.to_owned())).unwrap()
}

fn body_of(id: &str) -> String {
    format!(
        r#"{{"id":"evt_{id}","type":"organization.sso_enabled","data":{{"id":"conn_1","organization_id":"org_1","enabled":true}}}}"#
    )
}

/// The signed headers of delivery `id` with `body`.
fn signed(id: &str, body: &str) -> http::request::Builder {
    let (now, signature) = sign_now(SECRET, id, body);
    Request::post("/webhooks/scalekit")
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
}

/// A body that sends `first` and then never anything more: a stalled sender.
type Stalled =
    StreamBody<futures_util::stream::BoxStream<'static, Result<Frame<Bytes>, Infallible>>>;

fn stalled(first: &'static [u8]) -> Stalled {
    let frames = futures_util::stream::iter([Ok(Frame::data(Bytes::from_static(first)))])
        .chain(futures_util::stream::pending());
    StreamBody::new(frames.boxed())
}

/// A whole body.
fn whole(body: String) -> Stalled {
    StreamBody::new(futures_util::stream::iter([Ok(Frame::data(Bytes::from(body)))]).boxed())
}

/// Sends `request` and waits (on the paused clock) at most a minute for the
/// answer: a service without deadlines fails here instead of hanging.
async fn answered<S>(service: S, request: Request<Stalled>) -> http::Response<String>
where
    S: tower::Service<Request<Stalled>, Response = http::Response<String>, Error = Infallible>,
{
    tokio::time::timeout(Duration::from_secs(60), service.oneshot(request))
        .await
        .expect("the delivery is answered within a minute")
        .unwrap()
}

async fn json(response: http::Response<String>) -> serde_json::Value {
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn the_defaults_are_a_few_seconds_and_a_bounded_budget() {
    let service = WebhookService::new(verifier(), |_e: WebhookEvent| async { Ok::<_, String>(()) });
    assert_eq!(service.read_timeout(), DEFAULT_READ_TIMEOUT);
    assert!(DEFAULT_READ_TIMEOUT <= Duration::from_secs(10));
    assert_eq!(service.handler_timeout(), DEFAULT_HANDLER_TIMEOUT);
    assert_eq!(service.read_budget(), DEFAULT_READ_BUDGET);
    // Huge durations saturate instead of overflowing a deadline.
    let service = service
        .with_read_timeout(Duration::MAX)
        .with_handler_timeout(Duration::MAX);
    assert_eq!(service.read_timeout(), Duration::from_secs(3600));
    assert_eq!(service.handler_timeout(), Duration::from_secs(3600));
}

#[tokio::test(start_paused = true)]
async fn a_body_that_stalls_is_answered_408_at_the_read_deadline() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&runs);
    let service = WebhookService::new(verifier(), move |_e: WebhookEvent| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, String>(()) }
    })
    .with_read_timeout(Duration::from_secs(2));
    let started = tokio::time::Instant::now();
    let request = signed("msg_slow", &body_of("slow"))
        .body(stalled(b"{\"id\":"))
        .unwrap();
    let response = answered(service.clone(), request).await;
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(json(response).await["error"], "body_timeout");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    // The same delivery sent whole is handled: the timeout claimed nothing.
    let body = body_of("slow");
    let request = signed("msg_slow", &body).body(whole(body)).unwrap();
    let response = answered(service, request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn deliveries_read_at_once_hold_at_most_the_budget() {
    let service = WebhookService::new(verifier(), |_e: WebhookEvent| async { Ok::<_, String>(()) })
        .with_read_budget(4_096)
        .with_read_timeout(Duration::from_secs(3));
    // Two slow senders declare 2 KiB each and stall: they hold the budget.
    let mut slow = Vec::new();
    for n in 0..2 {
        let request = signed(&format!("msg_hold_{n}"), "x")
            .header("content-length", "2048")
            .body(stalled(b"{"))
            .unwrap();
        slow.push(tokio::spawn(service.clone().oneshot(request)));
    }
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    // A third is refused at once, before it is read: 503, Retry-After.
    let body = body_of("third");
    let request = signed("msg_third", &body).body(whole(body)).unwrap();
    let response = answered(service.clone(), request).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(json(response).await["error"], "busy");
    // A chunked body (no Content-Length) is counted chunk by chunk too.
    let request = signed("msg_chunked", "x")
        .body(stalled(&[b' '; 100]))
        .unwrap();
    let response = answered(service.clone(), request).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The slow senders time out (408) and give their bytes back: Scalekit's
    // retry then goes through.
    for held in slow {
        let response = tokio::time::timeout(Duration::from_secs(60), held)
            .await
            .expect("the slow delivery is answered within a minute")
            .unwrap()
            .unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    }
    let body = body_of("third");
    let request = signed("msg_third", &body).body(whole(body)).unwrap();
    let response = answered(service, request).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// A service whose handler runs `behaviour` on its first run and succeeds
/// after; counts the runs.
fn flaky(
    behaviour: &'static str,
    runs: Arc<AtomicUsize>,
) -> WebhookService<impl scalekit_tower::webhook::WebhookHandler> {
    WebhookService::new(verifier(), move |_e: WebhookEvent| {
        let run = runs.fetch_add(1, Ordering::SeqCst);
        async move {
            if run == 0 {
                match behaviour {
                    "hang" => std::future::pending::<()>().await,
                    _ => panic!("the handler has a bug"),
                }
            }
            Ok::<_, String>(())
        }
    })
    .with_handler_timeout(Duration::from_secs(10))
}

async fn deliver_twice(
    service: impl Clone
    + tower::Service<
        Request<Stalled>,
        Response = http::Response<String>,
        Error = Infallible,
    >,
) -> (StatusCode, StatusCode, Duration) {
    let started = tokio::time::Instant::now();
    let body = body_of("flaky");
    let first = signed("msg_flaky", &body)
        .body(whole(body.clone()))
        .unwrap();
    let first = answered(service.clone(), first).await;
    let elapsed = started.elapsed();
    let retry = signed("msg_flaky", &body).body(whole(body)).unwrap();
    let retry = answered(service, retry).await;
    (first.status(), retry.status(), elapsed)
}

#[tokio::test(start_paused = true)]
async fn a_hanging_handler_answers_500_at_its_deadline_and_the_retry_runs_it() {
    let runs = Arc::new(AtomicUsize::new(0));
    let (first, retry, elapsed) = deliver_twice(flaky("hang", Arc::clone(&runs))).await;
    assert_eq!(first, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(elapsed, Duration::from_secs(10));
    // Released, not 409: the retry runs the handler again, and it succeeds.
    assert_eq!(retry, StatusCode::NO_CONTENT);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_answers_500_and_the_retry_runs_it() {
    let runs = Arc::new(AtomicUsize::new(0));
    let (first, retry, _) = deliver_twice(flaky("panic", Arc::clone(&runs))).await;
    assert_eq!(first, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(retry, StatusCode::NO_CONTENT);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

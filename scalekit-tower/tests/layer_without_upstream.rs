//! Layer behaviour that needs no Scalekit: skipped methods, no organization,
//! resolver failures, unreachable upstream, and tower readiness.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use scalekit_tower::HookError;
use scalekit_tower::{
    Client, Config, OrganizationId, PortalLinkFailure, PortalLinkLayer, PortalLinkOutcome,
};
use tower::{Layer, Service, ServiceExt, service_fn};

/// A client whose Scalekit is a closed port on loopback.
fn unreachable_client() -> Client {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = Config::builder()
        .environment_url(format!("http://127.0.0.1:{port}"))
        .client_id("skc_test")
        .client_secret("secret-that-must-not-leak")
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    Client::new(config).unwrap()
}

/// A handler that reports which outcome it saw.
async fn report(request: Request<()>) -> Result<Response<String>, Infallible> {
    let seen = match request.extensions().get::<PortalLinkOutcome>() {
        None => "none".to_owned(),
        Some(PortalLinkOutcome::Minted(_)) => "minted".to_owned(),
        Some(PortalLinkOutcome::NoOrganization) => "no-organization".to_owned(),
        Some(PortalLinkOutcome::Failed(failure)) => format!("failed:{}", failure.status().as_u16()),
        Some(_) => "other".to_owned(),
    };
    Ok(Response::new(seen))
}

fn counting_resolver(
    answer: Option<&'static str>,
) -> (
    impl scalekit_tower::resolve::OrganizationResolver,
    Arc<AtomicUsize>,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let resolver = move |_parts: &http::request::Parts| {
        counter.fetch_add(1, Ordering::SeqCst);
        let org = answer.map(|id| OrganizationId::new(id).unwrap());
        async move { Ok::<_, HookError>(org) }
    };
    (resolver, calls)
}

#[tokio::test]
async fn head_and_options_do_not_mint() {
    let (resolver, calls) = counting_resolver(Some("org_1"));
    let service = PortalLinkLayer::new(unreachable_client(), resolver).layer(service_fn(report));
    for method in [Method::HEAD, Method::OPTIONS] {
        let request = Request::builder().method(method).body(()).unwrap();
        let response = service.clone().oneshot(request).await.unwrap();
        assert_eq!(response.body(), "none", "nothing is recorded");
        assert!(response.headers().get("cache-control").is_none());
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the resolver must not run");
}

#[tokio::test]
async fn with_methods_limits_minting() {
    let (resolver, calls) = counting_resolver(None);
    let service = PortalLinkLayer::new(unreachable_client(), resolver)
        .with_methods([Method::GET])
        .layer(service_fn(report));
    let post = Request::post("/").body(()).unwrap();
    assert_eq!(service.clone().oneshot(post).await.unwrap().body(), "none");
    let get = Request::get("/").body(()).unwrap();
    assert_eq!(
        service.oneshot(get).await.unwrap().body(),
        "no-organization"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn no_organization_is_recorded_and_not_cached_as_a_link() {
    let (resolver, _) = counting_resolver(None);
    let service = PortalLinkLayer::new(unreachable_client(), resolver).layer(service_fn(report));
    let response = service.oneshot(Request::new(())).await.unwrap();
    assert_eq!(response.body(), "no-organization");
    assert!(response.headers().get("cache-control").is_none());
}

#[tokio::test]
async fn resolver_errors_are_distinct_from_no_organization() {
    let resolver = |_parts: &http::request::Parts| async {
        Err::<Option<OrganizationId>, _>(HookError::new("session store down"))
    };
    let service = PortalLinkLayer::new(unreachable_client(), resolver).layer(service_fn(report));
    let response = service.oneshot(Request::new(())).await.unwrap();
    assert_eq!(response.body(), "failed:500");
}

/// Each hook is asked once, in order: a refused request never runs the
/// resolver's lookup, whether the authorizer is a predicate, an async check
/// or the app's own `Authorizer`; an admitted one runs it once.
#[tokio::test]
async fn a_refused_request_never_runs_the_resolver_lookup() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = lookups.clone();
    let resolver = move |_parts: &http::request::Parts| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok::<_, HookError>(Some(OrganizationId::new("org_1").unwrap()))
        }
    };
    let is_admin = |parts: &http::request::Parts| parts.headers.contains_key("x-admin");
    let layers = [
        PortalLinkLayer::new(unreachable_client(), resolver.clone()).authorize(is_admin),
        PortalLinkLayer::new(unreachable_client(), resolver.clone()).authorize_async(
            move |parts: &http::request::Parts| {
                let allowed = is_admin(parts);
                async move { Ok(allowed) }
            },
        ),
        PortalLinkLayer::new(unreachable_client(), resolver)
            .authorize_with(scalekit_tower::Predicate(is_admin)),
    ];
    for (at, layer) in layers.into_iter().enumerate() {
        let endpoint = layer.refresh_endpoint();
        let refused = endpoint
            .clone()
            .oneshot(Request::get("/refresh").body(()).unwrap())
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "layer {at}");
        assert_eq!(lookups.load(Ordering::SeqCst), at, "layer {at}: no lookup");
        let admitted = Request::get("/refresh")
            .header("x-admin", "1")
            .body(())
            .unwrap();
        let answered = endpoint.oneshot(admitted).await.unwrap();
        // Admitted, it went on to the (unreachable) upstream: 502, or 504
        // when a busy machine lets the deadline run out first.
        assert!(
            [StatusCode::BAD_GATEWAY, StatusCode::GATEWAY_TIMEOUT].contains(&answered.status()),
            "layer {at}: {}",
            answered.status()
        );
        assert_eq!(
            lookups.load(Ordering::SeqCst),
            at + 1,
            "layer {at}: one lookup"
        );
    }
}

#[tokio::test]
async fn unreachable_scalekit_falls_back_to_the_handler_by_default() {
    let (resolver, _) = counting_resolver(Some("org_1"));
    let service = PortalLinkLayer::new(unreachable_client(), resolver).layer(service_fn(report));
    let response = service.oneshot(Request::new(())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "failed:502");
}

#[tokio::test]
async fn respond_on_failure_answers_directly() {
    let (resolver, _) = counting_resolver(Some("org_1"));
    let handler_calls = Arc::new(AtomicUsize::new(0));
    let seen = handler_calls.clone();
    let service = PortalLinkLayer::new(unreachable_client(), resolver)
        .respond_on_failure()
        .layer(service_fn(move |request: Request<()>| {
            seen.fetch_add(1, Ordering::SeqCst);
            report(request)
        }));
    let response = service.oneshot(Request::new(())).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.body(), "");
    assert_eq!(handler_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn failure_keeps_the_error_for_the_handler() {
    let (resolver, _) = counting_resolver(Some("org_1"));
    let service = PortalLinkLayer::new(unreachable_client(), resolver).layer(service_fn(
        |request: Request<()>| async move {
            let Some(PortalLinkOutcome::Failed(failure)) = request.extensions().get() else {
                panic!("expected a failure");
            };
            let failure: &PortalLinkFailure = failure;
            assert!(failure.scalekit_error().unwrap().is_retryable());
            // The secret never shows in what the handler could log or render.
            assert!(!format!("{failure:?} {failure}").contains("secret-that-must-not-leak"));
            Ok::<_, Infallible>(Response::new(String::new()))
        },
    ));
    service.oneshot(Request::new(())).await.unwrap();
}

/// An inner service that is ready only after being polled, once per call,
/// and refuses a call on a clone that was never polled ready.
struct ReadyOnce {
    ready: bool,
    polls: Arc<AtomicUsize>,
}

impl Clone for ReadyOnce {
    fn clone(&self) -> Self {
        // Readiness belongs to one instance: a clone must be polled itself.
        Self {
            ready: false,
            polls: self.polls.clone(),
        }
    }
}

impl Service<Request<()>> for ReadyOnce {
    type Response = Response<String>;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Response<String>, &'static str>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Pending on every other poll, to exercise callers that wait.
        if self.polls.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = true;
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: Request<()>) -> Self::Future {
        let was_ready = std::mem::replace(&mut self.ready, false);
        std::future::ready(if was_ready {
            Ok(Response::new("called".into()))
        } else {
            Err("called without poll_ready")
        })
    }
}

#[tokio::test]
async fn calls_the_inner_service_that_was_polled_ready() {
    let (resolver, _) = counting_resolver(None);
    let inner = ReadyOnce {
        ready: false,
        polls: Arc::default(),
    };
    let mut service = PortalLinkLayer::new(unreachable_client(), resolver).layer(inner);
    for _ in 0..3 {
        // Minting (here: resolving) and skipped paths both.
        for method in [Method::GET, Method::HEAD] {
            let request = Request::builder().method(method).body(()).unwrap();
            let response = service.ready().await.unwrap().call(request).await;
            assert_eq!(response.unwrap().body(), "called");
        }
    }
}

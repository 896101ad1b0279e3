//! The webhook endpoint as a tower service: verify, deduplicate, hand over.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::{HeaderValue, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};
use http_body::Body;
use tower_service::Service;
use tracing::Instrument as _;

use super::deadlines::DeliveryLimits;
use super::event::WebhookEvent;
use super::guard::{HandlerRun, run_guarded};
use super::idempotency::{Claim, IdempotencyStore};
use super::memory_store::MemoryIdempotencyStore;
use super::verifier::WebhookVerifier;
use crate::answer::{self, error_with_message as refusal, no_content};
use crate::text::SafeText;

/// The app's code that acts on a verified event.
///
/// Implemented for every `Fn(WebhookEvent) -> impl Future<Output = Result<(), E>>`
/// with `E: Display`: an `async` closure or function. `Ok` acknowledges the
/// delivery; `Err` answers 500 so Scalekit delivers it again later.
pub trait WebhookHandler: Send + Sync + 'static {
    /// Why handling failed; logged, never sent to the sender.
    type Error: fmt::Display + Send;

    /// Acts on `event`.
    fn handle(&self, event: WebhookEvent) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<F, Fut, E> WebhookHandler for F
where
    F: Fn(WebhookEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: fmt::Display + Send,
{
    type Error = E;

    fn handle(&self, event: WebhookEvent) -> impl Future<Output = Result<(), E>> + Send {
        self(event)
    }
}

/// The tower service for a Scalekit webhook endpoint (`POST` only).
///
/// For each delivery it reads the body up to the verifier's cap (within a
/// [read timeout](Self::with_read_timeout) and a [read
/// budget](Self::with_read_budget) shared by the deliveries being read at
/// once), verifies it with the [`WebhookVerifier`], claims its `webhook-id` in the
/// [`IdempotencyStore`] and runs the handler:
///
/// | what happened | answer |
/// |---|---|
/// | handler `Ok`, or a duplicate of a handled delivery | 204 |
/// | not `POST` | 405 |
/// | malformed (missing/invalid header, not a JSON event) | 400 |
/// | bad signature, timestamp outside the tolerance | 401 |
/// | body over the cap | 413 |
/// | body not whole within the read timeout | 408 |
/// | the read budget is spent by the deliveries being read | 503 with `Retry-After` |
/// | the same delivery is being handled right now | 409 |
/// | the store cannot claim it (down, slow, full) | 503 with `Retry-After` (nothing ran) |
/// | handler `Err`, timed out or panicked | 500 (the delivery is not marked seen) |
///
/// Once a delivery is read and claimed, it runs to its end in a task of its
/// own: a sender that disconnects while the handler runs does not cancel it.
/// The handler finishes (or meets its deadline) and the claim is completed
/// or released, so the retry is acknowledged as a duplicate, or runs the
/// handler again, instead of answering 409 until the lease runs out.
///
/// Refusals answer `{"error": "<code>", "message": "<what to fix>"}` with no
/// secret and no internal detail; the details go to the `tracing` log with
/// control characters escaped. Generic over the request body, so it serves
/// axum, hyper and any tower stack. See the [module docs](super).
pub struct WebhookService<H, St = MemoryIdempotencyStore> {
    verifier: WebhookVerifier,
    handler: Arc<H>,
    store: Arc<St>,
    pub(super) limits: DeliveryLimits,
}

impl<H: WebhookHandler> WebhookService<H> {
    /// A service verifying with `verifier` and handing events to `handler`,
    /// deduplicating in a per-process [`MemoryIdempotencyStore`].
    pub fn new(verifier: WebhookVerifier, handler: H) -> Self {
        Self {
            verifier,
            handler: Arc::new(handler),
            store: Arc::new(MemoryIdempotencyStore::new()),
            limits: DeliveryLimits::default(),
        }
    }
}

impl<H, St> WebhookService<H, St> {
    /// Deduplicates in `store` instead (the app's database, for several replicas).
    ///
    /// ```
    /// use scalekit_tower::webhook::{MemoryIdempotencyStore, WebhookSecret, WebhookService, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap());
    /// let store = MemoryIdempotencyStore::new().with_capacity(100);
    /// let service = WebhookService::new(verifier, |_event| async { Ok::<_, String>(()) })
    ///     .with_store(store);
    /// # let _ = service;
    /// ```
    #[must_use]
    pub fn with_store<T: IdempotencyStore>(self, store: T) -> WebhookService<H, T> {
        WebhookService {
            verifier: self.verifier,
            handler: self.handler,
            store: Arc::new(store),
            limits: self.limits,
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &WebhookVerifier {
        &self.verifier
    }

    /// The idempotency store.
    pub fn store(&self) -> &St {
        &self.store
    }
}

impl<H, St> Clone for WebhookService<H, St> {
    fn clone(&self) -> Self {
        Self {
            verifier: self.verifier.clone(),
            handler: Arc::clone(&self.handler),
            store: Arc::clone(&self.store),
            limits: self.limits.clone(),
        }
    }
}

impl<H, St: fmt::Debug> fmt::Debug for WebhookService<H, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookService")
            .field("verifier", &self.verifier)
            .field("store", &self.store)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<H, St, B> Service<Request<B>> for WebhookService<H, St>
where
    H: WebhookHandler,
    St: IdempotencyStore,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<String>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.method() != Method::POST {
            let response = answer::method_not_allowed(
                refusal(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "Scalekit webhooks are delivered with POST.",
                ),
                "POST",
            );
            return Box::pin(std::future::ready(Ok(response)));
        }
        let this = self.clone();
        Box::pin(async move { Ok(this.deliver(request).await) })
    }
}

impl<H: WebhookHandler, St: IdempotencyStore> WebhookService<H, St> {
    async fn deliver<B>(&self, request: Request<B>) -> Response<String>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let read = self.verifier.verify_request_within(
            request,
            Some(self.limits.read_deadline()),
            Some(&self.limits.budget),
        );
        let event = match read.await {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(
                    status = error.status().as_u16(),
                    error = %SafeText(&error.to_string()),
                    "refused a Scalekit webhook delivery"
                );
                let mut response = refusal(error.status(), error.code(), &error.public_message());
                if let Some(after) = error.retry_after() {
                    response
                        .headers_mut()
                        .insert(RETRY_AFTER, HeaderValue::from(after.as_secs()));
                }
                return response;
            }
        };
        // From the claim on, the delivery runs in a task of its own: a client
        // that disconnects drops this future, never the claim, the handler
        // or the complete/release that ends them. Otherwise the handler
        // would stop mid-way and its claim stay in flight for the whole
        // lease, every retry answered 409. The task ends within the handler
        // timeout plus the store's deadlines.
        let settle = settle(
            Arc::clone(&self.store),
            Arc::clone(&self.handler),
            self.limits.handler_timeout,
            event,
        );
        // In the request's span, so its log lines keep the app's request fields.
        match tokio::spawn(settle.in_current_span()).await {
            Ok(response) => response,
            Err(error) => {
                // A panic in the store (the handler's are caught), or the
                // runtime shutting down.
                tracing::error!(error = %SafeText(&error.to_string()),
                    "a Scalekit webhook delivery's task failed");
                processing_failed()
            }
        }
    }
}

/// Claims the delivery, runs the handler under its deadline, and completes
/// or releases the claim: the part of a delivery that must run to its end.
async fn settle<H: WebhookHandler, St: IdempotencyStore>(
    store: Arc<St>,
    handler: Arc<H>,
    handler_timeout: Duration,
    event: WebhookEvent,
) -> Response<String> {
    let webhook_id = event.webhook_id().to_owned();
    let shown_id = SafeText(&webhook_id).to_string();
    let shown_type = SafeText(event.event_type()).to_string();
    let owner = match store.claim(&webhook_id).await {
        Ok(Claim::Claimed(owner)) => owner,
        Ok(Claim::Done) => {
            tracing::debug!(webhook_id = %shown_id, event_type = %shown_type,
                "duplicate Scalekit webhook delivery acknowledged without running the handler");
            return no_content();
        }
        Ok(Claim::InFlight) => {
            tracing::info!(webhook_id = %shown_id, event_type = %shown_type,
                "Scalekit webhook delivery already being handled; asking for a later retry");
            return refusal(
                StatusCode::CONFLICT,
                "delivery_in_progress",
                "This delivery is being processed; retry later.",
            );
        }
        Err(error) => {
            tracing::error!(webhook_id = %shown_id, error = %SafeText(&error.to_string()),
                "idempotency store failed to claim a Scalekit webhook delivery");
            return store_unavailable();
        }
    };
    let run = run_guarded(async move { handler.handle(event).await }, handler_timeout);
    let failure = match run.await {
        HandlerRun::Finished(Ok(())) => {
            if let Err(error) = store.complete(&webhook_id).await {
                // The handler's work is done: acknowledge, or the retry would redo it.
                tracing::error!(webhook_id = %shown_id, error = %SafeText(&error.to_string()),
                    "idempotency store failed to mark a handled Scalekit webhook delivery");
            }
            tracing::info!(webhook_id = %shown_id, event_type = %shown_type,
                "handled a Scalekit webhook delivery");
            return no_content();
        }
        HandlerRun::Finished(Err(error)) => SafeText(&error.to_string()).to_string(),
        HandlerRun::TimedOut(after) => format!("still running after {after:?}; dropped"),
        HandlerRun::Panicked(message) => format!("panicked: {}", SafeText(&message)),
    };
    tracing::error!(webhook_id = %shown_id, event_type = %shown_type, error = %failure,
        "Scalekit webhook handler failed; the delivery will be retried");
    if let Err(error) = store.release(&webhook_id, owner).await {
        tracing::error!(webhook_id = %shown_id, error = %SafeText(&error.to_string()),
            "idempotency store failed to release a Scalekit webhook delivery");
    }
    processing_failed()
}

/// The store could not claim the delivery (down, slow, full): nothing ran,
/// nothing is marked; 503 so the sender retries it later.
fn store_unavailable() -> Response<String> {
    let mut response = refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        "The delivery could not be recorded; retry later.",
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("30"));
    response
}

fn processing_failed() -> Response<String> {
    refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        "processing_failed",
        "The delivery could not be processed; retry later.",
    )
}

//! Scalekit webhooks in axum: the `ScalekitWebhook` extractor and
//! `webhook_route`, which mounts scalekit-tower's `WebhookService`.
//!
//! Two ways to receive webhooks, from the most to the least complete:
//!
//! - [`webhook_route`] mounts a [`WebhookService`]: verification, one handler
//!   run per `webhook-id` (its idempotency store) and the statuses Scalekit
//!   retries on, in one line;
//! - [`ScalekitWebhook`] in an axum handler: the verified event from the raw
//!   body, with a [`WebhookVerifier`] added as an extension. Deduplicating by
//!   [`webhook_id`](scalekit_tower::webhook::WebhookEvent::webhook_id) is then the
//!   handler's job.
//!
//! ```
//! use axum::{Extension, Router, routing::post};
//! use http::StatusCode;
//! use scalekit_axum_extract::{ScalekitWebhook, webhook_route};
//! use scalekit_tower::webhook::{WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier};
//!
//! async fn on_event(event: WebhookEvent) -> Result<(), std::io::Error> {
//!     println!("{} for {:?}", event.event_type(), event.organization_id());
//!     Ok(())
//! }
//!
//! async fn by_hand(ScalekitWebhook(event): ScalekitWebhook) -> StatusCode {
//!     println!("{}", event.event_type());
//!     StatusCode::NO_CONTENT
//! }
//!
//! let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap());
//! let app: Router = Router::new()
//!     .merge(webhook_route("/webhooks/scalekit", WebhookService::new(verifier.clone(), on_event)))
//!     .route("/webhooks/by-hand", post(by_hand).layer(Extension(verifier)));
//! # let _ = app;
//! ```

use std::ops::Deref;

use axum::Router;
use axum::extract::{FromRequest, Request};
use scalekit_tower::webhook::{
    IdempotencyStore, WebhookEvent, WebhookHandler, WebhookService, WebhookVerifier,
};

use crate::webhook_rejection::WebhookRejection;

/// A verified Scalekit event, from the request's raw body and `webhook-*`
/// headers, checked by the [`WebhookVerifier`] in the request's extensions
/// (add it with `.layer(Extension(verifier))`).
///
/// It consumes the body, so it is the handler's last argument. Refusals are a
/// [`WebhookRejection`]: 400, 401 or 413 as the delivery deserves, 500 when
/// no verifier was added. The extractor does not deduplicate: retries of a
/// delivery carry the same [`webhook_id`](WebhookEvent::webhook_id).
///
/// ```
/// use scalekit_axum_extract::ScalekitWebhook;
/// use scalekit_tower::webhook::EventData;
///
/// async fn handler(ScalekitWebhook(event): ScalekitWebhook) -> &'static str {
///     match event.data() {
///         EventData::SsoEnabled(_) => "sso on",
///         _ => "ok",
///     }
/// }
/// # let _ = handler;
/// ```
#[derive(Debug, Clone)]
pub struct ScalekitWebhook(pub WebhookEvent);

impl Deref for ScalekitWebhook {
    type Target = WebhookEvent;

    fn deref(&self) -> &WebhookEvent {
        &self.0
    }
}

impl ScalekitWebhook {
    /// Unwraps the event.
    pub fn into_inner(self) -> WebhookEvent {
        self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for ScalekitWebhook {
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let verifier = request
            .extensions()
            .get::<WebhookVerifier>()
            .cloned()
            .ok_or(WebhookRejection::VerifierMissing)?;
        verifier
            .verify_request(request)
            .await
            .map(ScalekitWebhook)
            .map_err(WebhookRejection::Refused)
    }
}

/// A router serving the webhook endpoint `service` at `path`, to
/// [`merge`](Router::merge) into the app's router. Mount it outside the app's
/// session and CSRF layers: Scalekit signs its deliveries, it has no session.
///
/// ```
/// use axum::Router;
/// use scalekit_axum_extract::webhook_route;
/// use scalekit_tower::webhook::{WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier};
///
/// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap());
/// let service = WebhookService::new(verifier, |event: WebhookEvent| async move {
///     println!("{}", event.event_type());
///     Ok::<_, std::convert::Infallible>(())
/// });
/// let app: Router = Router::new().merge(webhook_route("/webhooks/scalekit", service));
/// # let _ = app;
/// ```
///
/// # Panics
///
/// Like [`Router::route_service`], if `path` is not a valid route path
/// (it must start with `/`).
pub fn webhook_route<S, H, St>(path: &str, service: WebhookService<H, St>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    H: WebhookHandler,
    St: IdempotencyStore,
{
    Router::new().route_service(path, service)
}

//! The endpoint the browser calls for a fresh link when the portal session expires.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use time::format_description::well_known::Rfc3339;
use tower_service::Service;

use crate::endpoint::{json_response, refusal, refuse_early};
use crate::mint::Gate;
use crate::outcome::PortalLinkOutcome;
use crate::resolve::OrganizationResolver;

/// The endpoint the browser calls for a fresh link when the portal session
/// expires.
///
/// A `GET` answers `200` with `{"location": "...", "expires_at": "<RFC 3339>"}`
/// and `Cache-Control: no-store`. It applies the layer's authorization,
/// resolves the organization exactly like the layer it came from, and takes
/// from its own minting limit ([`MintLimit::default`](crate::MintLimit) unless
/// [`PortalLinkLayer::with_refresh_limit`](crate::PortalLinkLayer::with_refresh_limit)
/// sets another), all before any upstream call. It sends no CORS headers (only
/// the app's own pages may read it) and refuses requests from another site or
/// origin: `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is
/// not the request's own (its `Host`). Failures answer a JSON
/// `{"error": "<code>"}` with the status and code of
/// [`FailureKind`](crate::FailureKind), and `Retry-After` when known; details
/// go to the log, not to the browser.
///
/// ```
/// use http::{Request, StatusCode};
/// use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let emulator = scalekit_emulator::Emulator::builder().start().await.unwrap();
/// # let org = scalekit_emulator::demo::ACME_ID.parse().unwrap();
/// # let config = Config::builder().environment_url(emulator.base_url())
/// #     .client_id(emulator.client_id()).client_secret(emulator.client_secret()).build().unwrap();
/// let layer = PortalLinkLayer::new(Client::new(config).unwrap(), resolve::fixed(org));
/// let endpoint = layer.refresh_endpoint();
/// let response = endpoint
///     .oneshot(Request::get("/settings/portal/refresh").body(()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), StatusCode::OK);
/// let json: serde_json::Value = serde_json::from_str(response.body()).unwrap();
/// assert!(json["location"].as_str().unwrap().contains("/magicLink/"));
/// # }
/// ```
///
/// Built by [`PortalLinkLayer::refresh_endpoint`](crate::PortalLinkLayer::refresh_endpoint),
/// so it shares the layer's authorization, resolver and features.
#[derive(Clone)]
pub struct RefreshEndpoint<R> {
    gate: Gate<R>,
}

impl<R> RefreshEndpoint<R> {
    pub(crate) fn from_gate(gate: Gate<R>) -> Self {
        Self { gate }
    }
}

impl<R> fmt::Debug for RefreshEndpoint<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshEndpoint")
            .field("features", &self.gate.features)
            .field("authorizer", &self.gate.authorizer)
            .field("limit", &self.gate.limit)
            .finish_non_exhaustive()
    }
}

impl<R, B> Service<Request<B>> for RefreshEndpoint<R>
where
    R: OrganizationResolver,
{
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<String>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (parts, _body) = request.into_parts();
        if let Some(refused) = refuse_early(&parts, self.gate.app_origin.as_ref()) {
            return Box::pin(std::future::ready(Ok(refused)));
        }
        let mint = self.gate.mint(&parts);
        Box::pin(async move { Ok(outcome_response(mint.await)) })
    }
}

fn outcome_response(outcome: PortalLinkOutcome) -> Response<String> {
    match outcome {
        PortalLinkOutcome::Minted(link) => {
            let expires_at = link.expires_at().format(&Rfc3339).unwrap_or_default();
            let body = serde_json::json!({
                "location": link.location().as_str(),
                "expires_at": expires_at,
            });
            json_response(StatusCode::OK, body.to_string())
        }
        refused => refusal(&refused),
    }
}

//! The endpoint the browser calls to learn an organization's SSO and
//! directory status from the server, after the portal claims a change.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use tower_service::Service;

use crate::endpoint::{json_response, refusal, refuse_early};
use crate::failure::PortalLinkFailure;
use crate::mint::{Admitted, Gate, log_failure};
use crate::outcome::PortalLinkOutcome;
use crate::resolve::OrganizationResolver;

/// The endpoint the browser calls for the organization's status as Scalekit
/// has it.
///
/// The portal posts `ORGANIZATION_SSO_ENABLED` (and the like) to the page,
/// but any script on the page could post the same, so the listener script
/// asks this endpoint instead of believing it: a `GET` answers `200` with
/// the resolver's organization's [`OrganizationStatus`](crate::OrganizationStatus),
/// read from Scalekit now (connections, directories, domains), as JSON with
/// `Cache-Control: no-store`. The listener dispatches it as
/// `scalekit:status`.
///
/// It is built from the layer, so it asks the same authorization, resolves
/// the organization the same way, takes from the refresh endpoint's limit
/// and refuses cross-site and cross-origin requests, all before any upstream
/// call; failures answer like the refresh endpoint's (`{"error": "<code>"}`
/// with the status of [`FailureKind`](crate::FailureKind)).
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
/// let response = layer
///     .status_endpoint()
///     .oneshot(Request::get("/scalekit/portal/status").body(()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), StatusCode::OK);
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// let status: serde_json::Value = serde_json::from_str(response.body()).unwrap();
/// assert_eq!(status["sso"]["enabled"], true);
/// # }
/// ```
///
/// Built by [`PortalLinkLayer::status_endpoint`](crate::PortalLinkLayer::status_endpoint).
#[derive(Clone)]
pub struct StatusEndpoint<R> {
    gate: Gate<R>,
}

impl<R> StatusEndpoint<R> {
    pub(crate) fn from_gate(gate: Gate<R>) -> Self {
        Self { gate }
    }
}

impl<R> fmt::Debug for StatusEndpoint<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusEndpoint")
            .field("authorizer", &self.gate.authorizer)
            .field("limit", &self.gate.limit)
            .finish_non_exhaustive()
    }
}

impl<R, B> Service<Request<B>> for StatusEndpoint<R>
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
        let admitting = self.gate.admit(&parts);
        let client = self.gate.client.clone();
        Box::pin(async move {
            let Admitted {
                organization,
                deadline,
            } = match admitting.await {
                Ok(admitted) => admitted,
                Err(outcome) => {
                    if let PortalLinkOutcome::Failed(failure) = &outcome {
                        log_failure(failure, "no organization status for this request");
                    }
                    return Ok(refusal(&outcome));
                }
            };
            let answer = match client
                .organization_status_until(&organization, deadline)
                .await
            {
                Ok(status) => match serde_json::to_string(&status) {
                    Ok(body) => json_response(StatusCode::OK, body),
                    Err(err) => {
                        tracing::error!(error = %err, "the organization status did not serialize");
                        refusal(&PortalLinkOutcome::NoOrganization)
                    }
                },
                Err(err) => {
                    tracing::warn!(error = %err, org_id = %organization,
                        "reading the organization status from Scalekit failed");
                    refusal(&PortalLinkOutcome::Failed(Arc::new(
                        PortalLinkFailure::Scalekit(err),
                    )))
                }
            };
            Ok(answer)
        })
    }
}

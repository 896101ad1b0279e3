//! The endpoint the browser calls to learn an organization's SSO and
//! directory status from the server, after the portal claims a change.

use std::sync::Arc;

use crate::answer;
use crate::client::Client;
use crate::endpoint::{AnswerFuture, BrowserEndpoint};
use crate::failure::PortalLinkFailure;
use crate::link::Feature;
use crate::mint::{Admitted, Gate};
use crate::outcome::PortalLinkOutcome;

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
pub type StatusEndpoint<R> = BrowserEndpoint<R>;

/// The status endpoint of `gate`.
pub(crate) fn status_endpoint<R>(gate: Gate<R>) -> StatusEndpoint<R> {
    BrowserEndpoint::new(
        gate,
        "status",
        "no organization status for this request",
        respond,
    )
}

fn respond(client: Client, _features: Arc<[Feature]>, admitted: Admitted) -> AnswerFuture {
    let Admitted {
        organization,
        deadline,
    } = admitted;
    Box::pin(async move {
        match client
            .organization_status_until(&organization, deadline)
            .await
        {
            Ok(status) => answer::json_of(&status),
            Err(err) => {
                tracing::warn!(error = %err, org_id = %organization,
                    "reading the organization status from Scalekit failed");
                answer::refusal(&PortalLinkOutcome::Failed(Arc::new(
                    PortalLinkFailure::Scalekit(err),
                )))
            }
        }
    })
}

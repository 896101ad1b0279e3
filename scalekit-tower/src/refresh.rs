//! The endpoint the browser calls for a fresh link when the portal session expires.

use std::sync::Arc;

use time::format_description::well_known::Rfc3339;

use crate::answer::{self, Answer};
use crate::client::Client;
use crate::endpoint::{AnswerFuture, BrowserEndpoint, mint_then};
use crate::link::{Feature, PortalLink};
use crate::mint::{Admitted, Gate};

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
pub type RefreshEndpoint<R> = BrowserEndpoint<R>;

/// The refresh endpoint of `gate`.
pub(crate) fn refresh_endpoint<R>(gate: Gate<R>) -> RefreshEndpoint<R> {
    BrowserEndpoint::new(gate, "refresh", "no portal link for this request", respond)
}

fn respond(client: Client, features: Arc<[Feature]>, admitted: Admitted) -> AnswerFuture {
    mint_then(client, features, admitted, link_json)
}

/// `{"location": ..., "expires_at": ...}`.
fn link_json(link: &PortalLink) -> Answer {
    let expires_at = link.expires_at().format(&Rfc3339).unwrap_or_default();
    answer::json_of(&serde_json::json!({
        "location": link.location().as_str(),
        "expires_at": expires_at,
    }))
}

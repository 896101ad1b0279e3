//! The endpoint that opens the portal in a new tab: a redirect to a fresh
//! link, for when the iframe cannot work (blocked third-party cookies, a
//! `frame-ancestors` the app's origin is not in).

use std::sync::Arc;

use crate::answer;
use crate::client::Client;
use crate::endpoint::{AnswerFuture, BrowserEndpoint, mint_then};
use crate::link::{Feature, PortalLink};
use crate::mint::{Admitted, Gate};

/// The endpoint a link or button opens in a new tab to show the portal
/// outside the iframe.
///
/// A `GET` answers `303 See Other` to a freshly minted single-use link, with
/// `Cache-Control: no-store` (no cache replays it) and
/// `Referrer-Policy: no-referrer` (the portal does not learn the app's URL).
/// It is built from the layer, so it asks the same authorization, resolves
/// the organization the same way, takes from the refresh endpoint's limit
/// and refuses cross-site and cross-origin requests, all before any upstream
/// call; refusals and failures answer like the refresh endpoint's
/// (`{"error": "<code>"}` with the status of [`FailureKind`](crate::FailureKind)).
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
///     .handoff_endpoint()
///     .oneshot(Request::get("/settings/portal/open").body(()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), StatusCode::SEE_OTHER);
/// assert!(response.headers()["location"].to_str().unwrap().contains("/magicLink/"));
/// assert_eq!(response.headers()["referrer-policy"], "no-referrer");
/// # }
/// ```
///
/// Built by [`PortalLinkLayer::handoff_endpoint`](crate::PortalLinkLayer::handoff_endpoint).
pub type HandoffEndpoint<R> = BrowserEndpoint<R>;

/// The handoff endpoint of `gate`.
pub(crate) fn handoff_endpoint<R>(gate: Gate<R>) -> HandoffEndpoint<R> {
    BrowserEndpoint::new(gate, "handoff", "no portal link for this request", respond)
}

fn respond(client: Client, features: Arc<[Feature]>, admitted: Admitted) -> AnswerFuture {
    mint_then(client, features, admitted, |link: &PortalLink| {
        answer::see_other(link.location().as_str())
    })
}

//! The one service under the browser endpoints (refresh, status, handoff): `GET`
//! only, same origin only, the layer's gate, then the endpoint's own answer.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use tower_service::Service;

use crate::answer::{self, Answer};
use crate::client::Client;
use crate::link::{Feature, PortalLink};
use crate::mint::{Admitted, Gate, log_failure, mint_admitted};
use crate::origin::{AppOrigin, cross_origin};
use crate::outcome::PortalLinkOutcome;
use crate::resolve::OrganizationResolver;

/// The future of an endpoint's answer.
pub(crate) type AnswerFuture = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// What an endpoint does for a request its gate admitted.
pub(crate) type Respond = fn(Client, Arc<[Feature]>, Admitted) -> AnswerFuture;

/// A browser endpoint built from a [`PortalLinkLayer`](crate::PortalLinkLayer):
/// the service under [`RefreshEndpoint`](crate::RefreshEndpoint),
/// [`StatusEndpoint`](crate::StatusEndpoint) and
/// [`HandoffEndpoint`](crate::HandoffEndpoint).
///
/// Every one refuses what is not a `GET` (405) and requests from another
/// site or origin (403: `Sec-Fetch-Site: cross-site` or `same-site`, or an
/// `Origin` that is not the layer's
/// [app origin](crate::PortalLinkLayer::with_app_origin), or without one
/// the request's own `Host`), then passes the layer's
/// authorization, resolver and the refresh limit, all before any upstream
/// call, then answers for the organization. Refusals and failures answer a
/// JSON `{"error": "<code>"}` with the status and code of
/// [`FailureKind`](crate::FailureKind) and `Retry-After` when known, with
/// `Cache-Control: no-store`; details go to the log, not to the browser.
/// It sends no CORS headers: only the app's own pages may read it.
#[derive(Clone)]
pub struct BrowserEndpoint<R> {
    gate: Gate<R>,
    respond: Respond,
    /// The endpoint's name, for `Debug`.
    name: &'static str,
    /// What a refused request gets none of, for the log.
    withheld: &'static str,
}

impl<R> BrowserEndpoint<R> {
    /// An endpoint that answers with `respond` what its gate admits;
    /// `withheld` says in the log what a refused request did not get.
    pub(crate) fn new(
        gate: Gate<R>,
        name: &'static str,
        withheld: &'static str,
        respond: Respond,
    ) -> Self {
        Self {
            gate,
            respond,
            name,
            withheld,
        }
    }
}

impl<R> fmt::Debug for BrowserEndpoint<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrowserEndpoint")
            .field("name", &self.name)
            .field("features", &self.gate.features)
            .field("authorizer", &self.gate.authorizer)
            .field("limit", &self.gate.limit)
            .finish_non_exhaustive()
    }
}

impl<R, B> Service<Request<B>> for BrowserEndpoint<R>
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
        let features = self.gate.features.clone();
        let (respond, withheld) = (self.respond, self.withheld);
        Box::pin(async move {
            let answer = match admitting.await {
                Ok(admitted) => respond(client, features, admitted).await,
                Err(outcome) => {
                    if let PortalLinkOutcome::Failed(failure) = &outcome {
                        log_failure(failure, withheld);
                    }
                    answer::refusal(&outcome)
                }
            };
            Ok(answer)
        })
    }
}

/// Mints a link for an admitted request and answers it with `answer_link`,
/// or answers why there is none: what the endpoints that mint (refresh,
/// handoff) do.
pub(crate) fn mint_then(
    client: Client,
    features: Arc<[Feature]>,
    admitted: Admitted,
    answer_link: fn(&PortalLink) -> Answer,
) -> AnswerFuture {
    Box::pin(async move {
        match mint_admitted(&client, &features, admitted).await {
            PortalLinkOutcome::Minted(link) => answer_link(&link),
            refused => {
                if let PortalLinkOutcome::Failed(failure) = &refused {
                    log_failure(failure, "no portal link for this request");
                }
                answer::refusal(&refused)
            }
        }
    })
}

/// The answer to a request a browser endpoint refuses before its gate: not
/// `GET` (405), or from another site or origin than `app` (or `Host`)
/// (403); `None` to go on.
fn refuse_early(parts: &Parts, app: Option<&AppOrigin>) -> Option<Answer> {
    if parts.method != Method::GET {
        return Some(answer::method_not_allowed(
            answer::error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            "GET",
        ));
    }
    cross_origin(parts, app).map(|code| answer::error(StatusCode::FORBIDDEN, code))
}

//! Who may open the portal: an explicit decision, taken before any upstream
//! call.
//!
//! "Signed in" is not "may administer single sign-on". A portal link lets its
//! holder switch the organization's SSO off, so the layer, its refresh
//! endpoint and every endpoint built from the same layer ask the app's
//! authorization step first, then resolve the organization. A refused request
//! gets a 403 and costs no upstream call (not even an external-id lookup).
//!
//! ```
//! use http::{Request, StatusCode};
//! use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
//! use tower::ServiceExt;
//!
//! #[derive(Clone)]
//! struct CurrentUser { is_admin: bool }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! # let config = Config::builder().environment_url("https://acme.scalekit.dev")
//! #     .client_id("skc_1").client_secret("x").build().unwrap();
//! # let org = "org_1".parse().unwrap();
//! let layer = PortalLinkLayer::new(Client::new(config).unwrap(), resolve::fixed(org))
//!     .authorize(|parts| parts.extensions.get::<CurrentUser>().is_some_and(|u| u.is_admin));
//! let mut request = Request::get("/settings/portal/refresh").body(()).unwrap();
//! request.extensions_mut().insert(CurrentUser { is_admin: false });
//! let response = layer.refresh_endpoint().oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::FORBIDDEN);
//! # }
//! ```

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

use crate::hook::HookError;

/// Who may open the portal: the app's decision for one request.
///
/// `Ok(true)` lets the request on to the resolver; `Ok(false)` refuses it
/// ([`PortalLinkFailure::Refused`](crate::PortalLinkFailure::Refused), 403);
/// `Err` means the check could not decide (its store failed): 500, nothing
/// minted. Like [`OrganizationResolver`](crate::resolve::OrganizationResolver),
/// it is implemented for closures
/// `Fn(&Parts) -> impl Future<Output = Result<bool, HookError>>`
/// (what [`PortalLinkLayer::authorize_async`](crate::PortalLinkLayer::authorize_async)
/// takes); a synchronous predicate is wrapped in [`Predicate`] by
/// [`PortalLinkLayer::authorize`](crate::PortalLinkLayer::authorize).
pub trait Authorizer: Send + Sync + 'static {
    /// The future [`authorize`](Self::authorize) returns.
    type Future: Future<Output = Result<bool, HookError>> + Send + 'static;

    /// Decides for the request described by `parts`. Read what the decision
    /// needs from `parts` now; the future must own it.
    fn authorize(&self, parts: &Parts) -> Self::Future;
}

impl<F, Fut> Authorizer for F
where
    F: Fn(&Parts) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, HookError>> + Send + 'static,
{
    type Future = Fut;

    fn authorize(&self, parts: &Parts) -> Self::Future {
        self(parts)
    }
}

/// A synchronous predicate as an [`Authorizer`]: what
/// [`PortalLinkLayer::authorize`](crate::PortalLinkLayer::authorize) wraps its
/// closure in.
///
/// ```
/// use scalekit_tower::{Authorizer, Predicate};
///
/// let everyone = Predicate(|_: &http::request::Parts| true);
/// let (parts, _) = http::Request::new(()).into_parts();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert!(everyone.authorize(&parts).await.unwrap());
/// # });
/// ```
#[derive(Clone, Copy)]
pub struct Predicate<F>(pub F);

impl<F> Authorizer for Predicate<F>
where
    F: Fn(&Parts) -> bool + Send + Sync + 'static,
{
    type Future = Ready<Result<bool, HookError>>;

    fn authorize(&self, parts: &Parts) -> Self::Future {
        ready(Ok((self.0)(parts)))
    }
}

impl<F> fmt::Debug for Predicate<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Predicate")
    }
}

/// The future of an authorization decision, its type erased.
pub(crate) type DecisionFuture = Pin<Box<dyn Future<Output = Result<bool, HookError>> + Send>>;

/// Any [`Authorizer`], its type erased, so a layer's type does not change
/// with its authorization step.
trait ErasedAuthorizer: Send + Sync {
    fn decide(&self, parts: &Parts) -> DecisionFuture;
}

impl<A: Authorizer> ErasedAuthorizer for A {
    fn decide(&self, parts: &Parts) -> DecisionFuture {
        Box::pin(self.authorize(parts))
    }
}

/// The authorization step of a layer: everyone with an organization (the
/// default), or the app's [`Authorizer`].
#[derive(Clone, Default)]
pub(crate) struct AuthorizeStep {
    check: Option<Arc<dyn ErasedAuthorizer>>,
}

impl AuthorizeStep {
    pub(crate) fn new(authorizer: impl Authorizer) -> Self {
        Self {
            check: Some(Arc::new(authorizer)),
        }
    }

    /// Starts deciding for the request described by `parts`: `None` when
    /// everyone is allowed (nothing to wait for).
    pub(crate) fn decide(&self, parts: &Parts) -> Option<DecisionFuture> {
        self.check.as_ref().map(|check| check.decide(parts))
    }
}

impl fmt::Debug for AuthorizeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.check.is_some() {
            "Authorizer(app decision)"
        } else {
            "Authorizer(everyone with an organization)"
        })
    }
}

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

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

/// The future of an asynchronous authorization decision.
pub(crate) type DecisionFuture = Pin<Box<dyn Future<Output = Result<bool, AuthorizeError>> + Send>>;

/// A decision, ready at once (a synchronous predicate) or to be awaited.
pub(crate) enum Decision {
    Ready(Result<bool, AuthorizeError>),
    Pending(DecisionFuture),
}

type Check = dyn Fn(&Parts) -> Decision + Send + Sync;

/// The authorization step of a layer: everyone with an organization (the
/// default), or the app's predicate.
#[derive(Clone, Default)]
pub(crate) struct Authorizer {
    check: Option<Arc<Check>>,
}

impl Authorizer {
    pub(crate) fn sync<F>(allow: F) -> Self
    where
        F: Fn(&Parts) -> bool + Send + Sync + 'static,
    {
        Self {
            check: Some(Arc::new(move |parts| Decision::Ready(Ok(allow(parts))))),
        }
    }

    pub(crate) fn with_future<F, Fut>(allow: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, AuthorizeError>> + Send + 'static,
    {
        Self {
            check: Some(Arc::new(move |parts| {
                Decision::Pending(Box::pin(allow(parts)))
            })),
        }
    }

    /// Whether the app set a predicate.
    pub(crate) fn is_set(&self) -> bool {
        self.check.is_some()
    }

    /// Starts deciding for the request described by `parts`.
    pub(crate) fn decide(&self, parts: &Parts) -> Decision {
        match &self.check {
            None => Decision::Ready(Ok(true)),
            Some(check) => check(parts),
        }
    }
}

impl fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() {
            "Authorizer(app predicate)"
        } else {
            "Authorizer(everyone with an organization)"
        })
    }
}

/// An asynchronous authorization step could not decide (its store failed).
/// The request is answered 500, and nothing is minted.
#[derive(Clone)]
pub struct AuthorizeError {
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl AuthorizeError {
    /// An error with a message saying what went wrong.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

impl fmt::Debug for AuthorizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeError")
            .field("message", &self.message)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for AuthorizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the portal authorization check failed: {}", self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for AuthorizeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

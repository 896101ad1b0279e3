//! Which organization a request is for.
//!
//! The layer asks an [`OrganizationResolver`] for the organization of every
//! request it mints a link for. The answer must come from state the app
//! trusts (its own authenticated session), never from something the browser
//! can set, or one customer could open another's SSO settings.
//!
//! ```
//! use http::Request;
//! use scalekit_tower::OrganizationId;
//! use scalekit_tower::resolve::{self, OrganizationResolver};
//!
//! // What the app's auth layer puts in the request extensions.
//! #[derive(Clone)]
//! struct CurrentUser {
//!     org: OrganizationId,
//! }
//!
//! let resolver = resolve::from_extension(|user: &CurrentUser| Some(user.org.clone()));
//!
//! let mut request = Request::new(());
//! request.extensions_mut().insert(CurrentUser { org: "org_1".parse().unwrap() });
//! let (parts, _) = request.into_parts();
//! # tokio_test_block_on(async {
//! let org = resolver.resolve(&parts).await.unwrap();
//! assert_eq!(org.unwrap().as_str(), "org_1");
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

mod extension;
mod external_id;
mod fixed;
mod header;

use std::future::Future;

use http::request::Parts;

use crate::hook::HookError;
use crate::organization_id::OrganizationId;

pub use extension::{FromExtension, from_extension, organization_extension};
pub use external_id::{ExternalIdResolver, by_external_id};
pub use fixed::{Fixed, fixed};
pub use header::{FromTrustedHeader, from_trusted_header};

/// Finds the organization a request is for.
///
/// `Ok(None)` means the request has no organization (an anonymous user, a
/// user outside any customer): the layer mints nothing and the extractor
/// answers 403. `Err` means the resolver could not decide (its store failed):
/// that is a server error, not a refusal.
///
/// Implemented for closures `Fn(&Parts) -> impl Future<Output = Result<Option<OrganizationId>, HookError>>`.
pub trait OrganizationResolver: Clone + Send + Sync + 'static {
    /// The future [`resolve`](Self::resolve) returns.
    type Future: Future<Output = Result<Option<OrganizationId>, HookError>> + Send + 'static;

    /// Resolves the organization of the request described by `parts`.
    fn resolve(&self, parts: &Parts) -> Self::Future;
}

impl<F, Fut> OrganizationResolver for F
where
    F: Fn(&Parts) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<OrganizationId>, HookError>> + Send + 'static,
{
    type Future = Fut;

    fn resolve(&self, parts: &Parts) -> Self::Future {
        self(parts)
    }
}

/// The error of a resolver: the one error of the app's hooks, at its old
/// name.
#[deprecated(
    note = "use scalekit_tower::HookError, the one error of the resolver and the authorizer"
)]
pub type ResolveError = HookError;

//! What the layer did for a request, recorded in its extensions.
//!
//! ```
//! use scalekit_tower::{PortalLinkFailure, PortalLinkOutcome};
//!
//! let outcome = PortalLinkOutcome::Failed(PortalLinkFailure::Refused.into());
//! assert!(matches!(outcome, PortalLinkOutcome::Failed(f) if f.status() == 403));
//! ```

use std::sync::Arc;

use crate::failure::{FailureKind, PortalLinkFailure};
use crate::link::PortalLink;

/// What [`PortalLinkLayer`](crate::PortalLinkLayer) did for one request.
///
/// The layer inserts exactly one of these into the request extensions of
/// every request it minted for (or tried to); extractors read it. A request
/// that never went through the layer, or whose method the layer does not mint
/// for (by default `HEAD` and `OPTIONS`), has none.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PortalLinkOutcome {
    /// A fresh link for the request's organization.
    Minted(PortalLink),
    /// The resolver found no organization for this request.
    NoOrganization,
    /// Authorization refused, a limit was reached, or resolving or minting
    /// failed.
    Failed(Arc<PortalLinkFailure>),
}

impl PortalLinkOutcome {
    /// Why this request got no link, which decides its HTTP answer; `None`
    /// for a minted link.
    ///
    /// ```
    /// use scalekit_tower::{FailureKind, PortalLinkOutcome};
    ///
    /// let kind = PortalLinkOutcome::NoOrganization.failure_kind().unwrap();
    /// assert_eq!((kind, kind.status().as_u16()), (FailureKind::NoOrganization, 403));
    /// ```
    pub fn failure_kind(&self) -> Option<FailureKind> {
        match self {
            PortalLinkOutcome::Minted(_) => None,
            PortalLinkOutcome::NoOrganization => Some(FailureKind::NoOrganization),
            PortalLinkOutcome::Failed(failure) => Some(failure.kind()),
        }
    }
}

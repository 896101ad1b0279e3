//! What the layer did for a request, recorded in its extensions.
//!
//! ```
//! use http::StatusCode;
//! use scalekit_tower::{PortalLinkFailure, resolve::ResolveError};
//!
//! let failure = PortalLinkFailure::Resolver(ResolveError::new("session store down"));
//! assert_eq!(failure.status(), StatusCode::INTERNAL_SERVER_ERROR);
//! ```

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::error::Error;
use crate::link::PortalLink;
use crate::resolve::ResolveError;

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
    /// Resolving or minting failed.
    Failed(Arc<PortalLinkFailure>),
}

/// Why no link could be minted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortalLinkFailure {
    /// The organization resolver failed.
    #[error(transparent)]
    Resolver(ResolveError),
    /// Scalekit refused or could not be reached.
    #[error("minting the portal link failed: {0}")]
    Scalekit(#[source] Error),
}

impl PortalLinkFailure {
    /// The HTTP status that describes this failure to a browser:
    /// 429 when Scalekit rate limits, 504 on a timeout, 503 when Scalekit is
    /// down and said when to retry, 500 when the app's own resolver failed,
    /// and 502 for every other upstream problem (credentials, configuration,
    /// unexpected answers).
    pub fn status(&self) -> StatusCode {
        match self {
            PortalLinkFailure::Resolver(_) => StatusCode::INTERNAL_SERVER_ERROR,
            PortalLinkFailure::Scalekit(err) => match err {
                Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                Error::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                Error::Unavailable {
                    retry_after: Some(_),
                    ..
                } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_GATEWAY,
            },
        }
    }

    /// How long the browser should wait before retrying, when Scalekit said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PortalLinkFailure::Scalekit(err) => err.retry_after(),
            PortalLinkFailure::Resolver(_) => None,
        }
    }

    /// The Scalekit error, when the failure came from Scalekit.
    pub fn scalekit_error(&self) -> Option<&Error> {
        match self {
            PortalLinkFailure::Scalekit(err) => Some(err),
            PortalLinkFailure::Resolver(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    #[test]
    fn statuses() {
        let scalekit = |err| PortalLinkFailure::Scalekit(err).status();
        assert_eq!(
            scalekit(Error::RateLimited {
                retry_after: None,
                api: ApiError::default()
            }),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            scalekit(Error::Timeout {
                after: Duration::from_secs(1)
            }),
            StatusCode::GATEWAY_TIMEOUT
        );
        let unavailable = |retry_after| Error::Unavailable {
            status: Some(StatusCode::SERVICE_UNAVAILABLE),
            retry_after,
            api: ApiError::default(),
            source: None,
        };
        assert_eq!(
            scalekit(unavailable(Some(Duration::from_secs(2)))),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(scalekit(unavailable(None)), StatusCode::BAD_GATEWAY);
        assert_eq!(
            scalekit(Error::BadCredentials {
                status: StatusCode::UNAUTHORIZED,
                api: ApiError::default()
            }),
            StatusCode::BAD_GATEWAY
        );
    }
}

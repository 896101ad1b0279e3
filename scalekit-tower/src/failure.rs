//! Why no link: one classification of a failure (its kind, the HTTP status
//! it answers and its `Retry-After`) that the layer, the browser endpoints
//! and the axum rejection all read.
//!
//! ```
//! use http::StatusCode;
//! use scalekit_tower::{FailureKind, HookError, PortalLinkFailure};
//!
//! let failure = PortalLinkFailure::Resolver(HookError::new("session store down"));
//! assert_eq!(failure.kind(), FailureKind::ResolverFailed);
//! assert_eq!(failure.status(), StatusCode::INTERNAL_SERVER_ERROR);
//! assert!(failure.retry_after_header().is_none());
//! ```

use std::fmt;
use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{HeaderValue, Response, StatusCode};

use crate::error::Error;
use crate::hook::HookError;

/// What reached its minting limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitScope {
    /// The organization's budget, shared by all its users.
    Organization,
    /// One user's budget.
    User,
}

impl LimitScope {
    /// `"organization"` or `"user"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitScope::Organization => "organization",
            LimitScope::User => "user",
        }
    }
}

impl fmt::Display for LimitScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why no link could be minted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortalLinkFailure {
    /// The app's authorization step refused this request: the user may not
    /// open the portal. Nothing was sent upstream.
    #[error("this user may not open the admin portal (refused by the app's authorization)")]
    Refused,
    /// The app's authorization step could not decide (its store failed).
    #[error("the portal authorization check failed: {0}")]
    Authorizer(#[source] HookError),
    /// The organization resolver failed.
    #[error("organization resolver failed: {0}")]
    Resolver(#[source] HookError),
    /// The app's own minting limit was reached. Nothing was sent upstream.
    #[error("too many portal links minted for this {scope}; retry after {} s", retry_after_secs(*retry_after))]
    Limited {
        /// What reached its limit.
        scope: LimitScope,
        /// When the next link may be minted.
        retry_after: Duration,
    },
    /// Scalekit refused or could not be reached.
    #[error("minting the portal link failed: {0}")]
    Scalekit(#[source] Error),
}

/// Why a request got no link, which decides its HTTP answer: the kind of a
/// [`PortalLinkFailure`], or [`NoOrganization`](Self::NoOrganization).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The app's authorization refused: 403.
    Forbidden,
    /// The resolver found no organization for the request: 403.
    NoOrganization,
    /// The app's minting limit, or Scalekit's rate limit: 429.
    RateLimited,
    /// The app's resolver or authorization step failed: 500.
    ResolverFailed,
    /// Scalekit did not answer within the deadline: 504.
    UpstreamTimeout,
    /// Scalekit is down and said when to retry: 503.
    UpstreamUnavailable,
    /// Any other upstream problem (credentials, configuration, unexpected
    /// answers): 502.
    UpstreamFailed,
}

impl FailureKind {
    /// The HTTP status that describes this kind of failure to a browser.
    pub fn status(self) -> StatusCode {
        match self {
            FailureKind::Forbidden | FailureKind::NoOrganization => StatusCode::FORBIDDEN,
            FailureKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            FailureKind::ResolverFailed => StatusCode::INTERNAL_SERVER_ERROR,
            FailureKind::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            FailureKind::UpstreamUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            FailureKind::UpstreamFailed => StatusCode::BAD_GATEWAY,
        }
    }

    /// A short machine-readable code (the refresh endpoint's `error` field):
    /// `forbidden`, `no_organization`, `rate_limited`, `resolver_failed`,
    /// `upstream_timeout`, `upstream_unavailable`.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Forbidden => "forbidden",
            FailureKind::NoOrganization => "no_organization",
            FailureKind::RateLimited => "rate_limited",
            FailureKind::ResolverFailed => "resolver_failed",
            FailureKind::UpstreamTimeout => "upstream_timeout",
            FailureKind::UpstreamUnavailable | FailureKind::UpstreamFailed => {
                "upstream_unavailable"
            }
        }
    }
}

impl PortalLinkFailure {
    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        match self {
            PortalLinkFailure::Refused => FailureKind::Forbidden,
            PortalLinkFailure::Limited { .. } => FailureKind::RateLimited,
            PortalLinkFailure::Authorizer(_) | PortalLinkFailure::Resolver(_) => {
                FailureKind::ResolverFailed
            }
            PortalLinkFailure::Scalekit(err) => match err {
                Error::RateLimited { .. } => FailureKind::RateLimited,
                Error::Timeout { .. } => FailureKind::UpstreamTimeout,
                Error::Unavailable {
                    retry_after: Some(_),
                    ..
                } => FailureKind::UpstreamUnavailable,
                _ => FailureKind::UpstreamFailed,
            },
        }
    }

    /// The HTTP status that describes this failure to a browser:
    /// [`FailureKind::status`] of [`kind`](Self::kind).
    pub fn status(&self) -> StatusCode {
        self.kind().status()
    }

    /// How long the browser should wait before retrying, when known (the
    /// app's limit, or Scalekit said).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PortalLinkFailure::Limited { retry_after, .. } => Some(*retry_after),
            PortalLinkFailure::Scalekit(err) => err.retry_after(),
            _ => None,
        }
    }

    /// The `Retry-After` header value for [`retry_after`](Self::retry_after):
    /// whole seconds, rounded up, at least 1. The one place a `Retry-After`
    /// the kit sends is written.
    pub fn retry_after_header(&self) -> Option<HeaderValue> {
        self.retry_after()
            .map(|after| HeaderValue::from(retry_after_secs(after)))
    }

    /// Sets `response`'s status to [`status`](Self::status), and its
    /// `Retry-After` to [`retry_after_header`](Self::retry_after_header) when
    /// known: how every answer of the kit and its axum rejection says this
    /// failure.
    pub fn write_status<B>(&self, response: &mut Response<B>) {
        *response.status_mut() = self.status();
        if let Some(after) = self.retry_after_header() {
            response.headers_mut().insert(RETRY_AFTER, after);
        }
    }

    /// The Scalekit error, when the failure came from Scalekit.
    pub fn scalekit_error(&self) -> Option<&Error> {
        match self {
            PortalLinkFailure::Scalekit(err) => Some(err),
            _ => None,
        }
    }
}

fn retry_after_secs(after: Duration) -> u64 {
    let secs = after.as_secs();
    let rounded = if after.subsec_nanos() > 0 {
        secs.saturating_add(1)
    } else {
        secs
    };
    rounded.max(1)
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
        assert_eq!(PortalLinkFailure::Refused.status(), StatusCode::FORBIDDEN);
        let limited = PortalLinkFailure::Limited {
            scope: LimitScope::User,
            retry_after: Duration::from_millis(1500),
        };
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.retry_after_header().unwrap(), "2");
        assert!(limited.to_string().contains("for this user;"));
        let mut response = Response::new(());
        limited.write_status(&mut response);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[RETRY_AFTER], "2");
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(30)), 30);
        assert_eq!(retry_after_secs(Duration::MAX), u64::MAX);
    }
}

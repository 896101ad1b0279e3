//! Why a handler got no portal link, as an HTTP response.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::refusal::plain_text_refusal;
use scalekit_tower::{FailureKind, PortalLinkFailure};

/// The rejection of the [`PortalLink`](crate::PortalLink) extractor.
///
/// Each variant answers a status and a plain-text message saying what to fix.
/// Upstream details are not sent to the browser (the layer logged them).
///
/// ```
/// use http::StatusCode;
/// use scalekit_axum_extract::PortalLinkRejection;
///
/// assert_eq!(PortalLinkRejection::LayerMissing.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// assert!(PortalLinkRejection::LayerMissing.body_text().contains("PortalLinkLayer"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PortalLinkRejection {
    /// No [`PortalLinkLayer`](scalekit_tower::PortalLinkLayer) minted for
    /// this request: the route has none, or the layer does not mint for this
    /// method (see `PortalLinkLayer::with_methods`): 500.
    LayerMissing,
    /// A `HEAD` request, for which the layer mints nothing: an empty 200, as
    /// the `GET` would answer without its body.
    HeadRequest,
    /// The signed-in user belongs to no organization: 403.
    NoOrganization,
    /// The layer's authorization refused the user (see
    /// `PortalLinkLayer::authorize`): 403.
    Forbidden(Arc<PortalLinkFailure>),
    /// The app's organization resolver or authorization check failed: 500.
    ResolverFailed(Arc<PortalLinkFailure>),
    /// The app's minting limit was reached, or Scalekit is rate limiting the
    /// app: 429, with `Retry-After` when known.
    RateLimited(Arc<PortalLinkFailure>),
    /// Scalekit failed, timed out or refused the app's credentials: 502, 503
    /// (with `Retry-After` when Scalekit sent one) or 504.
    UpstreamFailed(Arc<PortalLinkFailure>),
}

impl PortalLinkRejection {
    pub(crate) fn from_failure(failure: Arc<PortalLinkFailure>) -> Self {
        match failure.kind() {
            FailureKind::Forbidden => Self::Forbidden(failure),
            FailureKind::ResolverFailed => Self::ResolverFailed(failure),
            FailureKind::RateLimited => Self::RateLimited(failure),
            _ => Self::UpstreamFailed(failure),
        }
    }

    /// The status of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::LayerMissing => StatusCode::INTERNAL_SERVER_ERROR,
            Self::HeadRequest => StatusCode::OK,
            Self::NoOrganization => FailureKind::NoOrganization.status(),
            Self::Forbidden(failure)
            | Self::ResolverFailed(failure)
            | Self::RateLimited(failure)
            | Self::UpstreamFailed(failure) => failure.status(),
        }
    }

    /// The failure behind the rejection, when there was one.
    pub fn failure(&self) -> Option<&PortalLinkFailure> {
        match self {
            Self::Forbidden(failure)
            | Self::ResolverFailed(failure)
            | Self::RateLimited(failure)
            | Self::UpstreamFailed(failure) => Some(failure),
            _ => None,
        }
    }

    /// The message of the response.
    pub fn body_text(&self) -> String {
        match self {
            Self::LayerMissing => {
                "Missing PortalLinkLayer: this handler takes a PortalLink but no \
                scalekit_tower::PortalLinkLayer minted one for this request. Add \
                `.route_layer(PortalLinkLayer::new(client, resolver))` to the router that holds \
                the route; if it has one, check that PortalLinkLayer::with_methods includes \
                this request's method."
                    .into()
            }
            Self::HeadRequest => String::new(),
            Self::NoOrganization => "Your account does not belong to an organization that can \
                configure single sign-on. Sign in with an organization account, or ask your \
                administrator to add you to one."
                .into(),
            Self::Forbidden(_) => "You may not configure single sign-on for this organization: \
                ask one of its administrators."
                .into(),
            Self::ResolverFailed(_) => "The organization of this request could not be \
                determined, or whether you may open its SSO settings: the app's organization \
                resolver or authorization check failed (see the server log)."
                .into(),
            Self::RateLimited(_) => "Too many requests for the SSO settings portal right now. \
                Please try again shortly."
                .into(),
            Self::UpstreamFailed(_) => "The SSO settings portal is unavailable: the app could \
                not get a portal link from Scalekit (see the server log). Please try again shortly."
                .into(),
        }
    }
}

impl std::fmt::Display for PortalLinkRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.failure() {
            Some(failure) => write!(f, "{} ({failure})", self.status()),
            None => write!(f, "{}: {}", self.status(), self.body_text()),
        }
    }
}

impl std::error::Error for PortalLinkRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure()
            .map(|f| f as &(dyn std::error::Error + 'static))
    }
}

impl IntoResponse for PortalLinkRejection {
    fn into_response(self) -> Response {
        let mut response = plain_text_refusal(self.status(), self.body_text());
        if let Some(failure) = self.failure() {
            failure.write_status(&mut response);
        }
        response
    }
}

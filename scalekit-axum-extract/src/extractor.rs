//! The `PortalLink` extractor.

use std::ops::Deref;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::Method;
use http::request::Parts;
use scalekit_tower::PortalLinkOutcome;

use crate::rejection::PortalLinkRejection;

/// The fresh portal link [`PortalLinkLayer`](scalekit_tower::PortalLinkLayer)
/// minted for this request. See the [crate docs](crate) for the three forms.
///
/// ```
/// use scalekit_axum_extract::PortalLink;
///
/// async fn handler(PortalLink(link): PortalLink) -> String {
///     link.location().to_string()
/// }
/// # let _ = handler;
/// ```
#[derive(Debug, Clone)]
pub struct PortalLink(pub scalekit_tower::PortalLink);

impl Deref for PortalLink {
    type Target = scalekit_tower::PortalLink;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl PortalLink {
    /// Unwraps the link.
    pub fn into_inner(self) -> scalekit_tower::PortalLink {
        self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PortalLink {
    type Rejection = PortalLinkRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<PortalLinkOutcome>() {
            // The layer records nothing for methods it does not mint for.
            // `HEAD` never mints by default and axum answers it with the GET
            // handler: an empty 200 is the right answer there.
            None if parts.method == Method::HEAD => Err(PortalLinkRejection::HeadRequest),
            None => Err(PortalLinkRejection::LayerMissing),
            Some(PortalLinkOutcome::Minted(link)) => Ok(PortalLink(link.clone())),
            Some(PortalLinkOutcome::NoOrganization) => Err(PortalLinkRejection::NoOrganization),
            Some(PortalLinkOutcome::Failed(failure)) => {
                Err(PortalLinkRejection::from_failure(failure.clone()))
            }
            Some(_) => Err(PortalLinkRejection::LayerMissing),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for PortalLink {
    type Rejection = PortalLinkRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <PortalLink as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(link) => Ok(Some(link)),
            Err(PortalLinkRejection::LayerMissing) => Err(PortalLinkRejection::LayerMissing),
            Err(_) => Ok(None),
        }
    }
}

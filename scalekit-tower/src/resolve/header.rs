//! The organization from a header set by a trusted reverse proxy.

use std::future::{Ready, ready};

use http::HeaderName;
use http::request::Parts;

use super::OrganizationResolver;
use crate::hook::HookError;
use crate::organization_id::OrganizationId;

/// Reads the organization id from a request header. See [`from_trusted_header`].
#[derive(Debug, Clone)]
pub struct FromTrustedHeader {
    name: HeaderName,
}

/// Reads the organization id from the header `name`.
///
/// **Only** use this behind a reverse proxy or gateway that authenticates the
/// user, sets this header itself, and strips any copy the client sent.
/// Otherwise anyone can send the header and open another organization's
/// portal. A missing header means no organization; a malformed one is an
/// error (the proxy is misbehaving).
///
/// ```
/// use http::HeaderName;
/// use scalekit_tower::resolve;
///
/// let resolver = resolve::from_trusted_header(HeaderName::from_static("x-authenticated-org"));
/// # let _ = resolver;
/// ```
pub fn from_trusted_header(name: HeaderName) -> FromTrustedHeader {
    FromTrustedHeader { name }
}

impl OrganizationResolver for FromTrustedHeader {
    type Future = Ready<Result<Option<OrganizationId>, HookError>>;

    fn resolve(&self, parts: &Parts) -> Self::Future {
        let mut values = parts.headers.get_all(&self.name).iter();
        let result = match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(HookError::new(format!(
                "header {} appears more than once; the proxy must set it exactly once",
                self.name
            ))),
            (Some(value), None) => value
                .to_str()
                .map_err(|_| HookError::new(format!("header {} is not visible ASCII", self.name)))
                .and_then(|raw| {
                    OrganizationId::new(raw.trim()).map_err(|e| {
                        HookError::with_source(format!("header {} is malformed", self.name), e)
                    })
                })
                .map(Some),
        };
        ready(result)
    }
}

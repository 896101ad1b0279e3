//! One organization for every request: single-tenant apps and tests.

use std::future::{Ready, ready};

use http::request::Parts;

use super::OrganizationResolver;
use crate::hook::HookError;
use crate::organization_id::OrganizationId;

/// Resolves every request to the same organization. See [`fixed`].
#[derive(Debug, Clone)]
pub struct Fixed(OrganizationId);

/// Resolves every request to `organization`: for single-tenant apps and tests.
///
/// ```
/// use scalekit_tower::resolve;
/// let resolver = resolve::fixed("org_1".parse().unwrap());
/// # let _ = resolver;
/// ```
pub fn fixed(organization: OrganizationId) -> Fixed {
    Fixed(organization)
}

impl OrganizationResolver for Fixed {
    type Future = Ready<Result<Option<OrganizationId>, HookError>>;

    fn resolve(&self, _parts: &Parts) -> Self::Future {
        ready(Ok(Some(self.0.clone())))
    }
}

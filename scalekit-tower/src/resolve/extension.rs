//! The organization from a typed extension the app's auth layer inserted.

use std::fmt;
use std::future::{Ready, ready};
use std::marker::PhantomData;

use http::request::Parts;

use super::OrganizationResolver;
use crate::hook::HookError;
use crate::organization_id::OrganizationId;

/// Reads the organization from a request extension of type `T`.
/// See [`from_extension`] and [`organization_extension`].
pub struct FromExtension<T, F> {
    select: F,
    _extension: PhantomData<fn(&T)>,
}

/// Reads an extension of type `T` (the app's session or user type, inserted by
/// its auth middleware before this layer runs) and picks the organization
/// from it with `select`. A request without the extension has no organization.
///
/// ```
/// use scalekit_tower::{OrganizationId, resolve};
///
/// #[derive(Clone)]
/// struct Session { org: Option<OrganizationId> }
///
/// let resolver = resolve::from_extension(|session: &Session| session.org.clone());
/// # let _ = resolver;
/// ```
pub fn from_extension<T, F>(select: F) -> FromExtension<T, F>
where
    T: Send + Sync + 'static,
    F: Fn(&T) -> Option<OrganizationId> + Clone + Send + Sync + 'static,
{
    FromExtension {
        select,
        _extension: PhantomData,
    }
}

/// Reads an [`OrganizationId`] the app's auth middleware inserted as an extension.
///
/// ```
/// use scalekit_tower::resolve;
/// let resolver = resolve::organization_extension();
/// # let _ = resolver;
/// ```
pub fn organization_extension()
-> FromExtension<OrganizationId, fn(&OrganizationId) -> Option<OrganizationId>> {
    from_extension(|id: &OrganizationId| Some(id.clone()))
}

impl<T, F: Clone> Clone for FromExtension<T, F> {
    fn clone(&self) -> Self {
        Self {
            select: self.select.clone(),
            _extension: PhantomData,
        }
    }
}

impl<T, F> fmt::Debug for FromExtension<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromExtension")
            .field("extension", &std::any::type_name::<T>())
            .finish()
    }
}

impl<T, F> OrganizationResolver for FromExtension<T, F>
where
    T: Send + Sync + 'static,
    F: Fn(&T) -> Option<OrganizationId> + Clone + Send + Sync + 'static,
{
    type Future = Ready<Result<Option<OrganizationId>, HookError>>;

    fn resolve(&self, parts: &Parts) -> Self::Future {
        ready(Ok(parts.extensions.get::<T>().and_then(&self.select)))
    }
}

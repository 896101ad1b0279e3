//! The organization from the app's own tenant id, through Scalekit's
//! external-id lookup, with a short-lived cache of the mapping.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::request::Parts;
use tokio::time::Instant;

use super::{OrganizationResolver, ResolveError};
use crate::client::Client;
use crate::error::Error;
use crate::organization_id::OrganizationId;

const DEFAULT_TTL: Duration = Duration::from_secs(60);
const MAX_CACHED: usize = 10_000;

type Mapping = HashMap<String, (Option<OrganizationId>, Instant)>;

/// Maps the app's tenant id to a Scalekit organization. See [`by_external_id`].
#[derive(Clone)]
pub struct ExternalIdResolver<F> {
    client: Client,
    tenant: F,
    ttl: Duration,
    cache: Arc<Mutex<Mapping>>,
}

/// Picks the app's own tenant id from the request with `tenant` (from its
/// authenticated session), then finds the Scalekit organization whose
/// `external_id` it is.
///
/// The mapping (not the link, which is never cached) is remembered for a
/// minute by default; [`with_ttl`](ExternalIdResolver::with_ttl) changes
/// that. A tenant without a Scalekit organization has no organization (403).
///
/// ```
/// use scalekit_tower::{Client, Config, resolve};
///
/// #[derive(Clone)]
/// struct Session { tenant_id: String }
///
/// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
/// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
/// let resolver = resolve::by_external_id(client, |parts: &http::request::Parts| {
///     parts.extensions.get::<Session>().map(|s| s.tenant_id.clone())
/// });
/// # let _ = resolver;
/// ```
pub fn by_external_id<F>(client: Client, tenant: F) -> ExternalIdResolver<F>
where
    F: Fn(&Parts) -> Option<String> + Clone + Send + Sync + 'static,
{
    ExternalIdResolver {
        client,
        tenant,
        ttl: DEFAULT_TTL,
        cache: Arc::default(),
    }
}

impl<F> ExternalIdResolver<F> {
    /// How long a looked-up mapping is reused (default one minute; zero
    /// looks up on every request).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }
}

impl<F> fmt::Debug for ExternalIdResolver<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalIdResolver")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn lock(cache: &Mutex<Mapping>) -> std::sync::MutexGuard<'_, Mapping> {
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<F> OrganizationResolver for ExternalIdResolver<F>
where
    F: Fn(&Parts) -> Option<String> + Clone + Send + Sync + 'static,
{
    type Future =
        Pin<Box<dyn Future<Output = Result<Option<OrganizationId>, ResolveError>> + Send>>;

    fn resolve(&self, parts: &Parts) -> Self::Future {
        let Some(tenant) = (self.tenant)(parts).filter(|t| !t.is_empty()) else {
            return Box::pin(std::future::ready(Ok(None)));
        };
        let now = Instant::now();
        if let Some((org, at)) = lock(&self.cache).get(&tenant)
            && now < *at + self.ttl
        {
            return Box::pin(std::future::ready(Ok(org.clone())));
        }
        let client = self.client.clone();
        let cache = self.cache.clone();
        let ttl = self.ttl;
        Box::pin(async move {
            let org = match client.get_organization_by_external_id(&tenant).await {
                Ok(org) => Some(org.id),
                Err(Error::OrganizationNotFound { .. }) => None,
                Err(err) => {
                    return Err(ResolveError::with_source(
                        "looking up the organization by external id failed",
                        err,
                    ));
                }
            };
            if !ttl.is_zero() {
                let mut cache = lock(&cache);
                if cache.len() >= MAX_CACHED {
                    let now = Instant::now();
                    cache.retain(|_, (_, at)| now < *at + ttl);
                    if cache.len() >= MAX_CACHED {
                        cache.clear();
                    }
                }
                cache.insert(tenant, (org.clone(), Instant::now()));
            }
            Ok(org)
        })
    }
}

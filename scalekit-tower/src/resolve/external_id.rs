//! The organization from the app's own tenant id, through Scalekit's
//! external-id lookup, with a short-lived cache of the mapping.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;
use quick_cache::sync::Cache;
use tokio::time::Instant;

use super::OrganizationResolver;
use crate::client::Client;
use crate::error::Error;
use crate::hook::HookError;
use crate::organization_id::OrganizationId;
use crate::text::SafeText;

const DEFAULT_TTL: Duration = Duration::from_secs(60);
/// The longest a mapping is kept: longer TTLs (`Duration::MAX`) count as this.
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_CAPACITY: usize = 10_000;

/// A looked-up mapping: the organization (or none) and when it goes stale.
#[derive(Clone)]
struct Mapping {
    organization: Option<OrganizationId>,
    stale_at: Instant,
}

/// Maps the app's tenant id to a Scalekit organization. See [`by_external_id`].
#[derive(Clone)]
pub struct ExternalIdResolver<F> {
    client: Client,
    tenant: F,
    ttl: Duration,
    cache: Arc<Cache<String, Mapping>>,
}

/// Picks the app's own tenant id from the request with `tenant` (from its
/// authenticated session), then finds the Scalekit organization whose
/// `external_id` it is.
///
/// The mapping (not the link, which is never cached) is remembered for a
/// minute by default ([`with_ttl`](ExternalIdResolver::with_ttl)), for at
/// most 10,000 tenants ([`with_capacity`](ExternalIdResolver::with_capacity);
/// the least recently used are evicted). Concurrent requests for a tenant
/// whose mapping is missing or stale share one lookup. A tenant without a
/// Scalekit organization has no organization (403), and that is logged once
/// per lookup.
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
        cache: Arc::new(Cache::new(DEFAULT_CAPACITY)),
    }
}

impl<F> ExternalIdResolver<F> {
    /// How long a looked-up mapping is reused (default one minute; zero
    /// looks up on every request; at most a day, longer values such as
    /// `Duration::MAX` count as a day).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::{Client, Config, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// let resolver = resolve::by_external_id(client, |_: &http::request::Parts| None)
    ///     .with_ttl(Duration::from_secs(300));
    /// # let _ = resolver;
    /// ```
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.min(MAX_TTL);
        self
    }

    /// How many tenants' mappings are kept (default 10,000); past it the
    /// least recently used are evicted. Resets the cache.
    ///
    /// ```
    /// # use scalekit_tower::{Client, Config, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// let resolver = resolve::by_external_id(client, |_: &http::request::Parts| None)
    ///     .with_capacity(100);
    /// # let _ = resolver;
    /// ```
    #[must_use]
    pub fn with_capacity(mut self, tenants: usize) -> Self {
        self.cache = Arc::new(Cache::new(tenants.max(1)));
        self
    }
}

impl<F> fmt::Debug for ExternalIdResolver<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalIdResolver")
            .field("ttl", &self.ttl)
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}

async fn look_up(client: &Client, tenant: &str) -> Result<Option<OrganizationId>, HookError> {
    match client.get_organization_by_external_id(tenant).await {
        Ok(org) => Ok(Some(org.id)),
        Err(Error::OrganizationNotFound { .. }) => {
            tracing::info!(
                tenant = %SafeText(tenant),
                "no Scalekit organization has this external id; the tenant gets no portal"
            );
            Ok(None)
        }
        Err(err) => Err(HookError::with_source(
            "looking up the organization by external id failed",
            err,
        )),
    }
}

impl<F> OrganizationResolver for ExternalIdResolver<F>
where
    F: Fn(&Parts) -> Option<String> + Clone + Send + Sync + 'static,
{
    type Future = Pin<Box<dyn Future<Output = Result<Option<OrganizationId>, HookError>> + Send>>;

    fn resolve(&self, parts: &Parts) -> Self::Future {
        let Some(tenant) = (self.tenant)(parts).filter(|t| !t.is_empty()) else {
            return Box::pin(std::future::ready(Ok(None)));
        };
        let now = Instant::now();
        match self.cache.get(&tenant) {
            Some(mapping) if now < mapping.stale_at => {
                return Box::pin(std::future::ready(Ok(mapping.organization)));
            }
            Some(_) => {
                // Stale: drop it so the next caller takes the lookup guard;
                // a fresher mapping someone just stored stays.
                self.cache.remove_if(&tenant, |m| m.stale_at <= now);
            }
            None => {}
        }
        let client = self.client.clone();
        let ttl = self.ttl;
        if ttl.is_zero() {
            return Box::pin(async move { look_up(&client, &tenant).await });
        }
        let cache = self.cache.clone();
        Box::pin(async move {
            // Single flight: the first caller gets the guard and looks up;
            // the others wait for its value. A failed lookup drops the guard
            // without a value and the next waiter tries.
            let guard = match cache.get_value_or_guard_async(&tenant).await {
                Ok(mapping) => return Ok(mapping.organization),
                Err(guard) => guard,
            };
            let organization = look_up(&client, &tenant).await?;
            let _ = guard.insert(Mapping {
                organization: organization.clone(),
                stale_at: Instant::now() + ttl,
            });
            Ok(organization)
        })
    }
}

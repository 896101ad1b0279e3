//! Keyed minting limits: per organization, and per user or session; in this
//! process or shared by replicas through a [`LimitBackend`].

mod backend;
mod budgets;
mod quota;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::request::Parts;

use self::budgets::LocalBudgets;
use crate::failure::LimitScope;
use crate::organization_id::OrganizationId;

pub use self::backend::{Budget, LimitBackend, LimitBackendError, Refusal};
pub use self::quota::MintQuota;

/// How long a shared budget may take to answer before the in-process one
/// answers instead, by default.
pub const DEFAULT_SHARED_DEADLINE: Duration = Duration::from_millis(250);

type KeyFn = dyn Fn(&Parts) -> Option<String> + Send + Sync;

/// Keyed minting limits: per organization, and per user or session when the
/// app names one.
///
/// Scalekit rate-limits the app's credentials, not its users: one user in a
/// loop could push every tenant of the app into 429. A [`MintLimit`] stops
/// that loop before any upstream call, with a 429 and `Retry-After`. Each key
/// gets a burst, then one more mint every period (a GCRA, see
/// [`MintQuota`]). The organization's budget is checked before a user's is
/// touched, and a mint takes from both or from neither. The refresh endpoint
/// has [`MintLimit::default`]; the layer has none unless given one. Clones
/// share their counters.
///
/// The budgets live in this process (at most 10,000 keys per quota: when
/// full, keys back at a full burst and then the least recently used are
/// forgotten, so no key is ever refused because of others) unless
/// [`shared`](Self::shared) names a [`LimitBackend`] that all replicas use.
///
/// ```
/// use std::time::Duration;
/// use scalekit_tower::MintLimit;
///
/// #[derive(Clone)]
/// struct Session { id: String }
///
/// let limit = MintLimit::default()
///     // 10 links at once per signed-in session, then one every 6 s.
///     .per_user(|parts| parts.extensions.get::<Session>().map(|s| s.id.clone()),
///               10, Duration::from_secs(6));
/// # let _ = limit;
/// ```
#[derive(Clone)]
pub struct MintLimit {
    per_organization: Option<Arc<LocalBudgets>>,
    per_user: Option<(Arc<LocalBudgets>, Arc<KeyFn>)>,
    shared: Option<Shared>,
}

/// A backend all replicas share, and whether it is failing now.
#[derive(Clone)]
struct Shared {
    backend: Arc<dyn LimitBackend>,
    deadline: Duration,
    /// Set while the backend fails, so an outage is logged once.
    down: Arc<AtomicBool>,
}

impl Default for MintLimit {
    /// Per organization: a burst of 30 links, then one every 2 s (30 a
    /// minute), which no group of people on a settings page reaches and a
    /// loop reaches in a second. No per-user limit until
    /// [`per_user`](Self::per_user) names the key.
    fn default() -> Self {
        Self::unlimited().per_organization(30, Duration::from_secs(2))
    }
}

impl MintLimit {
    /// No limit at all.
    pub fn unlimited() -> Self {
        Self {
            per_organization: None,
            per_user: None,
            shared: None,
        }
    }

    /// Each organization may mint `burst` links at once, then one more every
    /// `period`. A `burst` of 0 counts as 1 and one past 100,000 as 100,000;
    /// a zero `period` removes the organization limit; periods past a day
    /// count as a day.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::MintLimit;
    /// let limit = MintLimit::unlimited().per_organization(100, Duration::from_millis(500));
    /// # let _ = limit;
    /// ```
    #[must_use]
    pub fn per_organization(mut self, burst: u32, period: Duration) -> Self {
        self.per_organization =
            MintQuota::new(burst, period).map(|q| Arc::new(LocalBudgets::new(q)));
        self
    }

    /// Each user (or session) may mint `burst` links at once, then one more
    /// every `period`. `key` names the user from the request (from the app's
    /// authenticated session, never from something the browser sets); a
    /// request for which it answers `None` has no user limit. Same rules for
    /// `burst` and `period` as [`per_organization`](Self::per_organization).
    #[must_use]
    pub fn per_user<K>(mut self, key: K, burst: u32, period: Duration) -> Self
    where
        K: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.per_user = MintQuota::new(burst, period).map(|quota| {
            let key: Arc<KeyFn> = Arc::new(key);
            (Arc::new(LocalBudgets::new(quota)), key)
        });
        self
    }

    /// Keeps the budgets in `backend`, shared by every replica that uses the
    /// same one, with the same quotas. When the backend fails or takes
    /// longer than [`DEFAULT_SHARED_DEADLINE`], this process's own budgets
    /// answer instead (an outage neither locks every admin out nor lifts
    /// every limit), and the outage is logged once, its end once.
    #[must_use]
    pub fn shared<B: LimitBackend>(mut self, backend: B) -> Self {
        self.shared = Some(Shared {
            backend: Arc::new(backend),
            deadline: DEFAULT_SHARED_DEADLINE,
            down: Arc::default(),
        });
        self
    }

    /// How long the shared backend may take before the in-process budgets
    /// answer instead (default [`DEFAULT_SHARED_DEADLINE`]). Without
    /// [`shared`](Self::shared), nothing changes.
    #[must_use]
    pub fn with_shared_deadline(mut self, deadline: Duration) -> Self {
        if let Some(shared) = &mut self.shared {
            shared.deadline = deadline;
        }
        self
    }

    /// Takes one mint for `organization` and `user` (when known) as the
    /// layer and the endpoints do, or answers how long to wait: for an
    /// endpoint of the app's own that mints, and for benchmarks.
    pub async fn allow(
        &self,
        user: Option<&str>,
        organization: &OrganizationId,
    ) -> Result<(), Duration> {
        self.take(user, organization)
            .await
            .map_err(|(_, retry_after)| retry_after)
    }

    /// The user key of a request, read before anything is awaited.
    pub(crate) fn user_key(&self, parts: &Parts) -> Option<String> {
        self.per_user.as_ref().and_then(|(_, key)| key(parts))
    }

    /// Takes one mint for `organization` and `user` (when known), from both
    /// budgets or from neither.
    pub(crate) async fn take(
        &self,
        user: Option<&str>,
        organization: &OrganizationId,
    ) -> Result<(), (LimitScope, Duration)> {
        if let Some(shared) = &self.shared
            && let Some(answer) = self.take_shared(shared, user, organization).await
        {
            return answer;
        }
        self.take_local(user, organization)
    }

    /// The shared answer, or `None` when the backend could not give one.
    async fn take_shared(
        &self,
        shared: &Shared,
        user: Option<&str>,
        organization: &OrganizationId,
    ) -> Option<Result<(), (LimitScope, Duration)>> {
        let mut budgets = Vec::with_capacity(2);
        let mut scopes = Vec::with_capacity(2);
        if let Some(local) = &self.per_organization {
            budgets.push(Budget {
                key: format!("organization/{}", organization.as_str()),
                quota: local.quota(),
            });
            scopes.push(LimitScope::Organization);
        }
        if let (Some((local, _)), Some(user)) = (&self.per_user, user) {
            budgets.push(Budget {
                key: format!("user/{user}"),
                quota: local.quota(),
            });
            scopes.push(LimitScope::User);
        }
        if budgets.is_empty() {
            return Some(Ok(()));
        }
        let answer = tokio::time::timeout(shared.deadline, shared.backend.take(&budgets)).await;
        let answer = match answer {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => {
                shared.failed(&error.to_string());
                return None;
            }
            Err(_) => {
                let deadline = shared.deadline;
                shared.failed(&format!("no answer within {deadline:?}"));
                return None;
            }
        };
        if shared.down.swap(false, Ordering::Relaxed) {
            tracing::info!("the shared minting limit answers again; back to the shared budgets");
        }
        Some(answer.map_err(|refusal| {
            let scope = scopes
                .get(refusal.budget)
                .copied()
                .unwrap_or(LimitScope::Organization);
            (scope, refusal.retry_after)
        }))
    }

    /// The in-process budgets: the organization's is checked before the
    /// user's key is created or charged, so a refused organization creates
    /// no user key and a refused user spends nothing of the organization.
    fn take_local(
        &self,
        user: Option<&str>,
        organization: &OrganizationId,
    ) -> Result<(), (LimitScope, Duration)> {
        let organization = organization.as_str();
        if let Some(budgets) = &self.per_organization {
            budgets
                .check(organization)
                .map_err(|after| (LimitScope::Organization, after))?;
        }
        if let (Some((budgets, _)), Some(user)) = (&self.per_user, user) {
            budgets
                .take(user)
                .map_err(|after| (LimitScope::User, after))?;
        }
        if let Some(budgets) = &self.per_organization {
            budgets
                .take(organization)
                .map_err(|after| (LimitScope::Organization, after))?;
        }
        Ok(())
    }
}

impl Shared {
    /// Logs the first failure of an outage; the rest are counted silently.
    fn failed(&self, why: &str) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = %why,
                "the shared minting limit is unreachable; each replica limits with its own budgets until it answers"
            );
        }
    }
}

impl fmt::Debug for MintLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quota = |budgets: &LocalBudgets| {
            let quota = budgets.quota();
            format!("{} then 1 per {:?}", quota.burst(), quota.period())
        };
        f.debug_struct("MintLimit")
            .field(
                "per_organization",
                &self.per_organization.as_deref().map(quota),
            )
            .field("per_user", &self.per_user.as_ref().map(|(b, _)| quota(b)))
            .field("shared", &self.shared.as_ref().map(|s| &s.backend))
            .finish()
    }
}

#[cfg(test)]
mod tests;

//! Keyed minting limits: per organization, and per user or session.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use http::request::Parts;

use crate::failure::LimitScope;
use crate::organization_id::OrganizationId;

/// The longest period between two mints: longer ones (`Duration::MAX`) count
/// as this, so no quota overflows the clock.
const MAX_PERIOD: Duration = Duration::from_secs(24 * 3600);
/// The largest burst: more counts as this (so burst × period stays within
/// the limiter's 64-bit nanosecond clock).
const MAX_BURST: u32 = 100_000;
/// Keys remembered per limiter before the ones back at a full burst are
/// dropped.
const MAX_KEYS: usize = 10_000;
/// Checks between two sweeps of keys back at a full burst.
const SWEEP_EVERY: u32 = 4096;

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;
type KeyFn = dyn Fn(&Parts) -> Option<String> + Send + Sync;

/// Keyed minting limits: per organization, and per user or session when the
/// app names one.
///
/// Scalekit rate-limits the app's credentials, not its users: one user in a
/// loop could push every tenant of the app into 429. A [`MintLimit`] stops
/// that loop before any upstream call, with a 429 and `Retry-After`. Each key
/// gets a burst, then one more mint every period (a GCRA, from the
/// `governor` crate). The refresh endpoint has [`MintLimit::default`]; the
/// layer has none unless given one. Clones share their counters.
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
    per_organization: Option<Arc<Bucket>>,
    per_user: Option<(Arc<Bucket>, Arc<KeyFn>)>,
}

/// One keyed limiter and its quota, for `Debug`.
struct Bucket {
    limiter: Keyed,
    burst: u32,
    period: Duration,
    checks: AtomicU32,
}

impl Bucket {
    fn new(burst: u32, period: Duration) -> Option<Self> {
        let period = period.min(MAX_PERIOD);
        let burst = NonZeroU32::new(burst.min(MAX_BURST)).unwrap_or(NonZeroU32::MIN);
        // A zero period replenishes instantly: no limit.
        let quota = Quota::with_period(period)?.allow_burst(burst);
        Some(Self {
            limiter: RateLimiter::keyed(quota),
            burst: burst.get(),
            period,
            checks: AtomicU32::new(0),
        })
    }

    /// Takes one mint for `key`, or says how long until one is free.
    fn take(&self, key: &str) -> Result<(), Duration> {
        let checks = self.checks.fetch_add(1, Ordering::Relaxed);
        let full = self.limiter.len() >= MAX_KEYS;
        if checks.is_multiple_of(SWEEP_EVERY) || (full && checks.is_multiple_of(64)) {
            // Keys back at a full burst are indistinguishable from new ones.
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        if full && self.limiter.len() >= MAX_KEYS {
            // As many live keys as the cap within one period: refuse rather
            // than grow (the keys come from the app's own sessions, so this
            // is a flood), until a sweep frees room.
            return Err(self.period);
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
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
        self.per_organization = Bucket::new(burst, period).map(Arc::new);
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
        self.per_user = Bucket::new(burst, period).map(|bucket| {
            let key: Arc<KeyFn> = Arc::new(key);
            (Arc::new(bucket), key)
        });
        self
    }

    /// The user key of a request, read before anything is awaited.
    pub(crate) fn user_key(&self, parts: &Parts) -> Option<String> {
        self.per_user.as_ref().and_then(|(_, key)| key(parts))
    }

    /// Takes one mint for `user` (when known) and `organization`.
    pub(crate) fn take(
        &self,
        user: Option<&str>,
        organization: &OrganizationId,
    ) -> Result<(), (LimitScope, Duration)> {
        if let (Some((bucket, _)), Some(user)) = (&self.per_user, user) {
            bucket
                .take(user)
                .map_err(|after| (LimitScope::User, after))?;
        }
        if let Some(bucket) = &self.per_organization {
            bucket
                .take(organization.as_str())
                .map_err(|after| (LimitScope::Organization, after))?;
        }
        Ok(())
    }
}

impl fmt::Debug for MintLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quota = |bucket: &Bucket| format!("{} then 1 per {:?}", bucket.burst, bucket.period);
        f.debug_struct("MintLimit")
            .field(
                "per_organization",
                &self.per_organization.as_deref().map(quota),
            )
            .field("per_user", &self.per_user.as_ref().map(|(b, _)| quota(b)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str) -> OrganizationId {
        id.parse().unwrap()
    }

    #[test]
    fn a_burst_then_refusals_with_a_wait() {
        let limit = MintLimit::unlimited().per_organization(3, Duration::from_secs(10));
        for _ in 0..3 {
            assert!(limit.take(None, &org("org_1")).is_ok());
        }
        let (scope, after) = limit.take(None, &org("org_1")).unwrap_err();
        assert_eq!(scope, LimitScope::Organization);
        assert!(after > Duration::from_secs(9) && after <= Duration::from_secs(10));
        // Another organization has its own budget.
        assert!(limit.take(None, &org("org_2")).is_ok());
    }

    #[test]
    fn users_are_limited_apart_from_their_organization() {
        let limit = MintLimit::unlimited()
            .per_organization(100, Duration::from_secs(1))
            .per_user(|_| None, 2, Duration::from_secs(60));
        assert!(limit.take(Some("alice"), &org("org_1")).is_ok());
        assert!(limit.take(Some("alice"), &org("org_1")).is_ok());
        assert_eq!(
            limit.take(Some("alice"), &org("org_1")).unwrap_err().0,
            LimitScope::User
        );
        assert!(limit.take(Some("bob"), &org("org_1")).is_ok());
    }

    #[test]
    fn clones_share_counters() {
        let limit = MintLimit::unlimited().per_organization(1, Duration::from_secs(60));
        let clone = limit.clone();
        assert!(limit.take(None, &org("org_1")).is_ok());
        assert!(clone.take(None, &org("org_1")).is_err());
    }

    #[test]
    fn extreme_quotas_neither_panic_nor_overflow() {
        let limit = MintLimit::unlimited()
            .per_organization(0, Duration::MAX)
            .per_user(|_| None, u32::MAX, Duration::MAX);
        assert!(limit.take(Some("u"), &org("org_1")).is_ok());
        let (_, after) = limit.take(Some("u"), &org("org_1")).unwrap_err();
        assert!(after <= MAX_PERIOD);
        let none = MintLimit::unlimited().per_organization(1, Duration::ZERO);
        for _ in 0..100 {
            assert!(none.take(None, &org("org_1")).is_ok());
        }
    }

    #[test]
    fn keyed_state_stays_bounded() {
        let limit = MintLimit::unlimited().per_organization(1, Duration::from_millis(1));
        let bucket = limit.per_organization.clone().unwrap();
        for n in 0..(MAX_KEYS * 2) {
            let _ = bucket.take(&format!("org_{n}"));
        }
        assert!(bucket.limiter.len() <= MAX_KEYS, "{}", bucket.limiter.len());
    }
}

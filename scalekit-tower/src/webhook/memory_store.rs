//! The default idempotency store: a bounded map in this process's memory.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::idempotency::{
    Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, IdempotencyStore, StoreError,
};

/// How many `webhook-id`s the default store can hold inside their retention.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// An [`IdempotencyStore`] in this process's memory.
///
/// **Per process**: with several replicas behind a load balancer, a retry may
/// reach another replica, which has not seen it; use a shared store there
/// (`scalekit-tower-stores` has PostgreSQL and Redis ones).
///
/// Bounded by age, never by forgetting: a handled id is remembered for
/// [`with_retention`](Self::with_retention) after it was handled (default 1
/// hour, more than a signed delivery can be replayed), a claim whose handler
/// never finished for [`with_lease`](Self::with_lease) (default 2 minutes),
/// then the next claim may take it over (with a new [`ClaimToken`]: the
/// first owner's late release changes nothing). When it holds
/// [`with_capacity`](Self::with_capacity) ids (default 100,000), none of them
/// expired, a claim of a new id fails with [`MemoryStoreFull`] (the service
/// answers 503 and Scalekit retries) rather than forget one a replay could
/// still reach. Clones share the same memory.
///
/// ```
/// use scalekit_tower::webhook::{Claim, IdempotencyStore, MemoryIdempotencyStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = MemoryIdempotencyStore::new();
/// assert!(matches!(store.claim("msg_1").await.unwrap(), Claim::Claimed(_)));
/// assert_eq!(store.claim("msg_1").await.unwrap(), Claim::InFlight);
/// store.complete("msg_1").await.unwrap();
/// assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Done);
/// # }
/// ```
#[derive(Clone)]
pub struct MemoryIdempotencyStore {
    state: Arc<Mutex<State>>,
    capacity: usize,
    retention: Duration,
    lease: Duration,
}

/// Why [`MemoryIdempotencyStore`] refused a claim: it holds as many ids as
/// its capacity, none of them past its retention or lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the in-memory idempotency store holds {capacity} webhook ids still inside their retention; \
     refusing a new one rather than forgetting one (raise `with_capacity` or use a shared store)"
)]
pub struct MemoryStoreFull {
    /// The store's capacity.
    pub capacity: usize,
}

#[derive(Default)]
struct State {
    entries: HashMap<Arc<str>, Entry>,
    /// Entries by the time they were last claimed or completed, oldest first.
    /// An element whose generation no longer matches its entry is stale (the
    /// id was released, completed or claimed again since).
    order: VecDeque<(Arc<str>, u64)>,
    next_generation: u64,
}

struct Entry {
    generation: u64,
    /// When it was claimed (in flight) or completed (done).
    since: Instant,
    /// Who holds the claim; `None` once done.
    owner: Option<ClaimToken>,
}

impl MemoryIdempotencyStore {
    /// An empty store with the default capacity, retention and lease.
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            capacity: DEFAULT_CAPACITY,
            retention: DEFAULT_RETENTION,
            lease: DEFAULT_LEASE,
        }
    }

    /// Holds at most `capacity` ids (at least 1); past it, claims of new
    /// ids fail until old ones expire.
    ///
    /// ```
    /// use scalekit_tower::webhook::MemoryIdempotencyStore;
    ///
    /// let store = MemoryIdempotencyStore::new().with_capacity(1_000);
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Forgets a handled id this long after it was handled. Keep it at least
    /// [`REPLAY_WINDOW`](super::REPLAY_WINDOW): sooner, a replay of the
    /// same signed bytes would run the handler again.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scalekit_tower::webhook::MemoryIdempotencyStore;
    ///
    /// let store = MemoryIdempotencyStore::new().with_retention(Duration::from_secs(30 * 60));
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Lets a claim whose handler never finished be taken over after `lease`.
    /// Keep it longer than the handler's longest run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scalekit_tower::webhook::MemoryIdempotencyStore;
    ///
    /// let store = MemoryIdempotencyStore::new().with_lease(Duration::from_secs(30));
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long it remembers a handled id.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// How many ids it remembers now (claimed or done).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether it remembers no id.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The map stays consistent at every step, so a panic elsewhere
        // while holding the lock leaves nothing half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, webhook_id: &str) -> Result<Claim, MemoryStoreFull> {
        let now = Instant::now();
        let mut state = self.lock();
        state.expire(now, self.retention, self.lease);
        match state.entries.get(webhook_id) {
            Some(entry) if entry.owner.is_none() => return Ok(Claim::Done),
            Some(entry) if now.saturating_duration_since(entry.since) < self.lease => {
                return Ok(Claim::InFlight);
            }
            // A claim past its lease: its handler died; take it over.
            Some(_) => {}
            None if state.entries.len() >= self.capacity => {
                return Err(MemoryStoreFull {
                    capacity: self.capacity,
                });
            }
            None => {}
        }
        let owner = ClaimToken::random();
        state.stamp(webhook_id, now, Some(owner));
        Ok(Claim::Claimed(owner))
    }

    fn complete_now(&self, webhook_id: &str) -> Result<(), MemoryStoreFull> {
        let now = Instant::now();
        let mut state = self.lock();
        state.expire(now, self.retention, self.lease);
        if !state.entries.contains_key(webhook_id) && state.entries.len() >= self.capacity {
            return Err(MemoryStoreFull {
                capacity: self.capacity,
            });
        }
        // Also when the claim expired while the handler ran: remember it.
        state.stamp(webhook_id, now, None);
        Ok(())
    }

    fn release_now(&self, webhook_id: &str, owner: ClaimToken) {
        let mut state = self.lock();
        if state
            .entries
            .get(webhook_id)
            .is_some_and(|entry| entry.owner == Some(owner))
        {
            state.entries.remove(webhook_id);
        }
    }
}

impl State {
    /// Records `webhook_id` at `now` as claimed by `owner`, or done (`None`).
    fn stamp(&mut self, webhook_id: &str, now: Instant, owner: Option<ClaimToken>) {
        let generation = self.next_generation;
        self.next_generation += 1;
        let key: Arc<str> = Arc::from(webhook_id);
        self.entries.insert(
            Arc::clone(&key),
            Entry {
                generation,
                since: now,
                owner,
            },
        );
        self.order.push_back((key, generation));
        // Stale elements come from releases and completions; dropping them
        // when they outnumber the entries keeps `order` within twice the
        // entries, in amortized constant time.
        if self.order.len() > 2 * self.entries.len() + 64 {
            let entries = &self.entries;
            self.order.retain(|(key, generation)| {
                entries
                    .get(key)
                    .is_some_and(|entry| entry.generation == *generation)
            });
        }
    }

    /// Drops, oldest first, done ids past `retention` and claims past
    /// `lease`; stops at the first that is still live, so it never drops an
    /// id a replay could reach or a claim whose handler may still run.
    fn expire(&mut self, now: Instant, retention: Duration, lease: Duration) {
        while let Some((key, generation)) = self.order.front() {
            let live = self
                .entries
                .get(key)
                .filter(|entry| entry.generation == *generation);
            let expired = live.is_none_or(|entry| {
                let keep = if entry.owner.is_none() {
                    retention
                } else {
                    lease
                };
                now.saturating_duration_since(entry.since) >= keep
            });
            if !expired {
                break;
            }
            let is_live = live.is_some();
            if let (Some((key, _)), true) = (self.order.pop_front(), is_live) {
                self.entries.remove(&key);
            }
        }
    }
}

impl Default for MemoryIdempotencyStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryIdempotencyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryIdempotencyStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("retention", &self.retention)
            .field("lease", &self.lease)
            .finish()
    }
}

impl IdempotencyStore for MemoryIdempotencyStore {
    async fn claim(&self, webhook_id: &str) -> Result<Claim, StoreError> {
        Ok(self.claim_now(webhook_id)?)
    }

    async fn complete(&self, webhook_id: &str) -> Result<(), StoreError> {
        Ok(self.complete_now(webhook_id)?)
    }

    async fn release(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreError> {
        self.release_now(webhook_id, owner);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::REPLAY_WINDOW;

    /// The token of a claim that must have been won.
    fn won(claim: Result<Claim, MemoryStoreFull>) -> ClaimToken {
        match claim {
            Ok(Claim::Claimed(owner)) => owner,
            other => panic!("expected a won claim, got {other:?}"),
        }
    }

    #[test]
    fn a_released_claim_can_be_claimed_again() {
        let store = MemoryIdempotencyStore::new();
        let owner = won(store.claim_now("a"));
        store.release_now("a", owner);
        let owner = won(store.claim_now("a"));
        store.complete_now("a").unwrap();
        store.release_now("a", owner);
        assert_eq!(store.claim_now("a"), Ok(Claim::Done));
    }

    #[test]
    fn a_full_store_refuses_new_ids_and_forgets_none() {
        let store = MemoryIdempotencyStore::new().with_capacity(3);
        for id in ["done-1", "done-2"] {
            won(store.claim_now(id));
            store.complete_now(id).unwrap();
        }
        let running = won(store.claim_now("running"));
        assert_eq!(
            store.claim_now("new"),
            Err(MemoryStoreFull { capacity: 3 }),
            "full: refused, not evicted"
        );
        // What it holds still answers: no replay, no concurrent duplicate.
        assert_eq!(store.claim_now("done-1"), Ok(Claim::Done));
        assert_eq!(store.claim_now("running"), Ok(Claim::InFlight));
        // A release frees room.
        store.release_now("running", running);
        won(store.claim_now("new"));
    }

    #[test]
    fn order_stays_bounded_through_releases_and_completions() {
        let store = MemoryIdempotencyStore::new().with_capacity(10);
        for round in 0..10_000 {
            let id = format!("id-{}", round % 5);
            if let Ok(Claim::Claimed(owner)) = store.claim_now(&id) {
                if round % 2 == 0 {
                    store.release_now(&id, owner);
                } else {
                    store.complete_now(&id).unwrap();
                }
            }
            let state = store.lock();
            assert!(state.entries.len() <= 10);
            assert!(state.order.len() <= 2 * state.entries.len() + 65);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handled_id_outlives_the_replay_window_and_a_flood_of_others() {
        let store = MemoryIdempotencyStore::new().with_capacity(1_000);
        assert!(store.retention() >= REPLAY_WINDOW);
        won(store.claim_now("handled"));
        store.complete_now("handled").unwrap();
        let mut refused = 0;
        for n in 0..10_000 {
            match store.claim_now(&format!("other-{n}")) {
                Ok(Claim::Claimed(_)) => store.complete_now(&format!("other-{n}")).unwrap(),
                Ok(other) => panic!("a new id answered {other:?}"),
                Err(MemoryStoreFull { .. }) => refused += 1,
            }
        }
        assert_eq!(refused, 10_000 - 999);
        tokio::time::advance(REPLAY_WINDOW).await;
        assert_eq!(store.claim_now("handled"), Ok(Claim::Done));
    }

    /// Issue 18, item 4: a claim whose handler still runs is never evicted
    /// by a flood of other ids (before the fix, the 10,001st id evicted it
    /// and its duplicate ran concurrently).
    #[tokio::test(start_paused = true)]
    async fn an_in_flight_claim_outlives_a_flood_of_10_000_other_ids() {
        let store = MemoryIdempotencyStore::new().with_capacity(1_000);
        let running = won(store.claim_now("running"));
        for n in 0..10_000 {
            if let Ok(Claim::Claimed(_)) = store.claim_now(&format!("other-{n}")) {
                store.complete_now(&format!("other-{n}")).unwrap();
            }
        }
        tokio::time::advance(store.lease - Duration::from_secs(1)).await;
        assert_eq!(store.claim_now("running"), Ok(Claim::InFlight));
        store.release_now("running", running);
        assert_eq!(
            store.claim_now("running").map(|c| c.token().is_some()),
            Ok(true)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn ids_are_forgotten_after_the_retention_and_claims_after_the_lease() {
        let store = MemoryIdempotencyStore::new()
            .with_retention(Duration::from_secs(600))
            .with_lease(Duration::from_secs(60));
        won(store.claim_now("done"));
        store.complete_now("done").unwrap();
        won(store.claim_now("stuck"));

        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(store.claim_now("stuck"), Ok(Claim::InFlight));
        tokio::time::advance(Duration::from_secs(2)).await;
        won(store.claim_now("stuck"));
        assert_eq!(store.claim_now("done"), Ok(Claim::Done));

        tokio::time::advance(Duration::from_secs(600)).await;
        won(store.claim_now("done"));
        assert_eq!(
            store.len(),
            1,
            "the taken-over claim expired with its lease"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_store_takes_new_ids_again_once_old_ones_expire() {
        let store = MemoryIdempotencyStore::new()
            .with_capacity(2)
            .with_retention(Duration::from_secs(600));
        for id in ["a", "b"] {
            store.claim_now(id).unwrap();
            store.complete_now(id).unwrap();
        }
        assert!(store.claim_now("c").is_err());
        tokio::time::advance(Duration::from_secs(600)).await;
        won(store.claim_now("c"));
    }
}

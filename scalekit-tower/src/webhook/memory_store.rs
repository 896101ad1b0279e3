//! The default idempotency store: a bounded map in this process's memory.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::idempotency::{Claim, IdempotencyStore, StoreError};

/// How many `webhook-id`s the default store remembers.
pub const DEFAULT_CAPACITY: usize = 10_000;
/// How long the default store remembers a `webhook-id`: longer than
/// Scalekit's retry schedule (about 22 minutes).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(60 * 60);
/// How long a claim whose handler never finished (its request was cancelled)
/// blocks redeliveries in the default store.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(2 * 60);

/// An [`IdempotencyStore`] in this process's memory.
///
/// **Per process**: with several replicas behind a load balancer, a retry may
/// reach another replica, which has not seen it; implement
/// [`IdempotencyStore`] over the app's database there.
///
/// Bounded by count and by age: it remembers at most
/// [`with_capacity`](Self::with_capacity) ids (default 10 000; the oldest
/// claims are forgotten first) for at most
/// [`with_retention`](Self::with_retention) after their claim (default 1
/// hour). A claim whose handler never finished expires after
/// [`with_lease`](Self::with_lease) (default 2 minutes). Clones share the
/// same memory.
///
/// ```
/// use scalekit_tower::webhook::{Claim, IdempotencyStore, MemoryIdempotencyStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = MemoryIdempotencyStore::new();
/// assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Claimed);
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

#[derive(Default)]
struct State {
    entries: HashMap<Arc<str>, Entry>,
    /// Claims in time order. An element whose generation no longer matches
    /// its entry is stale (the id was released or claimed again since).
    order: VecDeque<(Arc<str>, u64)>,
    next_generation: u64,
}

struct Entry {
    generation: u64,
    claimed_at: Instant,
    done: bool,
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

    /// Remembers at most `capacity` ids (at least 1).
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

    /// Forgets an id this long after its claim.
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

    fn claim_now(&self, webhook_id: &str) -> Claim {
        let now = Instant::now();
        let mut state = self.lock();
        state.evict(now, self.capacity, self.retention);
        if let Some(entry) = state.entries.get(webhook_id) {
            if entry.done {
                return Claim::Done;
            }
            if now.saturating_duration_since(entry.claimed_at) < self.lease {
                return Claim::InFlight;
            }
        }
        state.insert(webhook_id, now, false);
        state.evict(now, self.capacity, self.retention);
        Claim::Claimed
    }

    fn complete_now(&self, webhook_id: &str) {
        let now = Instant::now();
        let mut state = self.lock();
        match state.entries.get_mut(webhook_id) {
            Some(entry) => entry.done = true,
            // Forgotten while the handler ran (capacity): remember it again.
            None => {
                state.insert(webhook_id, now, true);
                state.evict(now, self.capacity, self.retention);
            }
        }
    }

    fn release_now(&self, webhook_id: &str) {
        let mut state = self.lock();
        if state
            .entries
            .get(webhook_id)
            .is_some_and(|entry| !entry.done)
        {
            state.entries.remove(webhook_id);
        }
    }
}

impl State {
    fn insert(&mut self, webhook_id: &str, now: Instant, done: bool) {
        let generation = self.next_generation;
        self.next_generation += 1;
        let key: Arc<str> = Arc::from(webhook_id);
        self.entries.insert(
            Arc::clone(&key),
            Entry {
                generation,
                claimed_at: now,
                done,
            },
        );
        self.order.push_back((key, generation));
    }

    /// Drops claims from the oldest while there are more than `capacity` or
    /// the oldest is past `retention`. `order` never holds more than
    /// `capacity` elements, and every entry has one, so both stay bounded.
    fn evict(&mut self, now: Instant, capacity: usize, retention: Duration) {
        while let Some((key, generation)) = self.order.front() {
            let live = self
                .entries
                .get(key)
                .filter(|entry| entry.generation == *generation);
            let expired = live
                .is_none_or(|entry| now.saturating_duration_since(entry.claimed_at) >= retention);
            if !expired && self.order.len() <= capacity {
                break;
            }
            let is_live = live.is_some();
            let popped = self.order.pop_front();
            if let (Some((key, _)), true) = (popped, is_live) {
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
        Ok(self.claim_now(webhook_id))
    }

    async fn complete(&self, webhook_id: &str) -> Result<(), StoreError> {
        self.complete_now(webhook_id);
        Ok(())
    }

    async fn release(&self, webhook_id: &str) -> Result<(), StoreError> {
        self.release_now(webhook_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_claim_can_be_claimed_again() {
        let store = MemoryIdempotencyStore::new();
        assert_eq!(store.claim_now("a"), Claim::Claimed);
        store.release_now("a");
        assert_eq!(store.claim_now("a"), Claim::Claimed);
        store.complete_now("a");
        store.release_now("a");
        assert_eq!(store.claim_now("a"), Claim::Done);
    }

    #[test]
    fn capacity_bounds_ids_and_order_even_with_releases() {
        let store = MemoryIdempotencyStore::new().with_capacity(3);
        for round in 0..50 {
            let id = format!("id-{round}");
            assert_eq!(store.claim_now(&id), Claim::Claimed);
            if round % 2 == 0 {
                store.release_now(&id);
                assert_eq!(store.claim_now(&id), Claim::Claimed);
            }
            store.complete_now(&id);
            let state = store.lock();
            assert!(state.entries.len() <= 3 && state.order.len() <= 3);
        }
        // The newest are remembered, the oldest forgotten.
        assert_eq!(store.claim_now("id-49"), Claim::Done);
        assert_eq!(store.claim_now("id-0"), Claim::Claimed);
    }

    #[tokio::test(start_paused = true)]
    async fn ids_are_forgotten_after_the_retention_and_claims_after_the_lease() {
        let store = MemoryIdempotencyStore::new()
            .with_retention(Duration::from_secs(600))
            .with_lease(Duration::from_secs(60));
        assert_eq!(store.claim_now("done"), Claim::Claimed);
        store.complete_now("done");
        assert_eq!(store.claim_now("stuck"), Claim::Claimed);

        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(store.claim_now("stuck"), Claim::InFlight);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(store.claim_now("stuck"), Claim::Claimed);
        assert_eq!(store.claim_now("done"), Claim::Done);

        tokio::time::advance(Duration::from_secs(600)).await;
        assert_eq!(store.claim_now("done"), Claim::Claimed);
        assert_eq!(store.len(), 1);
    }
}

//! The in-process budgets: one map of TATs per quota, bounded, evicting
//! idle and then least recently used keys instead of refusing anyone.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::quota::MintQuota;

/// Keys remembered per budget map before the idle ones are swept and, if
/// that is not enough, the least recently used ones dropped.
pub(crate) const MAX_KEYS: usize = 10_000;

/// The keys of one quota (every organization, or every user) in this
/// process.
#[derive(Debug)]
pub(crate) struct LocalBudgets {
    quota: MintQuota,
    /// Each key's TAT. A key whose TAT is past is at a full burst, the same
    /// as a key never seen.
    tats: Mutex<HashMap<String, Instant>>,
}

impl LocalBudgets {
    pub(crate) fn new(quota: MintQuota) -> Self {
        Self {
            quota,
            tats: Mutex::default(),
        }
    }

    pub(crate) fn quota(&self) -> MintQuota {
        self.quota
    }

    /// Whether `key` could take a mint now, without taking it or creating
    /// the key: `Err` is how long to wait.
    pub(crate) fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let tats = self.lock();
        let ahead = tats
            .get(key)
            .map_or(Duration::ZERO, |tat| tat.saturating_duration_since(now));
        self.quota.step(ahead).map(drop)
    }

    /// Takes one mint for `key`, or says how long until one is free. Never
    /// refuses because of other keys: when the map is full it drops keys
    /// back at a full burst, then the least recently used.
    pub(crate) fn take(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut tats = self.lock();
        let ahead = tats
            .get(key)
            .map_or(Duration::ZERO, |tat| tat.saturating_duration_since(now));
        let next = self.quota.step(ahead)?;
        if !tats.contains_key(key) && tats.len() >= MAX_KEYS {
            make_room(&mut tats, now);
        }
        tats.insert(key.to_owned(), now + next);
        Ok(())
    }

    /// How many keys it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // Every step leaves the map consistent: a poisoned lock is usable.
        self.tats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Drops the keys back at a full burst; if fewer than an eighth go, drops
/// the least recently used (the earliest TATs) down to seven eighths. Each
/// sweep frees at least an eighth of the map, so its cost spreads to a
/// constant per new key.
fn make_room(tats: &mut HashMap<String, Instant>, now: Instant) {
    tats.retain(|_, tat| *tat > now);
    let keep = MAX_KEYS - MAX_KEYS / 8;
    if tats.len() <= keep {
        return;
    }
    let mut by_tat: Vec<Instant> = tats.values().copied().collect();
    let cut = tats.len() - keep;
    let (_, oldest_kept, _) = by_tat.select_nth_unstable(cut);
    let oldest_kept = *oldest_kept;
    tats.retain(|_, tat| *tat >= oldest_kept);
    // Ties at the cut may leave a few more; drop any of them to the bound.
    let excess = tats.len().saturating_sub(keep);
    if excess > 0 {
        let ties: Vec<String> = tats
            .iter()
            .filter(|(_, tat)| **tat == oldest_kept)
            .map(|(key, _)| key.clone())
            .take(excess)
            .collect();
        for key in ties {
            tats.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budgets(burst: u32, period_secs: u64) -> LocalBudgets {
        LocalBudgets::new(MintQuota::new(burst, Duration::from_secs(period_secs)).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_one_per_period_per_key() {
        let budgets = budgets(2, 10);
        assert!(budgets.take("a").is_ok());
        assert!(budgets.take("a").is_ok());
        assert_eq!(budgets.take("a"), Err(Duration::from_secs(10)));
        assert_eq!(budgets.check("a"), Err(Duration::from_secs(10)));
        assert!(budgets.take("b").is_ok());
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(budgets.check("a").is_ok());
        assert!(budgets.take("a").is_ok());
        assert!(budgets.take("a").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_map_refuses_no_one_and_stays_bounded() {
        let budgets = budgets(5, 3600);
        assert!(budgets.take("kept").is_ok());
        // Keys that stay live for an hour, far more than the map holds.
        for n in 0..(MAX_KEYS * 3) {
            assert!(
                budgets.take(&format!("flood-{n}")).is_ok(),
                "key {n} refused"
            );
            assert!(budgets.len() <= MAX_KEYS);
        }
        // A key the flood pushed out starts again at a full burst: never a
        // refusal that belongs to another key.
        for _ in 0..5 {
            assert!(budgets.take("newcomer").is_ok());
        }
        assert!(
            budgets.take("newcomer").is_err(),
            "its own budget still holds"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn idle_keys_go_before_live_ones() {
        let budgets = budgets(1, 1);
        for n in 0..MAX_KEYS {
            budgets.take(&format!("idle-{n}")).unwrap();
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        budgets.take("new").unwrap();
        assert_eq!(budgets.len(), 1, "every idle key swept, the new one kept");
    }
}

//! What happened to each delivery, and counters per event type.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// How many deliveries the log keeps; older ones are forgotten (their
/// counters stay).
const LOG_CAPACITY: usize = 1000;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// The endpoint answered 2xx.
    Acknowledged,
    /// Every attempt of the schedule failed.
    GaveUp,
    /// Never sent: dropped by a fault, a full queue, or the emulator
    /// stopping first.
    Dropped,
}

/// One event's delivery to one endpoint, from
/// [`Emulator::deliveries`](crate::Emulator::deliveries).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The `webhook-id` header (`msg_...`), the same on every attempt.
    pub webhook_id: String,
    /// The event's `id` (`evt_...`).
    pub event_id: String,
    /// The event's `type`, e.g. `organization.sso_enabled`.
    pub event_type: String,
    /// The endpoint URL.
    pub endpoint: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// The HTTP status of the last answer; `None` before the first answer
    /// or when the last attempt timed out or could not connect.
    pub last_status: Option<u16>,
    /// Where it stands.
    pub outcome: DeliveryOutcome,
}

/// Delivery counters of one event type, in [`Stats`](crate::Stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookCounts {
    /// Deliveries queued (one per event and endpoint; a duplicated event
    /// counts twice).
    pub deliveries: u64,
    /// HTTP attempts made.
    pub attempts: u64,
    /// Deliveries an endpoint acknowledged with 2xx.
    pub acknowledged: u64,
    /// Deliveries given up after the last attempt of the schedule.
    pub gave_up: u64,
    /// Deliveries never sent (drop fault, full queue, shutdown).
    pub dropped: u64,
}

impl WebhookCounts {
    /// The sum of two sets of counters.
    pub(crate) fn plus(self, other: &Self) -> Self {
        Self {
            deliveries: self.deliveries + other.deliveries,
            attempts: self.attempts + other.attempts,
            acknowledged: self.acknowledged + other.acknowledged,
            gave_up: self.gave_up + other.gave_up,
            dropped: self.dropped + other.dropped,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    next_key: u64,
    records: VecDeque<(u64, WebhookDelivery)>,
    counts: BTreeMap<String, WebhookCounts>,
}

impl Inner {
    fn counts(&mut self, event_type: &str) -> &mut WebhookCounts {
        self.counts.entry(event_type.to_owned()).or_default()
    }

    fn record(&mut self, key: u64) -> Option<&mut WebhookDelivery> {
        // Recent keys are at the back, and updates concern recent records.
        self.records
            .iter_mut()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, record)| record)
    }
}

/// The delivery log and counters; waiters learn of every change.
#[derive(Debug)]
pub(crate) struct DeliveryLog {
    inner: Mutex<Inner>,
    changes: watch::Sender<u64>,
}

impl Default for DeliveryLog {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            changes: watch::Sender::new(0),
        }
    }
}

/// A handle on one logged delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeliveryKey(u64);

impl DeliveryLog {
    fn update<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let result = f(&mut self.inner());
        self.changes.send_modify(|version| *version += 1);
        result
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Logs a new pending delivery.
    pub(crate) fn queued(
        &self,
        webhook_id: &str,
        event_id: &str,
        event_type: &str,
        endpoint: &str,
    ) -> DeliveryKey {
        self.update(|inner| {
            let key = inner.next_key;
            inner.next_key += 1;
            inner.counts(event_type).deliveries += 1;
            if inner.records.len() == LOG_CAPACITY {
                inner.records.pop_front();
            }
            inner.records.push_back((
                key,
                WebhookDelivery {
                    webhook_id: webhook_id.to_owned(),
                    event_id: event_id.to_owned(),
                    event_type: event_type.to_owned(),
                    endpoint: endpoint.to_owned(),
                    attempts: 0,
                    last_status: None,
                    outcome: DeliveryOutcome::Pending,
                },
            ));
            DeliveryKey(key)
        })
    }

    /// An attempt of `key` is about to be sent.
    pub(crate) fn attempt(&self, key: DeliveryKey, event_type: &str) {
        self.update(|inner| {
            inner.counts(event_type).attempts += 1;
            if let Some(record) = inner.record(key.0) {
                record.attempts += 1;
            }
        });
    }

    /// An attempt of `key` got `status` (`None`: no HTTP answer); `outcome`
    /// is where the delivery stands now.
    pub(crate) fn answered(
        &self,
        key: DeliveryKey,
        event_type: &str,
        status: Option<u16>,
        outcome: DeliveryOutcome,
    ) {
        self.update(|inner| {
            let counts = inner.counts(event_type);
            match outcome {
                DeliveryOutcome::Acknowledged => counts.acknowledged += 1,
                DeliveryOutcome::GaveUp => counts.gave_up += 1,
                DeliveryOutcome::Dropped => counts.dropped += 1,
                DeliveryOutcome::Pending => {}
            }
            if let Some(record) = inner.record(key.0) {
                record.last_status = status;
                record.outcome = outcome;
            }
        });
    }

    /// `key` will not be sent (any more).
    pub(crate) fn dropped(&self, key: DeliveryKey, event_type: &str) {
        self.update(|inner| {
            inner.counts(event_type).dropped += 1;
            if let Some(record) = inner.record(key.0) {
                record.outcome = DeliveryOutcome::Dropped;
            }
        });
    }

    /// The kept deliveries, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.inner()
            .records
            .iter()
            .map(|(_, record)| record.clone())
            .collect()
    }

    /// The counters per event type.
    pub(crate) fn counts(&self) -> BTreeMap<String, WebhookCounts> {
        self.inner().counts.clone()
    }

    /// Waits until `done` holds for the kept deliveries (checked now and
    /// after every change). The caller bounds the wait.
    pub(crate) async fn wait_until(&self, done: impl Fn(&[WebhookDelivery]) -> bool) {
        let mut changes = self.changes.subscribe();
        loop {
            if done(&self.deliveries()) {
                return;
            }
            // The sender lives in `self`, so this only fails if `self` is
            // gone, which the borrow rules out.
            if changes.changed().await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_counts_follow_a_delivery() {
        let log = DeliveryLog::default();
        let key = log.queued("msg_1", "evt_1", "organization.sso_enabled", "http://x/");
        log.attempt(key, "organization.sso_enabled");
        log.answered(
            key,
            "organization.sso_enabled",
            Some(500),
            DeliveryOutcome::Pending,
        );
        log.attempt(key, "organization.sso_enabled");
        log.answered(
            key,
            "organization.sso_enabled",
            Some(204),
            DeliveryOutcome::Acknowledged,
        );
        let other = log.queued("msg_2", "evt_2", "organization.sso_disabled", "http://x/");
        log.dropped(other, "organization.sso_disabled");

        let records = log.deliveries();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].attempts, 2);
        assert_eq!(records[0].last_status, Some(204));
        assert_eq!(records[0].outcome, DeliveryOutcome::Acknowledged);
        assert_eq!(records[1].outcome, DeliveryOutcome::Dropped);
        let counts = log.counts();
        let enabled = counts["organization.sso_enabled"];
        assert_eq!(
            (enabled.deliveries, enabled.attempts, enabled.acknowledged),
            (1, 2, 1)
        );
        assert_eq!(counts["organization.sso_disabled"].dropped, 1);
    }

    #[test]
    fn the_log_is_bounded_but_counters_are_not() {
        let log = DeliveryLog::default();
        for n in 0..LOG_CAPACITY + 5 {
            log.queued(&format!("msg_{n}"), "evt", "t", "http://x/");
        }
        let records = log.deliveries();
        assert_eq!(records.len(), LOG_CAPACITY);
        assert_eq!(records[0].webhook_id, "msg_5");
        assert_eq!(log.counts()["t"].deliveries, LOG_CAPACITY as u64 + 5);
    }
}

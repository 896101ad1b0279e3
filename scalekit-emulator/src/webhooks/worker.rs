//! The delivery worker of one endpoint: one attempt in flight at a time,
//! retries on the schedule, faults applied, stopped by the shutdown signal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::endpoint::EndpointUrl;
use super::envelope::Envelope;
use super::faults::{DeliveryFault, DeliveryFaults};
use super::log::{DeliveryKey, DeliveryLog, DeliveryOutcome};
use super::schedule::RetrySchedule;
use super::secret::WebhookSecret;
use super::signing::sign;
use super::transport::{AttemptResult, Transport};

/// How far in the past a stale timestamp is (twice the 5-minute tolerance).
const STALE_BY: i64 = 600;
/// The longest an out-of-order event waits for the next one.
const OUT_OF_ORDER_HOLD: Duration = Duration::from_secs(5);

/// One event's delivery to this worker's endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// Its line in the delivery log.
    pub(crate) key: DeliveryKey,
    /// The `webhook-id` of every attempt.
    pub(crate) webhook_id: Arc<str>,
    /// The event.
    pub(crate) envelope: Arc<Envelope>,
    /// No attempt before this instant (the delay fault).
    pub(crate) not_before: Instant,
    /// Held back until another event has been sent (the out-of-order fault).
    pub(crate) out_of_order: bool,
}

/// A job waiting for its next attempt.
#[derive(Debug)]
struct Scheduled {
    job: Job,
    /// The number of the next attempt, from 1.
    attempt: u32,
    /// Still held back by the out-of-order fault.
    held: bool,
}

/// What a worker needs besides its queue.
#[derive(Debug, Clone)]
pub(crate) struct Worker {
    pub(crate) endpoint: EndpointUrl,
    pub(crate) transport: Transport,
    pub(crate) secret: WebhookSecret,
    pub(crate) schedule: RetrySchedule,
    pub(crate) log: Arc<DeliveryLog>,
    pub(crate) faults: Arc<DeliveryFaults>,
    /// The most jobs waiting here at once; the queue in front holds as many.
    pub(crate) capacity: usize,
}

/// Waits for the shutdown signal (a dropped sender counts as one).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

impl Worker {
    /// Delivers jobs from `jobs` until `shutdown` turns true, or the queue
    /// closes and nothing is left to send. Jobs not sent are logged as
    /// dropped.
    pub(crate) async fn run(
        self,
        mut jobs: mpsc::Receiver<Job>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut pending: BTreeMap<(Instant, u64), Scheduled> = BTreeMap::new();
        let mut seq = 0u64;
        let mut open = true;
        loop {
            if !open && pending.is_empty() {
                break;
            }
            let next_due = pending.keys().next().map(|(at, _)| *at);
            let wake = next_due.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                biased;
                () = stopped(&mut shutdown) => break,
                job = jobs.recv(), if open && pending.len() < self.capacity => match job {
                    Some(job) => {
                        let (at, held) = if job.out_of_order {
                            (job.not_before.max(Instant::now() + OUT_OF_ORDER_HOLD), true)
                        } else {
                            (job.not_before, false)
                        };
                        seq += 1;
                        pending.insert((at, seq), Scheduled { job, attempt: 1, held });
                    }
                    None => open = false,
                },
                () = tokio::time::sleep_until(wake), if next_due.is_some() => {
                    let Some((_, due)) = pending.pop_first() else { continue };
                    let released_others = !due.held;
                    let result = tokio::select! {
                        biased;
                        () = stopped(&mut shutdown) => {
                            self.log.dropped(due.job.key, due.job.envelope.event_type);
                            break;
                        }
                        result = self.attempt(&due) => result,
                    };
                    if let Some(retry) = self.settle(due, &result) {
                        seq += 1;
                        pending.insert((retry.0, seq), retry.1);
                    }
                    if released_others {
                        release_held(&mut pending);
                    }
                }
            }
        }
        for (_, left) in pending {
            self.log.dropped(left.job.key, left.job.envelope.event_type);
        }
    }

    /// Signs and sends one attempt of `due`.
    async fn attempt(&self, due: &Scheduled) -> AttemptResult {
        let job = &due.job;
        let mut timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        if self.faults.take(DeliveryFault::StaleTimestamp) {
            timestamp -= STALE_BY;
        }
        let headers = if self.faults.take(DeliveryFault::WrongSecret) {
            let wrong = WebhookSecret::from_key(self.secret.key().iter().map(|b| !b).collect());
            sign(&wrong, &job.webhook_id, timestamp, &job.envelope.body)
        } else {
            sign(&self.secret, &job.webhook_id, timestamp, &job.envelope.body)
        };
        self.log.attempt(job.key, job.envelope.event_type);
        let result = self
            .transport
            .post(&self.endpoint, &headers, job.envelope.body.clone())
            .await;
        tracing::debug!(
            endpoint = self.endpoint.as_str(),
            webhook_id = &*job.webhook_id,
            event_type = job.envelope.event_type,
            attempt = due.attempt,
            ?result,
            "webhook delivery attempt"
        );
        result
    }

    /// Logs how the attempt ended; returns the retry to schedule, if any.
    fn settle(&self, due: Scheduled, result: &AttemptResult) -> Option<(Instant, Scheduled)> {
        let (key, event_type) = (due.job.key, due.job.envelope.event_type);
        if result.acknowledged() {
            self.log.answered(
                key,
                event_type,
                result.status(),
                DeliveryOutcome::Acknowledged,
            );
            return None;
        }
        let next = due.attempt + 1;
        match self.schedule.delay_before(next) {
            Some(delay) => {
                self.log
                    .answered(key, event_type, result.status(), DeliveryOutcome::Pending);
                let at = Instant::now()
                    .checked_add(delay)
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
                let retry = Scheduled {
                    job: due.job,
                    attempt: next,
                    held: false,
                };
                Some((at, retry))
            }
            None => {
                tracing::warn!(
                    endpoint = self.endpoint.as_str(),
                    event_type,
                    attempts = due.attempt,
                    "webhook delivery given up"
                );
                self.log
                    .answered(key, event_type, result.status(), DeliveryOutcome::GaveUp);
                None
            }
        }
    }
}

/// Makes the held-back jobs due now: another event has been sent.
fn release_held(pending: &mut BTreeMap<(Instant, u64), Scheduled>) {
    let held: Vec<(Instant, u64)> = pending
        .iter()
        .filter(|(_, scheduled)| scheduled.held)
        .map(|(key, _)| *key)
        .collect();
    let now = Instant::now();
    for key in held {
        if let Some(mut scheduled) = pending.remove(&key) {
            scheduled.held = false;
            pending.insert((now.min(key.0), key.1), scheduled);
        }
    }
}

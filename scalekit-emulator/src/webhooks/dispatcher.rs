//! The entry point of deliveries: takes events without ever blocking the
//! caller and hands them to one background worker per endpoint.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::endpoint::EndpointUrl;
use super::envelope::{Envelope, Event};
use super::faults::{DeliveryFault, DeliveryFaults};
use super::log::DeliveryLog;
use super::schedule::RetrySchedule;
use super::secret::WebhookSecret;
use super::transport::Transport;
use super::worker::{Job, Worker};
use crate::format::ids;

/// Default deadline of one attempt (connect, send, answer's head).
pub(crate) const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default number of deliveries an endpoint may have waiting.
pub(crate) const DEFAULT_QUEUE_CAPACITY: usize = 256;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub(crate) struct DispatcherConfig {
    /// Where every event goes.
    pub(crate) endpoints: Vec<EndpointUrl>,
    /// The signing secret.
    pub(crate) secret: WebhookSecret,
    /// The `environment_id` of every envelope.
    pub(crate) environment_id: String,
    /// When retries happen.
    pub(crate) schedule: RetrySchedule,
    /// The deadline of each attempt.
    pub(crate) attempt_timeout: Duration,
    /// Deliveries each endpoint may have waiting; more are dropped.
    pub(crate) queue_capacity: usize,
}

#[derive(Debug)]
struct Queue {
    endpoint: EndpointUrl,
    jobs: mpsc::Sender<Job>,
}

/// Running delivery workers, with their log and fault controls. Dropping
/// it stops them.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    secret: WebhookSecret,
    environment_id: String,
    queues: Vec<Queue>,
    log: Arc<DeliveryLog>,
    faults: Arc<DeliveryFaults>,
    workers: Vec<AbortHandle>,
}

impl Dispatcher {
    /// Starts one worker per endpoint on the current tokio runtime; they
    /// stop when `shutdown` turns true (or its sender is dropped).
    pub(crate) fn start(config: DispatcherConfig, shutdown: watch::Receiver<bool>) -> Self {
        let log = Arc::new(DeliveryLog::default());
        let faults = Arc::new(DeliveryFaults::default());
        let capacity = config.queue_capacity.max(1);
        let transport = Transport::new(config.attempt_timeout);
        let mut queues = Vec::new();
        let mut workers = Vec::new();
        for endpoint in config.endpoints {
            let (sender, receiver) = mpsc::channel(capacity);
            let worker = Worker {
                endpoint: endpoint.clone(),
                transport: transport.clone(),
                secret: config.secret.clone(),
                schedule: config.schedule,
                log: log.clone(),
                faults: faults.clone(),
                capacity,
            };
            let task = tokio::spawn(worker.run(receiver, shutdown.clone()));
            workers.push(task.abort_handle());
            queues.push(Queue {
                endpoint,
                jobs: sender,
            });
        }
        Self {
            secret: config.secret,
            environment_id: config.environment_id,
            queues,
            log,
            faults,
            workers,
        }
    }

    /// The signing secret.
    pub(crate) fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    /// The delivery log and counters.
    pub(crate) fn log(&self) -> &DeliveryLog {
        &self.log
    }

    /// The delivery fault controls.
    pub(crate) fn faults(&self) -> &DeliveryFaults {
        &self.faults
    }

    /// Queues `event` (occurring now) for every endpoint and returns at
    /// once. A full queue drops the delivery, logged and counted as
    /// dropped.
    pub(crate) fn send(&self, event: &Event) {
        if self.queues.is_empty() {
            return;
        }
        let envelope = Arc::new(Envelope::new(
            event,
            &self.environment_id,
            OffsetDateTime::now_utc(),
        ));
        let webhook_id: Arc<str> = ids::message_id().into();
        let event_type = envelope.event_type;
        // A dropped event uses up no other fault.
        let dropped = self.faults.take(DeliveryFault::Drop);
        let copies = if !dropped && self.faults.take(DeliveryFault::Duplicate) {
            2
        } else {
            1
        };
        let out_of_order = !dropped && self.faults.take(DeliveryFault::OutOfOrder);
        let not_before = Instant::now() + self.faults.delay();
        for queue in &self.queues {
            for _ in 0..copies {
                let key = self.log.queued(
                    &webhook_id,
                    &envelope.id,
                    event_type,
                    queue.endpoint.as_str(),
                );
                if dropped {
                    self.log.dropped(key, event_type);
                    continue;
                }
                let job = Job {
                    key,
                    webhook_id: webhook_id.clone(),
                    envelope: envelope.clone(),
                    not_before,
                    out_of_order,
                };
                if queue.jobs.try_send(job).is_err() {
                    tracing::warn!(
                        endpoint = queue.endpoint.as_str(),
                        event_type,
                        "webhook queue full; delivery dropped"
                    );
                    self.log.dropped(key, event_type);
                }
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.abort();
        }
    }
}

//! Deduplicating deliveries by `webhook-id`: the store the service asks.

use std::future::Future;
use std::sync::Arc;

/// The error an [`IdempotencyStore`] may fail with (its database is down...).
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// The answer of [`IdempotencyStore::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller now owns the delivery: run the handler, then
    /// [`complete`](IdempotencyStore::complete) or
    /// [`release`](IdempotencyStore::release) it.
    Claimed,
    /// A handler already succeeded for this `webhook-id`: acknowledge, skip.
    Done,
    /// Another handler is running for this `webhook-id` right now: answer a
    /// non-2xx (409) so the sender retries later, when it is done or released.
    InFlight,
}

/// Where [`WebhookService`](super::WebhookService) records which deliveries
/// its handler has processed, so each `webhook-id` reaches the handler once.
///
/// The flow for one verified delivery: [`claim`](Self::claim); when
/// [`Claim::Claimed`], run the handler; on success
/// [`complete`](Self::complete) (later claims answer [`Claim::Done`]); on
/// failure [`release`](Self::release) (the sender's retry claims it again).
///
/// [`MemoryIdempotencyStore`](super::MemoryIdempotencyStore) is the default
/// and works within one process. An app with several replicas implements this
/// trait over its own database, for example a table keyed by `webhook_id` with
/// a state (`in_flight` / `done`) and a claim time:
///
/// - `claim`: insert `(id, in_flight, now)`; on conflict take the row over only
///   if it is `in_flight` and older than a lease (a replica that died while
///   handling it), and answer from the row's state otherwise;
/// - `complete`: set the state to `done`; `release`: delete the `in_flight` row;
/// - delete `done` rows after a retention longer than Scalekit's retry window
///   (about 22 minutes).
///
/// For exactly-once effects, also write the handler's effect and the seen mark
/// in one transaction inside the handler: the store keeps duplicates from
/// running the handler, the transaction keeps a crash between the effect and
/// [`complete`](Self::complete) from doubling it.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `webhook_id` for this caller, or says why not.
    fn claim(&self, webhook_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Marks `webhook_id` done: the handler succeeded.
    fn complete(&self, webhook_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up the claim on `webhook_id`: the handler failed, the next
    /// delivery of it runs the handler again.
    fn release(&self, webhook_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: IdempotencyStore> IdempotencyStore for Arc<T> {
    fn claim(&self, webhook_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        T::claim(self, webhook_id)
    }

    fn complete(&self, webhook_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        T::complete(self, webhook_id)
    }

    fn release(&self, webhook_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        T::release(self, webhook_id)
    }
}

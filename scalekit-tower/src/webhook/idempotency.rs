//! Deduplicating deliveries by `webhook-id`: the store the service asks, and
//! the retention rule every store keeps.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::verifier::DEFAULT_TOLERANCE;

/// The error an [`IdempotencyStore`] may fail with (its database is down,
/// slow past its deadline, or full). The service answers 503 to a delivery
/// it could not claim, so Scalekit retries it later.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// How long after it was handled a signed delivery can still be replayed
/// byte for byte: its timestamp may be [`DEFAULT_TOLERANCE`] old when it is
/// handled and is accepted until [`DEFAULT_TOLERANCE`] after it, plus a minute
/// of clock skew between the replicas (11 minutes). A store that forgets a
/// handled id sooner lets a replay run the handler again; every store's
/// retention is at least this.
pub const REPLAY_WINDOW: Duration =
    Duration::from_secs(2 * DEFAULT_TOLERANCE.as_secs() + MAX_CLOCK_SKEW.as_secs());

/// The clock skew between replicas [`REPLAY_WINDOW`] allows for.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// How long the stores remember a handled `webhook-id` by default: longer
/// than Scalekit's retry schedule (about 22 minutes) and than
/// [`REPLAY_WINDOW`].
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(60 * 60);

/// How long a claim whose handler never finished (its replica died or was
/// stopped mid-handler) blocks redeliveries by default: then another caller
/// may take it over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(2 * 60);

/// The answer of [`IdempotencyStore::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller now owns the delivery, under this [`ClaimToken`]: run the
    /// handler, then [`complete`](IdempotencyStore::complete) it, or
    /// [`release`](IdempotencyStore::release) it with the token.
    Claimed(ClaimToken),
    /// A handler already succeeded for this `webhook-id`: acknowledge, skip.
    Done,
    /// Another handler is running for this `webhook-id` right now: answer a
    /// non-2xx (409) so the sender retries later, when it is done or released.
    InFlight,
}

impl Claim {
    /// The token when this caller won the claim.
    pub fn token(self) -> Option<ClaimToken> {
        match self {
            Self::Claimed(token) => Some(token),
            Self::Done | Self::InFlight => None,
        }
    }
}

/// Who holds a claim: a random 128-bit value a store makes for each
/// [`Claim::Claimed`] and keeps with the claim.
///
/// A lease can run out while its handler still runs (a handler slower than
/// the lease, a replica paused): the next delivery then takes the claim over
/// with a new token. [`IdempotencyStore::release`] takes the token and gives
/// up the claim only while that token still holds it, so the first handler
/// failing late never releases the claim of the one that took over (which
/// would let a third delivery run while the second still does).
///
/// Not a secret (it only tells owners apart); [`Display`](std::fmt::Display)
/// writes it as 32 lowercase hex digits, the form the shared stores keep.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(u128);

impl ClaimToken {
    /// A fresh token, unlike any other this process or another makes (128
    /// random bits).
    pub fn random() -> Self {
        Self(fastrand::u128(..))
    }

    /// The token with this value (a store that keeps tokens as numbers).
    pub const fn from_u128(value: u128) -> Self {
        Self(value)
    }

    /// Its value.
    pub const fn as_u128(self) -> u128 {
        self.0
    }
}

impl std::fmt::Display for ClaimToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl std::fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClaimToken({self})")
    }
}

/// Where [`WebhookService`](super::WebhookService) records which deliveries
/// its handler has processed, so each `webhook-id` reaches the handler once.
///
/// The flow for one verified delivery: [`claim`](Self::claim); when
/// [`Claim::Claimed`], run the handler; on success
/// [`complete`](Self::complete) (later claims answer [`Claim::Done`]); on
/// failure [`release`](Self::release) with the claim's [`ClaimToken`] (the
/// sender's retry claims it again).
///
/// Every store keeps the same rules, checked by one conformance suite
/// (`scalekit-tower-stores`' tests run it against memory, PostgreSQL and
/// Redis):
///
/// - a claim is one atomic step: of many concurrent claims of one id, exactly
///   one answers [`Claim::Claimed`];
/// - an `in_flight` claim is never forgotten while its lease runs; once the
///   lease ([`DEFAULT_LEASE`]) is over, the next claim takes it over (a replica
///   that died mid-handler must not block the event for the rest of the retry
///   window) under a new [`ClaimToken`];
/// - a release gives up only the claim its token holds: after a takeover,
///   the first owner's late release changes nothing;
/// - a `done` id is remembered at least [`REPLAY_WINDOW`] (by default
///   [`DEFAULT_RETENTION`]); a store that cannot hold more ids answers an
///   error (503, the sender retries) rather than forget one early;
/// - a store that cannot answer within its deadline answers an error.
///
/// [`MemoryIdempotencyStore`](super::MemoryIdempotencyStore) is the default
/// and works within one process; the `scalekit-tower-stores` crate has the
/// same store on PostgreSQL and on Redis for several replicas.
///
/// For exactly-once effects, also write the handler's effect and the seen mark
/// in one transaction inside the handler: the store keeps duplicates from
/// running the handler, the transaction keeps a crash between the effect and
/// [`complete`](Self::complete) from doubling it.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `webhook_id` for this caller, or says why not.
    fn claim(&self, webhook_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Marks `webhook_id` done: the handler succeeded.
    ///
    /// Whoever holds the claim now, so it needs no token: a handler that
    /// succeeded after its lease ran out and another caller took the claim
    /// over still marks the delivery done. Its effect happened; were the
    /// mark withheld, that other caller failing would release the claim and
    /// Scalekit's retry would run the handler a third time.
    fn complete(&self, webhook_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up the claim `owner` holds on `webhook_id`: the handler failed,
    /// the next delivery of it runs the handler again. Changes nothing when
    /// `owner` no longer holds it (its lease ran out and another caller took
    /// it over, or the id is done).
    fn release(
        &self,
        webhook_id: &str,
        owner: ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: IdempotencyStore> IdempotencyStore for Arc<T> {
    fn claim(&self, webhook_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        T::claim(self, webhook_id)
    }

    fn complete(&self, webhook_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        T::complete(self, webhook_id)
    }

    fn release(
        &self,
        webhook_id: &str,
        owner: ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        T::release(self, webhook_id, owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_show_as_32_hex_digits() {
        let tokens: std::collections::HashSet<_> =
            (0..1_000).map(|_| ClaimToken::random()).collect();
        assert_eq!(tokens.len(), 1_000);
        let token = ClaimToken::from_u128(0xab);
        assert_eq!(token.to_string(), format!("{}ab", "0".repeat(30)));
        assert_eq!(token.as_u128(), 0xab);
        assert_eq!(Claim::Claimed(token).token(), Some(token));
        assert_eq!(Claim::Done.token(), None);
    }
}

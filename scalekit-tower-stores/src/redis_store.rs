//! `IdempotencyStore` on Redis: `SET NX` with a lease, a script to release.

use std::fmt;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, ExistenceCheck, Script, SetExpiry, SetOptions};
use scalekit_tower::webhook::{
    Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, IdempotencyStore, StoreError,
};

use crate::DEFAULT_DEADLINE;
use crate::error::{StoreFailure, within};
use crate::redis_connection::connection;

/// The key prefix the store uses unless told otherwise.
pub const DEFAULT_WEBHOOK_PREFIX: &str = "scalekit:webhook:";

const ENGINE: &str = "Redis";
/// A claim's value starts with this, followed by its owner's token.
const IN_FLIGHT: &str = "in_flight:";
const DONE: &str = "done";

/// Deletes the key only while it holds this owner's claim (compare and
/// delete, atomic in a script): a release never forgets a delivery another
/// replica completed, nor ends a claim another replica took over.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// An [`IdempotencyStore`] on Redis, shared by every replica that uses the
/// same server and prefix.
///
/// One key per `webhook-id` (prefix + the id's bytes): a claim is
/// `SET key in_flight:<token> NX GET PX lease`, one atomic command that
/// answers the value already there; when the lease runs out the key expires
/// and the next claim takes it over under a new [`ClaimToken`].
/// [`complete`](IdempotencyStore::complete) sets `done` with the retention
/// as its expiry, [`release`](IdempotencyStore::release) deletes the key only
/// while it holds the caller's own claim (a compare-and-delete script). Needs Redis 7 or newer. Every
/// call has a deadline ([`with_deadline`](Self::with_deadline), default 2
/// s); `Debug` never shows the connection.
///
/// ```no_run
/// use scalekit_tower_stores::RedisIdempotencyStore;
///
/// # fn run() -> Result<(), scalekit_tower_stores::StoreFailure> {
/// let store = RedisIdempotencyStore::connect("redis://127.0.0.1:6379")?
///     .with_prefix("myapp:webhooks:");
/// # let _ = store;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisIdempotencyStore {
    connection: ConnectionManager,
    prefix: String,
    lease: Duration,
    retention: Duration,
    deadline: Duration,
    release: Script,
}

impl RedisIdempotencyStore {
    /// A store on `connection`, with prefix [`DEFAULT_WEBHOOK_PREFIX`], the
    /// default lease and retention of `scalekit_tower::webhook`, and a 2 s
    /// deadline.
    pub fn new(connection: ConnectionManager) -> Self {
        Self {
            connection,
            prefix: DEFAULT_WEBHOOK_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            retention: DEFAULT_RETENTION,
            deadline: DEFAULT_DEADLINE,
            release: Script::new(RELEASE),
        }
    }

    /// A store on a connection to `url` that connects on first use and
    /// reconnects by itself. A malformed URL is a [`StoreFailure::Config`]
    /// that does not repeat it. Must be called within a tokio runtime.
    pub fn connect(url: &str) -> Result<Self, StoreFailure> {
        Ok(Self::new(connection(url, DEFAULT_DEADLINE)?))
    }

    /// Puts every key under `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Lets a claim whose handler never finished be taken over after
    /// `lease` (at least 1 ms). Keep it longer than the handler's longest
    /// run.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Forgets a handled id this long after it was completed (at least 1
    /// ms). Keep it at least
    /// [`REPLAY_WINDOW`](scalekit_tower::webhook::REPLAY_WINDOW) and longer
    /// than Scalekit's retry schedule (the default, 1 hour, is both).
    #[must_use]
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// How long one call may take before it fails (default 2 s).
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long a handled id is remembered.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    fn key(&self, webhook_id: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(self.prefix.len() + webhook_id.len());
        key.extend_from_slice(self.prefix.as_bytes());
        key.extend_from_slice(webhook_id.as_bytes());
        key
    }

    async fn claim_key(&self, webhook_id: &str) -> Result<Claim, StoreFailure> {
        let key = self.key(webhook_id);
        let options = SetOptions::default()
            .conditional_set(ExistenceCheck::NX)
            .get(true)
            .with_expiration(SetExpiry::PX(millis(self.lease)));
        let owner = ClaimToken::random();
        let value = claim_value(owner);
        let mut connection = self.connection.clone();
        let before: Option<String> = within(ENGINE, "claim", self.deadline, async {
            connection.set_options(&key, value, options).await
        })
        .await?;
        Ok(match before.as_deref() {
            None => Claim::Claimed(owner),
            Some(DONE) => Claim::Done,
            Some(_) => Claim::InFlight,
        })
    }

    async fn complete_key(&self, webhook_id: &str) -> Result<(), StoreFailure> {
        let key = self.key(webhook_id);
        let mut connection = self.connection.clone();
        within(ENGINE, "complete", self.deadline, async {
            connection
                .pset_ex::<_, _, ()>(&key, DONE, millis(self.retention))
                .await
        })
        .await
    }

    async fn release_key(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreFailure> {
        let key = self.key(webhook_id);
        let mut connection = self.connection.clone();
        within(ENGINE, "release", self.deadline, async {
            self.release
                .key(&key)
                .arg(claim_value(owner))
                .invoke_async::<i64>(&mut connection)
                .await
        })
        .await
        .map(drop)
    }
}

/// The value of a key `owner` holds a claim on.
fn claim_value(owner: ClaimToken) -> String {
    format!("{IN_FLIGHT}{owner}")
}

/// Whole milliseconds, at least 1 (Redis refuses a zero expiry).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl IdempotencyStore for RedisIdempotencyStore {
    async fn claim(&self, webhook_id: &str) -> Result<Claim, StoreError> {
        Ok(self.claim_key(webhook_id).await?)
    }

    async fn complete(&self, webhook_id: &str) -> Result<(), StoreError> {
        Ok(self.complete_key(webhook_id).await?)
    }

    async fn release(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreError> {
        Ok(self.release_key(webhook_id, owner).await?)
    }
}

impl fmt::Debug for RedisIdempotencyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisIdempotencyStore")
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

//! A shared minting limit on Redis: one GCRA budget per key for the fleet.

use std::fmt;
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::Script;
use redis::aio::ConnectionManager;
use scalekit_tower::{Budget, LimitBackend, LimitBackendError, Refusal};

use crate::DEFAULT_DEADLINE;
use crate::error::{StoreFailure, within};
use crate::redis_connection::connection;

/// The key prefix the limit uses unless told otherwise.
pub const DEFAULT_LIMIT_PREFIX: &str = "scalekit:limit:";

/// All or nothing, in one step on the server's clock: for each budget
/// (KEYS[i], period ARGV[2i-1] and burst ARGV[2i], in microseconds), the
/// GCRA of `scalekit_tower::MintQuota`; when every budget allows a mint, each
/// TAT moves and expires when back at a full burst; else nothing changes
/// and the answer names the first refusing budget and its wait.
const TAKE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local next_tats = {}
for i, key in ipairs(KEYS) do
  local period = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local next_tat = tat + period
  local horizon = now + period * burst
  if next_tat > horizon then
    return {i, next_tat - horizon}
  end
  next_tats[i] = next_tat
end
for i, key in ipairs(KEYS) do
  local ttl = math.ceil((next_tats[i] - now) / 1000) + 1
  redis.call('SET', key, string.format('%.0f', next_tats[i]), 'PX', ttl)
end
return {0, 0}
";

/// A [`LimitBackend`] on Redis for
/// [`MintLimit::shared`](scalekit_tower::MintLimit::shared): every replica
/// that uses the same server and prefix takes from one budget per key.
///
/// One script call per mint (all budgets at once, all or nothing, on
/// Redis's clock); a budget's key expires when it is back at a full burst,
/// so idle keys cost nothing. Each call has a deadline (default 2 s, and
/// the limit's own, shorter one: the in-process budgets answer past it).
///
/// ```no_run
/// use std::time::Duration;
/// use scalekit_tower::MintLimit;
/// use scalekit_tower_stores::RedisLimitBackend;
///
/// # fn run() -> Result<(), scalekit_tower_stores::StoreFailure> {
/// let limit = MintLimit::default().shared(RedisLimitBackend::connect("redis://127.0.0.1:6379")?);
/// # let _ = limit;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisLimitBackend {
    connection: ConnectionManager,
    prefix: String,
    deadline: Duration,
    script: Script,
}

impl RedisLimitBackend {
    /// A backend on `connection`, with prefix [`DEFAULT_LIMIT_PREFIX`].
    pub fn new(connection: ConnectionManager) -> Self {
        Self {
            connection,
            prefix: DEFAULT_LIMIT_PREFIX.to_owned(),
            deadline: DEFAULT_DEADLINE,
            script: Script::new(TAKE),
        }
    }

    /// A backend on a connection to `url` that connects on first use and
    /// reconnects by itself. Must be called within a tokio runtime.
    pub fn connect(url: &str) -> Result<Self, StoreFailure> {
        Ok(Self::new(connection(url, DEFAULT_DEADLINE)?))
    }

    /// Puts every key under `prefix`.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one call may take before it fails (default 2 s).
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    async fn take_all(&self, budgets: &[Budget]) -> Result<Result<(), Refusal>, StoreFailure> {
        let mut invocation = self.script.prepare_invoke();
        for budget in budgets {
            invocation.key(format!("{}{}", self.prefix, budget.key));
        }
        for budget in budgets {
            invocation
                .arg(micros(budget.quota.period()))
                .arg(budget.quota.burst());
        }
        let mut connection = self.connection.clone();
        let (refused, wait_micros): (usize, u64) = within("Redis", "limit", self.deadline, async {
            invocation.invoke_async(&mut connection).await
        })
        .await?;
        Ok(match refused {
            0 => Ok(()),
            budget => Err(Refusal {
                budget: budget - 1,
                retry_after: Duration::from_micros(wait_micros),
            }),
        })
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl LimitBackend for RedisLimitBackend {
    fn take<'a>(
        &'a self,
        budgets: &'a [Budget],
    ) -> BoxFuture<'a, Result<Result<(), Refusal>, LimitBackendError>> {
        Box::pin(async move { Ok(self.take_all(budgets).await?) })
    }
}

impl fmt::Debug for RedisLimitBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimitBackend")
            .field("prefix", &self.prefix)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

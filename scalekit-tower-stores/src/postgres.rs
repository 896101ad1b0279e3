//! `IdempotencyStore` on PostgreSQL: one table, one atomic claim.

use std::fmt;
use std::time::Duration;

use scalekit_tower::webhook::{
    Claim, ClaimToken, DEFAULT_LEASE, DEFAULT_RETENTION, IdempotencyStore, StoreError,
};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::DEFAULT_DEADLINE;
use crate::error::{StoreFailure, within};

/// The table the store uses unless told otherwise (in the connection's
/// search path).
pub const DEFAULT_TABLE: &str = "scalekit_webhook_deliveries";

const ENGINE: &str = "PostgreSQL";

/// An [`IdempotencyStore`] on PostgreSQL, shared by every replica that uses
/// the same table.
///
/// One row per `webhook-id` (`bytea`, so any id fits): `in_flight` with its
/// owner's [`ClaimToken`] while a handler runs, `done` after.
/// [`claim`](IdempotencyStore::claim) is one statement (`INSERT ... ON
/// CONFLICT DO UPDATE ... WHERE`): it inserts the row, or takes over an
/// `in_flight` row whose lease ran out (its replica died) or a `done` row
/// past its retention, under a new owner; of many concurrent claims, exactly
/// one wins. [`release`](IdempotencyStore::release) deletes the row only
/// `WHERE owner` is the caller's token, so a handler that outlived its lease
/// never releases the claim of the replica that took it over. Times come from the database's clock, so replicas'
/// clocks need not agree. Every call has a deadline
/// ([`with_deadline`](Self::with_deadline), default 2 s). `Debug` shows the
/// table and the durations, never the connection.
///
/// ```no_run
/// use scalekit_tower_stores::PostgresIdempotencyStore;
///
/// # async fn run() -> Result<(), scalekit_tower_stores::StoreFailure> {
/// let store = PostgresIdempotencyStore::connect("postgres://app@db/app")
///     .await?
///     .with_table(Some("webhooks"), "deliveries")?;
/// store.migrate().await?;
/// // Then: WebhookService::new(verifier, handler).with_store(store.clone()),
/// // and now and then `store.purge()`.
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresIdempotencyStore {
    pool: PgPool,
    /// `"schema"."table"` or `"table"`, quoted.
    table: String,
    /// The unquoted name, for the index and the migration lock.
    plain_name: String,
    lease: Duration,
    retention: Duration,
    deadline: Duration,
}

impl PostgresIdempotencyStore {
    /// A store on `pool`, with table [`DEFAULT_TABLE`], the default lease and
    /// retention of `scalekit_tower::webhook`, and a 2 s deadline.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            table: format!("\"{DEFAULT_TABLE}\""),
            plain_name: DEFAULT_TABLE.to_owned(),
            lease: DEFAULT_LEASE,
            retention: DEFAULT_RETENTION,
            deadline: DEFAULT_DEADLINE,
        }
    }

    /// Connects a small pool to `url` (lazily: the first call connects) and
    /// makes a store on it. A malformed URL is a [`StoreFailure::Config`]
    /// that does not repeat it.
    pub async fn connect(url: &str) -> Result<Self, StoreFailure> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(DEFAULT_DEADLINE)
            .connect_lazy(url)
            .map_err(|error| {
                StoreFailure::Config(format!(
                    "the PostgreSQL URL is not valid: {}",
                    crate::error::without_credentials(&error.to_string())
                ))
            })?;
        Ok(Self::new(pool))
    }

    /// Uses the table `table`, in `schema` when given (else the search
    /// path). Names are letters, digits and `_`, not starting with a digit,
    /// at most 63 bytes.
    pub fn with_table(mut self, schema: Option<&str>, table: &str) -> Result<Self, StoreFailure> {
        check_identifier(table)?;
        if let Some(schema) = schema {
            check_identifier(schema)?;
        }
        self.table = match schema {
            Some(schema) => format!("\"{schema}\".\"{table}\""),
            None => format!("\"{table}\""),
        };
        self.plain_name = match schema {
            Some(schema) => format!("{schema}.{table}"),
            None => table.to_owned(),
        };
        Ok(self)
    }

    /// Lets a claim whose handler never finished be taken over after
    /// `lease`. Keep it longer than the handler's longest run.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Treats a `done` row as forgotten this long after it was completed
    /// (and lets [`purge`](Self::purge) delete it). Keep it at least
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

    /// The pool, to share with the app's own queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates the schema (when named), the table and its index if missing,
    /// and adds the `owner` column to a table an earlier version created.
    /// Safe to run from every replica at start: concurrent runs wait for one
    /// another (an advisory lock).
    pub async fn migrate(&self) -> Result<(), StoreFailure> {
        let table = &self.table;
        let index = format!("\"{}_done_idx\"", self.plain_name.replace('.', "_"));
        let schema = self
            .table
            .split_once('.')
            .map(|(schema, _)| schema.to_owned());
        let statements = [
            schema.map(|schema| format!("CREATE SCHEMA IF NOT EXISTS {schema}")),
            Some(format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                    webhook_id bytea PRIMARY KEY,
                    state text NOT NULL CHECK (state IN ('in_flight', 'done')),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    owner text
                )"
            )),
            // Tables from before owner tokens: their claims have no owner,
            // so only their lease ends them.
            Some(format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS owner text"
            )),
            Some(format!(
                "CREATE INDEX IF NOT EXISTS {index} ON {table} (state, updated_at)"
            )),
        ];
        let lock_key = lock_key(&self.plain_name);
        within(ENGINE, "migrate", self.deadline * 5, async {
            let mut transaction = self.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock_key)
                .execute(&mut *transaction)
                .await?;
            for statement in statements.into_iter().flatten() {
                sqlx::query(&statement).execute(&mut *transaction).await?;
            }
            transaction.commit().await
        })
        .await
    }

    /// Deletes `done` rows past the retention and `in_flight` rows past
    /// both the lease and the retention (their replica died and Scalekit
    /// gave up); answers how many. Claims already treat such rows as absent:
    /// this only frees space. Run it every few minutes from one replica or
    /// all.
    pub async fn purge(&self) -> Result<u64, StoreFailure> {
        let sql = format!(
            "DELETE FROM {} WHERE (state = 'done' AND updated_at < now() - make_interval(secs => $1))
                OR updated_at < now() - make_interval(secs => $2)",
            self.table
        );
        let retention = self.retention.as_secs_f64();
        let abandoned = self.retention.max(self.lease).as_secs_f64();
        within(ENGINE, "purge", self.deadline, async {
            sqlx::query(&sql)
                .bind(retention)
                .bind(abandoned)
                .execute(&self.pool)
                .await
        })
        .await
        .map(|done| done.rows_affected())
    }

    async fn claim_row(&self, webhook_id: &str) -> Result<Claim, StoreFailure> {
        // One statement: insert, or take over an expired row. The row is
        // locked while the WHERE is evaluated, so exactly one concurrent
        // claim sees it expired.
        let claim = format!(
            "INSERT INTO {table} AS row (webhook_id, state, updated_at, owner)
             VALUES ($1, 'in_flight', now(), $4)
             ON CONFLICT (webhook_id) DO UPDATE
                SET state = 'in_flight', updated_at = now(), owner = $4
             WHERE (row.state = 'in_flight' AND row.updated_at <= now() - make_interval(secs => $2))
                OR (row.state = 'done' AND row.updated_at <= now() - make_interval(secs => $3))
             RETURNING 1",
            table = self.table
        );
        let state = format!("SELECT state FROM {} WHERE webhook_id = $1", self.table);
        let id = webhook_id.as_bytes();
        let owner = ClaimToken::random();
        within(ENGINE, "claim", self.deadline, async {
            let claimed = sqlx::query(&claim)
                .bind(id)
                .bind(self.lease.as_secs_f64())
                .bind(self.retention.as_secs_f64())
                .bind(owner.to_string())
                .fetch_optional(&self.pool)
                .await?;
            if claimed.is_some() {
                return Ok(Claim::Claimed(owner));
            }
            // Lost: say why. A row released in between reads as in flight
            // (retry later), never as claimed.
            let state: Option<String> = sqlx::query_scalar(&state)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            Ok::<_, sqlx::Error>(match state.as_deref() {
                Some("done") => Claim::Done,
                _ => Claim::InFlight,
            })
        })
        .await
    }

    async fn complete_row(&self, webhook_id: &str) -> Result<(), StoreFailure> {
        let sql = format!(
            "INSERT INTO {} AS row (webhook_id, state, updated_at) VALUES ($1, 'done', now())
             ON CONFLICT (webhook_id) DO UPDATE SET state = 'done', updated_at = now(), owner = NULL",
            self.table
        );
        within(ENGINE, "complete", self.deadline, async {
            sqlx::query(&sql)
                .bind(webhook_id.as_bytes())
                .execute(&self.pool)
                .await
        })
        .await
        .map(drop)
    }

    async fn release_row(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreFailure> {
        let sql = format!(
            "DELETE FROM {} WHERE webhook_id = $1 AND state = 'in_flight' AND owner = $2",
            self.table
        );
        within(ENGINE, "release", self.deadline, async {
            sqlx::query(&sql)
                .bind(webhook_id.as_bytes())
                .bind(owner.to_string())
                .execute(&self.pool)
                .await
        })
        .await
        .map(drop)
    }
}

impl IdempotencyStore for PostgresIdempotencyStore {
    async fn claim(&self, webhook_id: &str) -> Result<Claim, StoreError> {
        Ok(self.claim_row(webhook_id).await?)
    }

    async fn complete(&self, webhook_id: &str) -> Result<(), StoreError> {
        Ok(self.complete_row(webhook_id).await?)
    }

    async fn release(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreError> {
        Ok(self.release_row(webhook_id, owner).await?)
    }
}

impl fmt::Debug for PostgresIdempotencyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the pool: its options hold the connection's password.
        f.debug_struct("PostgresIdempotencyStore")
            .field("table", &self.plain_name)
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// A PostgreSQL identifier the store may quote without escaping.
fn check_identifier(name: &str) -> Result<(), StoreFailure> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(StoreFailure::Config(format!(
            "{:?} is not a table or schema name the store accepts: use letters, digits and `_`, \
             not starting with a digit, at most 63 bytes",
            name.chars().take(80).collect::<String>()
        )))
    }
}

/// The advisory lock key of a table's migration: stable across processes.
fn lock_key(name: &str) -> i64 {
    // FNV-1a: a fixed hash, the same in every replica and every build.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_checked_before_any_sql() {
        for bad in [
            "",
            "1x",
            "a-b",
            "a\"; DROP TABLE x; --",
            &"a".repeat(64),
            "ü",
        ] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
        for good in ["deliveries", "_x1", &"a".repeat(63)] {
            assert!(check_identifier(good).is_ok(), "{good:?}");
        }
    }
}

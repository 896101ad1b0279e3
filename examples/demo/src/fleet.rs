//! The demo as one replica of a fleet: what it shares with the others
//! through PostgreSQL (`DATABASE_URL`: sessions, webhook idempotency, the
//! record of handled deliveries) and Redis (`REDIS_URL`: the minting
//! limits). Without them everything stays in this process's memory.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use scalekit_tower::MintLimit;
use scalekit_tower::webhook::{
    Claim, ClaimToken, IdempotencyStore, MemoryIdempotencyStore, StoreError, WebhookEvent,
};
use scalekit_tower_stores::{PostgresIdempotencyStore, RedisLimitBackend, StoreFailure};
use sqlx::PgPool;

use crate::postgres_call::within;
use crate::session_store::{PostgresSessionStore, Sessions};
use crate::webhooks::{Delivery, summary};

/// The deliveries the panel shows per organization, newest first.
const SHOWN_DELIVERIES: i64 = 50;

/// Where this replica keeps what the fleet shares, and its name.
#[derive(Clone)]
pub struct Fleet {
    replica: Arc<str>,
    postgres: Option<PostgresIdempotencyStore>,
    redis: Option<RedisLimitBackend>,
    memory: MemoryIdempotencyStore,
    handler_delay: Duration,
}

impl Fleet {
    /// One replica alone: everything in memory.
    pub fn in_memory(replica: impl Into<String>) -> Self {
        Self {
            replica: Arc::from(replica.into()),
            postgres: None,
            redis: None,
            memory: MemoryIdempotencyStore::new(),
            handler_delay: Duration::ZERO,
        }
    }

    /// Puts the shared minting budgets under `prefix` in Redis (several
    /// fleets on one server keep apart).
    #[must_use]
    pub fn with_redis_prefix(mut self, prefix: &str) -> Self {
        self.redis = self.redis.map(|backend| backend.with_prefix(prefix));
        self
    }

    /// Lets another replica take over a delivery whose replica died
    /// mid-handler after `lease` (default 2 minutes).
    #[must_use]
    pub fn with_webhook_lease(mut self, lease: Duration) -> Self {
        self.postgres = self.postgres.map(|store| store.with_lease(lease));
        self.memory = self.memory.with_lease(lease);
        self
    }

    /// Makes the webhook handler take `delay` (to show a replica dying
    /// while it holds a claim).
    #[must_use]
    pub fn with_handler_delay(mut self, delay: Duration) -> Self {
        self.handler_delay = delay;
        self
    }

    /// How long the webhook handler waits before it acts.
    pub(crate) fn handler_delay(&self) -> Duration {
        self.handler_delay
    }

    /// A replica named `replica` sharing through PostgreSQL at
    /// `database_url` (after running the migrations) and Redis at
    /// `redis_url`, each when given. Errors never repeat the URLs.
    pub async fn connect(
        database_url: Option<&str>,
        redis_url: Option<&str>,
        replica: impl Into<String>,
    ) -> Result<Self, StoreFailure> {
        let mut fleet = Self::in_memory(replica);
        if let Some(url) = database_url {
            let store = PostgresIdempotencyStore::connect(url).await?;
            store.migrate().await?;
            migrate(store.pool()).await?;
            fleet.postgres = Some(store);
        }
        if let Some(url) = redis_url {
            fleet.redis = Some(RedisLimitBackend::connect(url)?);
        }
        Ok(fleet)
    }

    /// This replica's name, as `handled_by` shows it.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// `limit`, its budgets shared through Redis when the fleet has it.
    pub(crate) fn share(&self, limit: MintLimit) -> MintLimit {
        match &self.redis {
            Some(backend) => limit.shared(backend.clone()),
            None => limit,
        }
    }

    /// Where webhook deliveries are claimed.
    pub(crate) fn webhook_store(&self) -> FleetIdempotency {
        match &self.postgres {
            Some(store) => FleetIdempotency::Postgres(store.clone()),
            None => FleetIdempotency::Memory(self.memory.clone()),
        }
    }

    /// Where sign-ins are kept: the fleet's database, or this process's
    /// memory (at most `capacity` sessions).
    pub(crate) fn sessions(&self, capacity: usize) -> Sessions {
        match &self.postgres {
            Some(store) => Sessions::Postgres(PostgresSessionStore::new(store.pool().clone())),
            None => Sessions::memory(capacity),
        }
    }

    /// Records a handled delivery in the shared table (one row per run of
    /// the handler, so a delivery handled twice would show twice).
    pub(crate) async fn record(&self, event: &WebhookEvent) -> Result<(), StoreFailure> {
        let Some(store) = &self.postgres else {
            return Ok(());
        };
        let insert = sqlx::query(
            "INSERT INTO demo_deliveries
               (webhook_id, event_type, organization_id, occurred_at, summary, handled_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.webhook_id())
        .bind(event.event_type())
        .bind(event.organization_id())
        .bind(event.occurred_at())
        .bind(summary(event.data()))
        .bind(&*self.replica)
        .execute(store.pool());
        within("record", insert).await.map(drop)
    }

    /// The deliveries about `organization` from the shared table, or `None`
    /// without one.
    pub(crate) async fn deliveries_for(
        &self,
        organization: &str,
    ) -> Option<Result<Vec<Delivery>, StoreFailure>> {
        let store = self.postgres.as_ref()?;
        let select = sqlx::query_as::<
            _,
            (
                String,
                String,
                Option<String>,
                Option<String>,
                String,
                String,
            ),
        >(
            "SELECT webhook_id, event_type, organization_id, occurred_at, summary, handled_by
             FROM demo_deliveries WHERE organization_id = $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(organization)
        .bind(SHOWN_DELIVERIES)
        .fetch_all(store.pool());
        Some(within("deliveries", select).await.map(|rows| {
            rows.into_iter()
                .map(
                    |(
                        webhook_id,
                        event_type,
                        organization_id,
                        occurred_at,
                        summary,
                        handled_by,
                    )| {
                        Delivery {
                            webhook_id,
                            event_type,
                            organization_id,
                            occurred_at,
                            summary,
                            handled_by: Some(handled_by),
                        }
                    },
                )
                .collect()
        }))
    }

    /// Deletes expired sessions and old idempotency rows now and then
    /// (every replica may; each run is one statement).
    pub(crate) fn spawn_housekeeping(&self) {
        let Some(store) = self.postgres.clone() else {
            return;
        };
        tokio::spawn(async move {
            let sessions = PostgresSessionStore::new(store.pool().clone());
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                if let Err(error) = store.purge().await {
                    tracing::warn!(%error, "purging old webhook ids failed");
                }
                if let Err(error) = sessions.delete_expired_now().await {
                    tracing::warn!(%error, "deleting expired sessions failed");
                }
            }
        });
    }
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("replica", &self.replica)
            .field("postgres", &self.postgres)
            .field("redis", &self.redis)
            .finish()
    }
}

/// The demo's own tables, beside the store's.
async fn migrate(pool: &PgPool) -> Result<(), StoreFailure> {
    let run = async {
        let mut transaction = pool.begin().await?;
        // Replicas start together: one migrates, the others wait.
        sqlx::query("SELECT pg_advisory_xact_lock(7253917)")
            .execute(&mut *transaction)
            .await?;
        for statement in [
            "CREATE TABLE IF NOT EXISTS demo_deliveries (
                seq bigserial PRIMARY KEY,
                webhook_id text NOT NULL,
                event_type text NOT NULL,
                organization_id text,
                occurred_at text,
                summary text NOT NULL,
                handled_by text NOT NULL,
                handled_at timestamptz NOT NULL DEFAULT now()
            )",
            "CREATE INDEX IF NOT EXISTS demo_deliveries_organization_idx
                ON demo_deliveries (organization_id, seq)",
            crate::session_store::MIGRATION,
        ] {
            sqlx::query(statement).execute(&mut *transaction).await?;
        }
        transaction.commit().await
    };
    within("migrate", run).await
}

/// The webhook idempotency store of this replica: shared or in memory.
#[derive(Debug, Clone)]
pub(crate) enum FleetIdempotency {
    Memory(MemoryIdempotencyStore),
    Postgres(PostgresIdempotencyStore),
}

impl IdempotencyStore for FleetIdempotency {
    async fn claim(&self, webhook_id: &str) -> Result<Claim, StoreError> {
        match self {
            Self::Memory(store) => store.claim(webhook_id).await,
            Self::Postgres(store) => store.claim(webhook_id).await,
        }
    }

    async fn complete(&self, webhook_id: &str) -> Result<(), StoreError> {
        match self {
            Self::Memory(store) => store.complete(webhook_id).await,
            Self::Postgres(store) => store.complete(webhook_id).await,
        }
    }

    async fn release(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreError> {
        match self {
            Self::Memory(store) => store.release(webhook_id, owner).await,
            Self::Postgres(store) => store.release(webhook_id, owner).await,
        }
    }
}

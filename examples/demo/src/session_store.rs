//! Sign-ins every replica sees: a tower-sessions store on PostgreSQL (the
//! published sqlx store targets an older tower-sessions), or the memory
//! store alone.

use std::fmt;

use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::MemoryStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::postgres_call::within;

/// The sessions table, created by the fleet's migration.
pub(crate) const MIGRATION: &str = "CREATE TABLE IF NOT EXISTS demo_sessions (
    id text PRIMARY KEY,
    record bytea NOT NULL,
    expires_at bigint NOT NULL
)";

/// tower-sessions records in PostgreSQL, as JSON; expired ones are never
/// loaded and deleted by the fleet's housekeeping.
#[derive(Clone)]
pub(crate) struct PostgresSessionStore {
    pool: PgPool,
}

impl PostgresSessionStore {
    pub(crate) fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub(crate) async fn delete_expired_now(
        &self,
    ) -> Result<u64, scalekit_tower_stores::StoreFailure> {
        let delete = sqlx::query(
            "DELETE FROM demo_sessions WHERE expires_at < extract(epoch from now())::bigint",
        )
        .execute(&self.pool);
        within("delete expired sessions", delete)
            .await
            .map(|done| done.rows_affected())
    }
}

impl fmt::Debug for PostgresSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PostgresSessionStore")
    }
}

fn backend(error: impl fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for PostgresSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id until one is free: never overwrite another's session.
        loop {
            let bytes = serde_json::to_vec(&*record)
                .map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let insert = sqlx::query(
                "INSERT INTO demo_sessions (id, record, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(bytes)
            .bind(record.expiry_date.unix_timestamp())
            .execute(&self.pool);
            if within("create session", insert)
                .await
                .map_err(backend)?
                .rows_affected()
                == 1
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let bytes =
            serde_json::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let upsert = sqlx::query(
            "INSERT INTO demo_sessions (id, record, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET record = $2, expires_at = $3",
        )
        .bind(record.id.to_string())
        .bind(bytes)
        .bind(record.expiry_date.unix_timestamp())
        .execute(&self.pool);
        within("save session", upsert)
            .await
            .map_err(backend)
            .map(drop)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let select = sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT record FROM demo_sessions
             WHERE id = $1 AND expires_at > extract(epoch from now())::bigint",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool);
        match within("load session", select).await.map_err(backend)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| session_store::Error::Decode(e.to_string())),
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let delete = sqlx::query("DELETE FROM demo_sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool);
        within("delete session", delete)
            .await
            .map_err(backend)
            .map(drop)
    }
}

/// The demo's session store: shared or in memory.
#[derive(Debug, Clone)]
pub(crate) enum Sessions {
    Memory(MemoryStore),
    Postgres(PostgresSessionStore),
}

impl Sessions {
    pub(crate) fn memory() -> Self {
        Self::Memory(MemoryStore::default())
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Memory(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Memory(store) => store.save(record).await,
            Self::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Memory(store) => store.load(id).await,
            Self::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Memory(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

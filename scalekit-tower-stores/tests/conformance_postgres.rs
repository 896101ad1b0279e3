//! The store conformance suite on `PostgresIdempotencyStore`, against the
//! local PostgreSQL (each test in a table of its own).

#![cfg(feature = "postgres")]

#[macro_use]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use scalekit_tower_stores::PostgresIdempotencyStore;
use support::suite::Harness;

const SCHEMA: &str = "scalekit_tests";

#[derive(Clone, Default)]
struct Postgres {
    tables: Arc<Mutex<Vec<(PostgresIdempotencyStore, String)>>>,
}

impl Postgres {
    async fn fresh(&self) -> Option<PostgresIdempotencyStore> {
        let url = support::postgres_url().await?;
        let table = support::unique("conformance");
        let store = PostgresIdempotencyStore::connect(&url)
            .await
            .unwrap()
            .with_table(Some(SCHEMA), &table)
            .unwrap();
        store.migrate().await.unwrap();
        self.tables.lock().unwrap().push((store.clone(), table));
        Some(store)
    }

    async fn unreachable(url: String, deadline: Duration) -> PostgresIdempotencyStore {
        PostgresIdempotencyStore::connect(&url)
            .await
            .unwrap()
            .with_deadline(deadline)
    }
}

impl Harness for Postgres {
    type Store = PostgresIdempotencyStore;

    async fn default_store(&self) -> Option<Self::Store> {
        self.fresh().await
    }

    fn tuned(store: Self::Store, lease: Duration, retention: Duration) -> Self::Store {
        store.with_lease(lease).with_retention(retention)
    }

    fn retention(store: &Self::Store) -> Duration {
        store.retention()
    }

    async fn down(&self) -> Option<Self::Store> {
        let address = support::closed_port().await;
        Some(
            Self::unreachable(
                format!("postgres://postgres@{address}/test"),
                Duration::from_secs(2),
            )
            .await,
        )
    }

    async fn hanging(&self, deadline: Duration) -> Option<Self::Store> {
        let address = support::black_hole().await;
        Some(Self::unreachable(format!("postgres://postgres@{address}/test"), deadline).await)
    }

    async fn cleanup(&self) {
        let tables = std::mem::take(&mut *self.tables.lock().unwrap());
        for (store, table) in tables {
            let drop = format!("DROP TABLE IF EXISTS \"{SCHEMA}\".\"{table}\"");
            let _ = sqlx::query(&drop).execute(store.pool()).await;
        }
    }
}

conformance!(Postgres::default());

#[tokio::test]
async fn migrate_is_idempotent_and_safe_from_many_replicas_at_once() {
    let Some(url) = support::postgres_url().await else {
        return;
    };
    let table = support::unique("migrate");
    let stores: Vec<_> = futures_util::future::join_all((0..4).map(|_| async {
        PostgresIdempotencyStore::connect(&url)
            .await
            .unwrap()
            .with_table(Some(SCHEMA), &table)
            .unwrap()
    }))
    .await;
    let runs = futures_util::future::join_all(stores.iter().map(|store| store.migrate())).await;
    for run in runs {
        run.unwrap();
    }
    stores[0].migrate().await.unwrap();
    let drop = format!("DROP TABLE \"{SCHEMA}\".\"{table}\"");
    sqlx::query(&drop).execute(stores[0].pool()).await.unwrap();
}

#[tokio::test]
async fn purge_deletes_only_rows_past_the_retention() {
    let harness = Postgres::default();
    let Some(store) = harness
        .store(Duration::from_secs(3600), Duration::from_millis(300))
        .await
    else {
        return;
    };
    use scalekit_tower::webhook::IdempotencyStore;
    store.claim("old").await.unwrap();
    store.complete("old").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    store.claim("new").await.unwrap();
    store.complete("new").await.unwrap();
    assert_eq!(store.purge().await.unwrap(), 1);
    harness.cleanup().await;
}

#[tokio::test]
async fn errors_and_debug_never_show_the_password() {
    let address = support::closed_port().await;
    let store =
        PostgresIdempotencyStore::connect(&format!("postgres://app:s3cr3t-pw@{address}/test"))
            .await
            .unwrap();
    use scalekit_tower::webhook::IdempotencyStore;
    let error = store.claim("msg_1").await.unwrap_err().to_string();
    let debug = format!("{store:?}");
    for text in [&error, &debug] {
        assert!(!text.contains("s3cr3t-pw"), "{text}");
    }
    let bad = PostgresIdempotencyStore::connect("postgres://app:s3cr3t-pw@[::1").await;
    assert!(!bad.unwrap_err().to_string().contains("s3cr3t-pw"));
}

/// A table made before owner tokens (no `owner` column, a claim in flight
/// with no owner): `migrate` adds the column; that claim still blocks
/// duplicates until its lease, and new claims release by their token.
#[tokio::test]
async fn migrate_adds_the_owner_column_to_an_older_table() {
    use scalekit_tower::webhook::{Claim, IdempotencyStore};
    let harness = Postgres::default();
    let Some(url) = support::postgres_url().await else {
        return;
    };
    let table = support::unique("older");
    let store = PostgresIdempotencyStore::connect(&url)
        .await
        .unwrap()
        .with_table(Some(SCHEMA), &table)
        .unwrap();
    harness
        .tables
        .lock()
        .unwrap()
        .push((store.clone(), table.clone()));
    let pool = store.pool();
    sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{SCHEMA}\""))
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(&format!(
        "CREATE TABLE \"{SCHEMA}\".\"{table}\" (
            webhook_id bytea PRIMARY KEY,
            state text NOT NULL CHECK (state IN ('in_flight', 'done')),
            updated_at timestamptz NOT NULL DEFAULT now()
        )"
    ))
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(&format!(
        "INSERT INTO \"{SCHEMA}\".\"{table}\" (webhook_id, state) VALUES ('old_claim', 'in_flight')"
    ))
    .execute(pool)
    .await
    .unwrap();

    store.migrate().await.unwrap();
    assert_eq!(store.claim("old_claim").await.unwrap(), Claim::InFlight);
    let Claim::Claimed(owner) = store.claim("new_claim").await.unwrap() else {
        panic!("a new id is claimed after the migration");
    };
    store.release("new_claim", owner).await.unwrap();
    assert!(matches!(
        store.claim("new_claim").await.unwrap(),
        Claim::Claimed(_)
    ));
    harness.cleanup().await;
}

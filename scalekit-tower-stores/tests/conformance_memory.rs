//! The store conformance suite on `MemoryIdempotencyStore`, and what only a
//! bounded memory does: answer "full" instead of forgetting.

#[macro_use]
mod support;

use std::time::Duration;

use scalekit_tower::webhook::{Claim, IdempotencyStore, MemoryIdempotencyStore};
use support::suite::Harness;

#[derive(Clone)]
struct Memory;

impl Harness for Memory {
    type Store = MemoryIdempotencyStore;

    async fn default_store(&self) -> Option<Self::Store> {
        Some(MemoryIdempotencyStore::new())
    }

    fn tuned(store: Self::Store, lease: Duration, retention: Duration) -> Self::Store {
        store.with_lease(lease).with_retention(retention)
    }

    fn retention(store: &Self::Store) -> Duration {
        store.retention()
    }

    async fn down(&self) -> Option<Self::Store> {
        None
    }

    async fn hanging(&self, _: Duration) -> Option<Self::Store> {
        None
    }
}

conformance!(Memory);

#[tokio::test]
async fn a_full_memory_store_answers_an_error_and_forgets_nothing() {
    let store = MemoryIdempotencyStore::new().with_capacity(2);
    store.claim("done").await.unwrap();
    store.complete("done").await.unwrap();
    store.claim("running").await.unwrap();
    let error = store.claim("new").await.unwrap_err();
    assert!(error.to_string().contains("refusing a new one"), "{error}");
    assert_eq!(store.claim("done").await.unwrap(), Claim::Done);
    assert_eq!(store.claim("running").await.unwrap(), Claim::InFlight);
}

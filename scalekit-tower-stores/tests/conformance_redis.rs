//! The store conformance suite on `RedisIdempotencyStore`, against the local
//! Redis (each test under a key prefix of its own).

#![cfg(feature = "redis")]

#[macro_use]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use scalekit_tower_stores::RedisIdempotencyStore;
use support::suite::Harness;

#[derive(Clone, Default)]
struct Redis {
    prefixes: Arc<Mutex<Vec<(String, String)>>>,
}

impl Redis {
    async fn fresh(&self) -> Option<RedisIdempotencyStore> {
        let url = support::redis_url().await?;
        let prefix = format!("{}:", support::unique("scalekit-test:conformance"));
        self.prefixes
            .lock()
            .unwrap()
            .push((url.clone(), prefix.clone()));
        Some(
            RedisIdempotencyStore::connect(&url)
                .unwrap()
                .with_prefix(prefix),
        )
    }
}

impl Harness for Redis {
    type Store = RedisIdempotencyStore;

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
        Some(RedisIdempotencyStore::connect(&format!("redis://{address}")).unwrap())
    }

    async fn hanging(&self, deadline: Duration) -> Option<Self::Store> {
        let address = support::black_hole().await;
        Some(
            RedisIdempotencyStore::connect(&format!("redis://{address}"))
                .unwrap()
                .with_deadline(deadline),
        )
    }

    async fn cleanup(&self) {
        let prefixes = std::mem::take(&mut *self.prefixes.lock().unwrap());
        for (url, prefix) in prefixes {
            let Ok(client) = redis::Client::open(url) else {
                continue;
            };
            let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
                continue;
            };
            let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
                .arg(format!("{prefix}*"))
                .query_async(&mut connection)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL")
                    .arg(keys)
                    .query_async(&mut connection)
                    .await;
            }
        }
    }
}

conformance!(Redis::default());

#[tokio::test]
async fn errors_and_debug_never_show_the_password() {
    let address = support::closed_port().await;
    let store = RedisIdempotencyStore::connect(&format!("redis://:s3cr3t-pw@{address}")).unwrap();
    use scalekit_tower::webhook::IdempotencyStore;
    let error = store.claim("msg_1").await.unwrap_err().to_string();
    let debug = format!("{store:?}");
    for text in [&error, &debug] {
        assert!(!text.contains("s3cr3t-pw"), "{text}");
    }
    let bad = RedisIdempotencyStore::connect("redis://:s3cr3t-pw@[::1");
    assert!(!bad.unwrap_err().to_string().contains("s3cr3t-pw"));
}

//! Benchmark 8: what one replica pays for sharing with the fleet.
//!
//! - per delivery: `claim` + `complete` of a fresh `webhook-id` on the
//!   memory store, PostgreSQL and Redis (loopback), next to the HMAC
//!   verification of the same ~400 B delivery;
//! - per mint: a limiter check on Redis (`RedisLimitBackend`, one script
//!   call) next to the in-process budgets (`MintLimit::allow`).
//!
//! Without PostgreSQL or Redis on 127.0.0.1 their rows are skipped with a
//! notice. The `RATIO` lines at the end come from plain timed loops in one
//! run (BENCHMARKS.md records them).

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::Criterion;
use http::{HeaderMap, HeaderValue};
use scalekit_tower::webhook::{
    IdempotencyStore, MemoryIdempotencyStore, WebhookSecret, WebhookVerifier,
};
use scalekit_tower::{Budget, LimitBackend, MintLimit, MintQuota, OrganizationId};
use scalekit_tower_stores::{PostgresIdempotencyStore, RedisIdempotencyStore, RedisLimitBackend};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"spec_version":"1","id":"evt_94568078213382471","type":"organization.sso_enabled","object":"Connection","environment_id":"env_74418471961625391","occurred_at":"2025-10-14 09:29:27.098914+00:00","organization_id":"org_83544995172188677","data":{"id":"conn_94567862424830277","organization_id":"org_83544995172188677","connection_type":"OIDC","provider":"OKTA","enabled":true,"status":"COMPLETED"},"display_name":"SSO Connection Enabled"}"#;

fn signed_headers() -> HeaderMap {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let timestamp = i64::try_from(now.as_secs()).unwrap();
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign("msg_bench", timestamp, BODY.as_bytes())
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static("msg_bench"));
    headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
    headers.insert("webhook-signature", signature.parse().unwrap());
    headers
}

async fn listening(address: &str) -> bool {
    let connect = tokio::net::TcpStream::connect(address);
    let up = matches!(
        tokio::time::timeout(Duration::from_secs(1), connect).await,
        Ok(Ok(_))
    );
    if !up {
        eprintln!("notice: nothing listens on {address}; its rows are skipped");
    }
    up
}

/// The stores under test, each in a namespace of this run's own.
struct Stores {
    memory: MemoryIdempotencyStore,
    postgres: Option<PostgresIdempotencyStore>,
    redis: Option<RedisIdempotencyStore>,
    limit: Option<RedisLimitBackend>,
    table: String,
    prefix: String,
}

async fn stores() -> Stores {
    let run = format!("{}_{:08x}", std::process::id(), fastrand::u32(..));
    let table = format!("bench_{run}");
    let prefix = format!("scalekit-test:bench:{run}:");
    let postgres = if listening("127.0.0.1:5432").await {
        let store = PostgresIdempotencyStore::connect("postgres://postgres@127.0.0.1:5432/test")
            .await
            .unwrap()
            .with_table(Some("scalekit_tests"), &table)
            .unwrap();
        store.migrate().await.unwrap();
        Some(store)
    } else {
        None
    };
    let (redis, limit) = if listening("127.0.0.1:6379").await {
        (
            Some(
                RedisIdempotencyStore::connect("redis://127.0.0.1:6379")
                    .unwrap()
                    .with_prefix(format!("{prefix}webhook:")),
            ),
            Some(
                RedisLimitBackend::connect("redis://127.0.0.1:6379")
                    .unwrap()
                    .with_prefix(format!("{prefix}limit:")),
            ),
        )
    } else {
        (None, None)
    };
    Stores {
        memory: MemoryIdempotencyStore::new().with_capacity(10_000_000),
        postgres,
        redis,
        limit,
        table,
        prefix,
    }
}

async fn claim_complete<S: IdempotencyStore>(store: &S, n: u64) {
    let id = format!("msg_{n}");
    store.claim(&id).await.unwrap();
    store.complete(&id).await.unwrap();
}

/// Mean time of `count` runs of `step`.
async fn timed<F, Fut>(count: u64, mut step: F) -> Duration
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    for n in 0..count {
        step(n).await;
    }
    start.elapsed() / u32::try_from(count).unwrap()
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stores = runtime.block_on(stores());
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    let headers = signed_headers();
    let organization: OrganizationId = "org_83544995172188677".parse().unwrap();
    // A budget no bench run exhausts: the check's cost, not its refusals.
    let in_process = MintLimit::unlimited().per_organization(100_000, Duration::from_nanos(1));
    let budget = [Budget {
        key: "organization/org_bench".to_owned(),
        quota: MintQuota::new(100_000, Duration::from_nanos(1_000)).unwrap(),
    }];

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("stores");
    group.bench_function("hmac_verify", |b| {
        b.iter(|| black_box(verifier.verify(&headers, BODY.as_bytes()).unwrap()))
    });
    let mut n = 0u64;
    group.bench_function("memory/claim_complete", |b| {
        b.to_async(&runtime).iter(|| {
            n += 1;
            claim_complete(&stores.memory, n)
        })
    });
    if let Some(store) = &stores.postgres {
        group.bench_function("postgres/claim_complete", |b| {
            b.to_async(&runtime).iter(|| {
                n += 1;
                claim_complete(store, n)
            })
        });
    }
    if let Some(store) = &stores.redis {
        group.bench_function("redis/claim_complete", |b| {
            b.to_async(&runtime).iter(|| {
                n += 1;
                claim_complete(store, n)
            })
        });
    }
    group.bench_function("limit/in_process", |b| {
        b.to_async(&runtime)
            .iter(|| async { in_process.allow(None, &organization).await.unwrap() })
    });
    if let Some(limit) = &stores.limit {
        group.bench_function("limit/redis", |b| {
            b.to_async(&runtime)
                .iter(|| async { limit.take(&budget).await.unwrap().unwrap() })
        });
    }
    group.finish();

    // The ratios, from plain loops in this run.
    let count = if std::env::args().any(|a| a == "--bench") {
        2_000
    } else {
        20
    };
    runtime.block_on(async {
        let verify = timed(count, |_| async {
            black_box(verifier.verify(&headers, BODY.as_bytes()).unwrap());
        })
        .await;
        let mut rows = vec![(
            "memory claim+complete",
            timed(count, |n| claim_complete(&stores.memory, 1_000_000_000 + n)).await,
        )];
        if let Some(store) = &stores.postgres {
            rows.push((
                "postgres claim+complete",
                timed(count, |n| claim_complete(store, 1_000_000_000 + n)).await,
            ));
        }
        if let Some(store) = &stores.redis {
            rows.push((
                "redis claim+complete",
                timed(count, |n| claim_complete(store, 1_000_000_000 + n)).await,
            ));
        }
        println!("hmac verify of the same delivery: {verify:?}");
        for (name, mean) in rows {
            println!(
                "RATIO {name} / hmac verify = {:.1}x ({mean:?})",
                mean.as_secs_f64() / verify.as_secs_f64()
            );
        }
        let local = timed(count, |_| async {
            in_process.allow(None, &organization).await.unwrap();
        })
        .await;
        println!("in-process limit check: {local:?}");
        if let Some(limit) = &stores.limit {
            let shared = timed(count, |_| async {
                limit.take(&budget).await.unwrap().unwrap();
            })
            .await;
            println!(
                "RATIO redis limit check / in-process = {:.0}x ({shared:?})",
                shared.as_secs_f64() / local.as_secs_f64()
            );
        }
        // Leave nothing behind.
        if let Some(store) = &stores.postgres {
            let drop = format!(
                "DROP TABLE IF EXISTS \"scalekit_tests\".\"{}\"",
                stores.table
            );
            let _ = sqlx::query(&drop).execute(store.pool()).await;
        }
        if let Ok(client) = redis::Client::open("redis://127.0.0.1:6379")
            && let Ok(mut connection) = client.get_multiplexed_async_connection().await
        {
            let keys: Vec<Vec<u8>> = redis::cmd("KEYS")
                .arg(format!("{}*", stores.prefix))
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
    });
    criterion.final_summary();
}

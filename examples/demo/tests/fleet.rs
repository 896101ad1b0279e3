//! Three demo replicas (real processes) behind a round-robin front, sharing
//! PostgreSQL and Redis, against one emulator: each webhook event reaches the
//! handler once (duplicates, reordering, the same delivery at two replicas
//! at once, a replica killed while it holds a claim), a sign-in on one
//! replica holds on the others, and a refresh burst spends one shared
//! budget (three with the in-process limit).
//!
//! Needs PostgreSQL and Redis on 127.0.0.1 (skipped with a notice without
//! them; under `CI=true` a missing server fails). Each run makes a database
//! and a Redis key prefix of its own and removes them.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use scalekit_demo::{DELIVERIES_PATH, REFRESH_PATH, WEBHOOK_PATH};
use scalekit_emulator::{DeliveryOutcome, Emulator};
use scalekit_testkit::proxy::RoundRobin;
use scalekit_tower::{Client, Config, NewOrganization};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const DEADLINE: Duration = Duration::from_secs(60);

/// The server at `address`, or `None` with a notice (a failure under CI).
async fn reachable(engine: &str, address: &str) -> bool {
    let connect = tokio::net::TcpStream::connect(address);
    if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), connect).await {
        return true;
    }
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{engine} is not running on {address}; CI needs it (.ci/run starts it)");
    }
    eprintln!("notice: {engine} is not running on {address}; skipping the fleet test");
    false
}

/// A database of this run's own, dropped at the end.
struct Database {
    admin: PgPool,
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Self {
        let admin = PgPool::connect("postgres://postgres@127.0.0.1:5432/test")
            .await
            .unwrap();
        let name = format!("fleet_{}_{:08x}", std::process::id(), fastrand::u32(..));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        Self { admin, name, url }
    }

    async fn drop_now(self) {
        let _ = sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .execute(&self.admin)
            .await;
    }
}

/// One demo process.
struct Replica {
    id: String,
    origin: String,
    child: Child,
}

/// Starts the demo binary as replica `id` against `emulator`, sharing
/// `database` (and Redis under `redis_prefix` when given).
async fn replica(
    id: &str,
    emulator: &Emulator,
    database: &str,
    redis_prefix: Option<&str>,
    handler_delay: Duration,
) -> Replica {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_scalekit-demo"));
    command
        .env("PORT", "0")
        .env("SCALEKIT_ENVIRONMENT_URL", emulator.base_url())
        .env("SCALEKIT_CLIENT_ID", emulator.client_id())
        .env("SCALEKIT_CLIENT_SECRET", emulator.client_secret())
        .env("SCALEKIT_WEBHOOK_SECRET", emulator.webhook_secret())
        .env("DATABASE_URL", database)
        .env("REPLICA_ID", id)
        .env("WEBHOOK_LEASE_MS", "2000")
        .env(
            "WEBHOOK_HANDLER_DELAY_MS",
            handler_delay.as_millis().to_string(),
        )
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(prefix) = redis_prefix {
        command
            .env("REDIS_URL", "redis://127.0.0.1:6379")
            .env("REDIS_PREFIX", prefix);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.split("Open ").nth(1) {
                return url.trim().trim_end_matches('/').to_owned();
            }
        }
        panic!("replica {id} exited without printing its URL");
    };
    let origin = tokio::time::timeout(DEADLINE, read).await.unwrap();
    // Keep reading what it prints, so it never writes into a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Replica {
        id: id.to_owned(),
        origin,
        child,
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// Signs `user` in at `origin`; answers the session cookie.
async fn sign_in(origin: &str, user: &str) -> String {
    let response = http()
        .post(format!("{origin}/login"))
        .form(&[("user", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn get(origin: &str, path: &str, cookie: &str) -> reqwest::Response {
    http()
        .get(format!("{origin}{path}"))
        .header("cookie", cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap()
}

/// Posts a delivery of `body` with id `id`, freshly signed, to `origin`.
async fn post_delivery(origin: &str, secret: &str, id: &str, body: &str) -> u16 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(id, now, body.as_bytes())
        .unwrap();
    match http()
        .post(format!("{origin}{WEBHOOK_PATH}"))
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

fn sso_event(id: &str, organization: &str) -> String {
    json!({
        "spec_version": "1", "id": id, "type": "organization.sso_enabled",
        "object": "Connection", "occurred_at": "2026-01-01T00:00:00Z",
        "environment_id": "env_1", "organization_id": organization,
        "data": {"id": "conn_1", "organization_id": organization, "connection_type": "SAML",
                 "provider": "OKTA", "enabled": true, "status": "COMPLETED"}
    })
    .to_string()
}

/// How many times the handler ran for each webhook id, and where.
async fn effects(database: &PgPool) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT webhook_id, handled_by FROM demo_deliveries ORDER BY seq")
            .fetch_all(database)
            .await
            .unwrap();
    let mut effects: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, replica) in rows {
        effects.entry(id).or_default().push(replica);
    }
    effects
}

/// Refreshes `count` times through `front` as the session `cookie`; answers
/// how many links were minted.
async fn refresh_burst(front: &str, cookie: &str, count: usize) -> usize {
    let mut minted = 0;
    for _ in 0..count {
        let status = get(front, REFRESH_PATH, cookie).await.status().as_u16();
        assert!(status == 200 || status == 429, "refresh answered {status}");
        minted += usize::from(status == 200);
    }
    minted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_share_one_truth() {
    if !reachable("PostgreSQL", "127.0.0.1:5432").await
        || !reachable("Redis", "127.0.0.1:6379").await
    {
        return;
    }
    let database = Database::create().await;
    let front = RoundRobin::start(Vec::new()).await;
    let emulator = Emulator::builder()
        .webhook_endpoint(format!("{}{WEBHOOK_PATH}", front.origin()))
        .webhook_retry_scale(0.01)
        .start()
        .await
        .unwrap();
    let prefix = format!(
        "scalekit-test:fleet:{}:{:08x}:",
        std::process::id(),
        fastrand::u32(..)
    );
    let mut replicas = Vec::new();
    for id in ["r1", "r2", "r3"] {
        replicas.push(replica(id, &emulator, &database.url, Some(&prefix), Duration::ZERO).await);
    }
    front.route_to(replicas.iter().map(|r| r.origin.clone()).collect());
    let shared = PgPool::connect(&database.url).await.unwrap();
    let secret = emulator.webhook_secret().to_owned();
    let acme = emulator
        .organizations()
        .into_iter()
        .find(|o| o.external_id.as_deref() == Some("acme"))
        .unwrap()
        .id;

    // A sign-in on r1 holds on r2 and r3.
    let cookie = sign_in(&replicas[0].origin, "alice").await;
    for replica in &replicas {
        let answer = get(&replica.origin, DELIVERIES_PATH, &cookie).await;
        assert_eq!(
            answer.status(),
            200,
            "signed in on r1, not on {}",
            replica.id
        );
    }

    // The emulator's deliveries through the front, with duplicates and
    // reordering: one effect per event.
    emulator.faults().duplicate_next_webhooks(4);
    emulator.faults().reorder_next_webhooks(4);
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .build()
        .unwrap();
    let client = Client::new(config).unwrap();
    for n in 0..8 {
        client
            .create_organization(&NewOrganization::new(format!("Fleet {n}")))
            .await
            .unwrap();
    }
    tokio::time::timeout(DEADLINE, emulator.webhooks_settled())
        .await
        .unwrap();
    let delivered = emulator.deliveries();
    assert!(delivered.len() >= 8, "{delivered:?}");
    assert!(
        delivered
            .iter()
            .all(|d| d.outcome == DeliveryOutcome::Acknowledged),
        "{delivered:?}"
    );

    // The same delivery at two replicas at the same instant, five times.
    for n in 0..5 {
        let id = format!("msg_twice_{n}");
        let body = sso_event(&format!("evt_twice_{n}"), &acme);
        let (a, b) = tokio::join!(
            post_delivery(&replicas[0].origin, &secret, &id, &body),
            post_delivery(&replicas[1].origin, &secret, &id, &body),
        );
        assert!([a, b].contains(&204), "{a} {b}");
    }

    let effects_now = effects(&shared).await;
    for delivery in &delivered {
        let runs = effects_now.get(&delivery.webhook_id).map_or(0, Vec::len);
        assert_eq!(runs, 1, "{} ran {runs} times", delivery.webhook_id);
    }
    for n in 0..5 {
        assert_eq!(effects_now[&format!("msg_twice_{n}")].len(), 1);
    }
    let handlers: BTreeSet<&String> = effects_now.values().flatten().collect();
    assert!(
        handlers.len() >= 2,
        "round robin spread the work: {handlers:?}"
    );
    let events: BTreeSet<&str> = delivered.iter().map(|d| d.webhook_id.as_str()).collect();
    eprintln!(
        "fleet: {} emulator sends of {} events (4 duplicated, 4 reordered) + 5 events posted to two replicas at once -> {} effects, each once, handled by {handlers:?}",
        delivered.len(),
        events.len(),
        effects_now.len()
    );
    assert_eq!(
        effects_now.len(),
        events.len() + 5,
        "none missing, none extra"
    );

    // Every replica shows the same list, each delivery once, with its replica.
    let mut lists = Vec::new();
    for replica in &replicas {
        let list: Value = get(&replica.origin, DELIVERIES_PATH, &cookie)
            .await
            .json()
            .await
            .unwrap();
        lists.push(list);
    }
    assert!(lists.windows(2).all(|pair| pair[0] == pair[1]), "{lists:?}");
    let ids: Vec<&str> = lists[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["webhook_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        ids.iter().collect::<BTreeSet<_>>().len(),
        "{ids:?}"
    );
    assert!(
        ids.len() >= 5 && lists[0][0]["handled_by"].is_string(),
        "{}",
        lists[0]
    );

    // A replica killed while its handler holds a claim: the retry waits
    // for the lease (409), then another replica handles it, once.
    let mut doomed = replica(
        "r-doomed",
        &emulator,
        &database.url,
        Some(&prefix),
        Duration::from_secs(5),
    )
    .await;
    let body = sso_event("evt_killed", &acme);
    let first = tokio::spawn({
        let (origin, secret, body) = (doomed.origin.clone(), secret.clone(), body.clone());
        async move { post_delivery(&origin, &secret, "msg_killed", &body).await }
    });
    let started = Instant::now();
    loop {
        let state: Option<String> = sqlx::query_scalar(
            "SELECT state FROM scalekit_webhook_deliveries WHERE webhook_id = $1",
        )
        .bind("msg_killed".as_bytes())
        .fetch_optional(&shared)
        .await
        .unwrap();
        if state.as_deref() == Some("in_flight") {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the doomed replica never claimed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    doomed.child.start_kill().unwrap();
    doomed.child.wait().await.unwrap();
    let killed_at = Instant::now();
    assert_eq!(first.await.unwrap(), 0, "the killed replica never answered");
    let mut answers = Vec::new();
    loop {
        let status = post_delivery(&front.origin(), &secret, "msg_killed", &body).await;
        answers.push(status);
        if status == 204 {
            break;
        }
        assert_eq!(status, 409, "{answers:?}");
        assert!(killed_at.elapsed() < DEADLINE, "{answers:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        answers.first(),
        Some(&409),
        "in flight while its lease runs"
    );
    let runs = effects(&shared).await["msg_killed"].clone();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_ne!(runs[0], "r-doomed");
    eprintln!(
        "fleet: replica killed mid-handler; retries answered {} x 409 then 204 after {:?}, handled once by {}",
        answers.len() - 1,
        killed_at.elapsed(),
        runs[0]
    );

    // A refresh burst over the three replicas spends one shared budget...
    let front_cookie = sign_in(&front.origin(), "bob").await;
    let shared_minted = refresh_burst(&front.origin(), &front_cookie, 45).await;
    // ...and, with each replica's own limit, three.
    let mut local = Vec::new();
    for id in ["l1", "l2", "l3"] {
        local.push(replica(id, &emulator, &database.url, None, Duration::ZERO).await);
    }
    let local_front = RoundRobin::start(local.iter().map(|r| r.origin.clone()).collect()).await;
    let local_cookie = sign_in(&local_front.origin(), "bob").await;
    let local_minted = refresh_burst(&local_front.origin(), &local_cookie, 45).await;
    eprintln!(
        "fleet: 45 refreshes by one user over 3 replicas: {shared_minted} links with the shared Redis limit, {local_minted} with in-process limits"
    );
    // The per-user quota: 10 at once, then one every 6 s.
    assert!((10..=11).contains(&shared_minted), "{shared_minted}");
    assert!(local_minted >= 28, "{local_minted}");

    drop(local);
    drop(replicas);
    shared.close().await;
    if let Ok(client) = redis::Client::open("redis://127.0.0.1:6379")
        && let Ok(mut connection) = client.get_multiplexed_async_connection().await
    {
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
    database.drop_now().await;
}

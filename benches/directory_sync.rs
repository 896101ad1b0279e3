//! Benchmark 9: directory sync.
//!
//! - listing a directory of 10,000 users through the kit's stream
//!   (`Client::directory_users`, pages of 30) next to the same pages fetched
//!   by a plain loop of `reqwest` GETs that follows `next_page_token`
//!   (the `RATIO` line), both against the emulator in-process on loopback;
//! - applying 10,000 `user_created`/`user_updated` events through the
//!   helper (`DirectorySync::apply` into `InMemoryDirectory`): events per
//!   second.
//!
//! A listing of 10,000 users takes seconds (the emulator builds every
//! user's view for each page), so the listing is measured only by the
//! paired rounds (three of each), not by criterion; criterion times the
//! application of all the events. Under `cargo test --benches` the
//! directory has 60 users and each part runs once.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderValue};
use scalekit_emulator::Emulator;
use scalekit_testkit::client_for;
use scalekit_testkit::scim::{ScimDirectory, access_token};
use scalekit_tower::directory_sync::{DirectorySync, InMemoryDirectory};
use scalekit_tower::webhook::{WebhookEvent, WebhookSecret, WebhookVerifier};
use scalekit_tower::{Client, DirectoryListOptions, OrganizationId};
use serde_json::{Value, json};

use support::{Target, bench_mode, fmt_duration, paired, report};

const ORG: &str = "org_bench_directory";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PAGE: u32 = 30;

/// The users in the directory and the events applied.
fn size() -> usize {
    if bench_mode() { 10_000 } else { 60 }
}

/// Pushes `count` users over SCIM, eight calls at a time.
async fn populate(idp: &ScimDirectory, count: usize) {
    futures_util::stream::iter(0..count)
        .map(|n| async move {
            idp.create_user(&format!("user{n}@bench.test"), "Bench", &format!("User{n}"))
                .await
        })
        .buffer_unordered(8)
        .for_each(|_| async {})
        .await;
}

/// The kit: every user through the stream.
async fn through_the_stream(client: &Client, org: &OrganizationId, directory: &str) -> usize {
    let users = client.directory_users(org, directory, DirectoryListOptions::new().page_size(PAGE));
    users
        .try_fold(0, |n, user| async move {
            black_box(&user);
            Ok(n + 1)
        })
        .await
        .unwrap()
}

/// The baseline: the same pages by hand, with a token fetched once.
async fn plain_loop(http: &reqwest::Client, url: &str, token: &str) -> usize {
    let mut count = 0;
    let mut page_token = String::new();
    loop {
        let mut request = reqwest::Url::parse(url).unwrap();
        request
            .query_pairs_mut()
            .append_pair("page_size", &PAGE.to_string());
        if !page_token.is_empty() {
            request
                .query_pairs_mut()
                .append_pair("page_token", &page_token);
        }
        let page: Value = http
            .get(request)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        count += page["users"].as_array().map_or(0, Vec::len);
        match page["next_page_token"].as_str() {
            Some(next) if !next.is_empty() => page_token = next.to_owned(),
            _ => return count,
        }
    }
}

/// `count` verified user events: creations, then an update of each.
fn events(count: usize) -> Vec<WebhookEvent> {
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    let signer = standardwebhooks::Webhook::new(SECRET).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let timestamp = i64::try_from(now.as_secs()).unwrap();
    let base = time::OffsetDateTime::now_utc();
    (0..count)
        .map(|n| {
            let users = count.div_ceil(2);
            let (kind, user) = if n < users {
                ("user_created", n)
            } else {
                ("user_updated", n - users)
            };
            let at = base + time::Duration::milliseconds(i64::try_from(n).unwrap());
            let body = json!({
                "spec_version": "1",
                "id": format!("evt_{n}"),
                "type": format!("organization.directory.{kind}"),
                "occurred_at": at.format(&time::format_description::well_known::Rfc3339).unwrap(),
                "organization_id": ORG,
                "data": {
                    "id": format!("diruser_{user}"),
                    "organization_id": ORG,
                    "directory_id": "dir_bench",
                    "email": format!("user{user}@bench.test"),
                    "given_name": "Bench",
                    "family_name": format!("User{user}"),
                    "active": true,
                    "groups": [{"id": "dirgroup_1", "name": "Everyone"}],
                },
            })
            .to_string();
            let id = format!("msg_{n}");
            let signature = signer.sign(&id, timestamp, body.as_bytes()).unwrap();
            let mut headers = HeaderMap::new();
            headers.insert("webhook-id", HeaderValue::from_str(&id).unwrap());
            headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
            headers.insert("webhook-signature", signature.parse().unwrap());
            verifier.verify(&headers, body.as_bytes()).unwrap()
        })
        .collect()
}

/// Applies every event to a fresh store; answers the time taken.
async fn apply_all(events: &[WebhookEvent]) -> Duration {
    let sync = DirectorySync::new(InMemoryDirectory::new());
    let start = Instant::now();
    for event in events {
        black_box(sync.apply(event).await.unwrap());
    }
    start.elapsed()
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let count = size();
    let (emulator, client, directory, http, url, token) = runtime.block_on(async {
        let emulator = Emulator::builder()
            .seed_demo_organizations(false)
            .organization(ORG, "Directory bench", None)
            .start()
            .await
            .unwrap();
        let idp = ScimDirectory::connect(&emulator, ORG).await;
        let started = Instant::now();
        populate(&idp, count).await;
        eprintln!("pushed {count} users over SCIM in {:?}", started.elapsed());
        let client = client_for(&emulator, Duration::from_secs(10));
        let directory = emulator.organization(ORG).unwrap().directory_id;
        let http = reqwest::Client::new();
        let token = access_token(&emulator, &http).await;
        let url = emulator.url(&format!(
            "/api/v1/organizations/{ORG}/directories/{directory}/users"
        ));
        (emulator, client, directory, http, url, token)
    });
    let org: OrganizationId = ORG.parse().unwrap();
    // Both read the whole directory, or the comparison means nothing.
    runtime.block_on(async {
        assert_eq!(through_the_stream(&client, &org, &directory).await, count);
        assert_eq!(plain_loop(&http, &url, &token).await, count);
    });
    let events = events(count);

    let mut criterion = support::criterion();
    let mut group = criterion.benchmark_group("directory_sync");
    group.sample_size(10);
    group.bench_function("apply_all_events", |b| {
        b.to_async(&runtime).iter(|| apply_all(&events))
    });
    group.finish();

    if !support::profiling() {
        let rounds = if bench_mode() { 3 } else { 1 };
        let listing = paired(
            rounds,
            || {
                let start = Instant::now();
                runtime.block_on(through_the_stream(&client, &org, &directory));
                start.elapsed()
            },
            || {
                let start = Instant::now();
                runtime.block_on(plain_loop(&http, &url, &token));
                start.elapsed()
            },
        );
        report(
            &format!("list {count} directory users, pages of {PAGE}: stream / plain loop"),
            "stream",
            "plain loop",
            listing,
            Target::None,
        );
        let mut applied: Vec<Duration> = (0..rounds)
            .map(|_| runtime.block_on(apply_all(&events)))
            .collect();
        applied.sort();
        let median = applied[applied.len() / 2];
        println!(
            "RATE apply {count} user events through DirectorySync: {:.0} events/s ({} for all, median of {rounds})",
            count as f64 / median.as_secs_f64(),
            fmt_duration(median),
        );
    }
    runtime.block_on(emulator.shutdown());
    criterion.final_summary();
}

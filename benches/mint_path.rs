//! Benchmarks 2 and 3: a request that mints a portal link, end to end in
//! process, against the emulator on loopback.
//!
//! - `kit`: an axum `Router` with `PortalLinkLayer` (fixed resolver, features
//!   `sso` + `dir_sync`) as `route_layer` and a handler that takes the
//!   `PortalLink` extractor and answers the link's location; the response
//!   body is collected. The access token is cached (warmed before timing).
//! - `raw_put` (benchmark 2, the physical limit): one `reqwest` PUT to the
//!   same emulator endpoint with a token fetched beforehand, body read.
//! - `naive` (benchmark 3): the same router shape without the kit: the
//!   handler fetches a token (`POST /oauth/token`) and then PUTs, for every
//!   request.
//!
//! Client, app and emulator share one current-thread runtime: the time of a
//! request is the CPU of the whole path plus the loopback syscalls, with no
//! cross-thread wake-ups, which keeps ratios steady on a shared machine.
//!
//! Targets: kit / raw_put <= 1.10x (latency, sequential requests);
//! kit throughput / naive throughput >= 1.8x (16 requests in flight).

mod support;

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use criterion::{Criterion, Throughput};
use http::Request;
use http_body_util::BodyExt;
use scalekit_axum_extract::PortalLink;
use scalekit_emulator::{Emulator, FaultScope, demo};
use scalekit_tower::{Client, Feature, OrganizationId, PortalLinkLayer, resolve};
use tokio::runtime::Runtime;
use tower::ServiceExt;

use support::{Target, paired, report, scaled};

/// Requests in flight per iteration of the throughput comparison.
const IN_FLIGHT: usize = 16;

struct Setup {
    emulator: Emulator,
    client: Client,
    org: OrganizationId,
    kit: Router,
    handler_client: Router,
    handler_raw: Router,
    naive: Router,
    raw: reqwest::Client,
    raw_url: String,
    raw_token: String,
}

async fn setup() -> Setup {
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    let client = scalekit_testkit::client_for(&emulator, Duration::from_secs(5));
    let org: OrganizationId = demo::ACME_ID.parse().expect("valid id");
    let layer = PortalLinkLayer::new(client.clone(), resolve::fixed(org.clone()))
        .with_features([Feature::Sso, Feature::DirSync]);
    let kit = Router::new()
        .route("/settings", get(kit_settings))
        .route_layer(layer)
        // Build the routes once, as `axum::serve` does.
        .with_state(());

    let handler_client = Router::new()
        .route("/settings", get(client_settings))
        .with_state((client.clone(), org.clone()));

    let raw = reqwest::Client::new();
    let raw_url = emulator.url(&format!(
        "/api/v1/organizations/{}/portal_links?features=sso&features=dir_sync",
        demo::ACME_ID
    ));
    let naive_state = NaiveState {
        http: raw.clone(),
        token_url: emulator.url("/oauth/token"),
        client_id: emulator.client_id().to_owned(),
        client_secret: emulator.client_secret().to_owned(),
        portal_links_url: raw_url.clone(),
    };
    let raw_token = fetch_token(&naive_state).await;
    let handler_raw = Router::new()
        .route("/settings", get(raw_settings))
        .with_state(RawState {
            http: raw.clone(),
            url: raw_url.clone(),
            token: raw_token.clone(),
        });
    let naive = Router::new()
        .route("/settings", get(naive_settings))
        .with_state(naive_state);
    let setup = Setup {
        emulator,
        client,
        org,
        kit,
        handler_client,
        handler_raw,
        naive,
        raw,
        raw_url,
        raw_token,
    };
    // Warm the kit's token cache and every connection pool.
    for _ in 0..IN_FLIGHT {
        call(&setup.kit).await;
        call(&setup.naive).await;
        call(&setup.handler_raw).await;
        call(&setup.handler_client).await;
        raw_put(&setup).await;
    }
    setup
}

async fn kit_settings(PortalLink(link): PortalLink) -> String {
    link.location().as_str().to_owned()
}

/// The client called from a handler, without the layer and the extractor.
async fn client_settings(State((client, org)): State<(Client, OrganizationId)>) -> String {
    let link = client
        .generate_portal_link(&org, &[Feature::Sso, Feature::DirSync])
        .await
        .expect("minted");
    link.location().as_str().to_owned()
}

#[derive(Clone)]
struct RawState {
    http: reqwest::Client,
    url: String,
    token: String,
}

/// The app's own route doing only the round trip: a raw PUT with a token in
/// hand, location read from the JSON.
async fn raw_settings(State(state): State<RawState>) -> String {
    let link: serde_json::Value = state
        .http
        .put(&state.url)
        .bearer_auth(&state.token)
        .send()
        .await
        .expect("portal_links answers")
        .json()
        .await
        .expect("link JSON");
    link["link"]["location"]
        .as_str()
        .expect("a location")
        .to_owned()
}

#[derive(Clone)]
struct NaiveState {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: String,
    portal_links_url: String,
}

async fn fetch_token(state: &NaiveState) -> String {
    let token: serde_json::Value = state
        .http
        .post(&state.token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", state.client_id.as_str()),
            ("client_secret", state.client_secret.as_str()),
        ])
        .send()
        .await
        .expect("token endpoint answers")
        .json()
        .await
        .expect("token JSON");
    token["access_token"].as_str().expect("a token").to_owned()
}

/// What one would write without the kit: a token per request, then the PUT.
async fn naive_settings(State(state): State<NaiveState>) -> String {
    let token = fetch_token(&state).await;
    let link: serde_json::Value = state
        .http
        .put(&state.portal_links_url)
        .bearer_auth(token)
        .send()
        .await
        .expect("portal_links answers")
        .json()
        .await
        .expect("link JSON");
    link["link"]["location"]
        .as_str()
        .expect("a location")
        .to_owned()
}

/// One GET /settings through `app`; returns the body length.
async fn call(app: &Router) -> usize {
    let request = Request::get("/settings")
        .body(Body::empty())
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    body.len()
}

/// The client alone, without layer, router or extractor.
async fn client_only(setup: &Setup) -> usize {
    let link = setup
        .client
        .generate_portal_link(&setup.org, &[Feature::Sso, Feature::DirSync])
        .await
        .expect("minted");
    link.location().as_str().len()
}

/// `IN_FLIGHT` requests through `app` at once, each in its own task (as a
/// server runs one task per connection; a `join_all` would re-poll every
/// request whenever one of them wakes).
async fn burst(app: &Router) {
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { call(&app).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("request task");
    }
}

/// The physical limit: one PUT with a token in hand.
async fn raw_put(setup: &Setup) -> usize {
    let response = setup
        .raw
        .put(&setup.raw_url)
        .bearer_auth(&setup.raw_token)
        .send()
        .await
        .expect("portal_links answers");
    assert!(response.status().is_success());
    response.bytes().await.expect("body").len()
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn bench(c: &mut Criterion, rt: &Runtime, setup: &Setup) {
    let mut group = c.benchmark_group("mint_path/latency");
    group.bench_function("kit", |b| b.to_async(rt).iter(|| call(&setup.kit)));
    group.bench_function("raw_put", |b| b.to_async(rt).iter(|| raw_put(setup)));
    group.finish();

    let mut group = c.benchmark_group("mint_path/throughput");
    group.throughput(Throughput::Elements(IN_FLIGHT as u64));
    group.bench_function("kit", |b| b.to_async(rt).iter(|| burst(&setup.kit)));
    group.bench_function("naive", |b| b.to_async(rt).iter(|| burst(&setup.naive)));
    group.finish();
}

/// The mean time of `per_round` sequential runs of `one`.
fn mean_time<F: std::future::Future>(
    rt: &Runtime,
    per_round: usize,
    mut one: impl FnMut() -> F,
) -> Duration {
    rt.block_on(async {
        let started = Instant::now();
        for _ in 0..per_round {
            one().await;
        }
        started.elapsed() / per_round as u32
    })
}

fn ratios(rt: &Runtime, setup: &Setup) {
    let rounds = scaled(31);
    let per_round = scaled(200);
    let latency = paired(
        rounds,
        || mean_time(rt, per_round, || call(&setup.kit)),
        || mean_time(rt, per_round, || raw_put(setup)),
    );
    report(
        "2 mint_path latency (kit vs raw PUT)",
        "kit",
        "raw_put",
        latency,
        Target::AtMost(1.10),
    );
    let client_vs_raw = paired(
        rounds,
        || mean_time(rt, per_round, || client_only(setup)),
        || mean_time(rt, per_round, || raw_put(setup)),
    );
    report(
        "2a client alone vs raw PUT (where the kit's time goes)",
        "client",
        "raw_put",
        client_vs_raw,
        Target::None,
    );
    let kit_vs_route = paired(
        rounds,
        || mean_time(rt, per_round, || call(&setup.kit)),
        || mean_time(rt, per_round, || call(&setup.handler_raw)),
    );
    report(
        "2' kit vs the same axum route doing the raw PUT",
        "kit",
        "route_raw_put",
        kit_vs_route,
        Target::AtMost(1.10),
    );
    let kit_vs_handler = paired(
        rounds,
        || mean_time(rt, per_round, || call(&setup.kit)),
        || mean_time(rt, per_round, || call(&setup.handler_client)),
    );
    report(
        "2b layer + extractor vs a handler calling the client",
        "kit",
        "handler_client",
        kit_vs_handler,
        Target::None,
    );

    let batches = scaled(12);
    let throughput = paired(
        rounds,
        || mean_time(rt, batches, || burst(&setup.naive)) / IN_FLIGHT as u32,
        || mean_time(rt, batches, || burst(&setup.kit)) / IN_FLIGHT as u32,
    );
    // naive time / kit time = kit throughput / naive throughput.
    report(
        "3 mint_path throughput (kit vs naive token-per-request)",
        "naive",
        "kit",
        throughput,
        Target::AtLeast(1.8),
    );
    // The same with 2 ms added to every emulator call, as a remote Scalekit
    // would: throughput at a fixed number of requests in flight is then
    // bounded by round trips, not by CPU.
    setup
        .emulator
        .faults()
        .set_latency(FaultScope::TokenAndApi, Duration::from_millis(2));
    let batches = scaled(3);
    let remote = paired(
        scaled(15),
        || mean_time(rt, batches, || burst(&setup.naive)) / IN_FLIGHT as u32,
        || mean_time(rt, batches, || burst(&setup.kit)) / IN_FLIGHT as u32,
    );
    setup.emulator.faults().clear();
    report(
        "3' mint_path throughput with 2 ms upstream latency (kit vs naive)",
        "naive",
        "kit",
        remote,
        Target::AtLeast(1.8),
    );
    let stats = setup.emulator.stats();
    println!(
        "  emulator: {} token requests, {} links minted in this run",
        stats.token_requests, stats.links_minted
    );
}

fn main() {
    let rt = runtime();
    let setup = rt.block_on(setup());
    let mut c = support::criterion();
    bench(&mut c, &rt, &setup);
    c.final_summary();
    if support::profiling() {
        return;
    }
    ratios(&rt, &setup);
}

//! The fault matrix: every upstream fault the emulator can inject, against a
//! settings route behind `PortalLinkLayer` and the `PortalLink` extractor,
//! served on loopback.
//!
//! For every fault and every way an app can consume the outcome (the
//! extractor's rejection, the handler's own fallback page, the layer answering
//! directly) the table says which status the browser gets, how many times the
//! client may call Scalekit (retries only where they are allowed, and never
//! past the deadline) and how many tokens it may fetch. Each case then clears
//! the fault and checks that the very next request gets a link, with no
//! restart: no poisoned token cache, no stuck single flight.
//!
//! `cargo test --test fault_matrix -- --nocapture` prints the observed table
//! (the one in `docs/reliability.md`).

use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use scalekit_axum_extract::{PortalLink, PortalLinkRejection};
use scalekit_emulator::{Emulator, Endpoint, FaultScope, Faults, demo};
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::{OrganizationId, PortalLinkLayer, resolve};
use tokio::sync::Semaphore;

/// The client's deadline in every case: long enough that four attempts and
/// their backoff (at most 700 ms) fit with room to spare on a busy machine.
const DEADLINE: Duration = Duration::from_secs(3);
/// How much later than the deadline an answer may come (scheduling, loopback,
/// the handler) on a busy two-core machine.
const MARGIN: Duration = Duration::from_millis(500);
/// Cases running at the same time (each has its own emulator and app).
const PARALLEL: usize = 8;

async fn extracted(PortalLink(link): PortalLink) -> String {
    format!("link {}", link.location())
}

async fn fallback(link: Result<PortalLink, PortalLinkRejection>) -> String {
    match link {
        Ok(PortalLink(link)) => format!("link {}", link.location()),
        Err(rejection) => format!("fallback ({})", rejection.status().as_u16()),
    }
}

async fn direct(link: Option<PortalLink>) -> Response {
    match link {
        Some(PortalLink(link)) => format!("link {}", link.location()).into_response(),
        None => (StatusCode::IM_A_TEAPOT, "the layer should have answered").into_response(),
    }
}

fn app(upstream: &Upstream) -> Router {
    let org: OrganizationId = demo::ACME_ID.parse().unwrap();
    let client = upstream.client.clone();
    let layer = PortalLinkLayer::new(client.clone(), resolve::fixed(org.clone()));
    let answering = PortalLinkLayer::new(client, resolve::fixed(org)).respond_on_failure();
    Router::new()
        .route("/settings", get(extracted))
        .route("/settings/fallback", get(fallback))
        .route_layer(layer)
        .merge(
            Router::new()
                .route("/settings/direct", get(direct))
                .route_layer(answering),
        )
}

/// How the app consumes the layer's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// `PortalLink` extractor: a failure is its rejection.
    Extractor,
    /// `Result<PortalLink, PortalLinkRejection>`: the handler renders a 200 fallback page.
    Fallback,
    /// `PortalLinkLayer::respond_on_failure`: the layer answers, the handler never runs.
    Direct,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Extractor, Variant::Fallback, Variant::Direct];

    fn path(self) -> &'static str {
        match self {
            Variant::Extractor => "/settings",
            Variant::Fallback => "/settings/fallback",
            Variant::Direct => "/settings/direct",
        }
    }
}

/// One row of the matrix.
struct Case {
    name: &'static str,
    /// Fetch a token (one successful request) before arming the fault.
    warm: bool,
    arm: fn(&Faults),
    /// The status the browser sees; 200 means the link was minted after all.
    status: u16,
    /// Another acceptable status, where timing decides between two.
    or_status: Option<u16>,
    /// The `Retry-After` the browser sees.
    retry_after: Option<&'static str>,
    /// Calls to `PUT .../portal_links` the request may cause.
    link_calls: RangeInclusive<u64>,
    /// Calls to `POST /oauth/token` the request may cause.
    token_calls: u64,
    /// The answer may not come before this (a `Retry-After` that was honoured,
    /// a deadline that was waited for).
    at_least: Duration,
    /// Token fetches the first request after clearing the fault makes.
    recovery_token_calls: u64,
}

const fn case(name: &'static str, arm: fn(&Faults), status: u16, link_calls: u64) -> Case {
    Case {
        name,
        warm: true,
        arm,
        status,
        or_status: None,
        retry_after: None,
        link_calls: link_calls..=link_calls,
        token_calls: 0,
        at_least: Duration::ZERO,
        recovery_token_calls: 0,
    }
}

impl Case {
    const fn cold(mut self, token_calls: u64, recovery_token_calls: u64) -> Self {
        self.warm = false;
        self.token_calls = token_calls;
        self.recovery_token_calls = recovery_token_calls;
        self
    }

    const fn tokens(mut self, token_calls: u64, recovery_token_calls: u64) -> Self {
        self.token_calls = token_calls;
        self.recovery_token_calls = recovery_token_calls;
        self
    }

    const fn retry_after(mut self, value: &'static str) -> Self {
        self.retry_after = Some(value);
        self
    }

    /// Retrying stops when the next wait or attempt would cross the deadline:
    /// depending on timing the answer is the deadline's 504 or the last
    /// attempt's 502, after `fewest` to the table's attempts.
    const fn or_last_error(mut self, fewest: u64) -> Self {
        self.or_status = Some(502);
        self.link_calls = fewest..=*self.link_calls.end();
        self
    }

    const fn at_least(mut self, wait: Duration) -> Self {
        self.at_least = wait;
        self
    }
}

const LINKS: FaultScope = FaultScope::PortalLinks;
const TOKEN: FaultScope = FaultScope::Token;
const MANY: u32 = 1000;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn matrix() -> Vec<Case> {
    vec![
        // Slow or silent upstream: the deadline answers, nothing is retried.
        case(
            "latency past the deadline",
            |f| f.set_latency(LINKS, DEADLINE * 2),
            504,
            1,
        )
        .at_least(DEADLINE),
        case("hang (never answers)", |f| f.hang_next(LINKS, 1), 504, 1).at_least(DEADLINE),
        case(
            "slow 503s (1.1 s each): retries stop at the deadline",
            |f| {
                f.set_latency(LINKS, Duration::from_millis(1100));
                f.fail_next(LINKS, MANY, 503);
            },
            504,
            3,
        )
        .or_last_error(2),
        // Server errors: 500 is final, 502/503/504 are retried (4 attempts at most).
        case("500", |f| f.fail_next(LINKS, 1, 500), 502, 1),
        case("502 burst of 2", |f| f.fail_next(LINKS, 2, 502), 200, 3),
        case("502 persistent", |f| f.fail_next(LINKS, MANY, 502), 502, 4),
        case("503 burst of 2", |f| f.fail_next(LINKS, 2, 503), 200, 3),
        case("503 persistent", |f| f.fail_next(LINKS, MANY, 503), 502, 4),
        case(
            "503 with Retry-After: 30 (past the deadline)",
            |f| f.fail_next_with_retry_after(LINKS, MANY, 503, secs(30)),
            503,
            1,
        )
        .retry_after("30"),
        case("504 burst of 2", |f| f.fail_next(LINKS, 2, 504), 200, 3),
        case("504 persistent", |f| f.fail_next(LINKS, MANY, 504), 502, 4),
        // Rate limits.
        case(
            "429 once, no Retry-After",
            |f| f.fail_next(LINKS, 1, 429),
            200,
            2,
        ),
        case(
            "429 persistent, no Retry-After",
            |f| f.fail_next(LINKS, MANY, 429),
            429,
            4,
        ),
        case(
            "429 once, Retry-After: 1 (fits the deadline)",
            |f| f.fail_next_with_retry_after(LINKS, 1, 429, secs(1)),
            200,
            2,
        )
        .at_least(secs(1)),
        case(
            "429 with Retry-After: 30 (past the deadline)",
            |f| f.fail_next_with_retry_after(LINKS, MANY, 429, secs(30)),
            429,
            1,
        )
        .retry_after("30"),
        // Authentication.
        case("401 after token revocation", Faults::revoke_tokens, 200, 2).tokens(1, 0),
        case(
            "401 twice (refresh does not help)",
            |f| f.fail_next(LINKS, 2, 401),
            502,
            2,
        )
        .tokens(1, 0),
        // Broken answers.
        case(
            "connection reset mid-response, once",
            |f| f.reset_next(LINKS, 1),
            200,
            2,
        ),
        case(
            "connection reset mid-response, persistent",
            |f| f.reset_next(LINKS, MANY),
            502,
            4,
        ),
        case("malformed JSON", |f| f.malformed_next(LINKS, 1), 502, 1),
        case(
            "valid JSON without `location`",
            |f| f.omit_location_next(1),
            502,
            1,
        ),
        case(
            "foreign `location`",
            |f| f.override_location_next(1, "https://evil.test/magicLink/1"),
            502,
            1,
        ),
        // The token endpoint failing while a link is requested (cold cache).
        case(
            "token endpoint 500",
            |f| f.fail_next(TOKEN, MANY, 500),
            502,
            0,
        )
        .cold(1, 1),
        case(
            "token endpoint 503 burst of 2",
            |f| f.fail_next(TOKEN, 2, 503),
            200,
            1,
        )
        .cold(3, 0),
        case(
            "token endpoint 503 persistent",
            |f| f.fail_next(TOKEN, MANY, 503),
            502,
            0,
        )
        .cold(4, 1),
        case(
            "token endpoint 429 with Retry-After: 30",
            |f| f.fail_next_with_retry_after(TOKEN, MANY, 429, secs(30)),
            429,
            0,
        )
        .cold(1, 1)
        .retry_after("30"),
        case(
            "token endpoint 401 (credentials refused)",
            |f| f.fail_next(TOKEN, MANY, 401),
            502,
            0,
        )
        .cold(1, 1),
        case("token endpoint hang", |f| f.hang_next(TOKEN, 1), 504, 0)
            .cold(1, 1)
            .at_least(DEADLINE),
        case(
            "token endpoint malformed JSON",
            |f| f.malformed_next(TOKEN, 1),
            502,
            0,
        )
        .cold(1, 1),
        case(
            "token endpoint reset once",
            |f| f.reset_next(TOKEN, 1),
            200,
            1,
        )
        .cold(2, 0),
        case(
            "token revoked and the token endpoint down",
            |f| {
                f.revoke_tokens();
                f.fail_next(TOKEN, MANY, 500);
            },
            502,
            1,
        )
        .tokens(1, 1),
    ]
}

/// What one (case, variant) run saw.
struct Observed {
    status: u16,
    retry_after: Option<String>,
    body: String,
    elapsed: Duration,
    link_calls: u64,
    token_calls: u64,
    recovery_token_calls: u64,
}

fn counts(emulator: &Emulator) -> (u64, u64) {
    let stats = emulator.stats();
    (
        stats.requests(Endpoint::GeneratePortalLink),
        stats.token_requests,
    )
}

async fn run(case: &Case, variant: Variant) -> Result<Observed, String> {
    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    let app = Served::axum(app(&upstream)).await;
    let http = reqwest::Client::new();
    let get = |path: &'static str| {
        let request = http.get(app.url(path)).send();
        async move {
            let started = Instant::now();
            let response = tokio::time::timeout(DEADLINE + MARGIN * 4, request)
                .await
                .map_err(|_| {
                    format!(
                        "{path}: no answer at all within {:?}",
                        DEADLINE + MARGIN * 4
                    )
                })?
                .map_err(|e| format!("{path}: the app dropped the request: {e}"))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap_or("<binary>").to_owned());
            let body = response.text().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, retry_after, body, started.elapsed()))
        }
    };

    if case.warm {
        let (status, _, body, _) = get("/settings").await?;
        if status != 200 {
            return Err(format!("warm-up failed: {status} {body}"));
        }
    }
    let (links_before, tokens_before) = counts(&upstream.emulator);
    (case.arm)(upstream.emulator.faults());
    let (status, retry_after, body, elapsed) = get(variant.path()).await?;
    let (links_after, tokens_after) = counts(&upstream.emulator);

    upstream.emulator.faults().clear();
    let (recovered, _, recovery_body, _) = get("/settings").await?;
    if recovered != 200
        || !recovery_body.starts_with(&format!("link {}/magicLink/", upstream.emulator.base_url()))
    {
        return Err(format!(
            "after clearing the fault the next request failed: {recovered} {recovery_body}"
        ));
    }
    let (_, tokens_recovered) = counts(&upstream.emulator);
    Ok(Observed {
        status,
        retry_after,
        body,
        elapsed,
        link_calls: links_after - links_before,
        token_calls: tokens_after - tokens_before,
        recovery_token_calls: tokens_recovered - tokens_after,
    })
}

/// Everything that differs from the row, for one variant.
fn check(case: &Case, variant: Variant, seen: &Observed) -> Vec<String> {
    let mut problems = Vec::new();
    let mut expect = |what: &str, ok: bool, detail: String| {
        if !ok {
            problems.push(format!("{what}: {detail}"));
        }
    };
    let failed = case.status != 200;
    let (statuses, retry_after) = match (variant, failed) {
        (Variant::Fallback, true) => (vec![200], None),
        _ => (
            [Some(case.status), case.or_status]
                .into_iter()
                .flatten()
                .collect(),
            case.retry_after,
        ),
    };
    expect(
        "status",
        statuses.contains(&seen.status),
        format!("expected {statuses:?}, got {} ({})", seen.status, seen.body),
    );
    expect(
        "Retry-After",
        seen.retry_after.as_deref() == retry_after,
        format!("expected {retry_after:?}, got {:?}", seen.retry_after),
    );
    if variant == Variant::Fallback && failed {
        let pages: Vec<_> = [Some(case.status), case.or_status]
            .into_iter()
            .flatten()
            .map(|status| format!("fallback ({status})"))
            .collect();
        expect(
            "fallback page",
            pages.contains(&seen.body),
            format!("expected one of {pages:?}, got {:?}", seen.body),
        );
    }
    if !failed {
        expect(
            "link",
            seen.body.starts_with("link http://127.0.0.1:"),
            seen.body.clone(),
        );
    }
    expect(
        "deadline",
        seen.elapsed <= DEADLINE + MARGIN,
        format!(
            "answered after {:?}, deadline {DEADLINE:?} + {MARGIN:?}",
            seen.elapsed
        ),
    );
    expect(
        "earliest answer",
        seen.elapsed + Duration::from_millis(20) >= case.at_least,
        format!(
            "answered after {:?}, expected at least {:?}",
            seen.elapsed, case.at_least
        ),
    );
    expect(
        "portal_links calls",
        case.link_calls.contains(&seen.link_calls),
        format!("expected {:?}, got {}", case.link_calls, seen.link_calls),
    );
    expect(
        "token calls",
        seen.token_calls == case.token_calls,
        format!("expected {}, got {}", case.token_calls, seen.token_calls),
    );
    expect(
        "token calls on recovery",
        seen.recovery_token_calls == case.recovery_token_calls,
        format!(
            "expected {}, got {}",
            case.recovery_token_calls, seen.recovery_token_calls
        ),
    );
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_answers_in_time_with_the_documented_status_and_recovers() {
    let cases = Arc::new(matrix());
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut runs = tokio::task::JoinSet::new();
    for index in 0..cases.len() {
        for variant in Variant::ALL {
            let cases = cases.clone();
            let permits = permits.clone();
            runs.spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                let outcome = run(&cases[index], variant).await;
                (index, variant, outcome)
            });
        }
    }
    let mut results = Vec::new();
    while let Some(joined) = runs.join_next().await {
        results.push(joined.expect("a case panicked"));
    }
    results.sort_by_key(|(index, variant, _)| (*index, *variant as u8));

    let mut table = String::from(
        "| fault | status (extractor / fallback page / layer) | Retry-After | portal_links calls | token calls | answered after | recovery token calls |\n|---|---|---|---|---|---|---|\n",
    );
    let mut problems = Vec::new();
    for chunk in results.chunk_by(|a, b| a.0 == b.0) {
        let case = &cases[chunk[0].0];
        let mut statuses = Vec::new();
        let mut slowest = Duration::ZERO;
        let mut first = None;
        for (_, variant, outcome) in chunk {
            match outcome {
                Err(err) => problems.push(format!("{} [{variant:?}]: {err}", case.name)),
                Ok(seen) => {
                    for problem in check(case, *variant, seen) {
                        problems.push(format!("{} [{variant:?}]: {problem}", case.name));
                    }
                    statuses.push(
                        if *variant == Variant::Fallback && seen.status == 200 && case.status != 200
                        {
                            format!("200 \"{}\"", seen.body)
                        } else {
                            seen.status.to_string()
                        },
                    );
                    slowest = slowest.max(seen.elapsed);
                    first.get_or_insert(seen);
                }
            }
        }
        if let Some(seen) = first {
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | ≤ {} ms | {} |",
                case.name,
                statuses.join(" / "),
                seen.retry_after.as_deref().unwrap_or("-"),
                seen.link_calls,
                seen.token_calls,
                slowest.as_millis(),
                seen.recovery_token_calls,
            );
        }
    }
    println!("deadline {DEADLINE:?}\n{table}");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Many requests at once while the token endpoint keeps failing: the single
/// flight makes them queue for one fetch at a time, and still each answers by
/// its own deadline; once the endpoint works, one fetch serves everyone again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_while_the_token_endpoint_fails_all_answer_in_time() {
    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    let app = Served::axum(app(&upstream)).await;
    let http = reqwest::Client::new();
    upstream.emulator.faults().fail_next(TOKEN, MANY, 503);

    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let request = http.get(app.url("/settings")).send();
        requests.spawn(async move {
            let started = Instant::now();
            let response = tokio::time::timeout(DEADLINE * 3, request)
                .await
                .expect("no request hangs")
                .expect("every request is answered");
            (response.status(), started.elapsed())
        });
    }
    while let Some(joined) = requests.join_next().await {
        let (status, elapsed) = joined.unwrap();
        assert!(
            status == StatusCode::BAD_GATEWAY || status == StatusCode::GATEWAY_TIMEOUT,
            "{status}"
        );
        assert!(elapsed <= DEADLINE + MARGIN, "answered after {elapsed:?}");
    }
    assert_eq!(
        upstream
            .emulator
            .stats()
            .requests(Endpoint::GeneratePortalLink),
        0
    );

    upstream.emulator.faults().clear();
    let tokens_before = upstream.emulator.stats().tokens_issued;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let request = http.get(app.url("/settings")).send();
        requests.spawn(async move { request.await.unwrap().status() });
    }
    while let Some(joined) = requests.join_next().await {
        assert_eq!(joined.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        upstream.emulator.stats().tokens_issued - tokens_before,
        1,
        "one token fetch serves all 40 once the endpoint recovers"
    );
}

/// A resolver that itself calls Scalekit (the external-id lookup) and the
/// mint that follows share one deadline: a slow upstream cannot make the
/// request take the deadline twice over.
#[tokio::test]
async fn resolving_and_minting_share_one_deadline() {
    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    let client = upstream.client.clone();
    let resolver = resolve::by_external_id(client.clone(), |_: &http::request::Parts| {
        Some(demo::ACME_EXTERNAL_ID.to_owned())
    })
    .with_ttl(Duration::ZERO);
    let app = Served::axum(
        Router::new()
            .route("/settings", get(extracted))
            .route_layer(PortalLinkLayer::new(client, resolver)),
    )
    .await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(app.url("/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // Each call alone fits the deadline; the lookup and the mint together do not.
    let slow = DEADLINE.mul_f64(0.7);
    upstream
        .emulator
        .faults()
        .set_latency(FaultScope::Api, slow);
    let started = Instant::now();
    let response = http.get(app.url("/settings")).send().await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed <= DEADLINE + MARGIN, "answered after {elapsed:?}");
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);

    upstream.emulator.faults().clear();
    assert_eq!(
        http.get(app.url("/settings"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// The emulator's reset fault cuts the connection before the response head
/// reaches the client. This server sends a complete head and then cuts the
/// body short: that too is retried (the PUT is idempotent), once.
#[tokio::test]
async fn a_connection_cut_mid_body_is_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let link_attempts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let server = {
        let (origin, link_attempts) = (origin.clone(), link_attempts.clone());
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let (origin, link_attempts) = (origin.clone(), link_attempts.clone());
                tokio::spawn(async move {
                    // Read the head and the body it announces.
                    let mut request = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        let n = socket.read(&mut chunk).await.unwrap();
                        assert!(n > 0, "client closed early");
                        request.extend_from_slice(&chunk[..n]);
                        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&request[..head_end]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    while request.len() < head_end + length {
                        let n = socket.read(&mut chunk).await.unwrap();
                        request.extend_from_slice(&chunk[..n]);
                    }
                    let body = if head.starts_with("post /oauth/token") {
                        r#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#
                            .to_owned()
                    } else {
                        format!(r#"{{"link":{{"id":"lnk_1","location":"{origin}/magicLink/1"}}}}"#)
                    };
                    let cut = head.starts_with("put ")
                        && link_attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    socket.write_all(response.as_bytes()).await.unwrap();
                    let sent = if cut {
                        &body[..body.len() / 2]
                    } else {
                        &body[..]
                    };
                    socket.write_all(sent.as_bytes()).await.unwrap();
                    socket.flush().await.unwrap();
                    // Dropping the socket closes it: mid-body on the first PUT.
                });
            }
        })
    };
    let config = scalekit_tower::Config::builder()
        .environment_url(origin.clone())
        .client_id("skc_1")
        .client_secret("x")
        .timeout(DEADLINE)
        .build()
        .unwrap();
    let client = scalekit_tower::Client::new(config).unwrap();
    let org: OrganizationId = demo::ACME_ID.parse().unwrap();
    let link = client.generate_portal_link(&org, &[]).await.unwrap();
    assert_eq!(link.location().as_str(), format!("{origin}/magicLink/1"));
    assert_eq!(link_attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
    server.abort();
}

/// Runs a client call with a generous outer bound, so a missing deadline
/// fails the test instead of hanging it.
async fn bounded<T: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<T, scalekit_tower::Error>>,
) {
    let started = Instant::now();
    let result = tokio::time::timeout(SHORT_DEADLINE + MARGIN * 2, call)
        .await
        .expect("the client call ends by itself");
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(scalekit_tower::Error::Timeout { after }) if after == SHORT_DEADLINE),
        "{result:?}"
    );
    assert!(
        elapsed <= SHORT_DEADLINE + MARGIN,
        "answered after {elapsed:?}"
    );
}

const SHORT_DEADLINE: Duration = Duration::from_millis(700);

/// Without the layer (which has its own cut-off), every client call still
/// ends at the deadline: a hanging token endpoint, a hanging mint, a hanging
/// organization call.
#[tokio::test]
async fn client_calls_end_at_the_deadline_on_their_own() {
    let upstream = Upstream::start(Emulator::builder(), SHORT_DEADLINE).await;
    let client = &upstream.client;
    let faults = upstream.emulator.faults();
    let org: OrganizationId = demo::ACME_ID.parse().unwrap();

    faults.hang_next(TOKEN, 1);
    bounded(client.generate_portal_link(&org, &[])).await;
    faults.hang_next(LINKS, 1);
    bounded(client.generate_portal_link(&org, &[])).await;
    faults.hang_next(FaultScope::Api, 1);
    bounded(client.get_organization(&org)).await;

    client.generate_portal_link(&org, &[]).await.unwrap();
}

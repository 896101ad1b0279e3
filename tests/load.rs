//! A bounded load test: the demo app's settings page (`scalekit_demo::router_without_page_limit`:
//! cookie session, external-id resolver, `PortalLinkLayer`, extractor,
//! template) under concurrent requests, with upstream failures injected.
//!
//! The app runs in a child process (this test binary, re-executed to run
//! `load_app_process`) so its resident memory can be read on its own from
//! `/proc/PID/status`; the emulator and the load generator run here.
//!
//! Checked: every request is answered; pages with a link plus fallback pages
//! equal the requests sent; fallback pages equal the injected non-retried
//! failures (HTTP 500 → the demo's "portal unavailable" snippet), while the
//! injected 503s are absorbed by exactly one retry each; tokens are fetched
//! about once per token lifetime, never per request; the app's memory does not
//! grow between the warm-up and the end.
//!
//! Size: `SCALEKIT_LOAD_REQUESTS` (default 2,000, for every `cargo test`) and
//! `SCALEKIT_LOAD_CONCURRENCY` (default 100). The full run documented in
//! `docs/reliability.md`:
//!
//! ```text
//! SCALEKIT_LOAD_REQUESTS=10000 cargo test --release --test load -- --nocapture
//! ```

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use scalekit_emulator::{Emulator, Endpoint, FaultScope};
use scalekit_tower::{Client, Config, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL};

const CHILD_FLAG: &str = "SCALEKIT_LOAD_CHILD";
/// Tokens live this long in the emulator, so a run spans several lifetimes.
const TOKEN_LIFETIME: Duration = Duration::from_secs(5);
/// When the client refreshes a token: a fifth of its life early.
const TOKEN_REFRESH_EVERY: Duration = Duration::from_secs(4);
/// The app's Scalekit deadline.
const DEADLINE: Duration = Duration::from_secs(5);
/// The whole test, however large, ends by then.
const TIME_LIMIT: Duration = Duration::from_secs(240);
/// One request in this many gets an injected 500 (not retried: a fallback page).
const FAIL_EVERY: u64 = 100;
/// One request in this many gets an injected 503 (retried once: still a link).
const RETRY_EVERY: u64 = 200;
/// How much the app's resident memory may grow between the end of the
/// warm-up and the end of the run.
const RSS_SLACK_KB: u64 = 6 * 1024;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The app under load, in its own process. Not a test of its own: the load
/// test starts it with `SCALEKIT_LOAD_CHILD=1`.
#[test]
#[ignore = "the load test's app process; started by settings_page_under_load"]
fn load_app_process() {
    if std::env::var_os(CHILD_FLAG).is_none() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let env = |name| std::env::var(name).unwrap();
        let config = Config::builder()
            .environment_url(env(ENV_ENVIRONMENT_URL))
            .client_id(env(ENV_CLIENT_ID))
            .client_secret(env(ENV_CLIENT_SECRET))
            .timeout(DEADLINE)
            .build()
            .unwrap();
        // Without the page's own minting limit: this test loads the mint path.
        let router =
            scalekit_demo::router_without_page_limit(Client::new(config).unwrap(), None).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("LISTENING {}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        // Serve until the parent closes our stdin (or dies).
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .unwrap();
        server.abort();
    });
}

/// The child process; killed if the test ends early.
struct AppProcess {
    child: Child,
    addr: String,
}

impl AppProcess {
    fn start(emulator: &Emulator) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["load_app_process", "--exact", "--ignored", "--nocapture"])
            .env(CHILD_FLAG, "1")
            .env(ENV_ENVIRONMENT_URL, emulator.base_url())
            .env(ENV_CLIENT_ID, emulator.client_id())
            .env(ENV_CLIENT_SECRET, emulator.client_secret())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the app process");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the app process printed its address before exiting")
                .unwrap();
            if let Some(addr) = line.strip_prefix("LISTENING ") {
                break addr.to_owned();
            }
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, addr }
    }

    /// Resident memory in KiB.
    fn rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    fn stop(mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    with_link: AtomicU64,
    fallback: AtomicU64,
    unexpected: AtomicU64,
    injected_500: AtomicU64,
    injected_503: AtomicU64,
    slowest_ms: AtomicU64,
    total_ms: AtomicU64,
}

/// Sends `count` settings requests, `concurrency` at a time, injecting
/// failures by request number. Returns the unexpected answers, if any.
async fn run(
    http: &reqwest::Client,
    url: &str,
    cookie: &str,
    emulator: &Arc<Emulator>,
    count: u64,
    concurrency: u64,
    tally: &Arc<Tally>,
) -> Vec<String> {
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (http, url, cookie) = (http.clone(), url.to_owned(), cookie.to_owned());
        let (next, emulator, tally) = (next.clone(), emulator.clone(), tally.clone());
        workers.spawn(async move {
            let mut problems = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return problems;
                }
                if n % FAIL_EVERY == FAIL_EVERY - 1 {
                    emulator.faults().fail_next(FaultScope::PortalLinks, 1, 500);
                    tally.injected_500.fetch_add(1, Ordering::Relaxed);
                } else if n % RETRY_EVERY == RETRY_EVERY / 2 {
                    emulator.faults().fail_next(FaultScope::PortalLinks, 1, 503);
                    tally.injected_503.fetch_add(1, Ordering::Relaxed);
                }
                tally.sent.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                let answer = async {
                    let response = http.get(&url).header("cookie", &cookie).send().await?;
                    let status = response.status();
                    Ok::<_, reqwest::Error>((status, response.text().await?))
                }
                .await;
                let ms = started.elapsed().as_millis() as u64;
                tally.slowest_ms.fetch_max(ms, Ordering::Relaxed);
                tally.total_ms.fetch_add(ms, Ordering::Relaxed);
                match answer {
                    Ok((status, body)) if status == 200 && body.contains("magicLink") => {
                        tally.with_link.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok((status, body))
                        if status == 200
                            && body.contains(r#"data-scalekit-state="unavailable""#) =>
                    {
                        tally.fallback.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok((status, body)) => {
                        tally.unexpected.fetch_add(1, Ordering::Relaxed);
                        problems.push(format!("{status}: {}", &body[..body.len().min(200)]));
                    }
                    Err(err) => {
                        tally.unexpected.fetch_add(1, Ordering::Relaxed);
                        problems.push(format!("no answer: {err}"));
                    }
                }
            }
        });
    }
    let mut problems = Vec::new();
    while let Some(done) = workers.join_next().await {
        problems.extend(done.expect("a load worker panicked"));
    }
    problems
}

async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let response = http
        .post(format!("{base}/login"))
        .form(&[("user", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_page_under_load() {
    tokio::time::timeout(TIME_LIMIT, load())
        .await
        .expect("the load test stays within its time limit");
}

async fn load() {
    let requests = env_number("SCALEKIT_LOAD_REQUESTS", 2_000).max(FAIL_EVERY);
    let concurrency = env_number("SCALEKIT_LOAD_CONCURRENCY", 100).max(1);
    let warm_up = (requests / 10).max(concurrency * 2);

    let emulator = Arc::new(
        Emulator::builder()
            .token_lifetime(TOKEN_LIFETIME)
            .start()
            .await
            .unwrap(),
    );
    let app = AppProcess::start(&emulator);
    let base = format!("http://{}", app.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = sign_in(&http, &base).await;
    let url = format!("{base}/settings");
    let started = Instant::now();

    // Warm-up: connection pools, the resolver's cache, allocator arenas.
    let warm_tally = Arc::new(Tally::default());
    let problems = run(
        &http,
        &url,
        &cookie,
        &emulator,
        warm_up,
        concurrency,
        &warm_tally,
    )
    .await;
    assert!(problems.is_empty(), "warm-up: {problems:?}");
    let rss_before = app.rss_kb();
    let stats_before = emulator.stats();

    let tally = Arc::new(Tally::default());
    let measured = Instant::now();
    let problems = run(
        &http,
        &url,
        &cookie,
        &emulator,
        requests,
        concurrency,
        &tally,
    )
    .await;
    let duration = measured.elapsed();
    let rss_after = app.rss_kb();
    let total_elapsed = started.elapsed();
    let stats = emulator.stats();
    app.stop();

    let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let (sent, with_link, fallback) = (
        get(&tally.sent),
        get(&tally.with_link),
        get(&tally.fallback),
    );
    let (injected_500, injected_503) = (get(&tally.injected_500), get(&tally.injected_503));
    let link_calls = stats.requests(Endpoint::GeneratePortalLink)
        - stats_before.requests(Endpoint::GeneratePortalLink);
    let minted = stats.links_minted - stats_before.links_minted;
    let allowed_tokens =
        (total_elapsed.as_secs_f64() / TOKEN_REFRESH_EVERY.as_secs_f64()).ceil() as u64 + 1;
    println!(
        "load: {sent} requests, concurrency {concurrency}, {:.2} s, {:.0} req/s, \
         mean {:.1} ms, slowest {} ms; {with_link} pages with a link, {fallback} fallback pages; \
         injected {injected_500} x 500 and {injected_503} x 503; {link_calls} portal_links calls; \
         {} tokens issued in {:.1} s (token lifetime {:?}, at most {allowed_tokens} allowed); \
         app RSS {} KiB after warm-up, {} KiB at the end",
        duration.as_secs_f64(),
        sent as f64 / duration.as_secs_f64(),
        get(&tally.total_ms) as f64 / sent as f64,
        get(&tally.slowest_ms),
        stats.tokens_issued,
        total_elapsed.as_secs_f64(),
        TOKEN_LIFETIME,
        rss_before.map_or("?".into(), |v| v.to_string()),
        rss_after.map_or("?".into(), |v| v.to_string()),
    );

    assert!(
        problems.is_empty(),
        "{} unexpected answers: {:?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
    assert_eq!(sent, requests);
    assert_eq!(
        with_link + fallback,
        sent,
        "every request is a page with a link or the fallback"
    );
    assert_eq!(
        fallback, injected_500,
        "exactly the injected, non-retried failures fall back"
    );
    assert_eq!(
        emulator.faults().pending(),
        0,
        "every injected failure was hit"
    );
    assert_eq!(minted, with_link, "one link minted per page with a link");
    // One portal_links call per request, plus one retry per injected 503.
    // A request that took a token just before it expired (the early refresh
    // still in flight on a busy machine) gets a 401 and is resent once with
    // the new token: at most one such resend per request in flight per
    // token change.
    let resends = link_calls.checked_sub(sent + injected_503).unwrap_or_else(|| {
        panic!("{link_calls} portal_links calls for {sent} requests and {injected_503} injected 503s")
    });
    assert!(
        resends <= concurrency * (stats.tokens_issued - 1),
        "{resends} calls beyond one per request and one retry per injected 503"
    );
    assert_eq!(
        stats.token_requests, stats.tokens_issued,
        "no token request failed"
    );
    assert!(
        (1..=allowed_tokens).contains(&stats.tokens_issued),
        "{} tokens for {total_elapsed:?} of load: more than one per lifetime",
        stats.tokens_issued
    );
    assert!(
        get(&tally.slowest_ms) <= (DEADLINE + Duration::from_secs(1)).as_millis() as u64,
        "a request took {} ms",
        get(&tally.slowest_ms)
    );
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        assert!(
            after <= before + RSS_SLACK_KB,
            "the app grew from {before} KiB to {after} KiB over {sent} requests"
        );
    }
}

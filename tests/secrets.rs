//! The client secret and the access tokens never leave the server: not in a
//! response (body or header), not in a log line at any level, not in the
//! `Debug` or `Display` of any public type or error.
//!
//! One test runs the whole flow (token, mints, a refresh after revocation,
//! errors of every kind on every route, the organization calls, a client with
//! a wrong secret) with every `tracing` event and span at TRACE and every
//! `log` record (reqwest) captured in memory, then scans everything for the
//! secrets and for every token the emulator issued.

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::Html;
use axum::routing::get;
use http::HeaderName;
use scalekit_axum_extract::{PortalLink, PortalLinkRejection, refresh_route};
use scalekit_emulator::{Emulator, FaultScope, demo};
use scalekit_testkit::{Served, Upstream, client_for};
use scalekit_tower::template::{self, PortalEmbed};
use scalekit_tower::{
    Client, Config, Feature, FeatureToggle, NewOrganization, OrganizationId, PortalLinkLayer,
    PortalLinkOutcome, resolve,
};
use tower::{Layer, ServiceExt, service_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

const SECRET: &str = "sk-secret-Q7f3kZ9xW2pL8vN4";
const WRONG_SECRET: &str = "sk-wrong-M5tR1yH6cJ0bD3gE";
const TIMEOUT: Duration = Duration::from_millis(500);

/// Everything logged in this process.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn log_text() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned()
}

#[derive(Clone, Copy)]
struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        Capture
    }
}

/// `log` records (reqwest logs through `log`) go to the same buffer.
struct LogRecords;

impl log::Log for LogRecords {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!(
            "LOG {} {}: {}\n",
            record.level(),
            record.target(),
            record.args()
        );
        LOG.lock().unwrap().extend_from_slice(line.as_bytes());
    }

    fn flush(&self) {}
}

fn capture_everything() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(Capture)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        log::set_logger(&LogRecords).expect("first logger");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// What one response showed the browser.
async fn transcript(response: reqwest::Response) -> String {
    let mut text = format!("{}\n", response.status());
    for (name, value) in response.headers() {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push_str(&response.text().await.unwrap());
    text
}

async fn extracted(PortalLink(link): PortalLink) -> String {
    format!("link {}", link.location())
}

async fn fallback(link: Result<PortalLink, PortalLinkRejection>) -> String {
    match link {
        Ok(PortalLink(link)) => format!("link {} {link:?}", link.location()),
        // Debug and Display of the rejection and of the failure inside it.
        Err(rejection) => format!(
            "fallback {rejection} | {rejection:?} | {:?}",
            rejection.failure()
        ),
    }
}

async fn page(link: Result<PortalLink, PortalLinkRejection>) -> Html<String> {
    let embed = PortalEmbed::new().with_refresh_url("/portal/refresh");
    let link = link.ok().map(PortalLink::into_inner);
    Html(template::render_portal(link.as_ref(), &embed))
}

/// The outcome the layer recorded, as the handler sees it.
async fn outcome(request: Request) -> String {
    let outcome = request.extensions().get::<PortalLinkOutcome>();
    let text = format!("{outcome:?}");
    match outcome {
        Some(PortalLinkOutcome::Failed(failure)) => {
            let source = std::error::Error::source(&**failure).map(|s| format!("{s} | {s:?}"));
            format!("{text} | {failure} | {source:?}")
        }
        _ => text,
    }
}

fn app(client: &Client) -> Router {
    let org: OrganizationId = demo::ACME_ID.parse().unwrap();
    let layer = PortalLinkLayer::new(client.clone(), resolve::fixed(org.clone()))
        .with_features([Feature::Sso, Feature::DirSync]);
    let answering = PortalLinkLayer::new(client.clone(), resolve::fixed(org)).respond_on_failure();
    Router::new()
        .route("/settings", get(extracted))
        .route("/settings/fallback", get(fallback))
        .route("/settings/page", get(page))
        .route("/settings/outcome", get(outcome))
        .route_layer(layer.clone())
        .merge(refresh_route("/portal/refresh", layer.refresh_endpoint()))
        .merge(
            Router::new()
                .route("/settings/direct", get(extracted))
                .route_layer(answering),
        )
}

async fn visit_all(http: &reqwest::Client, served: &Served, label: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for path in ROUTES {
        let response = http.get(served.url(path)).send().await.unwrap();
        seen.push(format!("== {label} {path}\n{}", transcript(response).await));
    }
    seen
}

const ROUTES: [&str; 6] = [
    "/settings",
    "/settings/fallback",
    "/settings/page",
    "/settings/outcome",
    "/settings/direct",
    "/portal/refresh",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_tokens_never_leave_the_server() {
    capture_everything();
    let upstream = Upstream::start(
        Emulator::builder()
            .client_secret(SECRET)
            .token_lifetime(Duration::from_secs(3600)),
        TIMEOUT,
    )
    .await;
    let emulator = &upstream.emulator;
    let faults = emulator.faults();
    let client = upstream.client.clone();
    let served = Served::axum(app(&client)).await;
    let http = reqwest::Client::new();
    let mut seen: Vec<String> = Vec::new();

    // Success, a refresh after revocation, success again.
    seen.extend(visit_all(&http, &served, "ok").await);
    faults.revoke_tokens();
    seen.extend(visit_all(&http, &served, "after revocation").await);

    // Every upstream fault on every route, each scenario against its own
    // emulator (same secret) so they run side by side.
    let mut scenarios = tokio::task::JoinSet::new();
    for (name, revoke, arm) in scenarios_table() {
        scenarios.spawn(scenario(name, revoke, arm));
    }
    let mut other_tokens = Vec::new();
    while let Some(done) = scenarios.join_next().await {
        let (transcripts, tokens) = done.expect("a scenario panicked");
        seen.extend(transcripts);
        other_tokens.extend(tokens);
    }

    // The organization calls, succeeding and failing; errors' Display and Debug.
    let acme: OrganizationId = demo::ACME_ID.parse().unwrap();
    let mut debug: Vec<String> = Vec::new();
    let mut record = |result: Result<String, scalekit_tower::Error>| match result {
        Ok(text) => debug.push(text),
        Err(err) => debug.push(format!(
            "{err} | {err:?} | {:?}",
            std::error::Error::source(&err).map(|s| s.to_string())
        )),
    };
    record(
        client
            .get_organization(&acme)
            .await
            .map(|o| format!("{o:?}")),
    );
    record(
        client
            .get_organization_by_external_id("nobody")
            .await
            .map(|o| format!("{o:?}")),
    );
    record(
        client
            .list_organizations_page(10, None)
            .await
            .map(|p| format!("{p:?}")),
    );
    record(
        client
            .create_organization(&NewOrganization::new("Leak Test"))
            .await
            .map(|o| format!("{o:?}")),
    );
    record(
        client
            .update_organization_settings(&acme, &[FeatureToggle::new(Feature::Sso, true)])
            .await
            .map(|o| format!("{o:?}")),
    );
    faults.fail_next(FaultScope::Api, 1, 403);
    record(
        client
            .get_organization(&acme)
            .await
            .map(|o| format!("{o:?}")),
    );
    faults.fail_next(FaultScope::Api, 1, 400);
    record(
        client
            .get_organization(&acme)
            .await
            .map(|o| format!("{o:?}")),
    );
    faults.hang_next(FaultScope::Api, 1);
    record(
        client
            .get_organization(&acme)
            .await
            .map(|o| format!("{o:?}")),
    );
    faults.revoke_tokens();
    faults.hang_next(FaultScope::Token, 1);
    record(
        client
            .generate_portal_link(&acme, &[])
            .await
            .map(|l| format!("{l:?}")),
    );
    faults.clear();

    // A client with a wrong secret: refused credentials.
    let wrong = Client::new(
        Config::builder()
            .environment_url(emulator.base_url())
            .client_id(emulator.client_id())
            .client_secret(WRONG_SECRET)
            .timeout(TIMEOUT)
            .build()
            .unwrap(),
    )
    .unwrap();
    record(
        wrong
            .generate_portal_link(&acme, &[])
            .await
            .map(|l| format!("{l:?}")),
    );
    let wrong_app = Served::axum(app(&wrong)).await;
    for path in ROUTES {
        let response = http.get(wrong_app.url(path)).send().await.unwrap();
        seen.push(format!(
            "== wrong secret {path}\n{}",
            transcript(response).await
        ));
    }

    // Debug of every public type that holds, or sits next to, a secret or a token.
    let link = client.generate_portal_link(&acme, &[]).await.unwrap();
    let builder = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(SECRET);
    let layer = PortalLinkLayer::new(client.clone(), resolve::fixed(acme.clone()));
    let service = layer.layer(service_fn(|_: http::Request<()>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    }));
    debug.extend([
        format!("{:?} {:#?}", client.config(), client.config()),
        format!("{builder:?} {builder:#?}"),
        format!("{client:?} {client:#?}"),
        format!("{:?}", client_for(emulator, TIMEOUT)),
        format!("{layer:?} {service:?} {:?}", layer.refresh_endpoint()),
        format!("{link:?} {link:#?}"),
        format!(
            "{:?} {:?} {:?}",
            resolve::by_external_id(client.clone(), |_: &http::request::Parts| None),
            resolve::from_trusted_header(HeaderName::from_static("x-org")),
            resolve::fixed(acme.clone()),
        ),
        format!("{:?}", ConfigErrors::all()),
    ]);
    // The layer's service answering through tower, for the outcome's Debug.
    let response = service.oneshot(http::Request::new(())).await.unwrap();
    debug.push(format!("{response:?}"));

    // The scan.
    let mut secrets = vec![SECRET.to_owned(), WRONG_SECRET.to_owned()];
    let tokens = emulator.issued_tokens();
    assert!(
        tokens.len() >= 3,
        "the flow fetched {} tokens",
        tokens.len()
    );
    assert!(
        other_tokens.len() >= 16,
        "the scenarios fetched {} tokens",
        other_tokens.len()
    );
    secrets.extend(tokens);
    secrets.extend(other_tokens);
    let logs = log_text();
    assert!(
        logs.contains("scalekit.generate_portal_link") && logs.contains("TRACE"),
        "the capture works and is at TRACE"
    );
    assert!(
        logs.lines().count() > 200,
        "{} log lines",
        logs.lines().count()
    );
    let haystacks = [
        ("responses", seen.join("\n")),
        ("logs", logs.clone()),
        ("Debug/Display", debug.join("\n")),
    ];
    let mut leaks = Vec::new();
    for (place, text) in &haystacks {
        for secret in &secrets {
            if let Some(at) = text.find(secret.as_str()) {
                let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
                leaks.push(format!("{place}: {}", &text[start..end]));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));

    // Minted links are bearer credentials until used: none is logged either.
    assert!(seen.iter().any(|s| s.contains("/magicLink/")));
    for line in seen.join("\n").lines() {
        if let Some(at) = line.find("/magicLink/") {
            let key: String = line[at + "/magicLink/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if key.len() > 8 {
                assert!(!logs.contains(&key), "link {key} in the logs");
            }
        }
    }
}

type Arm = fn(&scalekit_emulator::Faults);

/// (name, revoke the token before each request, fault to arm before each request)
fn scenarios_table() -> Vec<(&'static str, bool, Arm)> {
    const LINKS: FaultScope = FaultScope::PortalLinks;
    const TOKEN: FaultScope = FaultScope::Token;
    const LATER: Duration = Duration::from_secs(9);
    vec![
        ("500", false, |f| f.fail_next(LINKS, 1, 500)),
        ("503 persistent", false, |f| f.fail_next(LINKS, 4, 503)),
        ("503 Retry-After", false, |f| {
            f.fail_next_with_retry_after(LINKS, 1, 503, LATER)
        }),
        ("429 Retry-After", false, |f| {
            f.fail_next_with_retry_after(LINKS, 1, 429, LATER)
        }),
        ("401 twice", false, |f| f.fail_next(LINKS, 2, 401)),
        ("reset", false, |f| f.reset_next(LINKS, 4)),
        ("malformed", false, |f| f.malformed_next(LINKS, 1)),
        ("no location", false, |f| f.omit_location_next(1)),
        ("foreign location", false, |f| {
            f.override_location_next(1, "https://evil.test/magicLink/1")
        }),
        ("hang", false, |f| f.hang_next(LINKS, 1)),
        ("404", false, |f| f.fail_next(LINKS, 1, 404)),
        ("token 500", true, |f| f.fail_next(TOKEN, 1, 500)),
        ("token 401", true, |f| f.fail_next(TOKEN, 1, 401)),
        ("token malformed", true, |f| f.malformed_next(TOKEN, 1)),
        ("token reset", true, |f| f.reset_next(TOKEN, 4)),
        ("token hang", true, |f| f.hang_next(TOKEN, 1)),
    ]
}

/// Visits every route with `arm` armed before each request (and the token
/// revoked first, when `revoke`); returns the transcripts and the tokens the
/// emulator issued.
async fn scenario(name: &'static str, revoke: bool, arm: Arm) -> (Vec<String>, Vec<String>) {
    let upstream = Upstream::start(Emulator::builder().client_secret(SECRET), TIMEOUT).await;
    let served = Served::axum(app(&upstream.client)).await;
    let http = reqwest::Client::new();
    let faults = upstream.emulator.faults();
    let mut seen = visit_all(&http, &served, "before").await;
    for path in ROUTES {
        if revoke {
            faults.revoke_tokens();
        }
        arm(faults);
        let response = http.get(served.url(path)).send().await.unwrap();
        seen.push(format!("== {name} {path}\n{}", transcript(response).await));
        faults.clear();
    }
    (seen, upstream.emulator.issued_tokens())
}

/// Every `ConfigError` a bad configuration can produce, for their Debug.
struct ConfigErrors;

impl ConfigErrors {
    fn all() -> Vec<scalekit_tower::ConfigError> {
        [
            Config::builder().client_secret(SECRET).build(),
            Config::builder()
                .environment_url("http://evil.test")
                .client_id("skc_1")
                .client_secret(SECRET)
                .build(),
            Config::builder()
                .environment_url("https://acme.scalekit.dev")
                .client_id("skc 1")
                .client_secret(SECRET)
                .build(),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect()
    }
}

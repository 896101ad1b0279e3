//! Hostile and careless input: who may open the portal, how often, and what
//! a hostile upstream or a careless configuration can do. Each test names the
//! item of `docs/reliability.md` ("Hostile and careless input") it covers.
//!
//! Everything runs on 127.0.0.1: the emulator, or a small stub server where
//! the emulator cannot misbehave the way a test needs (endless bodies,
//! float `expires_in`, hostile error text).

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use http::StatusCode;
use scalekit_axum_extract::{PortalLink, PortalLinkRejection, refresh_route};
use scalekit_emulator::{Emulator, Endpoint, FaultScope, demo};
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::resolve::{self, OrganizationResolver};
use scalekit_tower::template::{self, PortalEmbed};
use scalekit_tower::{
    Client, Config, Error, HookError, MintLimit, OrganizationId, PortalLinkLayer,
};

const DEADLINE: Duration = Duration::from_secs(3);

fn acme() -> OrganizationId {
    demo::ACME_ID.parse().unwrap()
}

/// The signed-in user, as a test auth layer puts it in the extensions.
#[derive(Clone)]
struct User {
    admin: bool,
}

/// A stand-in for the app's auth layer: `x-test-user: admin|member`.
async fn sign_in(mut request: Request, next: Next) -> Response {
    let role = request
        .headers()
        .get("x-test-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(role) = role {
        request.extensions_mut().insert(User {
            admin: role == "admin",
        });
    }
    next.run(request).await
}

async fn settings(link: Result<PortalLink, PortalLinkRejection>) -> Response {
    match link {
        Ok(PortalLink(link)) => link.location().to_string().into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

fn app<R: OrganizationResolver>(portal: PortalLinkLayer<R>) -> Router {
    Router::new()
        .route("/settings", get(settings))
        .route_layer(portal.clone())
        .merge(refresh_route("/refresh", portal.refresh_endpoint()))
        .layer(middleware::from_fn(sign_in))
}

async fn get_as(http: &reqwest::Client, url: String, role: &str) -> reqwest::Response {
    http.get(url)
        .header("x-test-user", role)
        .send()
        .await
        .unwrap()
}

/// Item 1: authorization runs on the layer and the refresh endpoint before
/// any upstream call; refused -> 403, nothing minted, no token fetched.
#[tokio::test]
async fn authorization_refuses_before_any_upstream_call() {
    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    let portal = PortalLinkLayer::new(upstream.client.clone(), resolve::fixed(acme()))
        .authorize(|parts| parts.extensions.get::<User>().is_some_and(|u| u.admin));
    let served = Served::axum(app(portal)).await;
    let http = reqwest::Client::new();

    for path in ["/settings", "/refresh"] {
        let response = get_as(&http, served.url(path), "member").await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let stats = upstream.emulator.stats();
    assert_eq!(stats.links_minted, 0);
    assert_eq!(stats.requests_seen, 0, "not even a token was fetched");

    for path in ["/settings", "/refresh"] {
        let response = get_as(&http, served.url(path), "admin").await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(upstream.emulator.stats().links_minted, 2);
}

/// Item 1: an asynchronous check that fails answers 500 and mints nothing.
#[tokio::test]
async fn a_failing_authorization_check_answers_500_and_mints_nothing() {
    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    let portal = PortalLinkLayer::new(upstream.client.clone(), resolve::fixed(acme()))
        .authorize_async(|_| async { Err(HookError::new("role store down")) });
    let served = Served::axum(app(portal)).await;
    let http = reqwest::Client::new();
    for path in ["/settings", "/refresh"] {
        let response = get_as(&http, served.url(path), "admin").await;
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}"
        );
    }
    assert_eq!(upstream.emulator.stats().requests_seen, 0);
}

/// Item 2: a limit on the layer answers 429 with `Retry-After`, upstream
/// untouched; the refresh endpoint has its own default limit.
#[tokio::test]
async fn minting_limits_answer_429_with_retry_after_and_no_upstream_call() {
    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    let portal = PortalLinkLayer::new(upstream.client.clone(), resolve::fixed(acme()))
        .with_limit(MintLimit::unlimited().per_organization(2, Duration::from_secs(60)));
    let served = Served::axum(app(portal)).await;
    let http = reqwest::Client::new();
    let statuses: Vec<u16> = futures_util::future::join_all(
        (0..5).map(|_| get_as(&http, served.url("/settings"), "admin")),
    )
    .await
    .into_iter()
    .map(|r| {
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let after: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&after), "{after}");
        }
        r.status().as_u16()
    })
    .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(upstream.emulator.stats().links_minted, 2);

    // The refresh endpoint's default: a burst of 30 per organization.
    let mut refreshed = 0;
    for _ in 0..60 {
        if get_as(&http, served.url("/refresh"), "admin")
            .await
            .status()
            == StatusCode::OK
        {
            refreshed += 1;
        }
    }
    assert!((30..=32).contains(&refreshed), "{refreshed}");
    assert_eq!(upstream.emulator.stats().links_minted, 2 + refreshed);
}

/// A stub Scalekit: a good token endpoint and `portal_links` answered by
/// `portal_links`, on 127.0.0.1.
async fn stub(portal_links: Router, token: Router) -> (Served, Client) {
    let served = Served::axum(portal_links.merge(token)).await;
    let config = Config::builder()
        .environment_url(served.origin())
        .client_id("skc_stub")
        .client_secret("stub-secret")
        .timeout(DEADLINE)
        .build()
        .unwrap();
    (served, Client::new(config).unwrap())
}

fn good_token() -> Router {
    Router::new().route(
        "/oauth/token",
        post(|| async {
            axum::Json(serde_json::json!({"access_token": "stub-token", "expires_in": 86399}))
        }),
    )
}

/// An endless body with `status`, counting the bytes it sent.
fn endless(status: StatusCode, sent: Arc<AtomicU64>) -> Response {
    let chunk = Bytes::from(vec![b'x'; 16 * 1024]);
    let stream = futures_util::stream::repeat_with(move || {
        sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        Ok::<_, Infallible>(chunk.clone())
    });
    (status, Body::from_stream(stream)).into_response()
}

/// Item 3: endless bodies (success and error, token endpoint and API) and a
/// huge `Content-Length` end in the typed error, long before the deadline,
/// having read a bounded number of bytes.
#[tokio::test]
async fn upstream_bodies_are_read_with_a_size_cap() {
    for status in [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR] {
        // On the API.
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let links = Router::new().route(
            "/api/v1/organizations/{id}/portal_links",
            put(move || {
                let counter = counter.clone();
                async move { endless(status, counter) }
            }),
        );
        let (_served, client) = stub(links, good_token()).await;
        let started = std::time::Instant::now();
        let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
        assert!(
            matches!(err, Error::ResponseTooLarge { limit: 65536, .. }),
            "{status}: {err:?}"
        );
        assert!(started.elapsed() < DEADLINE, "{status}: cut at once");
        assert!(err.to_string().contains("65536 bytes"), "{err}");
        // Socket buffers hold some more, but nothing like the whole stream.
        assert!(sent.load(Ordering::Relaxed) < 64 << 20, "{status}");

        // On the token endpoint.
        let counter = Arc::new(AtomicU64::new(0));
        let token = Router::new().route(
            "/oauth/token",
            post(move || {
                let counter = counter.clone();
                async move { endless(status, counter) }
            }),
        );
        let (_served, client) = stub(Router::new(), token).await;
        let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
        assert!(
            matches!(err, Error::ResponseTooLarge { .. }),
            "token {status}: {err:?}"
        );
    }

    // A huge Content-Length is refused before a byte of the body is read.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1500000000\r\n\r\n{";
                let _ = socket.write_all(head.as_bytes()).await;
                // Then nothing: a reader waiting for 1.5 GB would hang.
                std::future::pending::<()>().await;
            });
        }
    });
    let config = Config::builder()
        .environment_url(format!("http://{addr}"))
        .client_id("skc_stub")
        .client_secret("stub-secret")
        .timeout(DEADLINE)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = Client::new(config)
        .unwrap()
        .generate_portal_link(&acme(), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    assert!(started.elapsed() < DEADLINE / 2);
}

/// Item 4: upstream text with escape sequences and newlines is shown
/// escaped by the error's `Display` (what logs and the CLI print).
#[tokio::test]
async fn upstream_text_is_escaped_where_it_is_shown() {
    let hostile = "bad\n2026-11-29T10:00:00Z  INFO admin login ok\u{1b}[2J\u{1b}[31mred\r\u{202e}";
    let links = Router::new().route(
        "/api/v1/organizations/{id}/portal_links",
        put(move || async move {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({
                    "code": 3,
                    "message": hostile,
                    "details": [{"error_code": hostile}],
                })),
            )
        }),
    );
    let (_served, client) = stub(links, good_token()).await;
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "raw control character in {shown:?}"
    );
    assert!(shown.contains("bad\\n2026-11-29"), "{shown}");
    assert!(shown.contains("\\u{1b}[2J"), "{shown}");
}

/// Item 5: `Duration::MAX` is accepted wherever a duration is, and nothing
/// on the request path panics.
#[tokio::test]
async fn duration_max_is_accepted_everywhere() {
    let emulator = Emulator::builder().start().await.unwrap();
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .build()
        .unwrap();
    assert!(config.timeout() <= Duration::from_secs(3600));
    let client = Client::new(config).unwrap();
    client.generate_portal_link(&acme(), &[]).await.unwrap();

    let resolver = resolve::by_external_id(client.clone(), |_: &http::request::Parts| {
        Some("acme".to_owned())
    })
    .with_ttl(Duration::MAX);
    let (parts, ()) = http::Request::new(()).into_parts();
    for _ in 0..3 {
        assert_eq!(resolver.resolve(&parts).await.unwrap(), Some(acme()));
    }
    assert_eq!(
        emulator
            .stats()
            .requests(Endpoint::GetOrganizationByExternalId),
        1,
        "the second and third came from the cache"
    );

    let limit = MintLimit::unlimited()
        .per_organization(u32::MAX, Duration::MAX)
        .per_user(|_| Some("u".into()), 0, Duration::MAX);
    let portal = PortalLinkLayer::new(client, resolve::fixed(acme()))
        .with_limit(limit.clone())
        .with_refresh_limit(limit);
    let served = Served::axum(app(portal)).await;
    let http = reqwest::Client::new();
    assert_eq!(
        get_as(&http, served.url("/settings"), "a").await.status(),
        200
    );
    let second = get_as(&http, served.url("/settings"), "a").await;
    assert_eq!(second.status(), 429, "a burst of 0 counts as 1");
    assert!(second.headers().contains_key("retry-after"));

    let embed = PortalEmbed::new()
        .with_load_timeout(Duration::MAX)
        .with_refresh_retries(u32::MAX, Duration::MAX)
        .with_refresh_limit(u32::MAX, Duration::MAX);
    let html = template::render_portal(None, &embed);
    assert!(html.contains("\"loadTimeoutMs\":2147483647"), "{html}");
}

/// A `portal_links` stub answering a link on its own origin, counting calls.
fn links_stub(minted: Arc<AtomicUsize>) -> Router {
    Router::new().route(
        "/api/v1/organizations/{id}/portal_links",
        put(move |request: Request| {
            let minted = minted.clone();
            async move {
                minted.fetch_add(1, Ordering::SeqCst);
                let host = request.headers()["host"].to_str().unwrap().to_owned();
                axum::Json(serde_json::json!({"link": {
                    "id": "lnk_1",
                    "location": format!("http://{host}/magicLink/0b5c"),
                    "expire_time": "2030-01-01T00:00:00Z",
                }}))
            }
        }),
    )
}

/// Item 7: a token said to expire at once (`expires_in: 0`) still serves
/// the callers that waited for its fetch: 40 concurrent callers, a bounded
/// number of fetches, no timeouts.
#[tokio::test]
async fn a_token_with_a_tiny_lifetime_serves_the_callers_that_waited() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let count = fetches.clone();
    let token = Router::new().route(
        "/oauth/token",
        post(move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                // Upstream latency: callers pile up behind the fetch.
                tokio::time::sleep(Duration::from_millis(150)).await;
                axum::Json(serde_json::json!({"access_token": "stub-token", "expires_in": 0}))
            }
        }),
    );
    let minted = Arc::new(AtomicUsize::new(0));
    let (_served, client) = stub(links_stub(minted.clone()), token).await;
    let mints = (0..40).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.generate_portal_link(&acme(), &[]).await })
    });
    for mint in futures_util::future::join_all(mints).await {
        mint.unwrap().expect("no caller times out");
    }
    let fetches = fetches.load(Ordering::SeqCst);
    assert!(fetches <= 3, "{fetches} token fetches for 40 callers");
    assert_eq!(minted.load(Ordering::SeqCst), 40);
}

/// Collects formatted log lines.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Item 8: concurrent misses for one tenant share one lookup; a full cache
/// evicts, it is not cleared whole; a 404 is logged.
#[tokio::test]
async fn external_id_lookups_share_one_flight_and_the_cache_is_bounded() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // The test runtime has one thread: the resolver's log lines come here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let upstream = Upstream::start(Emulator::builder(), DEADLINE).await;
    upstream
        .emulator
        .faults()
        .set_latency(FaultScope::Api, Duration::from_millis(100));
    let tenant = Arc::new(Mutex::new(String::from("acme")));
    let current = tenant.clone();
    let resolver =
        resolve::by_external_id(upstream.client.clone(), move |_: &http::request::Parts| {
            Some(current.lock().unwrap().clone())
        })
        .with_capacity(50);
    let (parts, ()) = http::Request::new(()).into_parts();
    let lookups = || {
        upstream
            .emulator
            .stats()
            .requests(Endpoint::GetOrganizationByExternalId)
    };

    let resolved = futures_util::future::join_all((0..50).map(|_| resolver.resolve(&parts))).await;
    for org in resolved {
        assert_eq!(org.unwrap(), Some(acme()));
    }
    assert_eq!(lookups(), 1, "50 concurrent misses, one lookup");

    upstream
        .emulator
        .faults()
        .set_latency(FaultScope::Api, Duration::ZERO);
    // Fill the cache far past its capacity with unknown tenants, touching
    // the hot one in between: it is never looked up again.
    for n in 0..150 {
        *tenant.lock().unwrap() = format!("unknown-{n}");
        assert_eq!(resolver.resolve(&parts).await.unwrap(), None);
        *tenant.lock().unwrap() = "acme".into();
        assert_eq!(resolver.resolve(&parts).await.unwrap(), Some(acme()));
    }
    assert_eq!(lookups(), 1 + 150, "the hot tenant stayed cached");
    assert!(format!("{resolver:?}").contains("cached"), "{resolver:?}");

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("no Scalekit organization has this external id")
            && logged.contains("unknown-149"),
        "{logged}"
    );
}

/// Item 10: `expires_in` as a JSON float is a number of seconds.
#[tokio::test]
async fn a_float_expires_in_is_accepted() {
    let token = Router::new().route(
        "/oauth/token",
        post(|| async {
            axum::Json(serde_json::json!({"access_token": "stub-token", "expires_in": 86399.0}))
        }),
    );
    let minted = Arc::new(AtomicUsize::new(0));
    let links = links_stub(minted.clone());
    let (_served, client) = stub(links, token).await;
    for _ in 0..2 {
        client.generate_portal_link(&acme(), &[]).await.unwrap();
    }
    assert_eq!(minted.load(Ordering::SeqCst), 2);
}

/// Item 10: the connection pool keeps at most a few idle connections per
/// host after a burst, instead of every one of them for a minute.
#[tokio::test]
async fn the_idle_connection_pool_is_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let open = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(tokio::sync::Notify::new());
    let (counter, notify) = (open.clone(), closed.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (counter, notify) = (counter.clone(), notify.clone());
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    let body = if buf[..n].starts_with(b"POST /oauth/token") {
                        r#"{"access_token":"t","expires_in":3600}"#
                    } else {
                        // Upstream latency, so the burst needs 64 connections.
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        r#"{"organization":{"id":"org_1","display_name":"One"}}"#
                    };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        break;
                    }
                }
                counter.fetch_sub(1, Ordering::SeqCst);
                notify.notify_one();
            });
        }
    });
    let config = Config::builder()
        .environment_url(format!("http://{addr}"))
        .client_id("skc_stub")
        .client_secret("stub-secret")
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let client = Client::new(config).unwrap();
    let org: OrganizationId = "org_1".parse().unwrap();
    let calls = (0..64).map(|_| {
        let (client, org) = (client.clone(), org.clone());
        tokio::spawn(async move { client.get_organization(&org).await })
    });
    for call in futures_util::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert!(
        open.load(Ordering::SeqCst) > 32,
        "the burst used many connections"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while open.load(Ordering::SeqCst) > 32 {
        let woke = tokio::time::timeout_at(deadline, closed.notified()).await;
        assert!(
            woke.is_ok() || open.load(Ordering::SeqCst) <= 32,
            "{} idle connections kept after the burst",
            open.load(Ordering::SeqCst)
        );
    }
}

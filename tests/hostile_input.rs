//! Hostile input from every side the kit reads: organization ids from
//! resolvers, tenant ids for the external-id lookup, `location` values from
//! upstream, and values that end up in the page.
//!
//! Everything is refused before it can do harm (no request upstream, no link
//! in the page) with a typed error and the documented status, or escaped.
//! The properties over arbitrary input are in `tests/properties.rs`.

use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use http::{HeaderName, HeaderValue, StatusCode};
use scalekit_axum_extract::{PortalLink, PortalLinkRejection, refresh_route};
use scalekit_emulator::{Emulator, Endpoint, demo};
use scalekit_testkit::{Served, Upstream};
use scalekit_tower::HookError;
use scalekit_tower::resolve::{self, OrganizationResolver};
use scalekit_tower::template::{self, PortalEmbed};
use scalekit_tower::{Error, OrganizationId, PortalLinkLayer};
use serde::Deserialize;

const TIMEOUT: Duration = Duration::from_secs(5);
const ORG_HEADER: HeaderName = HeaderName::from_static("x-authenticated-org");
const SESSION_HEADER: HeaderName = HeaderName::from_static("x-session-json");

async fn extracted(PortalLink(link): PortalLink) -> String {
    format!("link {}", link.location())
}

async fn fallback(link: Result<PortalLink, PortalLinkRejection>) -> String {
    match link {
        Ok(PortalLink(link)) => format!("link {}", link.location()),
        Err(rejection) => format!("fallback ({})", rejection.status().as_u16()),
    }
}

/// A page rendering the snippet the way an app does.
async fn page(link: Result<PortalLink, PortalLinkRejection>) -> Html<String> {
    let embed = PortalEmbed::new().with_refresh_url("/portal/refresh");
    let link = link.ok().map(PortalLink::into_inner);
    Html(template::render_portal(link.as_ref(), &embed))
}

fn routes<R: OrganizationResolver>(layer: PortalLinkLayer<R>) -> Router {
    Router::new()
        .route("/settings", get(extracted))
        .route("/settings/fallback", get(fallback))
        .route("/settings/page", get(page))
        .route_layer(layer.clone())
        .merge(refresh_route("/portal/refresh", layer.refresh_endpoint()))
}

/// What an app's session store could hold: the organization as a string,
/// deserialized into the validated type.
#[derive(Deserialize)]
struct Session {
    org: OrganizationId,
}

/// A closure resolver reading a (pretend) session record from a header. A
/// corrupted record fails to deserialize: `OrganizationId` validates.
fn session_resolver()
-> impl OrganizationResolver<Future = std::future::Ready<Result<Option<OrganizationId>, HookError>>>
{
    |parts: &http::request::Parts| {
        let result = match parts.headers.get(SESSION_HEADER) {
            None => Ok(None),
            Some(raw) => serde_json::from_slice::<Session>(raw.as_bytes())
                .map(|session| Some(session.org))
                .map_err(|e| HookError::with_source("corrupted session record", e)),
        };
        std::future::ready(result)
    }
}

/// Organization ids no resolver may turn into a request.
fn hostile_ids() -> Vec<String> {
    vec![
        String::new(),
        "org_".into(),
        format!("org_{}", "1".repeat(29)),
        format!("org_{}", "1".repeat(10_000)),
        "../org_1".into(),
        "org_../../admin".into(),
        "org_%2F..%2Fadmin".into(),
        "%2F".into(),
        "org_1/portal_links".into(),
        "org_1?features=x".into(),
        "org_1#x".into(),
        "org_é".into(),
        "оrg_1".into(), // Cyrillic о
        "org_１２３".into(),
        "org_1\u{202e}".into(),
        "org_\u{200b}1".into(),
        "org_\t1".into(),
        "org_1\0".into(),
        "org_1\r\nX-Injected: 1".into(),
        "org_\u{1b}[31m".into(),
        "ORG_1".into(),
    ]
}

/// The contents of a JSON string literal for `s`, in printable ASCII only (so
/// it fits in a header): everything else as `\uXXXX` escapes.
fn ascii_json_string(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn hostile_organization_ids_are_refused_before_any_request() {
    let upstream = Upstream::start(Emulator::builder(), TIMEOUT).await;
    let client = upstream.client.clone();
    let header_app = Served::axum(routes(PortalLinkLayer::new(
        client.clone(),
        resolve::from_trusted_header(ORG_HEADER),
    )))
    .await;
    let session_app = Served::axum(routes(PortalLinkLayer::new(client, session_resolver()))).await;
    let http = reqwest::Client::new();

    let mut tried = 0;
    for id in hostile_ids() {
        // The validation point itself.
        let err = OrganizationId::new(id.clone()).expect_err(&id);
        assert!(
            err.to_string().starts_with("invalid organization id"),
            "{err}"
        );
        let err: Error = err.into();
        assert!(
            matches!(err, Error::InvalidArgument { api: None, .. }),
            "{err:?}"
        );

        // Through the trusted-header resolver, when HTTP can carry the value at all.
        let mut requests = Vec::new();
        if let Ok(value) = HeaderValue::from_bytes(id.as_bytes()) {
            requests.push((&header_app, ORG_HEADER, value));
        }
        // Through a closure resolver reading a session record.
        let record = format!(r#"{{"org":"{}"}}"#, ascii_json_string(&id));
        requests.push((
            &session_app,
            SESSION_HEADER,
            HeaderValue::from_str(&record).unwrap(),
        ));
        for (app, name, value) in requests {
            for path in ["/settings", "/settings/fallback", "/portal/refresh"] {
                let response = http
                    .get(app.url(path))
                    .header(name.clone(), value.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body = response.text().await.unwrap();
                let expected = match path {
                    "/settings/fallback" => (StatusCode::OK, "fallback (500)"),
                    "/portal/refresh" => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        r#"{"error":"resolver_failed"}"#,
                    ),
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, ""),
                };
                assert_eq!(status, expected.0, "{id:?} on {path}: {body}");
                assert!(body.contains(expected.1), "{id:?} on {path}: {body}");
                if id.len() > 3 {
                    assert!(!body.contains(id.as_str()), "{id:?} echoed on {path}");
                }
                tried += 1;
            }
        }
    }
    assert!(tried > 50);
    assert_eq!(
        upstream.emulator.stats().requests_seen,
        0,
        "no hostile id reached Scalekit, not even a token request"
    );

    // The same apps mint for a well-formed id.
    let response = http
        .get(header_app.url("/settings"))
        .header(ORG_HEADER, demo::ACME_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_repeated_organization_header_is_refused() {
    let upstream = Upstream::start(Emulator::builder(), TIMEOUT).await;
    let app = Served::axum(routes(PortalLinkLayer::new(
        upstream.client.clone(),
        resolve::from_trusted_header(ORG_HEADER),
    )))
    .await;
    let response = reqwest::Client::new()
        .get(app.url("/settings"))
        .header(ORG_HEADER, demo::ACME_ID)
        .header(ORG_HEADER, demo::GLOBEX_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(upstream.emulator.stats().requests_seen, 0);
}

/// The app's own tenant ids go into a URL path for the external-id lookup:
/// each must arrive as exactly one path segment of that endpoint (or be
/// refused locally), never as another path.
#[tokio::test]
async fn hostile_tenant_ids_stay_one_path_segment() {
    let tenants = [
        "a/b",
        "../acme",
        "acme/..",
        "a?b=c",
        "a#b",
        "%2E%2E",
        "%2F",
        "a%2Fb",
        "é ü",
        "\u{202e}rtl",
        "'\"><script>",
    ];
    let mut builder = Emulator::builder();
    for (n, tenant) in tenants.iter().enumerate() {
        builder = builder.organization(format!("org_9{n:02}"), format!("Tenant {n}"), Some(tenant));
    }
    let upstream = Upstream::start(builder, TIMEOUT).await;
    for (n, tenant) in tenants.iter().enumerate() {
        let org = upstream
            .client
            .get_organization_by_external_id(tenant)
            .await
            .unwrap_or_else(|e| panic!("{tenant:?}: {e}"));
        assert_eq!(org.id.as_str(), format!("org_9{n:02}"), "{tenant:?}");
    }
    let seen = upstream.emulator.stats();
    assert_eq!(
        seen.requests(Endpoint::GetOrganizationByExternalId),
        tenants.len() as u64
    );

    // URL parsing drops dot segments (sending the lookup to another path) and
    // strips tabs and newlines (looking up another tenant: "ta\tb" would find
    // "tab"): such ids are refused locally, as is every control character.
    for tenant in [
        ".",
        "..",
        "ta\tb",
        "ta\nb",
        "ta\rb",
        "nul\0",
        "esc\u{1b}",
        "del\u{7f}",
    ] {
        let err = upstream
            .client
            .get_organization_by_external_id(tenant)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { api: None, .. }),
            "{tenant:?}: {err:?}"
        );
    }
    assert_eq!(
        upstream.emulator.stats().api_requests(),
        seen.api_requests(),
        "a refused tenant id reached Scalekit"
    );
}

/// `location` values upstream could send that must never reach a page.
fn hostile_locations(base: &str, port: u16) -> Vec<String> {
    vec![
        "javascript:alert(document.domain)".into(),
        " JaVaScRiPt:alert(1)".into(),
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==".into(),
        "vbscript:msgbox(1)".into(),
        "https://evil.test/magicLink/1".into(),
        format!("http://127.0.0.1.evil.test:{port}/magicLink/1"),
        format!("{base}@evil.test/magicLink/1"),
        format!("{base}%2F@evil.test/magicLink/1"),
        format!("http://user:pw@127.0.0.1:{port}/magicLink/1"),
        format!("http://evil.test#@127.0.0.1:{port}/magicLink/1"),
        format!(
            "http://127.0.0.1:{}/magicLink/1",
            port.wrapping_add(1).max(1)
        ),
        format!("https://127.0.0.1:{port}/magicLink/1"),
        format!("http://localhost:{port}/magicLink/1"),
        format!("http://[::1]:{port}/magicLink/1"),
        "//evil.test/magicLink/1".into(),
        "/magicLink/1".into(),
        "magicLink/1".into(),
        String::new(),
    ]
}

#[tokio::test]
async fn hostile_locations_from_upstream_are_refused() {
    let upstream = Upstream::start(Emulator::builder(), TIMEOUT).await;
    let app = Served::axum(routes(PortalLinkLayer::new(
        upstream.client.clone(),
        resolve::fixed(demo::ACME_ID.parse().unwrap()),
    )))
    .await;
    let http = reqwest::Client::new();
    let emulator = &upstream.emulator;
    let locations = hostile_locations(emulator.base_url(), emulator.addr().port());
    let mut minted_before = emulator.stats().requests(Endpoint::GeneratePortalLink);
    for location in &locations {
        for (path, status, needle) in [
            ("/settings", StatusCode::BAD_GATEWAY, "unavailable"),
            ("/settings/fallback", StatusCode::OK, "fallback (502)"),
            ("/settings/page", StatusCode::OK, "hidden"),
            (
                "/portal/refresh",
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
            ),
        ] {
            emulator
                .faults()
                .override_location_next(1, location.clone());
            let response = http.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), status, "{location:?} on {path}");
            let body = response.text().await.unwrap();
            assert!(body.contains(needle), "{location:?} on {path}: {body}");
            for leaked in [
                "evil.test",
                "javascript:",
                "JaVaScRiPt",
                "data:text",
                "vbscript",
                "user:pw",
            ] {
                assert!(!body.contains(leaked), "{location:?} on {path}: {body}");
            }
            if path == "/settings/page" {
                let iframe = body.split("<iframe").nth(1).unwrap_or_default();
                let iframe = iframe.split('>').next().unwrap_or_default();
                assert!(
                    !iframe.contains(" src="),
                    "an iframe src from a refused link: {body}"
                );
            }
            // Refused, not retried: one call upstream.
            let minted = emulator.stats().requests(Endpoint::GeneratePortalLink);
            assert_eq!(minted - minted_before, 1, "{location:?} on {path}");
            minted_before = minted;
        }
    }
    assert_eq!(emulator.faults().pending(), 0);
    let response = http.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the next real link still works"
    );
}

/// A link on the right origin whose path carries markup (Scalekit would never
/// send one; a compromised proxy could) is accepted, and reaches the page
/// only escaped: in the iframe's attribute and the script's JSON alike.
#[tokio::test]
async fn markup_in_an_accepted_location_is_escaped_in_the_page() {
    let upstream = Upstream::start(Emulator::builder(), TIMEOUT).await;
    let app = Served::axum(routes(PortalLinkLayer::new(
        upstream.client.clone(),
        resolve::fixed(demo::ACME_ID.parse().unwrap()),
    )))
    .await;
    let http = reqwest::Client::new();
    let base = upstream.emulator.base_url();
    for tail in [
        "\"><script>alert(1)</script>",
        "'onload='alert(1)",
        "</script><script>alert(1)</script>",
        "x\u{2028}y\u{2029}z",
        "?q=\"><img src=x onerror=alert(1)>#</script>",
    ] {
        let location = format!("{base}/magicLink/{tail}");
        for path in ["/settings/page", "/portal/refresh"] {
            upstream
                .emulator
                .faults()
                .override_location_next(1, location.clone());
            let response = http.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{tail:?} on {path}");
            let body = response.text().await.unwrap();
            for raw in [
                "\"><script",
                "<script>alert",
                "<img",
                "\u{2028}",
                "\u{2029}",
            ] {
                assert!(!body.contains(raw), "raw {raw:?} on {path}: {body}");
            }
            if path == "/settings/page" {
                assert!(!body.contains("'onload"), "{body}");
                // The kit's two: the configuration element and the listener.
                assert_eq!(body.matches("<script").count(), 2, "{body}");
                assert_eq!(body.matches("</script").count(), 2, "{body}");
                // The iframe's src, HTML-decoded, is the (URL-encoded) link on the portal origin.
                let src = body
                    .split(" src=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                let decoded = src
                    .replace("&#x2f;", "/")
                    .replace("&amp;", "&")
                    .replace("&#x27;", "'");
                assert!(
                    decoded.starts_with(&format!("{base}/magicLink/")),
                    "{decoded}"
                );
                assert!(!src.contains(['<', '>']), "{src}");
                assert!(!decoded.contains(['<', '>', '"']), "{decoded}");
            } else {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                let location = json["location"].as_str().unwrap();
                assert!(
                    location.starts_with(&format!("{base}/magicLink/")),
                    "{location}"
                );
                assert!(!location.contains(['<', '>', '"']), "{location}");
            }
        }
    }
}

/// Values the app itself puts into the snippet, through the public render
/// functions and a user minijinja environment: escaped in both places they
/// land. (The template's own unit tests cover each value; this cross-checks
/// the public surface an app uses.)
#[test]
fn hostile_snippet_values_are_escaped_through_the_public_api() {
    let hostile = "\"><script>alert(1)</script>'&\u{2028}\u{2029}</script><!--";
    let link = scalekit_tower::PortalLink::new(
        hostile,
        "https://acme.scalekit.dev/magicLink/1".parse().unwrap(),
        time::OffsetDateTime::now_utc(),
    );
    let embed = PortalEmbed::new()
        .with_refresh_url(hostile)
        .with_nonce(hostile)
        .with_title(hostile)
        .with_iframe_id(hostile)
        .with_unavailable_message(hostile)
        .with_retry_label(hostile);
    let mut env = minijinja::Environment::new();
    template::register(&mut env).unwrap();
    env.add_template(
        "page.html",
        "<main>{% include \"scalekit/portal.html\" %}</main>",
    )
    .unwrap();
    for link in [Some(&link), None] {
        let through_env = env
            .get_template("page.html")
            .unwrap()
            .render(minijinja::context! { scalekit => template::context(link, &embed) })
            .unwrap();
        for html in [through_env, template::render_portal(link, &embed)] {
            // The kit's two: the configuration element and the listener.
            assert_eq!(html.matches("<script").count(), 2, "{html}");
            assert_eq!(html.matches("</script").count(), 2, "{html}");
            assert!(!html.contains("\"><script"), "{html}");
            assert!(!html.contains("alert(1)</script>"), "{html}");
            assert!(!html.contains("<!--"), "{html}");
            // Line separators end a JavaScript string in older engines: none
            // may reach the script element raw (in HTML text they are inert).
            let open = html.find("<script").unwrap();
            let body = open + html[open..].find('>').unwrap();
            let script = &html[body..html.find("</script").unwrap()];
            assert!(!script.contains(['\u{2028}', '\u{2029}']), "{script}");
        }
    }
}

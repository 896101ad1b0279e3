//! Property tests over arbitrary input, bounded so they finish in seconds:
//!
//! - `OrganizationId::new` never panics and accepts exactly the documented
//!   language (`org_` prefix, at most 32 characters, ASCII letters, digits, `_`);
//! - the portal-link response path (`Client::generate_portal_link` against a
//!   loopback server answering arbitrary bodies) never panics, and every link
//!   it returns is on the portal origin;
//! - the token response path likewise;
//! - a tenant id for the external-id lookup arrives as exactly the one path
//!   segment it was, or is refused locally.
//!
//! `PROPTEST_CASES` raises the case count for a longer local run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use proptest::prelude::*;
use scalekit_testkit::Served;
use scalekit_tower::{Client, Config, Error, OrganizationId};
use serde_json::{Value, json};

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The documented language, written independently of the implementation.
fn is_documented_org_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("org_") else {
        return false;
    };
    !rest.is_empty()
        && s.chars().count() <= 32
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn org_id_candidates() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "org_[A-Za-z0-9_]{0,34}",
        "(org_|ORG_|org|_org_| org_)[ -~]{0,30}",
        "org_[A-Za-z0-9_]{0,12}[\\x00-\\x1f\\x7f/%.\\\\?#]{1,3}[A-Za-z0-9_]{0,12}",
        "org_[A-Za-z0-9_]{0,10}\\PC{1,4}",
    ]
}

proptest! {
    #![proptest_config(cases(2000))]

    #[test]
    fn organization_id_accepts_exactly_the_documented_language(raw in org_id_candidates()) {
        let parsed = OrganizationId::new(raw.clone());
        prop_assert_eq!(parsed.is_ok(), is_documented_org_id(&raw), "{:?}", raw);
        match parsed {
            Ok(id) => {
                prop_assert_eq!(id.as_str(), raw.as_str());
                prop_assert_eq!(id.to_string(), raw.clone());
                let json = serde_json::to_string(&id).unwrap();
                prop_assert_eq!(serde_json::from_str::<OrganizationId>(&json).unwrap(), id);
            }
            Err(err) => {
                let message = err.to_string();
                // The untrusted value is shown escaped and cut short.
                prop_assert!(!message.chars().any(char::is_control), "{:?}", message);
                prop_assert!(message.chars().count() < 400, "{}", message.len());
                prop_assert!(serde_json::from_value::<OrganizationId>(json!(raw)).is_err());
            }
        }
    }
}

/// What the fake Scalekit answers next.
#[derive(Clone)]
struct Script {
    token: (u16, Vec<u8>),
    link: (u16, Vec<u8>),
}

#[derive(Clone, Default)]
struct Fake {
    script: Arc<Mutex<Option<Script>>>,
    external_ids: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    fn set(&self, script: Script) {
        *self.script.lock().unwrap() = Some(script);
    }

    fn script(&self) -> Script {
        self.script
            .lock()
            .unwrap()
            .clone()
            .expect("a script is set")
    }
}

fn answer((status, body): (u16, Vec<u8>)) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, [("content-type", "application/json")], body).into_response()
}

async fn token(State(fake): State<Fake>, _form: Bytes) -> Response {
    answer(fake.script().token)
}

async fn portal_links(State(fake): State<Fake>) -> Response {
    answer(fake.script().link)
}

async fn by_external_id(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    fake.external_ids.lock().unwrap().push(id);
    answer((404, br#"{"code":5,"message":"not found"}"#.to_vec()))
}

/// A loopback "Scalekit" answering whatever the test scripted, and a client for it.
struct Harness {
    runtime: tokio::runtime::Runtime,
    fake: Fake,
    client: Client,
    origin: String,
    _server: Served,
}

impl Harness {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let fake = Fake::default();
        let router = Router::new()
            .route("/oauth/token", post(token))
            .route("/api/v1/organizations/{id}/portal_links", put(portal_links))
            .route(
                "/api/v1/organizations:external/{external_id}",
                get(by_external_id),
            )
            .with_state(fake.clone());
        let server = runtime.block_on(Served::axum(router));
        let origin = server.origin();
        let config = Config::builder()
            .environment_url(origin.clone())
            .client_id("skc_1")
            .client_secret("property-secret")
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let client = Client::new(config).unwrap();
        Self {
            runtime,
            fake,
            client,
            origin,
            _server: server,
        }
    }

    fn mint(&self, script: Script) -> Result<scalekit_tower::PortalLink, Error> {
        self.fake.set(script);
        let org: OrganizationId = "org_1".parse().unwrap();
        // A fresh client per case: each one fetches a token, so the token
        // script is exercised every time.
        let client = Client::new(self.client.config().clone()).unwrap();
        self.runtime
            .block_on(async { client.generate_portal_link(&org, &[]).await })
    }
}

fn good_token() -> (u16, Vec<u8>) {
    (
        200,
        br#"{"access_token":"tok","token_type":"Bearer","expires_in":3600}"#.to_vec(),
    )
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("link".to_owned()),
                    Just("location".to_owned()),
                    Just("id".to_owned()),
                    Just("expire_time".to_owned()),
                    Just("expireTime".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..4
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// `location` values: on the origin, near it, hostile, or anything.
fn location(origin: String) -> impl Strategy<Value = String> {
    let on_origin = origin.clone();
    let near = origin.clone();
    prop_oneof![
        ".{0,40}".prop_map(move |path| format!("{on_origin}/magicLink/{path}")),
        (
            prop::sample::select(vec![
                "https://",
                "http://",
                "javascript:",
                "data:",
                "//",
                "",
                " ",
                "HTTP://",
            ]),
            prop::sample::select(vec!["", "user@", "user:pw@", "evil.test@", "127.0.0.1@"]),
            prop::sample::select(vec![
                "127.0.0.1",
                "127.0.0.1.evil.test",
                "evil.test",
                "localhost",
                "[::1]",
                "0x7f.0.0.1",
            ]),
            ".{0,20}",
        )
            .prop_map(move |(scheme, userinfo, host, rest)| {
                let port = near.rsplit(':').next().unwrap().to_owned();
                format!("{scheme}{userinfo}{host}:{port}/{rest}")
            }),
        ".{0,60}",
    ]
}

fn expire_time() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("2030-01-01T00:00:00Z")),
        Just(json!("2030-01-01T00:00:00.123456789+02:00")),
        ".{0,30}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
    ]
}

fn link_body(origin: String) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (location(origin), expire_time(), any::<bool>(), ".{0,10}").prop_map(
            |(location, expire_time, wrapped, id)| {
                let link = json!({ "id": id, "location": location, "expire_time": expire_time });
                let body = if wrapped {
                    json!({ "link": link })
                } else {
                    link
                };
                body.to_string().into_bytes()
            }
        ),
    ]
}

/// Statuses that are answered at once (no retry backoff to wait for).
fn final_status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![
        200u16, 200, 200, 400, 401, 403, 404, 409, 418, 500, 501,
    ])
}

#[test]
fn portal_link_responses_never_panic_and_only_yield_links_on_the_portal_origin() {
    let harness = Harness::start();
    let origin = harness.origin.clone();
    let strategy = (final_status(), link_body(origin.clone()));
    proptest!(cases(160), |((status, body) in strategy)| {
        let script = Script { token: good_token(), link: (status, body.clone()) };
        match harness.mint(script) {
            Ok(link) => {
                prop_assert_eq!(status, 200);
                let location = link.location();
                prop_assert_eq!(location.origin().ascii_serialization(), origin.clone());
                prop_assert_eq!(location.username(), "");
                prop_assert_eq!(location.password(), None);
                let prefix = format!("{origin}/");
                prop_assert!(location.as_str().starts_with(&prefix), "{}", location);
            }
            Err(err) => {
                let typed = match status {
                    200 => matches!(err, Error::UnexpectedResponse { .. }),
                    400 => matches!(err, Error::InvalidArgument { .. }),
                    401 => matches!(err, Error::BadCredentials { .. }),
                    403 => matches!(err, Error::PermissionDenied { .. }),
                    404 => matches!(err, Error::OrganizationNotFound { .. }),
                    500 | 501 => matches!(err, Error::Unavailable { .. }),
                    _ => matches!(err, Error::UnexpectedResponse { .. }),
                };
                prop_assert!(typed, "HTTP {}: {:?}", status, err);
                // Whatever upstream sent, the message stays bounded.
                prop_assert!(err.to_string().len() < 2000, "{}", err);
            }
        }
    });
}

fn expires_in() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0u64..100_000).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,8}".prop_map(Value::from),
    ]
}

#[test]
fn token_responses_never_panic() {
    let harness = Harness::start();
    let origin = harness.origin.clone();
    let token_body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (".{0,12}", expires_in()).prop_map(|(token, expires_in)| {
            json!({ "access_token": token, "expires_in": expires_in })
                .to_string()
                .into_bytes()
        }),
    ];
    proptest!(cases(120), |((status, body) in (final_status(), token_body))| {
        let link = json!({ "link": { "location": format!("{origin}/magicLink/1") } });
        let script = Script { token: (status, body), link: (200, link.to_string().into_bytes()) };
        if let Err(err) = harness.mint(script) {
            let typed = matches!(
                err,
                Error::UnexpectedResponse { .. }
                    | Error::BadCredentials { .. }
                    | Error::Unavailable { .. }
            );
            prop_assert!(typed, "HTTP {}: {:?}", status, err);
            let debug = format!("{err:?}");
            prop_assert!(!debug.contains("property-secret"), "{}", debug);
        } else {
            prop_assert_eq!(status, 200);
        }
    });
}

#[test]
fn tenant_ids_arrive_as_exactly_one_path_segment_or_are_refused() {
    let harness = Harness::start();
    let tenants = prop_oneof![
        any::<String>(),
        "[./%?#\\\\ a-z\\t\\n]{1,8}",
        "(\\.|%2[eEfF]|/|\\\\|%|\\?|#|;| ){1,6}",
    ];
    let link = json!({ "link": { "location": format!("{}/magicLink/1", harness.origin) } });
    harness.fake.set(Script {
        token: good_token(),
        link: (200, link.to_string().into_bytes()),
    });
    proptest!(cases(300), |(tenant in tenants)| {
        let before = harness.fake.external_ids.lock().unwrap().len();
        let result = harness
            .runtime
            .block_on(harness.client.get_organization_by_external_id(&tenant));
        let seen = harness.fake.external_ids.lock().unwrap()[before..].to_vec();
        match result {
            Err(Error::InvalidArgument { api: None, .. }) => {
                prop_assert!(seen.is_empty(), "refused, yet sent: {:?}", seen);
            }
            Err(Error::OrganizationNotFound { .. }) => {
                prop_assert_eq!(seen, vec![tenant.clone()]);
            }
            other => prop_assert!(false, "{:?}: {:?}", tenant, other),
        }
    });
}

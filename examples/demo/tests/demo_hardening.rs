//! The demo's own edges (`docs/reliability.md`, "Hostile and careless
//! input", items 11–17): slow and idle connections, host names (DNS
//! rebinding), the settings page's minting limit, out-of-order webhooks,
//! bounded sessions, the webhook secret's rotation format.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use scalekit_demo::{Options, REFRESH_PATH, ServerLimits, Upstream, WEBHOOK_PATH};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::sign_in;

const OLD_SECRET: &str = "whsec_b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3";
const NEW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn start(options: Options) -> scalekit_demo::Demo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    scalekit_demo::start_with_options(listener, Upstream::local(), options)
        .await
        .unwrap()
}

/// Reads from `stream` until the server closes it; how long that took, or
/// `None` if it was still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.ok()?;
    Some(started.elapsed())
}

#[tokio::test]
async fn idle_slow_header_and_slow_body_connections_are_closed() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        ..ServerLimits::default()
    };
    let demo = start(Options {
        server: limits,
        ..Options::default()
    })
    .await;
    let addr = demo.addr();
    let bound = Duration::from_secs(12);

    // Idle: connects and sends nothing.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    // Slow header: a request line, then a header byte at a time, never done.
    let mut slow_header = TcpStream::connect(addr).await.unwrap();
    slow_header
        .write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes())
        .await
        .unwrap();
    // Slow body: a whole head for POST /login, then one body byte at a time.
    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    slow_body
        .write_all(
            format!(
                "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nuser="
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let trickle = async {
        let mut header = Some(&mut slow_header);
        let mut body = Some(&mut slow_body);
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if let Some(stream) = header.as_mut()
                && stream.write_all(b"a").await.is_err()
            {
                header = None;
            }
            if let Some(stream) = body.as_mut()
                && stream.write_all(b"a").await.is_err()
            {
                body = None;
            }
        }
    };
    let (_, idle_closed) = tokio::join!(trickle, closed_within(&mut idle, bound));
    assert!(idle_closed.is_some(), "an idle connection stayed open");
    assert!(
        closed_within(&mut slow_header, bound).await.is_some(),
        "a slow-header connection stayed open"
    );
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(bound, slow_body.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a one-byte-at-a-time body was not cut off: {answer:?}"
    );
}

#[tokio::test]
async fn other_host_names_are_refused_so_dns_rebinding_gets_nothing() {
    let demo = start(Options::default()).await;
    let port = demo.addr().port();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let evil = format!("rebind.evil.test:{port}");
    let evil_origin = format!("http://{evil}");

    // The rebinding page's sequence: sign in, then ask for a portal link.
    let login = http
        .post(url("/login"))
        .header("host", &evil)
        .header("origin", &evil_origin)
        .form(&[("user", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 421);
    assert!(login.headers().get("set-cookie").is_none());
    // Even with a real session cookie, the refresh endpoint answers nothing there.
    let alice = sign_in(&demo.url(), "alice").await;
    let cookie = alice.cookie().to_owned();
    let refresh = http
        .get(url(REFRESH_PATH))
        .header("host", &evil)
        .header("origin", &evil_origin)
        .header("sec-fetch-site", "same-origin")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 421);
    assert!(!refresh.text().await.unwrap().contains("location"));
    assert_eq!(demo.emulator().unwrap().stats().links_minted, 0);

    // The loopback names on the demo's port are served.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let home = http
            .get(url("/"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(home.status(), 200);
    }
    // A configured name is served too.
    let demo = start(Options {
        allowed_hosts: vec!["app.example.test".to_owned()],
        ..Options::default()
    })
    .await;
    let home = http
        .get(demo.url())
        .header("host", format!("app.example.test:{}", demo.addr().port()))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
}

#[tokio::test]
async fn reloading_the_settings_page_is_stopped_by_its_minting_limit() {
    let demo = start(Options::default()).await;
    let alice = sign_in(&demo.url(), "alice").await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(alice.get("/settings").await.status().as_u16());
    }
    // Ten links (the per-user burst), then the page renders its fallback
    // without asking Scalekit.
    assert_eq!(demo.emulator().unwrap().stats().links_minted, 10);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

/// A delivery of `body` signed with `secret` by the `standardwebhooks` crate.
async fn deliver(demo: &scalekit_demo::Demo, secret: &str, id: &str, body: &str) -> u16 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signature = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(id, now, body.as_bytes())
        .unwrap();
    reqwest::Client::new()
        .post(format!(
            "{}{}",
            demo.url().trim_end_matches('/'),
            WEBHOOK_PATH
        ))
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn sso_event(enabled: bool, occurred_at: &str) -> String {
    let kind = if enabled { "enabled" } else { "disabled" };
    let organization = scalekit_emulator::demo::ACME_ID;
    json!({
        "spec_version": "1",
        "id": format!("evt_{kind}"),
        "type": format!("organization.sso_{kind}"),
        "object": "Connection",
        "occurred_at": occurred_at,
        "environment_id": "env_1",
        "organization_id": organization,
        "data": {"id": "conn_1", "organization_id": organization, "connection_type": "SAML",
                 "provider": "OKTA", "enabled": enabled, "status": "COMPLETED"},
    })
    .to_string()
}

#[tokio::test]
async fn an_older_event_arriving_late_changes_nothing() {
    let demo = start(Options {
        webhook_secret: Some(NEW_SECRET.to_owned()),
        ..Options::default()
    })
    .await;
    let off = sso_event(false, "2026-01-01T10:00:05Z");
    assert_eq!(deliver(&demo, NEW_SECRET, "msg_off", &off).await, 204);
    // Scalekit's retry of an earlier sso_enabled arrives after it.
    let on = sso_event(true, "2026-01-01T10:00:00Z");
    assert_eq!(deliver(&demo, NEW_SECRET, "msg_on_retried", &on).await, 204);
    let alice = sign_in(&demo.url(), "alice").await;
    let html = alice.get("/settings").await.text().await.unwrap();
    assert!(
        html.contains(r#"id="badge-sso" data-state="off""#),
        "{html}"
    );
    // A newer event still applies.
    let on = sso_event(true, "2026-01-01T10:00:09Z");
    assert_eq!(deliver(&demo, NEW_SECRET, "msg_on_later", &on).await, 204);
    let html = alice.get("/settings").await.text().await.unwrap();
    assert!(html.contains(r#"id="badge-sso" data-state="on""#), "{html}");
}

#[tokio::test]
async fn the_rotation_format_verifies_with_either_secret() {
    let demo = start(Options {
        webhook_secret: Some(format!("{OLD_SECRET} {NEW_SECRET}")),
        ..Options::default()
    })
    .await;
    let body = sso_event(false, "2026-01-01T10:00:05Z");
    assert_eq!(deliver(&demo, OLD_SECRET, "msg_old", &body).await, 204);
    assert_eq!(deliver(&demo, NEW_SECRET, "msg_new", &body).await, 204);
    let forged = "whsec_Zm9yZ2VkLXNpZ25pbmcta2V5LTAxMjM0NTY3";
    assert_eq!(deliver(&demo, forged, "msg_forged", &body).await, 401);
}

#[tokio::test]
async fn sessions_are_bounded_and_failed_sign_ins_store_none() {
    let demo = start(Options {
        session_capacity: 20,
        ..Options::default()
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..50 {
        let response = http
            .post(format!("{}login", demo.url()))
            .form(&[("user", "mallory")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert!(response.headers().get("set-cookie").is_none());
    }
    assert_eq!(demo.session_count(), 0);
    let mut latest = None;
    for _ in 0..60 {
        latest = Some(sign_in(&demo.url(), "alice").await);
    }
    assert!(
        demo.session_count() <= 20,
        "{} sessions",
        demo.session_count()
    );
    assert!(
        latest.unwrap().signed_in().await,
        "the newest sign-in is kept"
    );
}

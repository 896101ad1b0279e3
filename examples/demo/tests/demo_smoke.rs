//! The demo serves its pages against the in-process emulator, and the portal
//! it embeds loads. (The real-browser run of the same page is in the
//! workspace's browser tests.)

use std::time::Duration;

use scalekit_demo::Upstream;

mod common;
use common::sign_in;

/// The iframe's `src`, HTML-unescaped.
fn iframe_src(html: &str) -> Option<String> {
    let start = html.find("<iframe")?;
    let tag = &html[start..start + html[start..].find('>')?];
    let src = tag.split(" src=\"").nth(1)?.split('"').next()?;
    Some(src.replace("&#x2f;", "/").replace("&amp;", "&"))
}

#[tokio::test]
async fn settings_page_embeds_a_portal_that_loads() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let emulator = demo.emulator().expect("offline by default");
    assert!(
        emulator
            .allowed_parent_origins()
            .contains(&demo.url().trim_end_matches('/').to_owned()),
        "the demo registers its origin with the emulator"
    );

    let home = reqwest::get(demo.url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Alice Martin"));

    let alice = sign_in(&demo.url(), "alice").await;
    let response = alice.get("/settings").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("frame-src {}", emulator.base_url())),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    let src = iframe_src(&html).expect("the page has the portal iframe");
    assert!(
        src.starts_with(&format!("{}/magicLink/", emulator.base_url())),
        "{src}"
    );

    let portal = reqwest::get(&src).await.unwrap();
    let frame_ancestors = portal.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        frame_ancestors.contains(demo.url().trim_end_matches('/')),
        "{frame_ancestors}"
    );
    let portal = portal.text().await.unwrap();
    assert!(portal.contains("PORTAL_LOAD_SUCCESS") && portal.contains("Acme Corp"));

    // The refresh endpoint hands out a new link for the same organization.
    let refreshed: serde_json::Value = alice
        .get("/settings/portal/refresh")
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(refreshed["location"].as_str().unwrap(), src);
}

#[tokio::test]
async fn a_user_without_organization_gets_an_explanation() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let carol = sign_in(&demo.url(), "carol").await;
    let html = carol.get("/settings").await.text().await.unwrap();
    assert!(html.contains("id=\"no-organization\""));
    assert!(iframe_src(&html).is_none());
    assert_eq!(demo.emulator().unwrap().stats().links_minted, 0);
}

#[tokio::test]
async fn signed_out_settings_redirects_home() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .get(format!("{}settings", demo.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
}

#[tokio::test]
async fn the_binary_says_when_the_port_is_taken() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scalekit-demo"))
        .arg(port.to_string())
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is taken")),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_member_who_is_not_an_admin_gets_403_everywhere_and_nothing_is_minted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let dave = sign_in(&demo.url(), "dave").await;
    let settings = dave.get("/settings").await;
    assert_eq!(settings.status(), 403);
    let html = settings.text().await.unwrap();
    assert!(html.contains("not an admin"), "{html}");
    assert!(iframe_src(&html).is_none());
    let refresh = dave.get(scalekit_demo::REFRESH_PATH).await;
    assert_eq!(refresh.status(), 403);
    let body: serde_json::Value = refresh.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
    let stats = demo.emulator().unwrap().stats();
    assert_eq!(stats.links_minted, 0);
    // Refused before the resolver: not even the external-id lookup ran.
    assert_eq!(stats.api_requests(), 0);
    // Alice, Acme's admin, still gets her portal.
    let alice = sign_in(&demo.url(), "alice").await;
    let html = alice.get("/settings").await.text().await.unwrap();
    assert!(iframe_src(&html).is_some());
    assert_eq!(demo.emulator().unwrap().stats().links_minted, 1);
}

#[tokio::test]
async fn a_refresh_loop_is_stopped_by_the_minting_limit() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let alice = sign_in(&demo.url(), "alice").await;
    let (mut ok, mut limited) = (0, 0);
    for _ in 0..100 {
        let response = alice.get(scalekit_demo::REFRESH_PATH).await;
        match response.status().as_u16() {
            200 => ok += 1,
            429 => {
                let after: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=6).contains(&after), "Retry-After {after}");
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["error"], "rate_limited");
                limited += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    // A burst of 10 per user, then one every 6 s: however slow the machine,
    // the loop gets at most a few more.
    assert!((10..=13).contains(&ok), "{ok} links");
    assert_eq!(ok + limited, 100);
    assert_eq!(demo.emulator().unwrap().stats().links_minted, ok);
    // Another user of the same organization has their own budget.
    let bob = sign_in(&demo.url(), "bob").await;
    assert_eq!(bob.get(scalekit_demo::REFRESH_PATH).await.status(), 200);
}

/// Runs the demo binary in `dir` on a taken port (so it exits after reading
/// its configuration) and returns what it printed.
async fn run_demo_in(dir: &std::path::Path, environment_url: Option<&str>) -> String {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_scalekit-demo"));
    command
        .arg(port.to_string())
        .current_dir(dir)
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .env_remove("SCALEKIT_PORTAL_ORIGIN");
    if let Some(url) = environment_url {
        command.env("SCALEKIT_ENVIRONMENT_URL", url);
    }
    let output = command.output().await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const DOT_ENV: &str = "SCALEKIT_ENVIRONMENT_URL=https://from-dot-env.scalekit.dev\n\
                       SCALEKIT_CLIENT_ID=skc_dotenv\n\
                       SCALEKIT_CLIENT_SECRET=dotenv-secret\n";

#[tokio::test]
async fn dot_env_is_read_from_the_current_directory_only_and_never_overrides() {
    // A stray .env in a parent directory is not read.
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join(".env"), DOT_ENV).unwrap();
    let child = parent.path().join("app");
    std::fs::create_dir_all(&child).unwrap();
    let printed = run_demo_in(&child, None).await;
    assert!(!printed.contains("from-dot-env"), "{printed}");
    assert!(!printed.contains("Using Scalekit"), "{printed}");

    // The current directory's is, but a variable already set wins.
    let here = tempfile::tempdir().unwrap();
    std::fs::write(here.path().join(".env"), DOT_ENV).unwrap();
    let printed = run_demo_in(here.path(), None).await;
    assert!(
        printed.contains("Using Scalekit at https://from-dot-env.scalekit.dev"),
        "{printed}"
    );
    let printed = run_demo_in(here.path(), Some("https://from-environment.scalekit.dev")).await;
    assert!(
        printed.contains("Using Scalekit at https://from-environment.scalekit.dev"),
        "{printed}"
    );
    assert!(!printed.contains("dotenv-secret"), "{printed}");
}

#[tokio::test]
async fn sessions_expire_after_the_idle_timeout() {
    let emulator = scalekit_emulator::Emulator::builder()
        .start()
        .await
        .unwrap();
    let config = scalekit_tower::Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .build()
        .unwrap();
    let client = scalekit_tower::Client::new(config).unwrap();
    let idle = Duration::from_secs(1);
    let router = scalekit_demo::router_with_session_timeout(client, None, idle).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let alice = sign_in(&base, "alice").await;
    assert!(alice.signed_in().await);
    // The timeout is the behaviour under test: let it pass with no request.
    tokio::time::sleep(idle + Duration::from_millis(200)).await;
    assert!(
        !alice.signed_in().await,
        "a session idle for longer than the timeout no longer signs in"
    );
    server.abort();
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let bob = sign_in(&demo.url(), "bob").await;
    assert!(bob.signed_in().await);
    let response = bob.post("/logout").await;
    assert_eq!(response.status(), 303);
    assert!(!bob.signed_in().await, "the old cookie is worthless");
}

#[tokio::test]
async fn a_bad_portal_session_length_names_the_variable_and_the_fix() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scalekit-demo"))
        .arg("0")
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .env("DEMO_PORTAL_SESSION_SECS", "5")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DEMO_PORTAL_SESSION_SECS") && stderr.contains("at least 10"),
        "{stderr}"
    );
}

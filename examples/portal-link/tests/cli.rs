//! The CLI against the emulator: success, unknown organization, bad id,
//! missing credentials.

use std::process::Output;

use scalekit_emulator::{Emulator, demo};
use tokio::process::Command;

/// Runs the CLI with exactly `env` as its Scalekit settings, from an empty
/// directory (so no `.env` file is read).
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), args, env).await
}

fn credentials(emulator: &Emulator) -> [(&'static str, &str); 3] {
    [
        ("SCALEKIT_ENVIRONMENT_URL", emulator.base_url()),
        ("SCALEKIT_CLIENT_ID", emulator.client_id()),
        ("SCALEKIT_CLIENT_SECRET", emulator.client_secret()),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn prints_a_link_and_says_it_is_single_use() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(
        &[demo::ACME_ID, "--feature", "sso"],
        &credentials(&emulator),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("{}/magicLink/", emulator.base_url())),
        "{stdout}"
    );
    assert!(
        stdout.contains("single-use") && stdout.contains("within a minute"),
        "{stdout}"
    );
    assert_eq!(emulator.stats().links_minted_for(demo::ACME_ID), 1);
    assert!(!stdout.contains(emulator.client_secret()));
}

#[tokio::test]
async fn prints_json_by_external_id() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(
        &["--external-id", demo::GLOBEX_EXTERNAL_ID, "--json"],
        &credentials(&emulator),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["organization_id"], demo::GLOBEX_ID);
    assert_eq!(json["single_use"], true);
    let location = json["location"].as_str().unwrap();
    assert!(location.starts_with(&format!("{}/magicLink/", emulator.base_url())));
    assert!(json["expires_at"].as_str().is_some());
}

#[tokio::test]
async fn unknown_organization_fails_with_a_hint() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(&["org_404404"], &credentials(&emulator)).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("organization not found"), "{stderr}");
    assert!(stderr.contains("--external-id"), "{stderr}");
}

#[tokio::test]
async fn a_malformed_id_is_refused_before_any_request() {
    let emulator = Emulator::builder().start().await.unwrap();
    let output = run(&["tenant-42"], &credentials(&emulator)).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("invalid organization id"));
    assert_eq!(emulator.stats().requests_seen, 0);
}

#[tokio::test]
async fn missing_credentials_name_the_variable() {
    let output = run(
        &[demo::ACME_ID],
        &[("SCALEKIT_ENVIRONMENT_URL", "https://acme.scalekit.dev")],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("SCALEKIT_CLIENT_ID is not set"), "{stderr}");
}

#[tokio::test]
async fn wrong_usage_prints_help() {
    let output = run(&[], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("Usage: scalekit-portal-link"));
}

/// Runs the CLI in `dir` with no Scalekit variables but `env`.
async fn run_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalekit-portal-link"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .env_remove("SCALEKIT_PORTAL_ORIGIN");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.unwrap()
}

#[tokio::test]
async fn dot_env_comes_from_the_current_directory_only_and_never_overrides() {
    let emulator = Emulator::builder().start().await.unwrap();
    let dot_env: String = credentials(&emulator)
        .iter()
        .map(|(name, value)| format!("{name}={value}\n"))
        .collect();
    // A .env in a parent directory is not read.
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join(".env"), &dot_env).unwrap();
    let child = parent.path().join("work");
    std::fs::create_dir_all(&child).unwrap();
    let output = run_in(&child, &[demo::ACME_ID], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert!(text(&output.stderr).contains("SCALEKIT_ENVIRONMENT_URL"));
    // The current directory's is.
    let output = run_in(parent.path(), &[demo::ACME_ID], &[]).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    // A variable the environment sets wins over the file.
    let output = run_in(
        parent.path(),
        &[demo::ACME_ID],
        &[("SCALEKIT_CLIENT_SECRET", "from-the-environment")],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("rejected the client credentials"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn upstream_text_reaches_the_terminal_escaped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    let (status, body) = if buf[..n].starts_with(b"POST /oauth/token") {
                        ("200 OK", r#"{"access_token":"t","expires_in":3600}"#)
                    } else {
                        (
                            "400 Bad Request",
                            r#"{"code":3,"message":"nope\u001b[2J\u001b]0;owned\u0007\nerror: forged line","details":[{"error_code":"X\u001b[31m"}]}"#,
                        )
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let url = format!("http://{addr}");
    let output = run(
        &["org_1"],
        &[
            ("SCALEKIT_ENVIRONMENT_URL", &url),
            ("SCALEKIT_CLIENT_ID", "skc_1"),
            ("SCALEKIT_CLIENT_SECRET", "s"),
        ],
    )
    .await;
    let stderr = text(&output.stderr);
    assert!(stderr.contains("nope\\u{1b}[2J"), "{stderr}");
    assert!(
        !stderr
            .trim_end()
            .chars()
            .any(|c| c.is_control() && c != '\n'),
        "{stderr:?}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
}

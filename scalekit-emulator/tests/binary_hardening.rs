//! The `scalekit-emulator` binary's process edges: secrets taken from the
//! environment (kept out of `ps`), with `--tls` a CA file in a private
//! directory that goes away on SIGTERM as on Ctrl-C, and logs that never
//! show a live portal link's key, even at `trace`.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use common::webhooks::PATIENCE;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts the binary with `args` and `env`, and reads its `SCALEKIT_*`
/// lines up to `last`.
async fn start(
    args: &[&str],
    env: &[(&str, &str)],
    last: &str,
) -> (Child, BTreeMap<String, String>) {
    // Logs are piped only when asked for (the caller must read them).
    let logs_wanted = env.iter().any(|(name, _)| *name == "RUST_LOG");
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalekit-emulator"))
        .args(["--port", "0"])
        .args(args)
        .env_remove("PORT")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if logs_wanted {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = BTreeMap::new();
    while !printed.contains_key(last) {
        let line = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .expect("the SCALEKIT_* lines within the patience")
            .unwrap()
            .expect("the binary keeps running");
        if let Some((name, value)) = line.split_once('=') {
            printed.insert(name.to_owned(), value.to_owned());
        }
    }
    (child, printed)
}

#[tokio::test]
async fn secrets_come_from_the_environment() {
    let (mut child, printed) = start(
        &[],
        &[
            ("SCALEKIT_EMULATOR_CLIENT_ID", "skc_from_env"),
            ("SCALEKIT_EMULATOR_CLIENT_SECRET", "secret-from-env"),
            (
                "SCALEKIT_EMULATOR_WEBHOOK_SECRET",
                "whsec_ZW52aXJvbm1lbnQtc2VjcmV0LWtleS1mb3ItdGVzdHM=",
            ),
        ],
        "SCALEKIT_WEBHOOK_SECRET",
    )
    .await;
    assert_eq!(printed["SCALEKIT_CLIENT_ID"], "skc_from_env");
    assert_eq!(printed["SCALEKIT_CLIENT_SECRET"], "secret-from-env");
    assert_eq!(
        printed["SCALEKIT_WEBHOOK_SECRET"],
        "whsec_ZW52aXJvbm1lbnQtc2VjcmV0LWtleS1mb3ItdGVzdHM="
    );
    child.kill().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_removes_the_private_ca_directory() {
    use std::os::unix::fs::PermissionsExt;

    let (mut child, printed) = start(&["--tls"], &[], "SCALEKIT_CA_FILE").await;
    let ca_file = PathBuf::from(&printed["SCALEKIT_CA_FILE"]);
    let dir = ca_file.parent().unwrap().to_owned();
    assert_ne!(dir, std::env::temp_dir(), "a directory of its own");
    let mode = |path: &PathBuf| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&ca_file), 0o600);
    assert!(
        std::fs::read_to_string(&ca_file)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(PATIENCE, child.wait())
        .await
        .expect("the binary stops on SIGTERM")
        .unwrap();
    assert!(exit.success(), "{exit}");
    assert!(!ca_file.exists(), "{} left behind", ca_file.display());
    assert!(!dir.exists(), "{} left behind", dir.display());
}

#[tokio::test]
async fn no_log_line_holds_a_live_link_key() {
    use tokio::io::AsyncReadExt;

    let (mut child, printed) = start(&[], &[("RUST_LOG", "trace")], "SCALEKIT_CLIENT_SECRET").await;
    // Read all along, so the binary never blocks on a full pipe.
    let mut stderr = child.stderr.take().unwrap();
    let logs = tokio::spawn(async move {
        let mut logs = String::new();
        stderr.read_to_string(&mut logs).await.map(|_| logs)
    });
    let base = &printed["SCALEKIT_ENVIRONMENT_URL"];
    let http = common::http();
    let token: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &printed["SCALEKIT_CLIENT_ID"]),
            ("client_secret", &printed["SCALEKIT_CLIENT_SECRET"]),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link: serde_json::Value = http
        .put(format!(
            "{base}/api/v1/organizations/{}/portal_links",
            scalekit_emulator::demo::ACME_ID
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let location = link["link"]["location"].as_str().unwrap().to_owned();
    let key = location.rsplit('/').next().unwrap().to_owned();
    // The page, a second (failing) load and an unmatched path under it.
    for url in [
        location.clone(),
        location.clone(),
        format!("{location}/nothing"),
    ] {
        http.get(url).send().await.unwrap();
    }
    child.kill().await.unwrap();
    let logs = tokio::time::timeout(PATIENCE, logs)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(logs.contains("/magicLink/{id}"), "{logs}");
    assert!(!logs.contains(&key), "a link key in the logs:\n{logs}");
}

//! Running an official Scalekit SDK (a script under `tests/sdk/`) against
//! an emulator, and reading the emulator over plain HTTP or TLS alike.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use scalekit_emulator::Emulator;
use serde_json::Value;

use super::{http, https};

/// `tests/sdk/<language>`.
pub fn sdk_dir(language: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(language)
}

/// `Some(program)` when `program` exists and `installed` is a file; else a
/// notice (straight to stderr, which the harness does not capture) and
/// `None`, or a failure under `CI=true`.
pub fn runner(program: Option<PathBuf>, installed: &Path, what: &str) -> Option<PathBuf> {
    match program {
        Some(program) if installed.is_file() => Some(program),
        _ => {
            let why = format!("{what} (missing {})", installed.display());
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            let _ = writeln!(std::io::stderr(), "skipped: {why}");
            None
        }
    }
}

/// Runs `command` with the emulator's `SCALEKIT_*` values and
/// `ORGANIZATION_ID`, feeds it `stdin`, and parses the JSON it prints.
pub fn run(
    mut command: Command,
    emu: &Emulator,
    organization: &str,
    stdin: Option<&Value>,
) -> Value {
    let mut child = command
        .env("SCALEKIT_ENVIRONMENT_URL", emu.base_url())
        .env("SCALEKIT_CLIENT_ID", emu.client_id())
        .env("SCALEKIT_CLIENT_SECRET", emu.client_secret())
        .env("ORGANIZATION_ID", organization)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the SDK script starts");
    let mut input = child.stdin.take().unwrap();
    if let Some(value) = stdin {
        input.write_all(value.to_string().as_bytes()).unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}: {stdout}"))
}

/// GET `path` (a path or a full URL of `emu`) with an optional bearer
/// token, over TLS when the emulator serves it: status and body.
pub async fn get(emu: &Emulator, path: &str, bearer: Option<&str>) -> (u16, String) {
    let path = path.strip_prefix(emu.base_url()).unwrap_or(path);
    let authorization = bearer.map(|token| format!("Bearer {token}"));
    if emu.ca_file().is_some() {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("authorization", value.as_str()))
            .collect();
        return https::request(emu, "127.0.0.1", "GET", path, &headers, "").await;
    }
    let mut request = http().get(emu.url(path));
    if let Some(value) = &authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A REST read as JSON.
pub async fn get_json(emu: &Emulator, token: &str, path: &str) -> Value {
    let (status, body) = get(emu, path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// A token from the emulator's REST endpoint.
pub async fn token(emu: &Emulator) -> String {
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        emu.client_id(),
        emu.client_secret()
    );
    let (status, body) = if emu.ca_file().is_some() {
        https::request(
            emu,
            "127.0.0.1",
            "POST",
            "/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            &form,
        )
        .await
    } else {
        let response = http()
            .post(emu.url("/oauth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    json["access_token"].as_str().unwrap().to_owned()
}

pub fn value<'a>(results: &'a Value, call: &str) -> &'a Value {
    let result = &results[call];
    assert_eq!(result["ok"], true, "{call}: {result}");
    &result["value"]
}

pub fn error<'a>(results: &'a Value, call: &str) -> &'a Value {
    let result = &results[call];
    assert_eq!(result["ok"], false, "{call} should fail: {result}");
    &result["error"]
}

/// The two portal links of the "calls" run (without and with features)
/// open the emulator's portal page showing the sections they asked for,
/// and the emulator counted both for `org`.
pub async fn assert_links_open_the_portal(emu: &Emulator, results: &Value, org: &str) {
    for (call, sections) in [
        ("generate_portal_link", &["sso-section", "scim-section"][..]),
        ("generate_portal_link_with_features", &["sso-section"][..]),
    ] {
        let link = value(results, call);
        let location = link["location"].as_str().unwrap();
        assert!(
            location.starts_with(&format!("{}/magicLink/", emu.base_url())),
            "{link}"
        );
        let (_, html) = get(emu, location, None).await;
        assert!(html.contains("PORTAL_LOAD_SUCCESS"), "{call}");
        for section in ["sso-section", "scim-section"] {
            assert_eq!(
                html.contains(&format!("id=\"{section}\"")),
                sections.contains(&section),
                "{call}: {section}"
            );
        }
    }
    assert_eq!(emu.stats().links_minted_for(org), 2);
}

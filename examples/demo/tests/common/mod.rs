//! A signed-in visitor of the demo, shared by its test binaries.
#![allow(dead_code)] // each test binary uses its own part

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

/// Starts the demo binary the way the README does (`cargo run -p
/// scalekit-demo`, here on a free port, in an empty directory so no `.env`
/// applies, against its embedded emulator) with `env` set; returns it, its
/// URL and what it printed until then.
pub(crate) async fn run_binary(
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (tokio::process::Child, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_scalekit-demo"));
    command
        .current_dir(dir)
        .env("PORT", "0")
        .env_remove("SCALEKIT_ENVIRONMENT_URL")
        .env_remove("SCALEKIT_CLIENT_ID")
        .env_remove("SCALEKIT_CLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let read = async {
        let mut printed = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
            if let Some(url) = line.split("Open ").nth(1) {
                return (url.trim().to_owned(), printed);
            }
        }
        panic!("the demo exited without printing its URL: {printed}");
    };
    let (url, printed) = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the demo prints its URL");
    (child, url, printed)
}

/// A visitor holding the demo's session cookie.
pub(crate) struct Session {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

/// Signs `user` in through `POST /login`, checking the answer and the
/// session cookie's flags.
pub(crate) async fn sign_in(base: &str, user: &str) -> Session {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .post(format!("{base}login"))
        .form(&[("user", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/settings");
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("Max-Age="),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    Session {
        http,
        base: base.to_owned(),
        cookie,
    }
}

impl Session {
    /// The `name=value` of the session cookie.
    pub(crate) fn cookie(&self) -> &str {
        &self.cookie
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{}", self.base, path.trim_start_matches('/')))
            .header("cookie", &self.cookie)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn post(&self, path: &str) -> reqwest::Response {
        self.http
            .post(format!("{}{}", self.base, path.trim_start_matches('/')))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Whether the session still signs the user in: `/settings` answers the
    /// page instead of sending them home.
    pub(crate) async fn signed_in(&self) -> bool {
        let response = self.get("/settings").await;
        match response.status().as_u16() {
            200 => true,
            303 => {
                assert_eq!(response.headers()["location"], "/");
                false
            }
            other => panic!("unexpected status {other}"),
        }
    }
}

//! The READMEs' shell blocks run as written (the way the Rust snippets are
//! compiled and `readme_snippets.rs` runs the Node and Python ones), and
//! the demo starts as "Two commands" says and answers at the URL it prints.
//!
//! Convention: every ```sh block of README.md and scalekit-emulator/README.md
//! is run, unless the line just before its fence is `<!-- not run: REASON
//! -->` (installs, the test run itself, values to fill in, servers that run
//! until stopped; a server block that matters is started by its own test
//! here). A new block without the marker is run by this test, so it must
//! work.
//!
//! Each block runs in `bash -euo pipefail` in a fresh directory, with the
//! `SCALEKIT_*` lines of an emulator exported (started with
//! `--allow-origin http://127.0.0.1:3000`, as the READMEs' examples assume)
//! and the workspace's binaries on `PATH`. `cargo run -p NAME -- ARGS`
//! runs the binary `NAME` that cargo built for the workspace with `ARGS`:
//! the same program, without a second build under other features.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use scalekit_emulator::{Emulator, demo};
use scalekit_testkit::fenced::{self, Block};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const README: &str = include_str!("../README.md");
const EMULATOR_README: &str = include_str!("../scalekit-emulator/README.md");

/// The longest one block or one server start may take (two busy cores).
const WAIT: Duration = Duration::from_secs(120);

/// What every block runs after: `cargo run -p NAME -- ARGS` mapped to the
/// built binary (`exec`ed when `README_EXEC` is set, for a server block the
/// test stops by killing the shell's process).
const PREAMBLE: &str = r#"set -euo pipefail
cargo() {
  if [ "${1:-}" != run ]; then
    echo "readme test: only 'cargo run -p NAME' runs here, not: cargo $*" >&2
    return 97
  fi
  shift
  local name=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -q|--quiet) shift ;;
      -p) name="$2"; shift 2 ;;
      --) shift; break ;;
      *) echo "readme test: unexpected 'cargo run' argument $1" >&2; return 97 ;;
    esac
  done
  if [ -n "${README_EXEC:-}" ]; then exec "$README_BIN_DIR/$name" "$@"; fi
  "$README_BIN_DIR/$name" "$@"
}
"#;

/// The workspace's binaries (`target/<profile>`), built once per run.
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "scalekit-demo",
                "-p",
                "scalekit-portal-link",
                "-p",
                "scalekit-emulator",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build failed: {status}");
        // target/<profile>/deps/<this test> -> target/<profile>
        let exe = std::env::current_exe().expect("the test binary has a path");
        exe.parent()
            .and_then(Path::parent)
            .expect("the test binary sits in target/<profile>/deps")
            .to_owned()
    })
}

/// A fresh directory under cargo's temporary directory for tests.
fn fresh_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "readme-commands-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// A shell running `block` after the preamble, in a fresh directory, with
/// `env` (and nothing else of `SCALEKIT_*` or `DEMO_*`).
fn shell(block: &str, env: &[(&str, String)]) -> Command {
    let dir = fresh_dir();
    let bins = bin_dir();
    let path = std::env::join_paths(
        std::iter::once(bins.to_owned()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .expect("a PATH");
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!("{PREAMBLE}{block}\n"))
        .current_dir(&dir)
        .env("PATH", path)
        .env("README_BIN_DIR", bins)
        .kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with("SCALEKIT_") || name.starts_with("DEMO_") || name == "PORT" {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(name, value)| (*name, value.as_str())));
    command
}

/// An emulator as the READMEs' examples assume it: the demo organizations,
/// `--allow-origin http://127.0.0.1:3000`.
async fn emulator() -> Emulator {
    Emulator::builder()
        .allowed_parent_origin("http://127.0.0.1:3000")
        .start()
        .await
        .expect("the emulator starts")
}

/// The lines the emulator prints, to export.
fn exported(emulator: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("SCALEKIT_ENVIRONMENT_URL", emulator.base_url().to_owned()),
        ("SCALEKIT_CLIENT_ID", emulator.client_id().to_owned()),
        (
            "SCALEKIT_CLIENT_SECRET",
            emulator.client_secret().to_owned(),
        ),
        (
            "SCALEKIT_WEBHOOK_SECRET",
            emulator.webhook_secret().to_owned(),
        ),
    ]
}

/// Runs `block` against a fresh emulator; returns its stdout and the
/// emulator. Panics with the block, its place and its output on failure.
async fn run(readme: &str, block: &Block) -> (String, Emulator) {
    let emulator = emulator().await;
    let mut command = shell(&block.body, &exported(&emulator));
    let output = tokio::time::timeout(WAIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("{readme}:{} ran past {WAIT:?}", block.line))
        .expect("bash starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{readme}:{} failed ({}):\n{}\n--- stdout\n{stdout}\n--- stderr\n{}",
        block.line,
        output.status,
        block.body,
        String::from_utf8_lossy(&output.stderr)
    );
    (stdout, emulator)
}

/// Whether `program` is on `PATH`.
fn on_path(program: &str) -> bool {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|dir| dir.join(program).is_file())
}

/// Prints why a block does nothing (or fails under `CI=true`).
fn skip(why: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("skipped: {why}");
}

/// The shell blocks of `markdown`.
fn shell_blocks(markdown: &str) -> Vec<Block> {
    fenced::blocks(markdown)
        .into_iter()
        .filter(|b| matches!(b.language.as_str(), "sh" | "bash" | "shell"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_shell_block_runs_or_says_why_not() {
    let mut ran = 0;
    for (name, markdown) in [
        ("README.md", README),
        ("scalekit-emulator/README.md", EMULATOR_README),
    ] {
        for block in shell_blocks(markdown) {
            match &block.not_run {
                Some(reason) => assert!(
                    reason.len() >= 5,
                    "{name}:{}: say why the block is not run",
                    block.line
                ),
                None if block.body.contains("curl ") && !on_path("curl") => {
                    skip(&format!("{name}:{} needs `curl` on PATH", block.line));
                }
                None => {
                    run(name, &block).await;
                    ran += 1;
                }
            }
        }
    }
    // The CLI, doctor and idp blocks at least (and curl's, with curl).
    assert!(ran >= 3, "only {ran} blocks ran");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_examples_print_links_with_the_emulators_lines_exported() {
    let block = shell_blocks(README)
        .into_iter()
        .find(|b| b.body.contains("scalekit-portal-link -- --external-id"))
        .expect("README's CLI examples");
    let (stdout, emulator) = run("README.md", &block).await;
    let links = stdout
        .matches(&format!("{}/magicLink/", emulator.base_url()))
        .count();
    assert_eq!(links, 2, "{stdout}");
    let stats = emulator.stats();
    assert_eq!(stats.links_minted_for(demo::ACME_ID), 1, "{stats:?}");
    assert_eq!(stats.links_minted_for(demo::GLOBEX_ID), 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_example_passes_against_the_emulator() {
    let block = shell_blocks(README)
        .into_iter()
        .find(|b| b.not_run.is_none() && b.body.contains("-- doctor"))
        .expect("README's runnable doctor example");
    let (stdout, _emulator) = run("README.md", &block).await;
    for check in [
        "credentials",
        "token",
        "link minted",
        "frame-ancestors",
        "clock",
    ] {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with("ok") && line.contains(check)),
            "{check}: {stdout}"
        );
    }
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

/// A demo started from a README block: killed when dropped.
struct RunningDemo {
    _child: Child,
    /// What it printed before its URL.
    said: Vec<String>,
    url: String,
}

/// Runs the server `block` with `env` and a free `PORT`, until it prints
/// `Open <url>`.
async fn start_demo(block: &str, env: &[(&str, String)]) -> RunningDemo {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut env = env.to_vec();
    env.push(("PORT", port.to_string()));
    env.push(("README_EXEC", "1".to_owned()));
    let mut command = shell(block, &env);
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = command.spawn().expect("bash starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut said = Vec::new();
    let url = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.expect("readable stdout") {
            if let Some((_, url)) = line.split_once("Open ") {
                return url.trim().to_owned();
            }
            said.push(line);
        }
        panic!("the demo exited without its URL: {said:?}");
    })
    .await
    .expect("the demo prints its URL in time");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    RunningDemo {
        _child: child,
        said,
        url,
    }
}

/// Signs in as Alice at the demo and returns the settings page.
async fn alices_settings(url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let home = http.get(url).send().await.expect("the demo answers");
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("login-alice"));
    let login = http
        .post(format!("{url}login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=alice")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let settings = http
        .get(format!("{url}settings"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200);
    settings.text().await.unwrap()
}

/// The portal link in the iframe of a settings page (its `src`, unescaped).
fn portal_link(page: &str) -> String {
    page.split("src=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|src| src.contains("magicLink"))
        .unwrap_or_else(|| panic!("no portal link in {page}"))
        .replace("&#x2f;", "/")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_as_the_readme_says() {
    // "Two commands": the demo, offline.
    let block = fenced::block(README, "sh", "cargo run -p scalekit-demo");
    assert_eq!(block.trim(), "cargo run -p scalekit-demo", "{block}");
    let running = start_demo(&block, &[]).await;
    assert!(
        running.url.starts_with("http://127.0.0.1:"),
        "{}",
        running.url
    );
    let page = alices_settings(&running.url).await;
    assert!(page.contains("id=\"scalekit-portal\""), "{page}");
    assert!(page.contains("magicLink"), "{page}");
    assert!(
        !running.said.join("\n").contains("dashboard"),
        "{:?}",
        running.said
    );
    drop(running);

    // Short portal sessions, to watch the self-heal.
    let block = fenced::block(README, "sh", "DEMO_PORTAL_SESSION_SECS=");
    let running = start_demo(&block, &[]).await;
    let said = running.said.join("\n");
    assert!(said.contains("Portal sessions last 30 s"), "{said}");
    let page = alices_settings(&running.url).await;
    // The portal behind the page's link ends its session within 30 s.
    let portal = reqwest::get(portal_link(&page))
        .await
        .expect("the portal page answers")
        .text()
        .await
        .unwrap();
    let expires_in_ms: u64 = portal
        .split("\"expireInMs\":")
        .nth(1)
        .and_then(|rest| {
            rest.trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()
        })
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no session length in {portal}"));
    assert!(
        (20_000..=30_000).contains(&expires_in_ms),
        "{expires_in_ms} ms"
    );
    drop(running);

    // Against a standalone emulator whose lines are exported: the emulator
    // flags, never the dashboard.
    let emulator = emulator().await;
    let block = fenced::block(README, "sh", "cargo run -p scalekit-demo");
    let running = start_demo(&block, &exported(&emulator)).await;
    let said = running.said.join("\n");
    assert!(said.contains("Using the Scalekit emulator at"), "{said}");
    assert!(said.contains("--allow-origin http://127.0.0.1:"), "{said}");
    assert!(!said.contains("dashboard"), "{said}");
    assert!(!said.contains("create organizations"), "{said}");
    let before = emulator.stats().links_minted_for(demo::ACME_ID);
    alices_settings(&running.url).await;
    assert_eq!(emulator.stats().links_minted_for(demo::ACME_ID), before + 1);
}

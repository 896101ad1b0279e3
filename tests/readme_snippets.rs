//! The README's snippets in other languages run as written, against the
//! emulator, the way the Rust ones are compiled (`tests/support/readme.rs`):
//! the Node SDK snippet saved as an `.mjs` file over plain HTTP/2, the Python
//! SDK snippet over TLS with the CA variables the README names.
//!
//! They use the SDKs installed for the emulator's own SDK tests
//! (`scalekit-emulator/tests/sdk/`, see the README's "Two commands"); without
//! them each test prints `skipped: ...` and passes, except under `CI=true`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use scalekit_emulator::{Emulator, demo};

const README: &str = include_str!("../README.md");

/// The body of the first fenced block of `language` whose text contains `marker`.
fn snippet(language: &str, marker: &str) -> String {
    scalekit_testkit::fenced::block(README, language, marker)
}

fn sdk_dir(language: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scalekit-emulator/tests/sdk")
        .join(language)
}

/// Prints why a test does nothing (or fails under `CI=true`).
fn skip(why: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// `true` when `installed` exists; else [`skip`] with `what`.
fn installed(installed: &Path, what: &str) -> bool {
    let there = installed.exists();
    if !there {
        skip(&format!("{what} (missing {})", installed.display()));
    }
    there
}

/// A fresh directory for one test's files.
fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("readme-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn exported(command: &mut Command, emulator: &Emulator) {
    command
        .env("SCALEKIT_ENVIRONMENT_URL", emulator.base_url())
        .env("SCALEKIT_CLIENT_ID", emulator.client_id())
        .env("SCALEKIT_CLIENT_SECRET", emulator.client_secret())
        .env("SCALEKIT_WEBHOOK_SECRET", emulator.webhook_secret());
}

/// Runs `command`, asserts success, and checks it printed a fresh portal link.
fn assert_prints_a_link(mut command: Command, emulator: &Emulator) {
    let output = command.output().expect("the interpreter starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout
            .trim()
            .starts_with(&format!("{}/magicLink/", emulator.base_url())),
        "{stdout}"
    );
    assert_eq!(emulator.stats().links_minted_for(demo::ACME_ID), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_sdk_snippet_runs_saved_as_an_mjs_file() {
    let modules = sdk_dir("node").join("node_modules");
    let Some(node) = which_node() else {
        skip("the README's Node snippet needs `node` on PATH");
        return;
    };
    if !installed(
        &modules.join("@scalekit-sdk/node"),
        "the README's Node snippet needs `npm ci` in scalekit-emulator/tests/sdk/node",
    ) {
        return;
    }
    let emulator = Emulator::start().await.unwrap();
    let dir = work_dir("node");
    std::os::unix::fs::symlink(&modules, dir.join("node_modules")).unwrap();
    let file = dir.join("portal-link.mjs");
    std::fs::write(&file, snippet("js", "ScalekitClient")).unwrap();
    let mut command = Command::new(node);
    command.arg(&file).current_dir(&dir);
    exported(&mut command, &emulator);
    tokio::task::spawn_blocking(move || assert_prints_a_link(command, &emulator))
        .await
        .unwrap();
}

/// `node` on `PATH`.
fn which_node() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("node"))
        .find(|path| path.is_file())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_snippet_runs_over_tls() {
    let python = sdk_dir("python").join(".venv/bin/python");
    if !installed(
        &python,
        "the README's Python snippet needs the venv in scalekit-emulator/tests/sdk/python",
    ) {
        return;
    }
    let emulator = Emulator::builder().tls(true).start().await.unwrap();
    let ca = emulator
        .ca_file()
        .expect("a TLS emulator has a CA file")
        .to_owned();
    let dir = work_dir("python");
    let file = dir.join("app.py");
    std::fs::write(&file, snippet("python", "ScalekitClient")).unwrap();
    let mut command = Command::new(python);
    command
        .arg(&file)
        .current_dir(&dir)
        .env("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", &ca)
        .env("REQUESTS_CA_BUNDLE", &ca);
    exported(&mut command, &emulator);
    tokio::task::spawn_blocking(move || assert_prints_a_link(command, &emulator))
        .await
        .unwrap();
}

//! Finding Chromium and chromedriver, and what to do when they are missing.

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;

/// The two programs a browser test needs.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The Chromium executable.
    pub chromium: PathBuf,
    /// The chromedriver executable.
    pub chromedriver: PathBuf,
}

impl Binaries {
    /// Chromium and chromedriver from `CHROMIUM` / `CHROMEDRIVER`, else from
    /// `PATH`.
    ///
    /// Returns `None`, after printing why once per test binary, when one is
    /// missing and `CI` is not set; panics when `CI` is set.
    pub fn find() -> Option<Self> {
        let chromium = find("CHROMIUM", "chromium");
        let chromedriver = find("CHROMEDRIVER", "chromedriver");
        let (chromium, chromedriver) = match (chromium, chromedriver) {
            (Ok(chromium), Ok(chromedriver)) => (chromium, chromedriver),
            (chromium, chromedriver) => {
                let missing: Vec<String> = [chromium.err(), chromedriver.err()]
                    .into_iter()
                    .flatten()
                    .collect();
                skip(&format!(
                    "{} (set CHROMIUM / CHROMEDRIVER, or `apt-get install chromium chromium-driver`)",
                    missing.join("; ")
                ));
                return None;
            }
        };
        Some(Self {
            chromium,
            chromedriver,
        })
    }
}

/// The program named by the environment variable `env` (a path, or a name
/// looked up on `PATH`), else `name` on `PATH`.
fn find(env: &str, name: &str) -> Result<PathBuf, String> {
    let wanted = std::env::var_os(env);
    let wanted = wanted.as_deref().unwrap_or(OsStr::new(name));
    which::which(wanted).map_err(|err| format!("{} not found: {err}", wanted.to_string_lossy()))
}

/// Skips the browser tests with `message`, or fails them under `CI`.
fn skip(message: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set and the browser tests cannot run: {message}");
    }
    // Straight to stderr, past the test harness's output capture, once per
    // test binary.
    static NOTICE: Once = Once::new();
    NOTICE.call_once(|| {
        let _ = writeln!(std::io::stderr(), "skipping the browser tests: {message}");
    });
}

//! One chromedriver process: started on a free loopback port in its own
//! process group, with a temporary directory for its log and the Chromium
//! profile; stopped, with everything it started, on drop.

use std::fmt;
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// How long chromedriver may take to answer `/status` with `ready: true`.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one `/status` probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Between two `/status` probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(25);
/// How long ending the session on drop may take.
const DELETE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running chromedriver.
pub(super) struct Driver {
    child: Child,
    port: u16,
    /// The WebDriver session opened on it, ended on drop.
    pub(super) session: Option<String>,
    // Dropped after the processes are gone (see `Drop`): Chromium writes
    // into the profile until it has quit.
    dir: TempDir,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// Starts `chromedriver` and waits (bounded) until `/status` says ready.
    pub(super) async fn start(chromedriver: &Path) -> Self {
        let mut last_error = String::new();
        // The port is free when picked, but another process may take it
        // before chromedriver binds it: try a few ports.
        for _ in 0..3 {
            let mut driver = Self::spawn(chromedriver);
            match driver.wait_ready().await {
                Ok(()) => return driver,
                Err(e) => last_error = e,
            }
        }
        panic!("chromedriver did not become ready: {last_error}");
    }

    fn spawn(chromedriver: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("scalekit-browser-")
            .tempdir()
            .expect("create a temporary directory");
        let port = free_port();
        let log =
            File::create(dir.path().join("chromedriver.log")).expect("create the chromedriver log");
        let mut command = Command::new(chromedriver);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log);
        // Own process group: Chromium inherits it, so a stuck session can be
        // stopped as a whole (see Drop).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        Self {
            child,
            port,
            session: None,
            dir,
        }
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .timeout(PROBE_TIMEOUT)
            .build()
            .expect("a plain-HTTP client builds");
        let status = format!("{}/status", self.url());
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                return Err(format!("it exited with {exit}; log:\n{}", self.log_text()));
            }
            if let Ok(response) = http.get(&status).send().await
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == Value::Bool(true)
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no ready /status on port {} within {READY_TIMEOUT:?}; log:\n{}",
                    self.port,
                    self.log_text()
                ));
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    }

    /// The WebDriver URL, `http://127.0.0.1:PORT`.
    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A fresh directory for the Chromium profile, removed with the driver.
    pub(super) fn profile_dir(&self) -> PathBuf {
        self.dir.path().join("profile")
    }

    /// chromedriver's log so far, for failure messages.
    pub(super) fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default()
    }

    /// Ends the WebDriver session, which makes Chromium quit cleanly.
    ///
    /// Called from `Drop`, which may run on an async runtime's thread: the
    /// blocking request runs on a thread of its own.
    fn end_session(&self) {
        let Some(session) = &self.session else {
            return;
        };
        let url = format!("{}/session/{session}", self.url());
        let request = std::thread::spawn(move || {
            let http = reqwest::blocking::Client::builder()
                .timeout(DELETE_TIMEOUT)
                .build()?;
            http.delete(url).send().map(drop)
        });
        let _ = request.join();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.end_session();
        // Then chromedriver and anything left in its process group (a
        // Chromium whose session could not be ended). The group id is the
        // child's pid (process_group(0)); std has no killpg, and unsafe code
        // is forbidden, so ask kill(1).
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, then released for chromedriver to take).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

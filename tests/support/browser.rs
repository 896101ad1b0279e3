//! A real headless Chromium, driven over WebDriver, for the browser tests.
//!
//! [`Browser::start`] launches a private `chromedriver` on a free loopback
//! port (in its own process group, with a fresh Chromium profile) and opens
//! one WebDriver session on it. Each test owns its browser: nothing is shared
//! between tests, so they run in parallel threads without seeing each other's
//! windows, cookies or caches. Dropping the [`Browser`] ends the session
//! (Chromium quits), then stops chromedriver and whatever is left of its
//! process group, and deletes the profile.
//!
//! Pages under test include [`EVENT_RECORDER_JS`] (in a nonce'd `<script>`
//! before the portal snippet when the page has a CSP). It records every
//! `scalekit:*` DOM event, every `message` the window receives, JavaScript
//! errors and CSP violations in `window.__scalekit`, which
//! [`Browser::events`], [`Browser::messages`], [`Browser::errors`] and
//! [`Browser::violations`] read back.
//!
//! Waiting is always a bounded poll for a condition evaluated in the page
//! ([`Browser::wait_until`]): never a fixed sleep.
//!
//! Environment:
//!
//! - `CHROMIUM` / `CHROMEDRIVER`: the binaries (default `/usr/bin/chromium`,
//!   `/usr/bin/chromedriver`, else the first on `PATH`). When one is missing
//!   the test is skipped with a message, unless `CI` is set: then it fails.
//! - `SCALEKIT_BROWSERS`: how many browsers may run at once in one test
//!   binary (default 4); the others wait for a slot.

use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The viewport size every session starts with (CSS pixels).
pub const WINDOW_SIZE: (u32, u32) = (1280, 900);

/// How long chromedriver may take to answer `/status` with `ready: true`.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one poll of [`Browser::wait_until`] sleeps between evaluations.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Script that records what the host page observes in `window.__scalekit`:
///
/// - `events`: every `scalekit:*` event reaching `document`, as
///   `{name, detail, target, src, state, at}` (`name` without the prefix,
///   `src` the iframe's `src` attribute when the event fired, `state` its
///   `data-scalekit-state`, `at` from `performance.now()`);
/// - `messages`: every `message` event on `window`, summarized as
///   `{origin, kind, event_type, type, marker}`;
/// - `errors`: uncaught errors, unhandled rejections, `console.error` calls,
///   and `scalekit:` events with a name not listed above (seen by wrapping
///   `EventTarget.prototype.dispatchEvent`);
/// - `violations`: `securitypolicyviolation` events, as `{directive, blocked}`.
///
/// Besides `window.__scalekit` it only wraps `console.error` and
/// `dispatchEvent`; it uses no `eval`.
pub const EVENT_RECORDER_JS: &str = r#"(function () {
  'use strict';
  var NAMES = ['loaded', 'load-failed', 'load-timeout', 'session-warning', 'session-expired',
    'sso-enabled', 'sso-disabled', 'directory-enabled', 'directory-disabled',
    'refreshed', 'refresh-failed', 'status', 'status-failed'];
  var rec = { events: [], messages: [], errors: [], violations: [] };
  Object.defineProperty(window, '__scalekit', { value: rec });
  function copy(value) {
    try {
      return value === undefined ? null : JSON.parse(JSON.stringify(value));
    } catch (e) {
      return '[not JSON: ' + String(e) + ']';
    }
  }
  NAMES.forEach(function (name) {
    document.addEventListener('scalekit:' + name, function (event) {
      var target = event.target;
      rec.events.push({
        name: name,
        detail: copy(event.detail),
        target: target && target.id ? target.id : null,
        src: target && target.getAttribute ? target.getAttribute('src') : null,
        state: target && target.getAttribute ? target.getAttribute('data-scalekit-state') : null,
        at: performance.now()
      });
    });
  });
  // Events with other scalekit: names (a listener bug) count as errors.
  var dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    var type = event && typeof event.type === 'string' ? event.type : '';
    if (type.indexOf('scalekit:') === 0 && NAMES.indexOf(type.slice(9)) < 0) {
      rec.errors.push('unknown event dispatched: ' + type);
    }
    return dispatch.apply(this, arguments);
  };
  window.addEventListener('message', function (event) {
    var data = event.data;
    var isObject = data !== null && typeof data === 'object' && !Array.isArray(data);
    function text(key) {
      return isObject && typeof data[key] === 'string' ? data[key] : null;
    }
    rec.messages.push({
      origin: event.origin,
      kind: data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data,
      event_type: text('event_type'),
      type: text('type'),
      marker: text('marker')
    });
  });
  window.addEventListener('error', function (event) {
    rec.errors.push('error: ' + event.message + ' at ' + event.filename + ':' + event.lineno);
  });
  window.addEventListener('unhandledrejection', function (event) {
    rec.errors.push('unhandled rejection: ' + String(event.reason));
  });
  var consoleError = console.error;
  console.error = function () {
    rec.errors.push('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return consoleError.apply(console, arguments);
  };
  document.addEventListener('securitypolicyviolation', function (event) {
    rec.violations.push({ directive: event.violatedDirective, blocked: event.blockedURI });
  });
})();"#;

/// One `scalekit:*` event as the host page recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// The event name without `scalekit:` (`loaded`, `sso-enabled`, ...).
    pub name: String,
    /// `event.detail`, as JSON.
    pub detail: Value,
    /// The iframe's `src` attribute when the event fired.
    pub src: Option<String>,
    /// The iframe's `data-scalekit-state` when the event fired.
    pub state: Option<String>,
    /// `performance.now()` when it fired, in milliseconds.
    pub at: f64,
}

impl RecordedEvent {
    fn from_json(value: &Value) -> Self {
        let text = |key: &str| value[key].as_str().map(str::to_owned);
        Self {
            name: text("name").unwrap_or_default(),
            detail: value["detail"].clone(),
            src: text("src"),
            state: text("state"),
            at: value["at"].as_f64().unwrap_or_default(),
        }
    }
}

/// The names of `events`, in order.
pub fn names(events: &[RecordedEvent]) -> Vec<&str> {
    events.iter().map(|e| e.name.as_str()).collect()
}

/// Limits how many browsers run at once in one test binary.
fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let n = std::env::var("SCALEKIT_BROWSERS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(4);
        Semaphore::new(n)
    })
}

/// Finds a binary: the env override, the Debian path, then `PATH`.
fn find_binary(env: &str, default: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let default = PathBuf::from(default);
    if default.is_file() {
        return Some(default);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A free loopback port (bound, then released for chromedriver to take).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

/// A minimal blocking HTTP/1.1 exchange with chromedriver on loopback.
/// Returns the status code and the body.
fn driver_request(
    port: u16,
    method: &str,
    path: &str,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // chromedriver keeps the connection open whatever the request says:
    // read the head, then exactly Content-Length bytes.
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break raw.len();
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = raw[head_end.min(raw.len())..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    Ok((status, body))
}

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "{prefix}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A chromedriver child process in its own process group.
struct Driver {
    child: Child,
    port: u16,
    session: Option<String>,
    log: PathBuf,
    // Dropped after the processes are gone (field order).
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
    /// Starts chromedriver and waits (bounded) until `/status` says ready.
    async fn start(chromedriver: &Path) -> Self {
        let mut last_error = String::new();
        // The port is free when picked, but another process may take it
        // before chromedriver binds it: try a few ports.
        for _ in 0..3 {
            let dir = TempDir::new("scalekit-browser");
            let port = free_port();
            let log = dir.0.join("chromedriver.log");
            let log_file = std::fs::File::create(&log).expect("create the chromedriver log");
            let mut command = Command::new(chromedriver);
            command
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("clone the log handle"))
                .stderr(log_file);
            // Own process group: Chromium inherits it, so a stuck session
            // can be stopped as a whole (see Drop).
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let child = command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
            let mut driver = Self {
                child,
                port,
                session: None,
                log,
                dir,
            };
            match driver.wait_ready().await {
                Ok(()) => return driver,
                Err(e) => last_error = e,
            }
        }
        panic!("chromedriver did not become ready: {last_error}");
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "it exited with {status}; log:\n{}",
                    self.log_text()
                ));
            }
            let port = self.port;
            let probe = tokio::task::spawn_blocking(move || {
                driver_request(port, "GET", "/status", Duration::from_secs(2))
            })
            .await
            .expect("the status probe does not panic");
            if let Ok((200, body)) = probe {
                let ready = serde_json::from_str::<Value>(&body)
                    .map(|v| v["value"]["ready"] == json!(true))
                    .unwrap_or(false);
                if ready {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "no ready /status on port {port} within {DRIVER_READY_TIMEOUT:?}; log:\n{}",
                    self.log_text()
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ending the session makes Chromium quit cleanly.
        if let Some(session) = &self.session {
            let _ = driver_request(
                self.port,
                "DELETE",
                &format!("/session/{session}"),
                Duration::from_secs(10),
            );
        }
        // Then chromedriver and anything left in its process group (a
        // Chromium whose session could not be ended). The group id is the
        // child's pid (process_group(0)); std has no killpg, and unsafe
        // code is forbidden, so ask kill(1).
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

/// A headless Chromium session of one test. See the [module docs](self).
pub struct Browser {
    client: Client,
    driver: Driver,
    _slot: SemaphorePermit<'static>,
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser")
            .field("driver", &self.driver)
            .finish_non_exhaustive()
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    ///
    /// Returns `None`, after printing why, when Chromium or chromedriver is
    /// not installed and `CI` is not set; panics when `CI` is set.
    pub async fn start() -> Option<Self> {
        let chromium = find_binary("CHROMIUM", "/usr/bin/chromium", "chromium");
        let chromedriver = find_binary("CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver");
        let (chromium, chromedriver) = match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => (chromium, chromedriver),
            (chromium, chromedriver) => {
                let missing: Vec<&str> = [
                    chromium.is_none().then_some("chromium"),
                    chromedriver.is_none().then_some("chromedriver"),
                ]
                .into_iter()
                .flatten()
                .collect();
                let message = format!(
                    "{} not found (set CHROMIUM / CHROMEDRIVER, or `apt-get install chromium chromium-driver`)",
                    missing.join(" and ")
                );
                if std::env::var_os("CI").is_some() {
                    panic!("CI is set and the browser tests cannot run: {message}");
                }
                // Straight to stderr, past the test harness's output
                // capture, once per test binary.
                static SKIP_NOTICE: std::sync::Once = std::sync::Once::new();
                SKIP_NOTICE.call_once(|| {
                    let _ = writeln!(std::io::stderr(), "skipping the browser tests: {message}");
                });
                return None;
            }
        };

        let slot = slots()
            .acquire()
            .await
            .expect("the slot semaphore is never closed");
        let mut driver = Driver::start(&chromedriver).await;
        let profile = driver.dir.0.join("profile");
        let (width, height) = WINDOW_SIZE;
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-quic".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": args,
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a WebDriver session: {e}; chromedriver log:\n{}",
                    driver.log_text()
                )
            });
        driver.session = client.session_id().await.ok().flatten();
        let browser = Self {
            client,
            driver,
            _slot: slot,
        };
        browser.set_viewport(width, height).await;
        Some(browser)
    }

    /// Resizes the window so that the page's viewport is `width` x `height`
    /// CSS pixels (the window itself is larger by its frame, if any).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("set the window size");
        let inner = self
            .eval("return [window.innerWidth, window.innerHeight];")
            .await;
        let inner = |i: usize| inner[i].as_u64().and_then(|v| u32::try_from(v).ok());
        if let (Some(w), Some(h)) = (inner(0), inner(1))
            && (w, h) != (width, height)
        {
            self.client
                .set_window_size(
                    width + width.saturating_sub(w),
                    height + height.saturating_sub(h),
                )
                .await
                .expect("set the window size");
        }
    }

    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates the current window to `url` and waits for its `load` event.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot load {url}: {e}"));
    }

    /// Runs `script` (a function body; `return` gives the result) in the
    /// current frame with `args` as `arguments`.
    pub async fn eval_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n--- script ---\n{script}"))
    }

    /// [`Browser::eval_with`] without arguments.
    pub async fn eval(&self, script: &str) -> Value {
        self.eval_with(script, Vec::new()).await
    }

    /// Evaluates `script` in the current frame until it returns something
    /// truthy (not `null`, `false`, `0` or `""`), and returns that value.
    /// Script errors (e.g. while a page is navigating) count as "not yet".
    ///
    /// # Panics
    ///
    /// After `timeout`, with `what`, the last result and what the page
    /// recorded.
    pub async fn wait_until(&self, what: &str, script: &str, timeout: Duration) -> Value {
        self.wait_until_with(what, script, Vec::new(), timeout)
            .await
    }

    /// [`Browser::wait_until`] with `arguments`.
    pub async fn wait_until_with(
        &self,
        what: &str,
        script: &str,
        args: Vec<Value>,
        timeout: Duration,
    ) -> Value {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut last;
        loop {
            match self.client.execute(script, args.clone()).await {
                Ok(value) if truthy(&value) => return value,
                Ok(value) => last = value.to_string(),
                Err(e) => last = format!("script error: {e}"),
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {:?} waiting for {what}\nlast result: {last}\n{}",
                    started.elapsed(),
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// What the page recorded, for failure messages (best effort).
    pub async fn diagnostics(&self) -> String {
        let recorded = self
            .client
            .execute("return window.__scalekit || null;", Vec::new())
            .await
            .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
            .unwrap_or_else(|e| format!("(cannot read window.__scalekit: {e})"));
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        format!("page: {url}\nrecorded: {recorded}")
    }

    /// The `scalekit:*` events recorded in the current page so far.
    pub async fn events(&self) -> Vec<RecordedEvent> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.events : null;")
            .await;
        value
            .as_array()
            .unwrap_or_else(|| panic!("the page has no event recorder (window.__scalekit)"))
            .iter()
            .map(RecordedEvent::from_json)
            .collect()
    }

    /// Waits until the page recorded `count` `scalekit:<name>` events, and
    /// returns all recorded events.
    pub async fn wait_for_event(
        &self,
        name: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<RecordedEvent> {
        self.wait_until_with(
            &format!("{count} scalekit:{name} event(s)"),
            "var r = window.__scalekit, name = arguments[0], count = arguments[1]; \
             return !!r && r.events.filter(function (e) { return e.name === name; }).length >= count;",
            vec![json!(name), json!(count)],
            timeout,
        )
        .await;
        self.events().await
    }

    /// The messages the page's window received so far (summaries, see
    /// [`EVENT_RECORDER_JS`]).
    pub async fn messages(&self) -> Vec<Value> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.messages : [];")
            .await;
        value.as_array().cloned().unwrap_or_default()
    }

    /// Waits until a message with `marker` from `origin` reached the page:
    /// everything the same sender posted before it has been handled.
    pub async fn wait_for_marker(&self, origin: &str, marker: &str, timeout: Duration) {
        self.wait_until_with(
            &format!("the marker message {marker:?} from {origin}"),
            "var r = window.__scalekit, origin = arguments[0], marker = arguments[1]; \
             return !!r && r.messages.some(function (m) { \
               return m.origin === origin && m.marker === marker; });",
            vec![json!(origin), json!(marker)],
            timeout,
        )
        .await;
    }

    /// The JavaScript errors the page recorded.
    pub async fn errors(&self) -> Vec<String> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.errors : [];")
            .await;
        value
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or("?").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Panics if the page recorded a JavaScript error.
    pub async fn assert_no_errors(&self) {
        let errors = self.errors().await;
        assert!(errors.is_empty(), "the page recorded errors: {errors:#?}");
    }

    /// The CSP violations the page recorded.
    pub async fn violations(&self) -> Vec<Value> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.violations : [];")
            .await;
        value.as_array().cloned().unwrap_or_default()
    }

    /// A property of an element of the current frame (`null` when absent).
    pub async fn property(&self, id: &str, property: &str) -> Value {
        self.eval_with(
            "var el = document.getElementById(arguments[0]); \
             return el ? el[arguments[1]] : null;",
            vec![json!(id), json!(property)],
        )
        .await
    }

    /// An attribute of an element of the current frame.
    pub async fn attribute(&self, id: &str, attribute: &str) -> Option<String> {
        self.eval_with(
            "var el = document.getElementById(arguments[0]); \
             return el ? el.getAttribute(arguments[1]) : null;",
            vec![json!(id), json!(attribute)],
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// Switches WebDriver into the iframe with this id (in the current frame).
    pub async fn enter_frame(&self, id: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no element #{id}: {e}"))
            .enter_frame()
            .await
            .unwrap_or_else(|e| panic!("cannot enter the frame #{id}: {e}"));
    }

    /// Switches WebDriver from an iframe back to its parent document.
    pub async fn leave_frame(&self) {
        self.client
            .enter_parent_frame()
            .await
            .expect("switch to the parent document");
    }

    /// Clicks the element with this id in the current frame.
    pub async fn click(&self, id: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no element #{id}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click #{id}: {e}"));
    }

    /// Writes a PNG screenshot of the window to `path`.
    pub async fn screenshot_to(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("take a screenshot");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the screenshot directory");
        }
        std::fs::write(path, png).expect("write the screenshot");
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

//! The [`Browser`]: one WebDriver session on its own chromedriver, and the
//! page helpers the tests use (navigation, scripts, bounded waits, frames).

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::binaries::Binaries;
use super::driver::Driver;

/// The viewport size every session starts with (CSS pixels).
pub const WINDOW_SIZE: (u32, u32) = (1280, 900);

/// How long one poll of [`Browser::wait_until`] sleeps between evaluations.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

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

/// A headless Chromium session of one test. See the [module docs](super).
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
        Self::launch(false).await
    }

    /// [`Browser::start`] with third-party cookies blocked (Chromium's
    /// "Block third-party cookies" setting, as Safari always does): a frame
    /// on another site than the page neither sets nor sends cookies.
    pub async fn start_blocking_third_party_cookies() -> Option<Self> {
        Self::launch(true).await
    }

    async fn launch(block_third_party_cookies: bool) -> Option<Self> {
        let Binaries {
            chromium,
            chromedriver,
        } = Binaries::find()?;
        let slot = slots()
            .acquire()
            .await
            .expect("the slot semaphore is never closed");
        let mut driver = Driver::start(&chromedriver).await;
        let profile = driver.profile_dir();
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
        // `cookie_controls_mode` 1 is the settings page's "Block third-party
        // cookies"; the older boolean is kept for older Chromiums.
        let prefs = match block_third_party_cookies {
            true => json!({
                "profile.cookie_controls_mode": 1,
                "profile.block_third_party_cookies": true,
            }),
            false => json!({}),
        };
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": args,
                "prefs": prefs,
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
        // The driver ends the session on drop and waits for Chromium to quit;
        // fantoccini's own end-on-drop would race it.
        let _ = client.persist().await;
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

    /// Waits until the element with this id (in the current frame) has
    /// `attribute` equal to `value`.
    ///
    /// # Panics
    ///
    /// After `timeout`, as [`Browser::wait_until`].
    pub async fn wait_for_attribute(
        &self,
        id: &str,
        attribute: &str,
        value: &str,
        timeout: Duration,
    ) {
        self.wait_until_with(
            &format!("#{id} to have {attribute}={value:?}"),
            "var el = document.getElementById(arguments[0]); \
             return !!el && el.getAttribute(arguments[1]) === arguments[2];",
            vec![json!(id), json!(attribute), json!(value)],
            timeout,
        )
        .await;
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

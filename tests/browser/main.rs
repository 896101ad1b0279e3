//! Real-browser tests: a headless Chromium loads a host app's settings page
//! that embeds the admin portal of a local emulator, and the tests assert
//! what the page observed (the `scalekit:*` events, the iframe, the status
//! box) and what the emulator's REST API says afterwards.
//!
//! # Running them locally
//!
//! ```text
//! sudo apt-get install chromium chromium-driver   # /usr/bin/chromium, /usr/bin/chromedriver
//! cargo test --test browser
//! ```
//!
//! Without Chromium or chromedriver the binary prints `skipping the browser
//! tests: ...` and every test passes without doing anything, unless `CI` is
//! set: then they fail. Other binaries can be named with `CHROMIUM=/path`
//! and `CHROMEDRIVER=/path`; `SCALEKIT_BROWSERS=N` caps how many browsers
//! run at once (default 4). The whole suite takes about a minute on two
//! cores.
//!
//! The host page loads the listener from the cached asset
//! (`ListenerAsset`); `SCALEKIT_SNIPPET=inline cargo test --test browser`
//! runs every host scenario with the listener inline instead, and the
//! `inline_*` tests always do.
//!
//! `docs/settings-page.png` is regenerated with
//!
//! ```text
//! SCALEKIT_SCREENSHOT=1 cargo test --test browser demo::
//! ```
//!
//! # Layout
//!
//! Every test starts its own emulator, host app (both on 127.0.0.1 ports)
//! and browser (its own chromedriver and Chromium profile), so tests run in
//! parallel without sharing anything. The harness is
//! `scalekit_testkit::browser` (`tests/support/src/browser/`); the host app is
//! [`host`]. Scenarios:
//!
//! - [`portal`]: the portal loads, SSO enabled from inside it, the session
//!   expires and is refreshed, a reload gets a fresh link; each also under a
//!   strict CSP;
//! - [`security`]: messages that are not from the portal frame change
//!   nothing, malformed data raises no error, an unregistered host origin
//!   is blocked by `frame-ancestors` and shows the load-timeout hint;
//! - [`legacy`]: the older `type` vocabulary;
//! - [`handoff`]: third-party cookies blocked, the app and the portal on two
//!   sites: the snippet falls back to a new tab, and the first tab follows
//!   what the admin does there through the server;
//! - [`demo`]: the demo app as a person uses it (and the README screenshot),
//!   also with third-party cookies blocked;
//! - [`demo_ui`]: the demo's layout (toasts beside, never over, the panels;
//!   no portal badge without a portal) and the portal page's buttons and
//!   session warning.

mod demo;
mod demo_ui;
mod handoff;
mod host;
mod legacy;
mod portal;
mod security;

use std::time::Duration;

use scalekit_emulator::EmulatorBuilder;
use scalekit_testkit::browser::Browser;
use scalekit_testkit::{Served, Upstream};

use host::HostOptions;

/// The longest any one condition is waited for. Generous: two cores run
/// several Chromiums at once.
const WAIT: Duration = Duration::from_secs(30);

/// A browser, an emulator and a host app, for one test.
struct Fixture {
    // Field order is drop order: the browser goes first.
    browser: Browser,
    host: Served,
    upstream: Upstream,
}

impl Fixture {
    /// Starts the browser (or returns `None` to skip), then `emulator`, then
    /// the host app; registers the host's origin with the emulator when
    /// `register` is true.
    async fn start(
        emulator: EmulatorBuilder,
        options: HostOptions,
        register: bool,
    ) -> Option<Self> {
        let browser = Browser::start().await?;
        let upstream = Upstream::start(emulator, Duration::from_secs(10)).await;
        let portal_origin = upstream.emulator.base_url().to_owned();
        let host = host::serve(upstream.client.clone(), &portal_origin, options).await;
        if register {
            upstream
                .emulator
                .add_allowed_parent_origin(&host.origin())
                .expect("the host origin is valid");
        }
        Some(Self {
            browser,
            host,
            upstream,
        })
    }

    /// A fixture with the host registered.
    async fn registered(emulator: EmulatorBuilder, options: HostOptions) -> Option<Self> {
        Self::start(emulator, options, true).await
    }

    fn portal_origin(&self) -> &str {
        self.upstream.emulator.base_url()
    }

    /// Opens the settings page and waits for `scalekit:loaded`; returns the
    /// iframe's `src`.
    async fn open_loaded_settings(&self) -> String {
        self.browser.goto(&self.host.url("/settings")).await;
        let events = self.browser.wait_for_event("loaded", 1, WAIT).await;
        events
            .iter()
            .find(|e| e.name == "loaded")
            .and_then(|e| e.src.clone())
            .expect("the loaded event names the iframe's src")
    }
}

/// With `csp`, proves the page's CSP is enforced: the inline script without
/// the nonce did not run and was reported as a violation. Without, that the
/// same script ran (so the probe itself works).
async fn assert_csp(browser: &Browser, csp: bool) {
    let ran = browser
        .eval("return window.__inlineWithoutNonce === true;")
        .await;
    let violations = browser.violations().await;
    if csp {
        assert_eq!(
            ran,
            serde_json::json!(false),
            "an inline script without the nonce ran"
        );
        assert!(
            violations.iter().any(|v| v["directive"]
                .as_str()
                .is_some_and(|d| d.starts_with("script-src"))),
            "the blocked inline script was reported: {violations:?}"
        );
    } else {
        assert_eq!(
            ran,
            serde_json::json!(true),
            "the CSP probe script did not run"
        );
        assert!(violations.is_empty(), "{violations:?}");
    }
}

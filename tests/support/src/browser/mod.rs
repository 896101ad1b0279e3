//! A real headless Chromium, driven over WebDriver, for the browser tests.
//!
//! [`Browser::start`] launches a private `chromedriver` on a free loopback
//! port (in its own process group, with a fresh Chromium profile in a
//! temporary directory) and opens one WebDriver session on it. Each test owns
//! its browser: nothing is shared between tests, so they run in parallel
//! threads without seeing each other's windows, cookies or caches. Dropping
//! the [`Browser`] ends the session (Chromium quits), then stops chromedriver
//! and whatever is left of its process group, and deletes the profile.
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
//! - `CHROMIUM` / `CHROMEDRIVER`: the binaries (default: `chromium` and
//!   `chromedriver` on `PATH`). When one is missing the test is skipped with
//!   a message, unless `CI` is set: then it fails.
//! - `SCALEKIT_BROWSERS`: how many browsers may run at once in one test
//!   binary (default 4); the others wait for a slot.
//!
//! Files, one concern each: [`binaries`] finds the programs, `driver` runs
//! chromedriver, `session` is the [`Browser`] and its page helpers,
//! `recorder` what the page recorded.

pub mod binaries;
mod driver;
mod recorder;
mod session;

pub use recorder::{EVENT_RECORDER_JS, RecordedEvent, names};
pub use session::{Browser, WINDOW_SIZE};

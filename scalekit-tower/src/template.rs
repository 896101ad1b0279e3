//! Template snippets that embed the admin portal: an iframe, a status box and
//! a listener script, for minijinja or as plain HTML strings; and
//! [`ListenerAsset`], the service that serves the listener as a cached file.
//!
//! ```
//! use minijinja::{Environment, context};
//! use scalekit_tower::PortalLink;
//! use scalekit_tower::template::{self, PortalEmbed};
//!
//! let mut env = Environment::new();
//! template::register(&mut env).unwrap();
//! env.add_template(
//!     "settings.html",
//!     r#"<h1>Single sign-on</h1>{% include "scalekit/portal.html" %}"#,
//! )
//! .unwrap();
//!
//! // In a handler: the link minted for this request, and the response's CSP nonce.
//! let link = PortalLink::new(
//!     "lnk_123",
//!     "https://acme.scalekit.dev/magicLink/8930509d".parse().unwrap(),
//!     time::OffsetDateTime::now_utc(),
//! );
//! let embed = PortalEmbed::new()
//!     .with_refresh_url("/settings/portal/refresh")
//!     .with_nonce("n0nce");
//! let html = env
//!     .get_template("settings.html")
//!     .unwrap()
//!     .render(context! { scalekit => template::context(Some(&link), &embed) })
//!     .unwrap();
//!
//! // Values are HTML-escaped (minijinja escapes `/` too; browsers decode it).
//! assert!(html.contains(r#"src="https:&#x2f;&#x2f;acme.scalekit.dev&#x2f;magicLink&#x2f;8930509d""#));
//! // The listener is a cached file the page loads with its integrity and nonce.
//! let asset = template::ListenerAsset::new();
//! let integrity = asset.integrity().replace('/', "&#x2f;");
//! assert!(html.contains(&format!(r#"integrity="{integrity}" nonce="n0nce""#)));
//! // Apps with another template engine get the same HTML:
//! assert!(html.ends_with(&template::render_portal(Some(&link), &embed)));
//! ```
//!
//! # Templates and context
//!
//! [`register`] adds three templates to a [`minijinja::Environment`]:
//!
//! | name | renders |
//! |---|---|
//! | `scalekit/portal.html` | `scalekit/iframe.html` followed by `scalekit/script.html` |
//! | `scalekit/iframe.html` | the container with the iframe and the status box |
//! | `scalekit/script.html` | the listener: its configuration element and `<script src>` (or, inline, one `<script>`); place it after the iframe, or anywhere: it waits for `DOMContentLoaded` |
//!
//! All three read one context variable, **`scalekit`**, built by [`context()`]
//! from the request's link (`None` when none could be minted) and a
//! [`PortalEmbed`]. Under another name, rebind it:
//! `{% with scalekit = portal %}{% include "scalekit/portal.html" %}{% endwith %}`.
//! The templates force HTML escaping themselves (`{% autoescape "html" %}`),
//! whatever the environment's auto-escape callback says.
//!
//! [`render_portal`], [`render_iframe`] and [`render_script`] render the same
//! templates in an internal environment, for apps using another engine.
//!
//! # The listener: a cached asset, or inline
//!
//! By default the page carries the iframe, a small configuration element
//! (`<script type="application/json" data-scalekit-config>`, data the browser
//! never runs) and `<script src="/scalekit/portal-<hash>.js" integrity="sha384-…" nonce="…">`.
//! The app serves that file with [`ListenerAsset`] (axum:
//! `scalekit_axum_extract::listener_route(ListenerAsset::new())`): its name
//! carries a hash of its content, so browsers cache it for a year
//! (`immutable`), and check it against the `integrity` hash. Serve it
//! elsewhere with [`ListenerAsset::under`] and
//! [`PortalEmbed::with_listener_url`]. With a nonce, the script starts only
//! configuration elements carrying the same nonce.
//!
//! [`PortalEmbed::with_inline_listener`] puts the whole script (about 14 kB)
//! in every page instead, for a page that must stand alone.
//!
//! Without a link, the iframe renders `hidden` and without `src`, and the
//! status box shows the unavailable message and the retry button, which
//! fetches a link from the refresh endpoint. That needs the portal origin set
//! with [`PortalEmbed::with_portal_origin`], since there is no link to take it from.
//!
//! # Elements
//!
//! With the default iframe id `scalekit-portal` (each id derives from
//! [`PortalEmbed::with_iframe_id`]):
//!
//! | id | element |
//! |---|---|
//! | `scalekit-portal-container` | `div.scalekit-portal`, wraps the rest |
//! | `scalekit-portal` | `iframe.scalekit-portal-frame`; `data-scalekit-state` is `loading`, `loaded`, `timeout`, `refreshing`, `blocked`, `failed` or `unavailable` |
//! | `scalekit-portal-status` | `div.scalekit-portal-status` (`role="status"`), `hidden` unless it shows something |
//! | `scalekit-portal-message` | `p.scalekit-portal-message`, the visible text |
//! | `scalekit-portal-retry` | `button.scalekit-portal-retry`: fetches a fresh link now |
//! | `scalekit-portal-open` | `a.scalekit-portal-open` to the handoff URL, `target="_blank"`: opens the portal in a new tab (absent when the handoff URL is empty) |
//! | `scalekit-portal-config` | the listener's configuration element (asset mode) |
//!
//! The status box shows: the unavailable message when there was no link or
//! refreshing failed (the iframe is then hidden, never left blank); the
//! load-timeout hint when the portal sent nothing within the load timeout
//! (the iframe stays visible; the hint goes away if the portal speaks later);
//! the blocked message when the portal cannot keep a session in the frame;
//! and the session-warning notice. All but the notice offer the
//! "Open in a new tab" link.
//!
//! # When the portal cannot work in the frame
//!
//! A link the server just minted that fails at once (`PORTAL_LOAD_FAILURE`
//! right after a refresh, before any sign of life) means the portal cannot
//! keep its session cookie in the frame: the browser blocks third-party
//! cookies (Safari always; Chromium when set to). Refreshing again would
//! loop, so the snippet hides the frame, shows the blocked message and the
//! new-tab link (state `blocked`, event `scalekit:fallback` with reason
//! `blocked`). The load timeout (the portal's `frame-ancestors` does not list
//! the app, or a CSP without `frame-src`) and a failed refresh offer the same
//! link. The link goes to the app's handoff endpoint
//! ([`PortalEmbed::with_handoff_url`]), which answers with a redirect to a
//! fresh link; in its own tab the portal is first-party and works. The
//! script opens that tab without an opener, and while it is open (polling
//! every 3 s; 30 minutes at most when a popup blocker hid the tab from it),
//! and when the page becomes visible again, asks the status endpoint and
//! dispatches `scalekit:status` when the answer changed: the badges follow
//! what the admin did in the other tab, through the server.
//!
//! `PORTAL_SESSION_WARNING` renews the session quietly (a fresh link) when
//! nobody has worked in the frame since its link was set; when the admin
//! has (focus went into the frame), replacing the page would lose their
//! place, so the snippet only shows the session-warning notice over the
//! portal, and the expiry then refreshes it.
//!
//! # DOM events
//!
//! The script dispatches bubbling [`CustomEvent`]s on the iframe:
//!
//! | event | when | `detail` |
//! |---|---|---|
//! | `scalekit:loaded` | `PORTAL_LOAD_SUCCESS` | the portal's message |
//! | `scalekit:load-failed` | `PORTAL_LOAD_FAILURE` (used or expired link) | the portal's message |
//! | `scalekit:session-warning` | `PORTAL_SESSION_WARNING` (renewed quietly, or a notice) | the portal's message |
//! | `scalekit:session-expired` | `PORTAL_SESSION_EXPIRY`, legacy `SESSION_EXPIRED` | the portal's message |
//! | `scalekit:sso-enabled` / `scalekit:sso-disabled` | `ORGANIZATION_SSO_ENABLED` / `_DISABLED`, legacy `SSO_CONFIGURED` | the portal's message |
//! | `scalekit:directory-enabled` / `scalekit:directory-disabled` | `ORGANIZATION_DIRECTORY_ENABLED` / `_DISABLED`, legacy `SCIM_CONFIGURED` | the portal's message |
//! | `scalekit:refreshed` | a fresh link was set as the iframe's `src` | `{reason, attempts, expires_at}` |
//! | `scalekit:refresh-failed` | every attempt failed, or the refresh cap was hit | `{reason, attempts, error}` |
//! | `scalekit:load-timeout` | no message from the portal within the load timeout | `{timeout_ms}` |
//! | `scalekit:fallback` | the status box offers the portal in a new tab | `{reason}`: `blocked`, `load-timeout`, `refresh-failed` or `unavailable` |
//! | `scalekit:handoff` | the "Open in a new tab" link was used | `{url}`, the handoff URL |
//! | `scalekit:status` | the status endpoint answered, after an SSO or directory event | the server's [`OrganizationStatus`](crate::OrganizationStatus) JSON |
//! | `scalekit:status-failed` | the status endpoint did not answer 200 with JSON | `{reason, error}` |
//!
//! In `scalekit:refreshed` and `scalekit:refresh-failed`, `reason` is
//! `load-failed`, `session-expired`, `session-warning` (quiet renewal),
//! `retry` (button) or `restored` (page restored from the back/forward cache). The fresh link
//! itself is not put in any `detail`.
//!
//! # Server-confirmed status
//!
//! The SSO and directory events carry the portal's message, which any
//! script on the page could also have posted: use them for UI feedback
//! only. After each of them the script asks the app's status endpoint
//! ([`PortalEmbed::with_status_url`], [`StatusEndpoint`](crate::StatusEndpoint))
//! and dispatches `scalekit:status` with what the server read from
//! Scalekit; `reason` in `scalekit:status-failed` is the event that asked.
//! Events arriving while a request is out coalesce into one more request.
//! Never does a portal message become the status.
//!
//! `scalekit:load-failed`, `scalekit:session-expired`,
//! `scalekit:session-warning` and `scalekit:load-timeout` are cancelable:
//! `preventDefault()` stops the built-in reaction (refresh, renewal, the
//! fallback, or the hint) for a host page that handles it.
//!
//! The legacy vocabulary (`event.data.type`) maps `SSO_CONFIGURED` to
//! `sso-disabled` if the message carries `enabled: false` (in `data`, or at
//! the top level), and to `sso-enabled` otherwise, since those guides sent it
//! once a connection was set up; `SCIM_CONFIGURED` maps the same way onto the
//! directory events. When a message has a string `event_type`, `type` is not
//! looked at.
//!
//! # What the script accepts
//!
//! A message counts only if `event.origin === portalOrigin` and
//! `event.source === iframe.contentWindow`; anything else, and any `data`
//! that is not a plain object, is ignored silently. The portal origin is the
//! explicit one, else the origin of the link's location. Any accepted message
//! proves the portal loaded (legacy portals send no load-success message), so
//! it cancels the load timeout. A refreshed location is used only if its
//! origin equals the portal origin.
//!
//! On `PORTAL_LOAD_FAILURE`, `PORTAL_SESSION_EXPIRY` or `SESSION_EXPIRED` the
//! script fetches `refresh_url` (`GET`, same-origin credentials, `no-store`,
//! `Accept: application/json`), expecting `{"location": "...", "expires_at": "..."}`,
//! and retries failures with a doubling backoff. Automatic refreshes are
//! capped per time window ([`PortalEmbed::with_refresh_limit`]).
//!
//! # Content Security Policy
//!
//! - `script-src`: the snippet's `<script src>` (or its one inline
//!   `<script>`) carries the response's nonce, set with
//!   [`PortalEmbed::with_nonce`]: allow `'nonce-…'`. No `'unsafe-inline'`,
//!   no `'unsafe-eval'`, no inline event handlers. The configuration
//!   element is data, not script.
//! - `style-src`: nothing. The markup has no `style` attributes and no
//!   `<style>` element; visibility uses the `hidden` attribute. Style the
//!   classes above from your own stylesheet (a rule such as
//!   `.scalekit-portal-frame { display: block }` overrides `hidden`: add
//!   `[hidden] { display: none }` after it).
//! - `frame-src` (or `child-src`): the portal origin.
//! - `connect-src`: the refresh and status endpoints (normally `'self'`).
//!
//! The portal's own `frame-ancestors` must allow the page: register the app's
//! domain in the Scalekit dashboard (against the local emulator: start it with
//! `--allow-origin` and the app's origin), or the frame stays blank (the
//! load-timeout hint says so).
//!
//! [`CustomEvent`]: https://developer.mozilla.org/docs/Web/API/CustomEvent

mod asset;
mod embed;
mod prerender;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::link::PortalLink;

pub use asset::ListenerAsset;
pub use embed::{InvalidPortalOrigin, PortalEmbed};

use embed::Listener;

/// Name of the template with the iframe and the script.
pub const PORTAL_TEMPLATE: &str = "scalekit/portal.html";
/// Name of the template with the iframe and its status box only.
pub const IFRAME_TEMPLATE: &str = "scalekit/iframe.html";
/// Name of the template with the listener script only.
pub const SCRIPT_TEMPLATE: &str = "scalekit/script.html";

const PORTAL_HTML: &str = include_str!("../templates/portal.html");
const IFRAME_HTML: &str = include_str!("../templates/iframe.html");
const SCRIPT_HTML: &str = include_str!("../templates/script.html");
const PORTAL_JS: &str = include_str!("../templates/portal.js");

/// Adds `scalekit/portal.html`, `scalekit/iframe.html` and
/// `scalekit/script.html` to `env`.
///
/// Fails only if `env` uses a custom template syntax that the templates do
/// not parse in.
pub fn register(env: &mut Environment<'_>) -> Result<(), minijinja::Error> {
    env.add_template(PORTAL_TEMPLATE, PORTAL_HTML)?;
    env.add_template(IFRAME_TEMPLATE, IFRAME_HTML)?;
    env.add_template(SCRIPT_TEMPLATE, SCRIPT_HTML)?;
    Ok(())
}

/// Builds the value the templates expect in the `scalekit` variable.
///
/// `link` is the link minted for this request, `None` if minting failed: the
/// snippet then shows the unavailable message and a retry button. A link
/// whose location is not `http`/`https` is treated as no link.
pub fn context(link: Option<&PortalLink>, embed: &PortalEmbed) -> Value {
    let location = link
        .map(PortalLink::location)
        .filter(|url| embed::http_origin(url).is_some());
    let portal_origin = embed
        .portal_origin
        .clone()
        .or_else(|| location.and_then(embed::http_origin));
    let config = ScriptConfig {
        iframe_id: &embed.iframe_id,
        portal_origin: portal_origin.as_deref(),
        refresh_url: &embed.refresh_url,
        status_url: &embed.status_url,
        handoff_url: &embed.handoff_url,
        has_link: location.is_some(),
        load_timeout_ms: millis(embed.load_timeout),
        refresh_retries: embed.refresh_retries,
        refresh_backoff_ms: millis(embed.refresh_backoff),
        refresh_limit: embed.refresh_limit,
        refresh_window_ms: millis(embed.refresh_window),
        status_poll_ms: millis(STATUS_POLL),
        status_poll_limit_ms: millis(STATUS_POLL_LIMIT),
        messages: Messages {
            unavailable: &embed.unavailable_message,
            load_timeout: &embed.load_timeout_message,
            blocked: &embed.blocked_message,
            session_warning: &embed.session_warning_message,
        },
    };
    let (state, message) = match location {
        Some(_) => ("loading", ""),
        None => ("unavailable", embed.unavailable_message.as_ref()),
    };
    let mut values: BTreeMap<&str, Value> = BTreeMap::from([
        ("container_id", Value::from(embed.container_id())),
        ("iframe_id", Value::from(embed.iframe_id.as_ref())),
        ("status_id", Value::from(embed.status_id())),
        ("message_id", Value::from(embed.message_id())),
        ("retry_id", Value::from(embed.retry_id())),
        ("open_id", Value::from(embed.open_id())),
        ("src", Value::from(location.map(|url| url.as_str()))),
        ("height", Value::from(embed.height)),
        ("title", Value::from(embed.title.as_ref())),
        ("state", Value::from(state)),
        ("message", Value::from(message)),
        ("retry_label", Value::from(embed.retry_label.as_ref())),
        ("open_label", Value::from(embed.open_label.as_ref())),
        ("handoff_url", Value::from(embed.handoff_url.as_ref())),
        ("nonce", Value::from(embed.nonce.as_deref())),
        ("config_json", Value::from_safe_string(script_json(&config))),
    ]);
    match &embed.listener {
        Listener::Inline => {
            values.insert("script", SCRIPT.clone());
        }
        Listener::Asset(url) => {
            values.insert("config_id", Value::from(embed.config_id()));
            values.insert("script_src", Value::from(url.as_ref()));
            values.insert("integrity", Value::from(asset::BUILT.integrity.as_str()));
        }
    }
    Value::from(values)
}

/// Renders `scalekit/portal.html`: the iframe, its status box and the script.
pub fn render_portal(link: Option<&PortalLink>, embed: &PortalEmbed) -> String {
    render(PORTAL_TEMPLATE, link, embed)
}

/// Renders `scalekit/iframe.html`: the iframe and its status box.
pub fn render_iframe(link: Option<&PortalLink>, embed: &PortalEmbed) -> String {
    render(IFRAME_TEMPLATE, link, embed)
}

/// Renders `scalekit/script.html`: the listener script.
pub fn render_script(link: Option<&PortalLink>, embed: &PortalEmbed) -> String {
    render(SCRIPT_TEMPLATE, link, embed)
}

/// The listener's code as a value, built once: it never varies, and copying
/// its 10 kB into a new string was most of what a render allocated.
static SCRIPT: LazyLock<Value> =
    LazyLock::new(|| Value::from_safe_string(PORTAL_JS.trim_end().to_owned()));

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    register(&mut env).expect("the built-in templates parse with the default syntax");
    env
});

/// `name` rendered for this page: spliced into the pre-rendered snippet of
/// this configuration when there is one (see `prerender`).
fn render(name: &'static str, link: Option<&PortalLink>, embed: &PortalEmbed) -> String {
    prerender::render(name, link, embed, |link, embed| {
        render_fresh(name, link, embed)
    })
}

/// `name` rendered through the template.
fn render_fresh(name: &str, link: Option<&PortalLink>, embed: &PortalEmbed) -> String {
    ENV.get_template(name)
        .and_then(|template| template.render(context! { scalekit => context(link, embed) }))
        .expect("the built-in templates render with any PortalEmbed (tested)")
}

/// How often the script asks the status endpoint while the portal is open
/// in another tab.
const STATUS_POLL: std::time::Duration = std::time::Duration::from_secs(3);
/// How long it keeps asking when it cannot tell whether that tab is still open.
const STATUS_POLL_LIMIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Milliseconds for `setTimeout`, capped at its maximum (2^31 - 1): larger
/// delays would overflow and fire at once.
fn millis(duration: std::time::Duration) -> u64 {
    duration.as_millis().min(i32::MAX as u128) as u64
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScriptConfig<'a> {
    iframe_id: &'a str,
    portal_origin: Option<&'a str>,
    refresh_url: &'a str,
    status_url: &'a str,
    handoff_url: &'a str,
    has_link: bool,
    load_timeout_ms: u64,
    refresh_retries: u32,
    refresh_backoff_ms: u64,
    refresh_limit: u32,
    refresh_window_ms: u64,
    status_poll_ms: u64,
    status_poll_limit_ms: u64,
    messages: Messages<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Messages<'a> {
    unavailable: &'a str,
    load_timeout: &'a str,
    blocked: &'a str,
    session_warning: &'a str,
}

/// Serializes `value` as JSON that is safe as a JavaScript expression inside
/// an HTML `<script>` element.
///
/// minijinja's `tojson` escapes `<`, `>`, `&` and `'` but leaves U+2028 and
/// U+2029 raw, which end a string literal in pre-ES2019 engines; so the JSON
/// is built here. These characters only occur inside JSON strings, where the
/// `\uXXXX` form means the same, so replacing them in the output is exact.
fn script_json(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).expect("the script config serializes");
    let mut out = String::with_capacity(json.len() + 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\'' => out.push_str("\\u0027"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

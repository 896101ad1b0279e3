//! [`PortalEmbed`]: how the portal iframe and its listener script behave.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use url::Url;

use crate::http_url;

/// A text of the embed: the defaults are borrowed, so building or cloning a
/// default embed per page allocates none of them.
pub(super) type Text = Cow<'static, str>;

use super::asset;

/// How the page gets the listener script.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Listener {
    /// A `<script src>` of this URL (the [`ListenerAsset`](super::ListenerAsset)),
    /// with `integrity`.
    Asset(Text),
    /// The whole script inline in the page.
    Inline,
}

/// Configuration of one embedded admin portal: element ids, size, texts, the
/// refresh endpoint, timeouts and the CSP nonce.
///
/// Build it once per app and clone it per request to add the request's nonce.
/// Every setter is infallible except [`PortalEmbed::with_portal_origin`].
///
/// ```
/// use std::time::Duration;
/// use scalekit_tower::template::PortalEmbed;
///
/// let embed = PortalEmbed::new()
///     .with_refresh_url("/settings/portal/refresh")
///     .with_height(800)
///     .with_load_timeout(Duration::from_secs(20));
/// assert_eq!(embed.iframe_id(), "scalekit-portal");
/// assert_eq!(embed.height(), 800);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PortalEmbed {
    pub(super) iframe_id: Text,
    pub(super) refresh_url: Text,
    pub(super) status_url: Text,
    pub(super) handoff_url: Text,
    pub(super) listener: Listener,
    pub(super) height: u32,
    pub(super) title: Text,
    pub(super) load_timeout: Duration,
    pub(super) refresh_retries: u32,
    pub(super) refresh_backoff: Duration,
    pub(super) refresh_limit: u32,
    pub(super) refresh_window: Duration,
    pub(super) nonce: Option<String>,
    pub(super) portal_origin: Option<String>,
    pub(super) unavailable_message: Text,
    pub(super) load_timeout_message: Text,
    pub(super) blocked_message: Text,
    pub(super) session_warning_message: Text,
    pub(super) retry_label: Text,
    pub(super) open_label: Text,
}

impl PortalEmbed {
    /// The smallest iframe height, in CSS pixels, that Scalekit supports.
    pub const MIN_HEIGHT: u32 = 600;
    /// The iframe id used unless [`PortalEmbed::with_iframe_id`] sets another.
    pub const DEFAULT_IFRAME_ID: &'static str = "scalekit-portal";
    /// The refresh endpoint path used unless [`PortalEmbed::with_refresh_url`] sets another.
    pub const DEFAULT_REFRESH_URL: &'static str = "/scalekit/portal/refresh";
    /// The status endpoint path used unless [`PortalEmbed::with_status_url`] sets another.
    pub const DEFAULT_STATUS_URL: &'static str = "/scalekit/portal/status";
    /// The handoff endpoint path used unless [`PortalEmbed::with_handoff_url`] sets another.
    pub const DEFAULT_HANDOFF_URL: &'static str = "/scalekit/portal/open";

    /// The defaults: iframe id `scalekit-portal`, refresh URL
    /// `/scalekit/portal/refresh`, status URL `/scalekit/portal/status`,
    /// handoff URL `/scalekit/portal/open`, the listener from the URL of
    /// [`ListenerAsset::new`](super::ListenerAsset::new), height 700 px, a
    /// 15 s load timeout, 3 refresh retries starting at 1 s backoff, at most
    /// 3 automatic refreshes a minute, English texts, no nonce, portal origin
    /// taken from the link.
    pub fn new() -> Self {
        Self {
            iframe_id: Cow::Borrowed(Self::DEFAULT_IFRAME_ID),
            refresh_url: Cow::Borrowed(Self::DEFAULT_REFRESH_URL),
            status_url: Cow::Borrowed(Self::DEFAULT_STATUS_URL),
            handoff_url: Cow::Borrowed(Self::DEFAULT_HANDOFF_URL),
            listener: Listener::Asset(Cow::Borrowed(asset::default_url())),
            height: 700,
            title: Cow::Borrowed("Single sign-on and directory settings"),
            load_timeout: Duration::from_secs(15),
            refresh_retries: 3,
            refresh_backoff: Duration::from_secs(1),
            refresh_limit: 3,
            refresh_window: Duration::from_secs(60),
            nonce: None,
            portal_origin: None,
            unavailable_message: Cow::Borrowed("The single sign-on settings could not be loaded."),
            load_timeout_message: Cow::Borrowed(
                "The settings portal is taking long to load. If it stays blank, \
                this site's origin is probably not allowed to embed it: register it as an \
                allowed redirect URL in the Scalekit dashboard, or, against the local \
                emulator, start the emulator with --allow-origin and this origin.",
            ),
            blocked_message: Cow::Borrowed(
                "The settings portal cannot open inside this page: your browser \
                blocks the cookie it needs here. Open it in a new tab; this page updates \
                when you are done.",
            ),
            session_warning_message: Cow::Borrowed(
                "The settings session ends soon. Save your changes, then renew it.",
            ),
            retry_label: Cow::Borrowed("Try again"),
            open_label: Cow::Borrowed("Open in a new tab"),
        }
    }

    /// Sets the iframe's `id`; the script finds the iframe by it, and the
    /// message elements derive their ids from it (see the [module docs](super)).
    /// Use a distinct id for each portal on a page. An empty id keeps the default.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_iframe_id("sso-portal");
    /// assert_eq!(embed.retry_id(), "sso-portal-retry");
    /// ```
    #[must_use]
    pub fn with_iframe_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if !id.is_empty() {
            self.iframe_id = Cow::Owned(id);
        }
        self
    }

    /// Sets the URL of the app's own refresh endpoint, which answers a
    /// same-origin `GET` with `{"location": "...", "expires_at": "..."}`.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_refresh_url("/settings/portal/refresh");
    /// assert_eq!(embed.refresh_url(), "/settings/portal/refresh");
    /// ```
    #[must_use]
    pub fn with_refresh_url(mut self, url: impl Into<String>) -> Self {
        self.refresh_url = Cow::Owned(url.into());
        self
    }

    /// Sets the URL of the app's own status endpoint
    /// ([`StatusEndpoint`](crate::StatusEndpoint)). After the portal reports
    /// an SSO or directory change, the script `GET`s it (same-origin) and
    /// dispatches `scalekit:status` with the server's answer: the portal's
    /// message is a claim, the answer is what Scalekit says. An empty URL
    /// turns the check off (no `scalekit:status` events).
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_status_url("/settings/portal/status");
    /// assert_eq!(embed.status_url(), "/settings/portal/status");
    /// ```
    #[must_use]
    pub fn with_status_url(mut self, url: impl Into<String>) -> Self {
        self.status_url = Cow::Owned(url.into());
        self
    }

    /// Sets the URL of the app's handoff endpoint, which answers a `GET`
    /// with `303 See Other` to a fresh portal link
    /// ([`PortalLinkLayer::handoff_endpoint`](crate::PortalLinkLayer::handoff_endpoint)).
    /// When the portal cannot work inside the frame (it reports a load
    /// failure again right after a refresh, or does not load in time), the
    /// status box offers an "Open in a new tab" link to it; while that tab is
    /// open, and when the page becomes visible again, the script asks the
    /// status endpoint and dispatches `scalekit:status`. An empty URL leaves
    /// the link out.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_handoff_url("/settings/portal/open");
    /// assert_eq!(embed.handoff_url(), "/settings/portal/open");
    /// ```
    #[must_use]
    pub fn with_handoff_url(mut self, url: impl Into<String>) -> Self {
        self.handoff_url = Cow::Owned(url.into());
        self
    }

    /// Loads the listener from `url` (`<script src integrity nonce>`), where
    /// the app serves the [`ListenerAsset`](super::ListenerAsset): pass
    /// [`ListenerAsset::url`](super::ListenerAsset::url). The page then
    /// carries the iframe, a small configuration element and the script tag.
    ///
    /// ```
    /// # use scalekit_tower::template::{ListenerAsset, PortalEmbed};
    /// let asset = ListenerAsset::under("/static");
    /// let embed = PortalEmbed::new().with_listener_url(asset.url());
    /// assert_eq!(embed.listener_url(), Some(asset.url()));
    /// ```
    #[must_use]
    pub fn with_listener_url(mut self, url: impl Into<String>) -> Self {
        self.listener = Listener::Asset(Cow::Owned(url.into()));
        self
    }

    /// Puts the whole listener script inline in the page (about 14 kB per
    /// render), for a page that must be self-contained; no asset route is
    /// needed then.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_inline_listener();
    /// assert_eq!(embed.listener_url(), None);
    /// ```
    #[must_use]
    pub fn with_inline_listener(mut self) -> Self {
        self.listener = Listener::Inline;
        self
    }

    /// Sets the iframe height in CSS pixels. Values below
    /// [`PortalEmbed::MIN_HEIGHT`] (600) are raised to it rather than refused.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// assert_eq!(PortalEmbed::new().with_height(900).height(), 900);
    /// assert_eq!(PortalEmbed::new().with_height(300).height(), 600);
    /// ```
    #[must_use]
    pub fn with_height(mut self, px: u32) -> Self {
        self.height = px.max(Self::MIN_HEIGHT);
        self
    }

    /// Sets the iframe's `title`, which screen readers announce.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_title("Configuration SSO");
    /// ```
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Cow::Owned(title.into());
        self
    }

    /// Sets how long the script waits for the first message from the portal
    /// before it dispatches `scalekit:load-timeout` and shows a hint.
    /// [`Duration::ZERO`] disables the check.
    ///
    /// A portal that speaks only the older `type` vocabulary sends no message
    /// when it loads, so after the timeout the hint would show over a working
    /// portal (a host page cannot tell a loaded cross-origin frame from a
    /// blocked one). With such a portal, use [`PortalEmbed::without_load_timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_load_timeout(Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn with_load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// Disables the load-timeout check; the same as `with_load_timeout(Duration::ZERO)`.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().without_load_timeout();
    /// ```
    #[must_use]
    pub fn without_load_timeout(self) -> Self {
        self.with_load_timeout(Duration::ZERO)
    }

    /// Sets how often a failed refresh request is retried, and the first
    /// delay; each further delay doubles, up to 30 s.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_refresh_retries(5, Duration::from_millis(500));
    /// ```
    #[must_use]
    pub fn with_refresh_retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.refresh_retries = retries;
        self.refresh_backoff = backoff;
        self
    }

    /// Caps automatic refreshes (after a session expiry or load failure) at
    /// `count` per `window`, so a link that fails at once cannot loop. Past the
    /// cap the portal shows the unavailable message and the retry button; a
    /// click on it always refreshes. A `count` of 0 disables automatic refresh.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_refresh_limit(2, Duration::from_secs(120));
    /// ```
    #[must_use]
    pub fn with_refresh_limit(mut self, count: u32, window: Duration) -> Self {
        self.refresh_limit = count;
        self.refresh_window = window;
        self
    }

    /// Sets the CSP nonce put on the `<script>` element; use the nonce of the
    /// current response's `Content-Security-Policy`.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let per_request = PortalEmbed::new().with_nonce("rAnd0m");
    /// assert_eq!(per_request.nonce(), Some("rAnd0m"));
    /// ```
    #[must_use]
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Sets the portal origin explicitly (the path of `url` is ignored).
    ///
    /// By default the origin is that of the link's location, so a custom
    /// domain needs nothing. Set it when a page can render without a link (the
    /// mint failed): without an origin the script can accept neither messages
    /// nor a refreshed link. When set, it wins over the link's origin: the
    /// script ignores messages from any other origin. Only `http` and `https`
    /// URLs are accepted.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let url = url::Url::parse("https://auth.example.com/any/path").unwrap();
    /// let embed = PortalEmbed::new().with_portal_origin(&url).unwrap();
    /// assert_eq!(embed.portal_origin(), Some("https://auth.example.com"));
    /// ```
    pub fn with_portal_origin(mut self, url: &Url) -> Result<Self, InvalidPortalOrigin> {
        http_url::check(url).map_err(|shape| InvalidPortalOrigin {
            reason: shape.to_string(),
        })?;
        self.portal_origin = Some(url.origin().ascii_serialization());
        Ok(self)
    }

    /// Sets the text shown when there is no portal (no link, or refresh failed).
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_unavailable_message("Portal indisponible.");
    /// ```
    #[must_use]
    pub fn with_unavailable_message(mut self, text: impl Into<String>) -> Self {
        self.unavailable_message = Cow::Owned(text.into());
        self
    }

    /// Sets the hint shown when the portal does not load within the load timeout.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_load_timeout_message("Still loading…");
    /// ```
    #[must_use]
    pub fn with_load_timeout_message(mut self, text: impl Into<String>) -> Self {
        self.load_timeout_message = Cow::Owned(text.into());
        self
    }

    /// Sets the message shown when the portal cannot keep a session inside
    /// the frame (typically third-party cookies blocked), above the
    /// "Open in a new tab" link.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_blocked_message("Ouvrez le portail dans un nouvel onglet.");
    /// ```
    #[must_use]
    pub fn with_blocked_message(mut self, text: impl Into<String>) -> Self {
        self.blocked_message = Cow::Owned(text.into());
        self
    }

    /// Sets the notice shown when the portal warns that its session ends
    /// soon while the admin is working in it (otherwise the script renews
    /// the session quietly).
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_session_warning_message("La session expire bientôt.");
    /// ```
    #[must_use]
    pub fn with_session_warning_message(mut self, text: impl Into<String>) -> Self {
        self.session_warning_message = Cow::Owned(text.into());
        self
    }

    /// Sets the label of the link that opens the portal in a new tab.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_open_label("Ouvrir dans un nouvel onglet");
    /// ```
    #[must_use]
    pub fn with_open_label(mut self, label: impl Into<String>) -> Self {
        self.open_label = Cow::Owned(label.into());
        self
    }

    /// Sets the label of the retry button.
    ///
    /// ```
    /// # use scalekit_tower::template::PortalEmbed;
    /// let embed = PortalEmbed::new().with_retry_label("Réessayer");
    /// ```
    #[must_use]
    pub fn with_retry_label(mut self, label: impl Into<String>) -> Self {
        self.retry_label = Cow::Owned(label.into());
        self
    }

    /// The iframe's id.
    pub fn iframe_id(&self) -> &str {
        &self.iframe_id
    }

    /// The id of the element wrapping the iframe and the status box: `{iframe_id}-container`.
    pub fn container_id(&self) -> String {
        format!("{}-container", self.iframe_id)
    }

    /// The id of the status box (message and retry button): `{iframe_id}-status`.
    pub fn status_id(&self) -> String {
        format!("{}-status", self.iframe_id)
    }

    /// The id of the paragraph holding the visible message: `{iframe_id}-message`.
    pub fn message_id(&self) -> String {
        format!("{}-message", self.iframe_id)
    }

    /// The id of the retry button: `{iframe_id}-retry`.
    pub fn retry_id(&self) -> String {
        format!("{}-retry", self.iframe_id)
    }

    /// The id of the "Open in a new tab" link: `{iframe_id}-open`.
    pub fn open_id(&self) -> String {
        format!("{}-open", self.iframe_id)
    }

    /// The id of the configuration element of the asset listener: `{iframe_id}-config`.
    pub fn config_id(&self) -> String {
        format!("{}-config", self.iframe_id)
    }

    /// The handoff endpoint URL (empty: no "Open in a new tab" link).
    pub fn handoff_url(&self) -> &str {
        &self.handoff_url
    }

    /// The URL the listener script is loaded from, `None` when it is inline.
    pub fn listener_url(&self) -> Option<&str> {
        match &self.listener {
            Listener::Asset(url) => Some(url),
            Listener::Inline => None,
        }
    }

    /// The refresh endpoint URL.
    pub fn refresh_url(&self) -> &str {
        &self.refresh_url
    }

    /// The status endpoint URL (empty: no status check).
    pub fn status_url(&self) -> &str {
        &self.status_url
    }

    /// The iframe height in CSS pixels (at least [`PortalEmbed::MIN_HEIGHT`]).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The CSP nonce, if set.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The explicitly configured portal origin, if any.
    pub fn portal_origin(&self) -> Option<&str> {
        self.portal_origin.as_deref()
    }
}

impl Default for PortalEmbed {
    fn default() -> Self {
        Self::new()
    }
}

impl PortalEmbed {
    /// Whether `other` renders the same snippet but for its nonce: every
    /// field but the nonce is equal (the pre-rendered snippets' key).
    pub(super) fn same_except_nonce(&self, other: &Self) -> bool {
        // Destructured, so a new field cannot be forgotten here.
        let Self {
            iframe_id,
            refresh_url,
            status_url,
            handoff_url,
            listener,
            height,
            title,
            load_timeout,
            refresh_retries,
            refresh_backoff,
            refresh_limit,
            refresh_window,
            nonce: _,
            portal_origin,
            unavailable_message,
            load_timeout_message,
            blocked_message,
            session_warning_message,
            retry_label,
            open_label,
        } = self;
        same_text(iframe_id, &other.iframe_id)
            && same_text(refresh_url, &other.refresh_url)
            && same_text(status_url, &other.status_url)
            && same_text(handoff_url, &other.handoff_url)
            && same_listener(listener, &other.listener)
            && *height == other.height
            && same_text(title, &other.title)
            && *load_timeout == other.load_timeout
            && *refresh_retries == other.refresh_retries
            && *refresh_backoff == other.refresh_backoff
            && *refresh_limit == other.refresh_limit
            && *refresh_window == other.refresh_window
            && *portal_origin == other.portal_origin
            && same_text(unavailable_message, &other.unavailable_message)
            && same_text(load_timeout_message, &other.load_timeout_message)
            && same_text(blocked_message, &other.blocked_message)
            && same_text(session_warning_message, &other.session_warning_message)
            && same_text(retry_label, &other.retry_label)
            && same_text(open_label, &other.open_label)
    }
}

/// Equal texts; the same borrowed default (every `PortalEmbed::new()` shares
/// them) without comparing its bytes.
fn same_text(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

fn same_listener(a: &Listener, b: &Listener) -> bool {
    match (a, b) {
        (Listener::Asset(a), Listener::Asset(b)) => same_text(a, b),
        (Listener::Inline, Listener::Inline) => true,
        _ => false,
    }
}

impl fmt::Debug for PortalEmbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalEmbed")
            .field("iframe_id", &self.iframe_id)
            .field("refresh_url", &self.refresh_url)
            .field("status_url", &self.status_url)
            .field("handoff_url", &self.handoff_url)
            .field("listener_url", &self.listener_url())
            .field("height", &self.height)
            .field("load_timeout", &self.load_timeout)
            .field("refresh_retries", &self.refresh_retries)
            .field("refresh_backoff", &self.refresh_backoff)
            .field("refresh_limit", &self.refresh_limit)
            .field("refresh_window", &self.refresh_window)
            .field("nonce", &self.nonce.as_ref().map(|_| "…"))
            .field("portal_origin", &self.portal_origin)
            .finish_non_exhaustive()
    }
}

/// The URL given to [`PortalEmbed::with_portal_origin`] is not `http` or `https`,
/// so it has no origin a browser would report in `MessageEvent.origin`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("portal_origin: {reason}")]
pub struct InvalidPortalOrigin {
    reason: String,
}

/// The serialized origin of an http(s) URL with a host and without
/// userinfo, `None` for any other (other schemes' origins are opaque and
/// serialize as `"null"`, which sandboxed frames also report: it must never
/// be trusted).
pub(super) fn http_origin(url: &Url) -> Option<String> {
    http_url::check(url).ok()?;
    Some(url.origin().ascii_serialization())
}

//! [`ListenerAsset`]: the listener script served as a cached, integrity-checked file.

use std::convert::Infallible;
use std::fmt;
use std::future::{Ready, ready};
use std::sync::LazyLock;
use std::task::{Context, Poll};

use base64::Engine as _;
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderValue, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use sha2::{Digest, Sha384};
use tower_service::Service;

use super::PORTAL_JS;

const BOOT_JS: &str = include_str!("../../templates/boot.js");

/// `Cache-Control` of the asset: its URL changes with its content, so any
/// cache may keep it for a year and never revalidate.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The served file, its integrity and its version, computed once.
pub(super) struct Built {
    /// The JavaScript: `boot.js` called with `portal.js`.
    pub(super) body: String,
    /// `sha384-<base64>` of `body`, for the `integrity` attribute.
    pub(super) integrity: String,
    /// The first 8 bytes of the same digest in hex: the version in the
    /// file name and the `ETag`.
    pub(super) version: String,
    etag: HeaderValue,
}

pub(super) static BUILT: LazyLock<Built> = LazyLock::new(|| {
    let body = format!("{BOOT_JS}{});\n", PORTAL_JS.trim_end());
    let digest = Sha384::digest(body.as_bytes());
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_slice())
    );
    let version: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let etag = HeaderValue::from_str(&format!("\"{version}\""))
        .expect("a quoted hex string is a valid header value");
    Built {
        body,
        integrity,
        version,
        etag,
    }
});

/// The URL of the asset under [`ListenerAsset::DEFAULT_PREFIX`], built once.
pub(super) fn default_url() -> &'static str {
    static URL: LazyLock<String> = LazyLock::new(|| url_under(ListenerAsset::DEFAULT_PREFIX));
    &URL
}

/// The URL of the asset under `prefix`: `{prefix}/portal-{version}.js`.
pub(super) fn url_under(prefix: &str) -> String {
    format!(
        "{}/portal-{}.js",
        prefix.trim_end_matches('/'),
        BUILT.version
    )
}

/// The listener script as a file the browser caches: a tower service that
/// answers `GET` and `HEAD` with the script, whose URL
/// ([`ListenerAsset::url`]) carries a hash of its content.
///
/// The snippet references it with `<script src integrity nonce>`
/// ([`PortalEmbed::with_listener_url`](super::PortalEmbed::with_listener_url);
/// the default URL is that of [`ListenerAsset::new`]), so a page carries only
/// the iframe, a small configuration element and the script tag; the browser
/// fetches the script once and checks it against its SHA-384. Answers carry
/// `Cache-Control: public, max-age=31536000, immutable` and an `ETag`; a
/// matching `If-None-Match` gets `304 Not Modified`. Other methods get `405`.
///
/// The service answers whatever path it is mounted at: mount it at
/// [`ListenerAsset::url`] (`scalekit_axum_extract::listener_route` does).
///
/// ```
/// use http::{Request, StatusCode, header};
/// use scalekit_tower::template::{ListenerAsset, PortalEmbed};
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let asset = ListenerAsset::new();
/// assert!(asset.url().starts_with("/scalekit/portal-"));
/// // The snippet's default URL is this one.
/// assert_eq!(PortalEmbed::new().listener_url(), Some(asset.url()));
///
/// let response = asset
///     .clone()
///     .oneshot(Request::get(asset.url()).body(()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), StatusCode::OK);
/// let etag = response.headers()[header::ETAG].clone();
///
/// let again = Request::get(asset.url())
///     .header(header::IF_NONE_MATCH, etag)
///     .body(())
///     .unwrap();
/// let response = asset.oneshot(again).await.unwrap();
/// assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ListenerAsset {
    url: String,
}

impl ListenerAsset {
    /// The path prefix of [`ListenerAsset::new`].
    pub const DEFAULT_PREFIX: &'static str = "/scalekit";

    /// The asset at `/scalekit/portal-<hash>.js`.
    pub fn new() -> Self {
        Self::under(Self::DEFAULT_PREFIX)
    }

    /// The asset at `{prefix}/portal-<hash>.js`; a trailing `/` of `prefix`
    /// is dropped. Point the snippet at it with
    /// [`PortalEmbed::with_listener_url`](super::PortalEmbed::with_listener_url)`(asset.url())`.
    ///
    /// ```
    /// # use scalekit_tower::template::ListenerAsset;
    /// let asset = ListenerAsset::under("/static/");
    /// assert!(asset.url().starts_with("/static/portal-"));
    /// assert!(asset.url().ends_with(".js"));
    /// ```
    pub fn under(prefix: &str) -> Self {
        Self {
            url: url_under(prefix),
        }
    }

    /// The path the asset is served at; its file name carries the content hash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `integrity` value of the script tag: `sha384-<base64>` of the file.
    pub fn integrity(&self) -> &'static str {
        &BUILT.integrity
    }

    /// The JavaScript served.
    pub fn script(&self) -> &'static str {
        &BUILT.body
    }
}

impl Default for ListenerAsset {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ListenerAsset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListenerAsset")
            .field("url", &self.url)
            .finish()
    }
}

impl<B> Service<Request<B>> for ListenerAsset {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ready(Ok(answer(request.method(), request.headers())))
    }
}

fn answer(method: &Method, headers: &HeaderMap) -> Response<String> {
    let built = &*BUILT;
    let (status, body) = if method != Method::GET && method != Method::HEAD {
        let mut response = Response::new(String::new());
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    } else if none_match(headers, &built.etag) {
        (StatusCode::NOT_MODIFIED, String::new())
    } else if method == Method::HEAD {
        (StatusCode::OK, String::new())
    } else {
        (StatusCode::OK, built.body.clone())
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if status == StatusCode::OK {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        );
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(ETAG, built.etag.clone());
    response
}

/// Whether an `If-None-Match` header lists `etag` (or is `*`); weak
/// comparison, as RFC 9110 asks for this header.
fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(headers: &[(&str, &str)]) -> Response<String> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        answer(&Method::GET, &map)
    }

    #[test]
    fn integrity_is_the_sha384_of_the_served_bytes() {
        // Chromium enforces the same value in the browser tests.
        let asset = ListenerAsset::new();
        let response = get(&[]);
        let digest = Sha384::digest(response.body().as_bytes());
        let expected = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest.as_slice())
        );
        assert_eq!(asset.integrity(), expected);
        assert!(asset.url().contains(&BUILT.version));
        assert_eq!(BUILT.version.len(), 16);
    }

    #[test]
    fn answers_are_immutable_with_an_etag_and_304_on_a_match() {
        let response = get(&[]);
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[CACHE_CONTROL], IMMUTABLE);
        assert_eq!(headers[CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff");
        let etag = headers[ETAG].to_str().unwrap().to_owned();
        assert!(response.body().starts_with("/* scalekit-tower"));
        assert!(response.body().ends_with("}));\n"));

        for matching in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".to_owned(),
        ] {
            let response = get(&[("if-none-match", &matching)]);
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{matching}");
            assert!(response.body().is_empty());
            assert_eq!(response.headers()[ETAG], etag.as_str());
            assert_eq!(response.headers()[CACHE_CONTROL], IMMUTABLE);
        }
        let stale = get(&[("if-none-match", "\"0000000000000000\"")]);
        assert_eq!(stale.status(), StatusCode::OK);
        assert!(!stale.body().is_empty());
    }

    #[test]
    fn head_has_no_body_and_other_methods_are_refused() {
        let head = answer(&Method::HEAD, &HeaderMap::new());
        assert_eq!(head.status(), StatusCode::OK);
        assert!(head.body().is_empty());
        let post = answer(&Method::POST, &HeaderMap::new());
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.headers()[ALLOW], "GET, HEAD");
    }

    #[test]
    fn urls_carry_the_version_under_any_prefix() {
        assert_eq!(
            ListenerAsset::under("/assets/").url(),
            format!("/assets/portal-{}.js", BUILT.version)
        );
        assert_eq!(ListenerAsset::default(), ListenerAsset::new());
    }
}

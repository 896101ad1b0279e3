//! Whether a browser request comes from the app's own pages.
//!
//! The browser endpoints (refresh, status) answer only same-origin requests.
//! Browsers that send `Sec-Fetch-Site` say so directly; older ones send only
//! `Origin`, which must then be the app's origin: the configured
//! [`AppOrigin`] (`PortalLinkLayer::with_app_origin`), or else the request's
//! own `Host`. Against `Host` the scheme is not compared: behind a
//! TLS-terminating proxy the server cannot know it. A configured origin is
//! compared whole (scheme, host, port), and cannot be satisfied by a page
//! that chose the `Host` itself, as a DNS-rebinding page does.

use std::fmt;

use http::header::{HOST, HeaderName, ORIGIN};
use http::request::Parts;
use url::Url;

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The origin the app's pages are served from (`https://app.example.com`),
/// for the browser endpoints' same-origin check: set it with
/// [`PortalLinkLayer::with_app_origin`](crate::PortalLinkLayer::with_app_origin)
/// behind a proxy, or wherever the `Host` header is not the app's own.
///
/// ```
/// use scalekit_tower::AppOrigin;
///
/// let origin = AppOrigin::parse("https://App.Example.com:443").unwrap();
/// assert_eq!(origin.as_str(), "https://app.example.com");
/// assert!(AppOrigin::parse("https://app.example.com/settings").is_err());
/// assert!(AppOrigin::parse("app.example.com").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AppOrigin {
    url: Url,
    shown: String,
}

impl AppOrigin {
    /// Parses `scheme://host[:port]`: `http` or `https`, no path, query,
    /// fragment or credentials (a trailing `/` is accepted).
    pub fn parse(origin: &str) -> Result<Self, InvalidAppOrigin> {
        let url = Url::parse(origin.trim()).map_err(|_| InvalidAppOrigin::NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidAppOrigin::Scheme);
        }
        if url.host_str().is_none_or(str::is_empty)
            || !url.username().is_empty()
            || url.password().is_some()
            || url.path() != "/"
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(InvalidAppOrigin::NotAnOrigin);
        }
        let shown = url.origin().ascii_serialization();
        Ok(Self { url, shown })
    }

    /// The origin as a browser sends it in `Origin`.
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    /// Whether `origin` (an `Origin` header) is this origin.
    fn matches(&self, origin: &Url) -> bool {
        origin.scheme() == self.url.scheme()
            && origin.host_str() == self.url.host_str()
            && origin.port_or_known_default() == self.url.port_or_known_default()
    }
}

impl fmt::Debug for AppOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AppOrigin").field(&self.shown).finish()
    }
}

/// Why a string is not an [`AppOrigin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidAppOrigin {
    /// It does not parse as a URL.
    #[error("the app origin is not a URL: write it as `https://app.example.com`")]
    NotAUrl,
    /// Its scheme is not `http` or `https`.
    #[error("the app origin must start with `https://` (or `http://` for local development)")]
    Scheme,
    /// It has a path, query, fragment or credentials, or no host.
    #[error(
        "the app origin is only a scheme, host and optional port (`https://app.example.com:8443`), \
         without a path, query or credentials"
    )]
    NotAnOrigin,
}

/// The error code to refuse `parts` with, when it comes from another site
/// or origin; `None` for a same-origin request or one without either header
/// (not sent by a browser). `app` is the configured origin, if any; without
/// it the `Host` header stands for the app's origin.
pub(crate) fn cross_origin(parts: &Parts, app: Option<&AppOrigin>) -> Option<&'static str> {
    let site = parts.headers.get(SEC_FETCH_SITE).map(|v| v.as_bytes());
    if matches!(site, Some(b"cross-site" | b"same-site")) {
        return Some("cross_site_request");
    }
    let mut origins = parts.headers.get_all(ORIGIN).iter();
    let origin = origins.next()?;
    if origins.next().is_some() || !is_own_origin(origin.to_str().ok()?, parts, app) {
        return Some("cross_origin_request");
    }
    None
}

fn is_own_origin(origin: &str, parts: &Parts, app: Option<&AppOrigin>) -> bool {
    let Ok(origin) = Url::parse(origin) else {
        // Includes `Origin: null` (sandboxed frames, some redirects).
        return false;
    };
    let Some(origin_host) = origin.host_str() else {
        return false;
    };
    if !origin.username().is_empty() || origin.password().is_some() || origin.path() != "/" {
        return false;
    }
    if let Some(app) = app {
        return app.matches(&origin);
    }
    let authority = match parts.headers.get(HOST) {
        Some(host) => host.to_str().ok(),
        None => parts.uri.authority().map(|a| a.as_str()),
    };
    let Some(authority) = authority else {
        return false;
    };
    // Parse the Host the same way as the origin, so `[::1]`, case and
    // default ports compare equal.
    let Ok(own) = Url::parse(&format!("{}://{authority}", origin.scheme())) else {
        return false;
    };
    own.host_str() == Some(origin_host)
        && own.port_or_known_default() == origin.port_or_known_default()
        && own.path() == "/"
        && own.username().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = http::Request::get("/refresh");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn cross_origin_of(parts: &Parts) -> Option<&'static str> {
        cross_origin(parts, None)
    }

    #[test]
    fn a_configured_app_origin_is_compared_instead_of_host() {
        let app = AppOrigin::parse("https://app.example").unwrap();
        let check = |headers: &[(&str, &str)]| cross_origin(&parts(headers), Some(&app));
        // Behind a proxy the Host is the app's internal name: the origin still passes.
        assert_eq!(
            check(&[("host", "10.0.0.7:3000"), ("origin", "https://app.example")]),
            None
        );
        assert_eq!(
            check(&[
                ("host", "app.example"),
                ("origin", "https://APP.example:443")
            ]),
            None
        );
        // A DNS-rebinding page chooses Host and Origin alike: refused.
        for (host, origin) in [
            ("rebind.evil.test:3000", "http://rebind.evil.test:3000"),
            ("app.example", "http://app.example"),
            ("app.example", "https://app.example:8443"),
            ("app.example", "https://evil.example"),
        ] {
            assert_eq!(
                check(&[("host", host), ("origin", origin)]),
                Some("cross_origin_request"),
                "{host} {origin}"
            );
        }
        for bad in [
            "app.example",
            "ftp://app.example",
            "https://app.example/x",
            "https://u@app.example",
        ] {
            assert!(AppOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn same_origin_passes() {
        let host = ("host", "app.example:8443");
        assert_eq!(cross_origin_of(&parts(&[host])), None);
        assert_eq!(
            cross_origin_of(&parts(&[host, ("origin", "https://app.example:8443")])),
            None
        );
        assert_eq!(
            cross_origin_of(&parts(&[
                ("host", "App.Example"),
                ("origin", "https://app.example")
            ])),
            None
        );
        assert_eq!(
            cross_origin_of(&parts(&[
                ("host", "[::1]:3000"),
                ("origin", "http://[::1]:3000")
            ])),
            None
        );
        assert_eq!(
            cross_origin_of(&parts(&[host, ("sec-fetch-site", "same-origin")])),
            None
        );
    }

    #[test]
    fn other_origins_are_refused() {
        let host = ("host", "app.example");
        for origin in [
            "https://evil.example",
            "https://app.example:444",
            "https://app.example.evil.example",
            "null",
            "not a url",
            "https://user@app.example",
        ] {
            let refused = cross_origin_of(&parts(&[host, ("origin", origin)]));
            assert_eq!(refused, Some("cross_origin_request"), "{origin}");
        }
        let two = parts(&[
            host,
            ("origin", "https://app.example"),
            ("origin", "https://evil.example"),
        ]);
        assert_eq!(cross_origin_of(&two), Some("cross_origin_request"));
        assert_eq!(
            cross_origin_of(&parts(&[
                ("host", "app.example@evil.example"),
                ("origin", "https://evil.example")
            ])),
            Some("cross_origin_request")
        );
        assert_eq!(
            cross_origin_of(&parts(&[("origin", "https://app.example")])),
            Some("cross_origin_request")
        );
        assert_eq!(
            cross_origin_of(&parts(&[host, ("sec-fetch-site", "cross-site")])),
            Some("cross_site_request")
        );
    }
}

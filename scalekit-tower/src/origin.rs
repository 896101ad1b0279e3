//! Whether a browser request comes from the app's own pages.
//!
//! The browser endpoints (refresh, status) answer only same-origin requests.
//! Browsers that send `Sec-Fetch-Site` say so directly; older ones send only
//! `Origin`, which must then be the request's own origin (its `Host`). The
//! scheme is not compared: behind a TLS-terminating proxy the server cannot
//! know it, and a cross-site page cannot choose the `Host` its request goes to.

use http::header::{HOST, HeaderName, ORIGIN};
use http::request::Parts;
use url::Url;

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The error code to refuse `parts` with, when it comes from another site
/// or origin; `None` for a same-origin request or one without either header
/// (not sent by a browser).
pub(crate) fn cross_origin(parts: &Parts) -> Option<&'static str> {
    let site = parts.headers.get(SEC_FETCH_SITE).map(|v| v.as_bytes());
    if matches!(site, Some(b"cross-site" | b"same-site")) {
        return Some("cross_site_request");
    }
    let mut origins = parts.headers.get_all(ORIGIN).iter();
    let origin = origins.next()?;
    if origins.next().is_some() || !is_own_origin(origin.to_str().ok()?, parts) {
        return Some("cross_origin_request");
    }
    None
}

fn is_own_origin(origin: &str, parts: &Parts) -> bool {
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

    #[test]
    fn same_origin_passes() {
        let host = ("host", "app.example:8443");
        assert_eq!(cross_origin(&parts(&[host])), None);
        assert_eq!(
            cross_origin(&parts(&[host, ("origin", "https://app.example:8443")])),
            None
        );
        assert_eq!(
            cross_origin(&parts(&[
                ("host", "App.Example"),
                ("origin", "https://app.example")
            ])),
            None
        );
        assert_eq!(
            cross_origin(&parts(&[
                ("host", "[::1]:3000"),
                ("origin", "http://[::1]:3000")
            ])),
            None
        );
        assert_eq!(
            cross_origin(&parts(&[host, ("sec-fetch-site", "same-origin")])),
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
            let refused = cross_origin(&parts(&[host, ("origin", origin)]));
            assert_eq!(refused, Some("cross_origin_request"), "{origin}");
        }
        let two = parts(&[
            host,
            ("origin", "https://app.example"),
            ("origin", "https://evil.example"),
        ]);
        assert_eq!(cross_origin(&two), Some("cross_origin_request"));
        assert_eq!(
            cross_origin(&parts(&[
                ("host", "app.example@evil.example"),
                ("origin", "https://evil.example")
            ])),
            Some("cross_origin_request")
        );
        assert_eq!(
            cross_origin(&parts(&[("origin", "https://app.example")])),
            Some("cross_origin_request")
        );
        assert_eq!(
            cross_origin(&parts(&[host, ("sec-fetch-site", "cross-site")])),
            Some("cross_site_request")
        );
    }
}

//! Registered parent origins: the pages allowed to embed the portal.
//!
//! Scalekit calls these the allowed callback / redirect URLs of the
//! environment. The portal sends `Content-Security-Policy: frame-ancestors`
//! with exactly these origins (or `'none'`), and posts its events only to
//! them.

use std::fmt;

/// An origin the emulator refused to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOrigin {
    origin: String,
    reason: &'static str,
}

impl InvalidOrigin {
    /// The rejected input.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid parent origin {:?}: {} (expected scheme://host[:port], e.g. http://127.0.0.1:3000)",
            self.origin, self.reason
        )
    }
}

impl std::error::Error for InvalidOrigin {}

/// Normalizes an origin (`scheme://host[:port]`): lowercases it and drops one
/// trailing slash. Paths, queries, credentials and characters that could
/// break a header value or a CSP source list are refused.
pub(crate) fn normalize(origin: &str) -> Result<String, InvalidOrigin> {
    let fail = |reason| InvalidOrigin {
        origin: origin.to_owned(),
        reason,
    };
    let trimmed = origin.trim();
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let url = url::Url::parse(trimmed).map_err(|_| fail("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(fail("scheme must be http or https"));
    }
    if url.host_str().is_none() {
        return Err(fail("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail("credentials are not part of an origin"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(fail("an origin has no path, query or fragment"));
    }
    let normalized = url.origin().ascii_serialization();
    if normalized == "null"
        || !normalized
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":/.-[]".contains(&b))
    {
        return Err(fail("unsupported characters"));
    }
    Ok(normalized)
}

/// The set of registered parent origins, in registration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParentOrigins {
    origins: Vec<String>,
}

impl ParentOrigins {
    /// Adds a normalized origin; adding one twice keeps one copy.
    pub(crate) fn add(&mut self, origin: &str) -> Result<(), InvalidOrigin> {
        let origin = normalize(origin)?;
        if !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
        Ok(())
    }

    /// The origins, for `postMessage` target origins.
    pub(crate) fn as_slice(&self) -> &[String] {
        &self.origins
    }

    /// The `frame-ancestors` source list: the origins separated by spaces,
    /// or `'none'` when none is registered.
    pub(crate) fn frame_ancestors(&self) -> String {
        if self.origins.is_empty() {
            "'none'".to_owned()
        } else {
            self.origins.join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_origins() {
        assert_eq!(
            normalize("http://127.0.0.1:4000/").unwrap(),
            "http://127.0.0.1:4000"
        );
        assert_eq!(
            normalize("HTTPS://App.Example.com").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(
            normalize("https://a.example:443").unwrap(),
            "https://a.example"
        );
    }

    #[test]
    fn refuses_non_origins() {
        for bad in [
            "",
            "127.0.0.1:4000",
            "javascript:alert(1)",
            "http://a.example/path",
            "http://a.example?q",
            "http://u:p@a.example",
            "http://a.example; script-src *",
            "file:///etc/passwd",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn frame_ancestors_lists_or_denies() {
        let mut origins = ParentOrigins::default();
        assert_eq!(origins.frame_ancestors(), "'none'");
        origins.add("http://127.0.0.1:4000").unwrap();
        origins.add("http://127.0.0.1:4000/").unwrap();
        origins.add("http://localhost:3000").unwrap();
        assert_eq!(
            origins.frame_ancestors(),
            "http://127.0.0.1:4000 http://localhost:3000"
        );
    }
}

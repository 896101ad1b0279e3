//! The one check of a URL's shape the kit accepts from configuration and
//! from Scalekit: an `http` or `https` URL with a host and without userinfo.
//!
//! Other schemes have opaque origins (serialized `"null"`, which sandboxed
//! frames also report), and userinfo (`https://user@host`) hides the real
//! host from a reader and is never part of a Scalekit URL.

use url::Url;

/// Why a URL is not an http(s) URL with a host and without userinfo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotHttpUrl {
    /// Another scheme.
    #[error("expected an http or https URL, got scheme `{0}`")]
    Scheme(String),
    /// No host.
    #[error("it has no host")]
    NoHost,
    /// A user name or password before the host.
    #[error("it must not contain user information (`user@`)")]
    UserInfo,
}

/// Accepts `url` only as an http(s) URL with a host and without userinfo.
pub(crate) fn check(url: &Url) -> Result<(), NotHttpUrl> {
    if !matches!(url.scheme(), "https" | "http") {
        return Err(NotHttpUrl::Scheme(url.scheme().to_owned()));
    }
    if url.host().is_none() {
        return Err(NotHttpUrl::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NotHttpUrl::UserInfo);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(raw: &str) -> Result<(), NotHttpUrl> {
        check(&Url::parse(raw).unwrap())
    }

    #[test]
    fn only_http_urls_with_a_host_and_no_userinfo_pass() {
        assert_eq!(checked("https://acme.scalekit.dev/magicLink/x"), Ok(()));
        assert_eq!(checked("http://127.0.0.1:8080"), Ok(()));
        assert_eq!(
            checked("javascript:alert(1)"),
            Err(NotHttpUrl::Scheme("javascript".into()))
        );
        assert_eq!(
            checked("data:text/html,x"),
            Err(NotHttpUrl::Scheme("data".into()))
        );
        assert_eq!(
            checked("https://user@acme.scalekit.dev"),
            Err(NotHttpUrl::UserInfo)
        );
        assert_eq!(
            checked("https://:pw@acme.scalekit.dev"),
            Err(NotHttpUrl::UserInfo)
        );
    }
}

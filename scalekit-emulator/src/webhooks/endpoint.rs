//! A webhook endpoint: the app's URL that deliveries are POSTed to.

use std::fmt;

use http::Uri;

/// A validated endpoint URL (`http://host[:port]/path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EndpointUrl {
    text: String,
    uri: Uri,
}

impl EndpointUrl {
    /// Accepts an absolute `http` URL with a host. `https` is refused: the
    /// emulator delivers in plain HTTP to an app on this machine.
    pub(crate) fn parse(text: &str) -> Result<Self, InvalidWebhookUrl> {
        let invalid = |reason: &'static str| InvalidWebhookUrl {
            url: text.to_owned(),
            reason,
        };
        let uri: Uri = text.parse().map_err(|_| invalid("it is not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "https is not supported: the emulator delivers over plain http to an app on this machine (e.g. http://127.0.0.1:3000/webhooks/scalekit)",
                ));
            }
            _ => return Err(invalid("it must start with http://")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(invalid("it has no host"));
        }
        Ok(Self {
            text: text.to_owned(),
            uri,
        })
    }

    /// The URL as given.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The parsed URL.
    pub(crate) fn uri(&self) -> &Uri {
        &self.uri
    }
}

/// A webhook endpoint URL that cannot be delivered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidWebhookUrl {
    /// The URL given.
    pub url: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for InvalidWebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid webhook URL {:?}: {}", self.url, self.reason)
    }
}

impl std::error::Error for InvalidWebhookUrl {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_urls_with_a_host() {
        let url = EndpointUrl::parse("http://127.0.0.1:3000/webhooks/scalekit").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:3000/webhooks/scalekit");
        assert_eq!(url.uri().path(), "/webhooks/scalekit");
    }

    #[test]
    fn refuses_what_it_cannot_post_to() {
        for (bad, says) in [
            ("https://app.example/hook", "https is not supported"),
            ("ftp://x/y", "http://"),
            ("/webhooks", "http://"),
            ("http://exa mple/", "not a URL"),
        ] {
            let err = EndpointUrl::parse(bad).unwrap_err();
            assert!(err.to_string().contains(says), "{bad}: {err}");
        }
    }
}

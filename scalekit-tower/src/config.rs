//! Where the Scalekit environment is and how to authenticate to it.
//!
//! ```
//! use std::time::Duration;
//! use scalekit_tower::Config;
//!
//! let config = Config::builder()
//!     .environment_url("https://acme.scalekit.dev")
//!     .client_id("skc_123")
//!     .client_secret("not-a-real-secret")
//!     .timeout(Duration::from_secs(5))
//!     .build()
//!     .unwrap();
//! assert_eq!(config.portal_origin(), "https://acme.scalekit.dev");
//! // The secret never shows in Debug output.
//! assert!(!format!("{config:?}").contains("not-a-real-secret"));
//! ```

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use crate::http_url::{self, NotHttpUrl};

/// Environment variable holding the environment URL.
pub const ENV_ENVIRONMENT_URL: &str = "SCALEKIT_ENVIRONMENT_URL";
/// Environment variable holding the OAuth client id.
pub const ENV_CLIENT_ID: &str = "SCALEKIT_CLIENT_ID";
/// Environment variable holding the OAuth client secret.
pub const ENV_CLIENT_SECRET: &str = "SCALEKIT_CLIENT_SECRET";
/// Optional environment variable holding the portal origin (a custom domain).
pub const ENV_PORTAL_ORIGIN: &str = "SCALEKIT_PORTAL_ORIGIN";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest deadline: a longer one (`Duration::MAX` for "no limit") is
/// treated as this, so no deadline overflows the clock.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// The default cap on an answer's body: Scalekit's answers are a few KiB.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Settings for [`Client`](crate::Client): the environment, its credentials and
/// the client's deadlines.
///
/// Build one with [`Config::from_env`] or [`Config::builder`]. The client secret
/// is held in a [`SecretString`]; no `Debug` or `Display` output prints it.
#[derive(Clone)]
pub struct Config {
    environment_url: Url,
    client_id: String,
    client_secret: SecretString,
    portal_origin: String,
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
}

impl Config {
    /// Reads `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID`,
    /// `SCALEKIT_CLIENT_SECRET` and the optional `SCALEKIT_PORTAL_ORIGIN`.
    ///
    /// A missing, empty or malformed value is a [`ConfigError`] naming the variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], reading the variables through `lookup`
    /// (a `.env` loader, a secrets manager, a test's map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .ok_or(ConfigError::Missing { variable: name })
        };
        let mut builder = Config::builder()
            .environment_url(required(ENV_ENVIRONMENT_URL)?)
            .client_id(required(ENV_CLIENT_ID)?)
            .client_secret(required(ENV_CLIENT_SECRET)?);
        if let Some(origin) = lookup(ENV_PORTAL_ORIGIN).filter(|v| !v.trim().is_empty()) {
            builder = builder.portal_origin(origin);
        }
        builder.build()
    }

    /// Starts a [`ConfigBuilder`] for explicit values.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The environment URL, e.g. `https://acme.scalekit.dev`.
    pub fn environment_url(&self) -> &Url {
        &self.environment_url
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The origin that serves portal pages, e.g. `https://acme.scalekit.dev`
    /// (no trailing slash). Minted links must point here.
    pub fn portal_origin(&self) -> &str {
        &self.portal_origin
    }

    /// How long establishing a connection may take.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The deadline of one client call, retries and token fetch included.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The most bytes of one answer's body the client reads (default 64 KiB).
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    pub(crate) fn client_secret(&self) -> &str {
        self.client_secret.expose_secret()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("environment_url", &self.environment_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("portal_origin", &self.portal_origin)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// Builds a [`Config`] from explicit values. See [`Config::builder`].
#[derive(Default)]
pub struct ConfigBuilder {
    environment_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    portal_origin: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("environment_url", &self.environment_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("portal_origin", &self.portal_origin)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// The environment URL: `https://<env>.scalekit.dev`, `https://<env>.scalekit.com`
    /// or a custom domain. `http` is accepted only on loopback (the emulator).
    #[must_use]
    pub fn environment_url(mut self, url: impl Into<String>) -> Self {
        self.environment_url = Some(url.into());
        self
    }

    /// The OAuth client id (`skc_...`).
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The OAuth client secret.
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// The origin that serves portal pages when it differs from the environment
    /// URL (a custom domain). Defaults to the environment URL's origin.
    #[must_use]
    pub fn portal_origin(mut self, origin: impl Into<String>) -> Self {
        self.portal_origin = Some(origin.into());
        self
    }

    /// How long establishing a connection may take (default 3 s; at most an
    /// hour, longer values count as an hour).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The deadline of one client call, token fetch and retries included
    /// (default 10 s; at most an hour, longer values such as `Duration::MAX`
    /// count as an hour).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The most bytes of an answer's body the client reads (default 64 KiB,
    /// far above Scalekit's few KiB). A longer answer ends the call with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    ///
    /// ```
    /// # use scalekit_tower::Config;
    /// let config = Config::builder()
    ///     .environment_url("https://acme.scalekit.dev")
    ///     .client_id("skc_123")
    ///     .client_secret("not-a-real-secret")
    ///     .max_response_bytes(16 * 1024)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.max_response_bytes(), 16 * 1024);
    /// ```
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Checks every value and builds the [`Config`].
    pub fn build(self) -> Result<Config, ConfigError> {
        let raw_url = self.environment_url.ok_or(ConfigError::Missing {
            variable: ENV_ENVIRONMENT_URL,
        })?;
        let environment_url = parse_origin_url(ENV_ENVIRONMENT_URL, &raw_url)?;
        let client_id =
            self.client_id
                .filter(|id| !id.trim().is_empty())
                .ok_or(ConfigError::Missing {
                    variable: ENV_CLIENT_ID,
                })?;
        if client_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ConfigError::Invalid {
                variable: ENV_CLIENT_ID,
                reason: "it contains whitespace; copy the client id from the Scalekit dashboard's API config".into(),
            });
        }
        let client_secret = self
            .client_secret
            .filter(|secret| !secret.expose_secret().trim().is_empty())
            .ok_or(ConfigError::Missing {
                variable: ENV_CLIENT_SECRET,
            })?;
        let portal_origin = match self.portal_origin {
            Some(raw) => parse_origin_url(ENV_PORTAL_ORIGIN, &raw)?,
            None => environment_url.clone(),
        };
        let connect_timeout = self
            .connect_timeout
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
            .min(MAX_TIMEOUT);
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT).min(MAX_TIMEOUT);
        if timeout.is_zero() || connect_timeout.is_zero() {
            return Err(ConfigError::Invalid {
                variable: "timeout",
                reason: "timeouts must be greater than zero".into(),
            });
        }
        let max_response_bytes = self
            .max_response_bytes
            .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(ConfigError::Invalid {
                variable: "max_response_bytes",
                reason: "the response size cap must be greater than zero".into(),
            });
        }
        Ok(Config {
            portal_origin: portal_origin.origin().ascii_serialization(),
            environment_url,
            client_id,
            client_secret,
            connect_timeout,
            timeout,
            max_response_bytes,
        })
    }
}

/// Parses a URL that must be a bare origin: https, or http on loopback.
fn parse_origin_url(variable: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid { variable, reason };
    let url = Url::parse(raw.trim()).map_err(|e| {
        invalid(format!(
            "{e}; expected an origin such as https://your-env.scalekit.dev"
        ))
    })?;
    match http_url::check(&url) {
        Ok(()) => {}
        Err(NotHttpUrl::Scheme(other)) => {
            return Err(invalid(format!(
                "scheme `{other}` is not supported; use https://your-env.scalekit.dev"
            )));
        }
        Err(shape) => return Err(invalid(shape.to_string())),
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(invalid(
            "plain http is allowed only on loopback (the local emulator); use https".into(),
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "it must be an origin without path, query or fragment, such as https://your-env.scalekit.dev".into(),
        ));
    }
    Ok(url)
}

/// Whether a URL's host is a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A configuration value is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required value is absent or empty.
    #[error(
        "{variable} is not set: copy it from the Scalekit dashboard (Settings > API credentials) into the environment"
    )]
    Missing {
        /// The environment variable (or setting) that is missing.
        variable: &'static str,
    },
    /// A value is present but unusable.
    #[error("{variable} is invalid: {reason}")]
    Invalid {
        /// The environment variable (or setting) that is wrong.
        variable: &'static str,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const FULL: [(&str, &str); 3] = [
        (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev"),
        (ENV_CLIENT_ID, "skc_1"),
        (ENV_CLIENT_SECRET, "s3cr3t-value"),
    ];

    #[test]
    fn reads_all_variables() {
        let config = Config::from_lookup(lookup(&FULL)).unwrap();
        assert_eq!(
            config.environment_url().as_str(),
            "https://acme.scalekit.dev/"
        );
        assert_eq!(config.client_id(), "skc_1");
        assert_eq!(config.client_secret(), "s3cr3t-value");
        assert_eq!(config.portal_origin(), "https://acme.scalekit.dev");
    }

    #[test]
    fn each_missing_variable_is_named() {
        for (skip, (variable, _)) in FULL.iter().enumerate() {
            let pairs: Vec<_> = FULL
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, p)| *p)
                .collect();
            let err = Config::from_lookup(lookup(&pairs)).unwrap_err();
            assert_eq!(err, ConfigError::Missing { variable });
            assert!(err.to_string().contains(variable));
        }
    }

    #[test]
    fn empty_values_count_as_missing() {
        let err = Config::from_lookup(lookup(&[
            (ENV_ENVIRONMENT_URL, "https://acme.scalekit.dev"),
            (ENV_CLIENT_ID, "  "),
            (ENV_CLIENT_SECRET, "x"),
        ]))
        .unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing {
                variable: ENV_CLIENT_ID
            }
        );
    }

    #[test]
    fn environment_url_rules() {
        let ok = [
            "https://acme.scalekit.dev",
            "https://auth.example.com/",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ];
        for url in ok {
            let config = Config::builder()
                .environment_url(url)
                .client_id("skc_1")
                .client_secret("x")
                .build();
            assert!(config.is_ok(), "{url} should be accepted: {config:?}");
        }
        let bad = [
            "acme.scalekit.dev",
            "http://acme.scalekit.dev",
            "ftp://acme.scalekit.dev",
            "https://acme.scalekit.dev/api",
            "https://user:pw@acme.scalekit.dev",
            "https://acme.scalekit.dev/?x=1",
            "http://10.0.0.1",
        ];
        for url in bad {
            let err = Config::builder()
                .environment_url(url)
                .client_id("skc_1")
                .client_secret("x")
                .build()
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        variable: ENV_ENVIRONMENT_URL,
                        ..
                    }
                ),
                "{url}: {err}"
            );
        }
    }

    #[test]
    fn portal_origin_override_is_normalised() {
        let config = Config::from_lookup(lookup(&[
            FULL[0],
            FULL[1],
            FULL[2],
            (ENV_PORTAL_ORIGIN, "https://Auth.Example.com/"),
        ]))
        .unwrap();
        assert_eq!(config.portal_origin(), "https://auth.example.com");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let config = Config::from_lookup(lookup(&FULL)).unwrap();
        assert!(!format!("{config:?}").contains("s3cr3t-value"));
        assert!(!format!("{config:#?}").contains("s3cr3t-value"));
        let builder = Config::builder().client_secret("s3cr3t-value");
        assert!(!format!("{builder:?}").contains("s3cr3t-value"));
    }
}

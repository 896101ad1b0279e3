//! The TLS choice made by the crate's features, checked when a client is built.
//!
//! | feature | TLS | crypto |
//! |---|---|---|
//! | `rustls` (default) | rustls | aws-lc-rs, compiled into reqwest |
//! | `rustls-ring` | rustls | ring, installed here as the process default unless the app installed a provider first |
//! | `rustls-no-provider` | rustls | whatever provider the app installed; none is an error |
//! | `native-tls` | the platform's | the platform's |
//! | none | no TLS: plain HTTP on loopback only (the local emulator) | |
//!
//! reqwest built with `rustls-no-provider` panics when it builds a client
//! without a provider; [`prepare`] turns that into a [`ConfigError`] first.

use crate::config::{ConfigError, ENV_ENVIRONMENT_URL};

/// Whether this build can open TLS connections at all.
const HAS_TLS: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-no-provider",
    feature = "native-tls"
));

/// Readies TLS for a client of `environment_url`: installs ring as the
/// process's rustls provider under `rustls-ring`, refuses a missing provider
/// under `rustls-no-provider`, and refuses an `https` URL in a build without
/// TLS.
pub(crate) fn prepare(environment_url: &url::Url) -> Result<(), ConfigError> {
    if !HAS_TLS && environment_url.scheme() == "https" {
        return Err(ConfigError::Invalid {
            variable: ENV_ENVIRONMENT_URL,
            reason: "this build of scalekit-tower has no TLS: enable one of its features \
                     `rustls`, `rustls-ring` or `native-tls`"
                .into(),
        });
    }
    install_provider()
}

/// Under `rustls-ring`, makes ring the process default (an app's own,
/// installed first, wins). Under `rustls-no-provider` alone, insists that one
/// is installed.
#[cfg(all(feature = "rustls-no-provider", not(feature = "rustls")))]
fn install_provider() -> Result<(), ConfigError> {
    use rustls::crypto::CryptoProvider;

    #[cfg(feature = "rustls-ring")]
    if CryptoProvider::get_default().is_none() {
        // `Err` means another thread installed one meanwhile: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    if CryptoProvider::get_default().is_none() {
        return Err(ConfigError::Invalid {
            variable: "TLS crypto provider",
            reason: "scalekit-tower is built with `rustls-no-provider` and the process has no \
                     rustls crypto provider: install one before building the client \
                     (`rustls::crypto::CryptoProvider::install_default`), or enable the feature \
                     `rustls-ring` (or `rustls`) instead"
                .into(),
        });
    }
    Ok(())
}

/// reqwest brings its own provider (`rustls`), uses the platform's
/// (`native-tls`), or there is no TLS: nothing to install.
#[cfg(not(all(feature = "rustls-no-provider", not(feature = "rustls"))))]
fn install_provider() -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_http_needs_no_tls() {
        let url = "http://127.0.0.1:8787".parse().unwrap();
        assert_eq!(prepare(&url), Ok(()));
    }

    #[test]
    fn https_needs_a_tls_feature() {
        let url = "https://acme.scalekit.dev".parse().unwrap();
        let result = prepare(&url).map_err(|err| err.to_string());
        if !HAS_TLS {
            let err = result.unwrap_err();
            assert!(
                err.contains("no TLS") && err.contains("`rustls-ring`"),
                "{err}"
            );
        } else if cfg!(all(
            feature = "rustls-no-provider",
            not(feature = "rustls"),
            not(feature = "rustls-ring"),
            not(feature = "native-tls")
        )) {
            // Nothing in this test binary installs a provider.
            let err = result.unwrap_err();
            assert!(err.contains("no rustls crypto provider"), "{err}");
        } else {
            assert_eq!(result, Ok(()));
        }
    }

    /// Under `rustls-ring` this is the proof that the provider got installed:
    /// reqwest built with `rustls-no-provider` panics without one.
    #[test]
    fn a_prepared_build_makes_an_https_client() {
        let url = "https://acme.scalekit.dev".parse().unwrap();
        if prepare(&url).is_ok() {
            reqwest::Client::builder()
                .build()
                .expect("the HTTP client builds");
        }
    }
}

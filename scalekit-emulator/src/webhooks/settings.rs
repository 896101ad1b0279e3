//! The webhook settings an emulator is built with, checked before it
//! starts.

use std::fmt;
use std::time::Duration;

use super::dispatcher::{DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_QUEUE_CAPACITY, DispatcherConfig};
use super::endpoint::{EndpointUrl, InvalidWebhookUrl};
use super::schedule::{InvalidRetryScale, RetrySchedule};
use super::secret::{WebhookSecret, WebhookSecretError};

/// Webhook settings as given, unchecked. `Debug` redacts the secret.
#[derive(Clone)]
pub(crate) struct WebhookSettings {
    /// Endpoint URLs, in registration order.
    pub(crate) endpoints: Vec<String>,
    /// The `whsec_...` secret; generated when `None`.
    pub(crate) secret: Option<String>,
    /// Multiplies every wait of the retry schedule.
    pub(crate) retry_scale: f64,
    /// The deadline of each attempt.
    pub(crate) attempt_timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            endpoints: Vec::new(),
            secret: None,
            retry_scale: 1.0,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
        }
    }
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("endpoints", &self.endpoints)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("retry_scale", &self.retry_scale)
            .field("attempt_timeout", &self.attempt_timeout)
            .finish()
    }
}

/// The first thing wrong with [`WebhookSettings`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WebhookSettingsError {
    /// An endpoint URL.
    Url(InvalidWebhookUrl),
    /// The secret (or generating one).
    Secret(WebhookSecretError),
    /// The retry scale.
    RetryScale(InvalidRetryScale),
}

impl WebhookSettings {
    /// Checks everything and generates the secret if none was given.
    pub(crate) fn validate(
        &self,
        environment_id: &str,
    ) -> Result<DispatcherConfig, WebhookSettingsError> {
        let endpoints = self
            .endpoints
            .iter()
            .map(|url| EndpointUrl::parse(url))
            .collect::<Result<Vec<_>, _>>()
            .map_err(WebhookSettingsError::Url)?;
        let secret = match &self.secret {
            Some(text) => WebhookSecret::parse(text),
            None => WebhookSecret::generate(),
        }
        .map_err(WebhookSettingsError::Secret)?;
        let schedule =
            RetrySchedule::scaled(self.retry_scale).map_err(WebhookSettingsError::RetryScale)?;
        Ok(DispatcherConfig {
            endpoints,
            secret,
            environment_id: environment_id.to_owned(),
            schedule,
            attempt_timeout: self.attempt_timeout,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_generate_a_secret_and_keep_the_real_schedule() {
        let config = WebhookSettings::default().validate("env_1").unwrap();
        assert!(config.endpoints.is_empty());
        assert!(config.secret.as_str().starts_with("whsec_"));
        assert_eq!(config.schedule, RetrySchedule::default());
        assert_eq!(config.environment_id, "env_1");
    }

    #[test]
    fn each_bad_setting_is_named() {
        let bad_url = WebhookSettings {
            endpoints: vec!["http://127.0.0.1:1/ok".into(), "https://x/".into()],
            ..WebhookSettings::default()
        };
        assert!(matches!(
            bad_url.validate("env_1"),
            Err(WebhookSettingsError::Url(InvalidWebhookUrl { url, .. })) if url == "https://x/"
        ));
        let bad_secret = WebhookSettings {
            secret: Some("hunter2".into()),
            ..WebhookSettings::default()
        };
        assert!(matches!(
            bad_secret.validate("env_1"),
            Err(WebhookSettingsError::Secret(
                WebhookSecretError::MissingPrefix
            ))
        ));
        assert!(!format!("{bad_secret:?}").contains("hunter2"));
        let bad_scale = WebhookSettings {
            retry_scale: -0.5,
            ..WebhookSettings::default()
        };
        assert!(matches!(
            bad_scale.validate("env_1"),
            Err(WebhookSettingsError::RetryScale(_))
        ));
    }
}

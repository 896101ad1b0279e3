//! The webhook signing secret, as Scalekit's dashboard shows it:
//! `whsec_` followed by the standard base64 of the HMAC key.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The prefix of every signing secret.
const PREFIX: &str = "whsec_";
/// Bytes of key in a generated secret (32 base64 characters, no padding).
const GENERATED_KEY_LEN: usize = 24;
/// Key lengths the Standard Webhooks scheme allows (192 to 512 bits).
const KEY_LEN: std::ops::RangeInclusive<usize> = 24..=64;

/// A signing secret: its `whsec_...` text and the key it stands for.
/// `Debug` never shows either.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct WebhookSecret {
    text: String,
    key: Vec<u8>,
}

impl WebhookSecret {
    /// A fresh secret with a random 24-byte key from the operating system.
    pub(crate) fn generate() -> Result<Self, WebhookSecretError> {
        let mut key = vec![0u8; GENERATED_KEY_LEN];
        getrandom::fill(&mut key).map_err(|err| WebhookSecretError::Random(err.to_string()))?;
        Ok(Self::from_key(key))
    }

    /// A secret whose key is `key` (tests use it to sign with a wrong key).
    pub(crate) fn from_key(key: Vec<u8>) -> Self {
        let text = format!("{PREFIX}{}", STANDARD.encode(&key));
        Self { text, key }
    }

    /// Parses `whsec_<standard base64>`; the key must be 24 to 64 bytes.
    pub(crate) fn parse(text: &str) -> Result<Self, WebhookSecretError> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or(WebhookSecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookSecretError::NotBase64)?;
        if !KEY_LEN.contains(&key.len()) {
            return Err(WebhookSecretError::KeyLength(key.len()));
        }
        Ok(Self {
            text: text.to_owned(),
            key,
        })
    }

    /// The `whsec_...` text, to hand to the app under test.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The HMAC key.
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }
}

impl FromStr for WebhookSecret {
    type Err = WebhookSecretError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// Why a webhook signing secret was refused. The messages never repeat the
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookSecretError {
    /// The secret does not start with `whsec_`.
    MissingPrefix,
    /// The part after `whsec_` is not standard, padded base64.
    NotBase64,
    /// The decoded key is shorter than 24 or longer than 64 bytes.
    KeyLength(usize),
    /// The operating system's random source failed while generating one.
    Random(String),
}

impl fmt::Display for WebhookSecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingPrefix => f.write_str(
                "the webhook secret must start with whsec_ (as Scalekit's dashboard shows it)",
            ),
            Self::NotBase64 => f.write_str(
                "the webhook secret must be whsec_ followed by standard base64 (A-Z a-z 0-9 + /, padded with =)",
            ),
            Self::KeyLength(len) => write!(
                f,
                "the webhook secret's key is {len} bytes; it must be 24 to 64 bytes (32 to 88 base64 characters)"
            ),
            Self::Random(err) => write!(f, "could not generate a webhook secret: {err}"),
        }
    }
}

impl std::error::Error for WebhookSecretError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_parse_back_and_differ() {
        let secret = WebhookSecret::generate().unwrap();
        assert!(secret.as_str().starts_with("whsec_"));
        assert_eq!(secret.key().len(), GENERATED_KEY_LEN);
        assert_eq!(WebhookSecret::parse(secret.as_str()).unwrap(), secret);
        assert_ne!(WebhookSecret::generate().unwrap(), secret);
    }

    #[test]
    fn the_key_is_the_base64_after_the_prefix() {
        let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
        assert_eq!(
            secret.key(),
            STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        );
    }

    #[test]
    fn malformed_secrets_get_typed_errors() {
        let key = STANDARD.encode([7u8; 24]);
        assert_eq!(
            WebhookSecret::parse(&key),
            Err(WebhookSecretError::MissingPrefix)
        );
        assert_eq!(
            WebhookSecret::parse("whsec_not base64!"),
            Err(WebhookSecretError::NotBase64)
        );
        assert_eq!(
            WebhookSecret::parse(&format!("whsec_{}", STANDARD.encode([1u8; 8]))),
            Err(WebhookSecretError::KeyLength(8))
        );
        assert_eq!(
            WebhookSecret::parse("whsec_"),
            Err(WebhookSecretError::KeyLength(0))
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_secret() {
        let secret = WebhookSecret::generate().unwrap();
        let encoded = &secret.as_str()["whsec_".len()..];
        assert!(!format!("{secret:?}").contains(encoded));
        let err = WebhookSecret::parse(&format!("whsec_{encoded}!")).unwrap_err();
        assert!(!err.to_string().contains(encoded));
    }
}

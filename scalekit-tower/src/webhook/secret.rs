//! The signing secret of a webhook endpoint.
//!
//! ```
//! use scalekit_tower::webhook::WebhookSecret;
//!
//! let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! // The key never shows in Debug output.
//! assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
//! assert!(WebhookSecret::new("whsec_not base64!").is_err());
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit};
use secrecy::zeroize::Zeroizing;
use sha2::Sha256;

/// Environment variable holding the endpoint's signing secret (or several,
/// separated by spaces or commas, while a secret is being rotated).
pub const ENV_WEBHOOK_SECRET: &str = "SCALEKIT_WEBHOOK_SECRET";

/// The prefix of the secrets Scalekit's dashboard shows.
pub const SECRET_PREFIX: &str = "whsec_";

/// The shortest key accepted, in bytes: 128 bits. Scalekit's secrets (like
/// every Standard Webhooks secret) are 24 bytes or more; a shorter one is a
/// truncated copy or a placeholder, and could be guessed.
pub const MIN_KEY_BYTES: usize = 16;

/// One signing secret of a webhook endpoint, as Scalekit's dashboard shows it:
/// `whsec_<base64 key>`.
///
/// The key is the base64-decoded part after `whsec_`. Like the Standard
/// Webhooks libraries, a bare base64 key without the prefix is accepted too;
/// surrounding whitespace (a trailing newline from a secrets file) is ignored.
///
/// The secret is kept only as the HMAC-SHA256 state keyed with it, which is
/// wiped from memory when dropped; `Debug` prints `WebhookSecret(<redacted>)`.
#[derive(Clone)]
pub struct WebhookSecret {
    keyed: Hmac<Sha256>,
}

impl WebhookSecret {
    /// Parses `whsec_<base64>` (or bare base64).
    ///
    /// A secret that is empty, not standard base64, or shorter than
    /// [`MIN_KEY_BYTES`] once decoded is a [`WebhookSecretError`] saying
    /// which; it never contains the secret.
    pub fn new(secret: &str) -> Result<Self, WebhookSecretError> {
        let trimmed = secret.trim();
        let encoded = trimmed.strip_prefix(SECRET_PREFIX).unwrap_or(trimmed);
        if encoded.is_empty() {
            return Err(WebhookSecretError::Empty);
        }
        let key = Zeroizing::new(STANDARD.decode(encoded).map_err(|error| {
            WebhookSecretError::NotBase64 {
                reason: base64_reason(&error),
            }
        })?);
        Self::from_bytes(&key)
    }

    /// A secret from the raw key bytes (already decoded).
    ///
    /// An empty key is refused with [`WebhookSecretError::Empty`], one
    /// shorter than [`MIN_KEY_BYTES`] with [`WebhookSecretError::TooShort`].
    pub fn from_bytes(key: &[u8]) -> Result<Self, WebhookSecretError> {
        if key.is_empty() {
            return Err(WebhookSecretError::Empty);
        }
        if key.len() < MIN_KEY_BYTES {
            return Err(WebhookSecretError::TooShort {
                min_bytes: MIN_KEY_BYTES,
            });
        }
        // HMAC takes keys of any length, so this cannot fail for a non-empty key.
        let keyed = Hmac::<Sha256>::new_from_slice(key).map_err(|_| WebhookSecretError::Empty)?;
        Ok(Self { keyed })
    }

    /// Parses a list of secrets separated by spaces or commas (base64 has
    /// neither), as [`ENV_WEBHOOK_SECRET`] may hold during a rotation.
    ///
    /// ```
    /// use scalekit_tower::webhook::WebhookSecret;
    ///
    /// let secrets = WebhookSecret::parse_list(
    ///     "whsec_b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3, whsec_bmV3LXNpZ25pbmcta2V5LTAxMjM0NTY3",
    /// )
    /// .unwrap();
    /// assert_eq!(secrets.len(), 2);
    /// assert!(WebhookSecret::parse_list("  ").is_err());
    /// ```
    pub fn parse_list(list: &str) -> Result<Vec<Self>, WebhookSecretError> {
        let secrets = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(Self::new)
            .collect::<Result<Vec<_>, _>>()?;
        if secrets.is_empty() {
            return Err(WebhookSecretError::Empty);
        }
        Ok(secrets)
    }

    /// The HMAC-SHA256 state keyed with this secret, ready for the signed content.
    pub(crate) fn keyed_mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Why a webhook signing secret was refused. It never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookSecretError {
    /// The environment variable is not set.
    #[error(
        "{variable} is not set: copy the endpoint's signing secret (`whsec_...`) from the \
         Scalekit dashboard's webhook settings"
    )]
    Missing {
        /// The variable's name.
        variable: &'static str,
    },
    /// Nothing after `whsec_`, or an empty key.
    #[error("the webhook secret is empty: it looks like `whsec_<base64 key>`")]
    Empty,
    /// The key is shorter than [`MIN_KEY_BYTES`] once decoded.
    #[error(
        "the webhook secret's key is shorter than {min_bytes} bytes: copy the whole secret \
         (`whsec_` and all that follows) from the Scalekit dashboard"
    )]
    TooShort {
        /// The shortest key accepted, in bytes.
        min_bytes: usize,
    },
    /// The part after `whsec_` is not standard base64.
    #[error(
        "the webhook secret is not `whsec_` followed by standard base64 ({reason}): copy it \
         again from the Scalekit dashboard"
    )]
    NotBase64 {
        /// What is wrong with the encoding (a position, never the secret's characters).
        reason: String,
    },
}

/// What is wrong with the base64, without quoting the secret's own bytes.
fn base64_reason(error: &base64::DecodeError) -> String {
    match error {
        base64::DecodeError::InvalidByte(offset, _) => {
            format!("a character that is not base64 at position {offset}")
        }
        base64::DecodeError::InvalidLength(_) => "its length is not a valid base64 length".into(),
        base64::DecodeError::InvalidLastSymbol(offset, _) => {
            format!("an invalid last character at position {offset}")
        }
        base64::DecodeError::InvalidPadding => "its `=` padding is wrong".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_and_bare_secrets_are_the_same_key() {
        use hmac::Mac as _;
        let tag = |secret: WebhookSecret| {
            let mut mac = secret.keyed_mac();
            mac.update(b"content");
            mac.finalize().into_bytes()
        };
        let prefixed = WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap();
        let bare = WebhookSecret::new("c2VjcmV0LXNpZ25pbmcta2V5\n").unwrap();
        let raw = WebhookSecret::from_bytes(b"secret-signing-key").unwrap();
        assert_eq!(tag(prefixed.clone()), tag(bare));
        assert_eq!(tag(prefixed), tag(raw));
    }

    #[test]
    fn malformed_secrets_name_the_problem_without_the_secret() {
        assert_eq!(
            WebhookSecret::new("whsec_").unwrap_err(),
            WebhookSecretError::Empty
        );
        assert_eq!(
            WebhookSecret::new("  ").unwrap_err(),
            WebhookSecretError::Empty
        );
        assert_eq!(
            WebhookSecret::from_bytes(b"").unwrap_err(),
            WebhookSecretError::Empty
        );
        let error = WebhookSecret::new("whsec_abc$defg").unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains("position 3"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert!(matches!(
            WebhookSecret::new("whsec_abc").unwrap_err(),
            WebhookSecretError::NotBase64 { .. }
        ));
    }

    #[test]
    fn short_keys_are_refused_with_the_minimum() {
        // "6bytes", base64: the kind of placeholder a careless setup ships.
        assert_eq!(
            WebhookSecret::new("whsec_NmJ5dGVz").unwrap_err(),
            WebhookSecretError::TooShort { min_bytes: 16 }
        );
        assert!(WebhookSecret::from_bytes(&[7; 15]).is_err());
        assert!(WebhookSecret::from_bytes(&[7; 16]).is_ok());
        let shown = WebhookSecret::new("whsec_NmJ5dGVz")
            .unwrap_err()
            .to_string();
        assert!(
            shown.contains("16 bytes") && !shown.contains("NmJ5"),
            "{shown}"
        );
    }

    #[test]
    fn lists_split_on_spaces_and_commas() {
        assert_eq!(
            WebhookSecret::parse_list(
                "whsec_b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3 ,whsec_bmV3LXNpZ25pbmcta2V5LTAxMjM0NTY3\t\
                 dGhpcmQtc2lnbmluZy1rZXktMDEyMzQ1Ng=="
            )
            .unwrap()
            .len(),
            3
        );
        assert!(
            WebhookSecret::parse_list("whsec_b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3, whsec_!").is_err()
        );
        assert_eq!(
            WebhookSecret::parse_list(",").unwrap_err(),
            WebhookSecretError::Empty
        );
    }
}

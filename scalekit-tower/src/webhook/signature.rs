//! The Standard Webhooks signature: the `webhook-*` headers and the HMAC check.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`; the
//! signature is its HMAC-SHA256 under the endpoint's key, base64-encoded and
//! sent as one of the space-separated `v1,<base64>` entries of
//! `webhook-signature`. Entries of other versions are ignored; one matching
//! `v1` entry under any configured secret is enough.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac as _;
use http::HeaderMap;
use subtle::ConstantTimeEq as _;

use super::error::WebhookError;
use super::secret::WebhookSecret;

/// The header carrying the delivery's unique id (the same on every retry).
pub const HEADER_WEBHOOK_ID: &str = "webhook-id";
/// The header carrying the signing time, in Unix seconds.
pub const HEADER_WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying the `v1,<base64>` signatures.
pub const HEADER_WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// The longest `webhook-id` accepted: ids are idempotency keys, kept in memory.
pub const MAX_WEBHOOK_ID_LEN: usize = 256;

/// The length of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// The three signed headers of one delivery, read but not yet checked.
#[derive(Debug)]
pub(crate) struct SignedHeaders<'a> {
    pub(crate) id: &'a str,
    /// The timestamp as sent: the signed content uses these exact digits.
    pub(crate) timestamp_text: &'a str,
    pub(crate) timestamp: i64,
    pub(crate) signatures: &'a str,
}

impl<'a> SignedHeaders<'a> {
    /// Reads the three headers, refusing a missing or unusable one by name.
    pub(crate) fn read(headers: &'a HeaderMap) -> Result<Self, WebhookError> {
        let id = header(headers, HEADER_WEBHOOK_ID)?;
        if id.is_empty() {
            return Err(invalid(HEADER_WEBHOOK_ID, "it is empty"));
        }
        if id.len() > MAX_WEBHOOK_ID_LEN {
            return Err(invalid(HEADER_WEBHOOK_ID, "it is longer than 256 bytes"));
        }
        let timestamp_text = header(headers, HEADER_WEBHOOK_TIMESTAMP)?;
        let timestamp = parse_unix_seconds(timestamp_text).ok_or_else(|| {
            invalid(
                HEADER_WEBHOOK_TIMESTAMP,
                "it must be the Unix time in seconds (decimal digits only)",
            )
        })?;
        let signatures = header(headers, HEADER_WEBHOOK_SIGNATURE)?;
        Ok(Self {
            id,
            timestamp_text,
            timestamp,
            signatures,
        })
    }

    /// Whether one `v1` entry is the HMAC of the signed content under one of
    /// `secrets`. Each tag is compared in constant time.
    pub(crate) fn signed_by_any(&self, secrets: &[WebhookSecret], body: &[u8]) -> bool {
        let candidates: Vec<[u8; TAG_LEN]> = v1_signatures(self.signatures).collect();
        if candidates.is_empty() {
            return false;
        }
        secrets.iter().any(|secret| {
            let mut mac = secret.keyed_mac();
            mac.update(self.id.as_bytes());
            mac.update(b".");
            mac.update(self.timestamp_text.as_bytes());
            mac.update(b".");
            mac.update(body);
            let expected = mac.finalize().into_bytes();
            candidates
                .iter()
                .any(|candidate| bool::from(expected.as_slice().ct_eq(candidate)))
        })
    }
}

/// The decoded `v1` tags of a `webhook-signature` value; entries of other
/// versions, and `v1` entries that are not base64 of 32 bytes, are skipped.
fn v1_signatures(value: &str) -> impl Iterator<Item = [u8; TAG_LEN]> + '_ {
    value
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, encoded)| {
            // Base64 of 32 bytes is 44 characters; anything longer cannot match.
            if encoded.len() > 44 {
                return None;
            }
            let mut tag = [0u8; TAG_LEN];
            match STANDARD.decode_slice(encoded, &mut tag) {
                Ok(TAG_LEN) => Some(tag),
                _ => None,
            }
        })
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookError> {
    headers
        .get(name)
        .ok_or(WebhookError::MissingHeader(name))?
        .to_str()
        .map_err(|_| invalid(name, "it contains characters other than visible ASCII"))
}

fn invalid(name: &'static str, reason: &'static str) -> WebhookError {
    WebhookError::InvalidHeader { name, reason }
}

/// Decimal digits only (no sign, no spaces), within `i64`.
fn parse_unix_seconds(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_plain_decimal_seconds() {
        assert_eq!(parse_unix_seconds("1614265330"), Some(1_614_265_330));
        for bad in ["", "+1", "-1", " 1", "1.5", "1e9", "99999999999999999999"] {
            assert_eq!(parse_unix_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_well_formed_v1_entries_are_candidates() {
        let tag = STANDARD.encode([7u8; 32]);
        let short = STANDARD.encode([7u8; 31]);
        let long = STANDARD.encode([7u8; 33]);
        let value = format!("v2,{tag} v1,{short} v1,{long} v1,!!! v1 {tag} v1,{tag}");
        let found: Vec<_> = v1_signatures(&value).collect();
        assert_eq!(found, vec![[7u8; 32]]);
    }
}

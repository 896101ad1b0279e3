//! Signing a delivery the way the official SDKs verify it (the Standard
//! Webhooks scheme): `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{webhook-id}.{webhook-timestamp}.{body}">`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::secret::WebhookSecret;

/// Header carrying the delivery id (the same on every retry).
pub(crate) const WEBHOOK_ID: &str = "webhook-id";
/// Header carrying the signing time in Unix seconds.
pub(crate) const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// Header carrying `v1,<base64 signature>`.
pub(crate) const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// The three signature headers of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedHeaders {
    /// `webhook-id`.
    pub(crate) id: String,
    /// `webhook-timestamp`, Unix seconds.
    pub(crate) timestamp: i64,
    /// `webhook-signature`.
    pub(crate) signature: String,
}

/// Signs `body` as delivery `id` sent at `timestamp`.
pub(crate) fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> SignedHeaders {
    SignedHeaders {
        id: id.to_owned(),
        timestamp,
        signature: format!("v1,{}", signature(secret.key(), id, timestamp, body)),
    }
}

/// The base64 HMAC-SHA256 of `"{id}.{timestamp}.{body}"` under `key`.
fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length (long ones are hashed first), so this
    // constructor cannot fail.
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signing example of the Standard Webhooks reference libraries: a
    /// value produced outside this repository.
    #[test]
    fn matches_the_published_standard_webhooks_vector() {
        let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let headers = sign(
            &secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            br#"{"email":"test@example.com","username":"test_user"}"#,
        );
        assert_eq!(
            headers.signature,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    /// The `standardwebhooks` crate (its own HMAC, its own base64 handling of
    /// the secret) accepts what this module signs, and refuses it when any
    /// signed part changes.
    #[test]
    fn an_independent_verifier_accepts_the_signature() {
        let secret = WebhookSecret::generate().unwrap();
        let verifier = standardwebhooks::Webhook::new(secret.as_str()).unwrap();
        let body = br#"{"spec_version":"1","id":"evt_1","type":"organization.sso_enabled"}"#;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signed = sign(&secret, "msg_abc", now, body);
        let headers = |signed: &SignedHeaders| {
            let mut map = http::HeaderMap::new();
            map.insert(WEBHOOK_ID, signed.id.parse().unwrap());
            map.insert(WEBHOOK_TIMESTAMP, signed.timestamp.into());
            map.insert(WEBHOOK_SIGNATURE, signed.signature.parse().unwrap());
            map
        };
        verifier.verify(body, &headers(&signed)).unwrap();

        let tampered = br#"{"spec_version":"1","id":"evt_2","type":"organization.sso_enabled"}"#;
        assert!(verifier.verify(tampered, &headers(&signed)).is_err());
        let mut other_id = signed.clone();
        other_id.id = "msg_abd".into();
        assert!(verifier.verify(body, &headers(&other_id)).is_err());
        let mut other_time = signed.clone();
        other_time.timestamp -= 1;
        assert!(verifier.verify(body, &headers(&other_time)).is_err());
        let wrong_key = sign(&WebhookSecret::generate().unwrap(), "msg_abc", now, body);
        assert!(verifier.verify(body, &headers(&wrong_key)).is_err());
    }
}

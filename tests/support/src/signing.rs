//! Signing webhook deliveries as Scalekit does, with the `standardwebhooks`
//! crate: an implementation of the scheme other than the kit's, so a test
//! that verifies with the kit checks it against another.

use std::time::{SystemTime, UNIX_EPOCH};

/// The `webhook-timestamp` (now, in Unix seconds) and `webhook-signature`
/// headers of delivery `webhook_id` with `body`, signed with `secret`
/// (`whsec_...`).
pub fn sign_now(secret: &str, webhook_id: &str, body: &str) -> (i64, String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    let timestamp = i64::try_from(now).expect("a timestamp in range");
    let signature = standardwebhooks::Webhook::new(secret)
        .expect("a valid test secret")
        .sign(webhook_id, timestamp, body.as_bytes())
        .expect("a signature");
    (timestamp, signature)
}

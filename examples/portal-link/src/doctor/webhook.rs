//! The webhook checks: `SCALEKIT_WEBHOOK_SECRET` parses, and with
//! `--webhook-url` the app's endpoint accepts a delivery signed with it and
//! refuses the same delivery tampered with.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use scalekit_tower::webhook::WebhookSecret;

use super::Verdict;

/// The variable the secret comes from.
const SECRET_VAR: &str = "SCALEKIT_WEBHOOK_SECRET";

pub(crate) async fn check(http: &reqwest::Client, url: Option<&str>) -> Vec<Verdict> {
    const CHECK: &str = "webhook secret";
    let raw = std::env::var(SECRET_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let Some(raw) = raw else {
        let delivery = match url {
            Some(_) => Verdict::fail(
                "webhook delivery",
                format!("--webhook-url needs {SECRET_VAR} to sign with"),
                format!("set {SECRET_VAR} to the endpoint's signing secret (whsec_...)"),
            ),
            None => Verdict::skip("webhook delivery", "no --webhook-url given"),
        };
        return vec![
            Verdict::skip(CHECK, format!("{SECRET_VAR} is not set")),
            delivery,
        ];
    };
    // During a rotation the variable holds several secrets; the first signs.
    let first = raw.split_whitespace().next().unwrap_or_default();
    let parsed = raw
        .split_whitespace()
        .map(WebhookSecret::new)
        .collect::<Result<Vec<_>, _>>();
    let key = first
        .strip_prefix("whsec_")
        .and_then(|key| STANDARD.decode(key).ok());
    let (Ok(_), Some(key)) = (parsed, key) else {
        return vec![
            Verdict::fail(
                CHECK,
                format!("{SECRET_VAR} is not a whsec_<base64> secret"),
                "copy the signing secret from the dashboard's webhook settings, whole",
            ),
            Verdict::skip("webhook delivery", "the secret does not parse"),
        ];
    };
    let count = raw.split_whitespace().count();
    let mut verdicts = vec![Verdict::pass(
        CHECK,
        format!("{count} secret(s) parse (the value is not shown)"),
    )];
    verdicts.push(match url {
        Some(url) => delivery(http, url, &key).await,
        None => Verdict::skip("webhook delivery", "no --webhook-url given"),
    });
    verdicts
}

/// A test event: a type no app acts on, which receivers must accept.
fn test_event(id: &str, now: u64) -> String {
    serde_json::json!({
        "spec_version": "1",
        "id": id,
        "type": "doctor.test_delivery",
        "object": "Doctor",
        "environment_id": "",
        "occurred_at": i64::try_from(now)
            .ok()
            .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
            .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok()),
        "organization_id": null,
        "display_name": "scalekit-portal-link doctor test delivery",
        "data": {},
    })
    .to_string()
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
fn signature(key: &[u8], id: &str, timestamp: u64, body: &str) -> String {
    let content = format!("{id}.{timestamp}.{body}");
    format!(
        "v1,{}",
        STANDARD.encode(hmac_sha256::HMAC::mac(content.as_bytes(), key))
    )
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    id: &str,
    timestamp: u64,
    signature: &str,
    body: String,
) -> Result<reqwest::StatusCode, String> {
    http.post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map(|response| response.status())
        .map_err(|err| err.to_string())
}

async fn delivery(http: &reqwest::Client, url: &str, key: &[u8]) -> Verdict {
    const CHECK: &str = "webhook delivery";
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let id = format!("msg_doctor_{now}_{:08x}", std::process::id());
    let body = test_event(&format!("evt_doctor_{now}"), now);
    let signed = signature(key, &id, now, &body);
    let accepted = match post(http, url, &id, now, &signed, body.clone()).await {
        Ok(status) => status,
        Err(err) => {
            return Verdict::fail(
                CHECK,
                format!("{url} did not answer: {err}"),
                "check the URL and that the app runs; register its public HTTPS URL in the dashboard",
            );
        }
    };
    if !accepted.is_success() {
        let fix = match accepted.as_u16() {
            401 | 403 => {
                "the endpoint verifies with another secret: set the same whsec_ value in the app \
                 and in SCALEKIT_WEBHOOK_SECRET (the dashboard's webhook settings)"
            }
            404 | 405 => "mount the webhook route at this path (POST)",
            _ => "the endpoint must answer 2xx to an event type it does not know",
        };
        return Verdict::fail(
            CHECK,
            format!("a correctly signed test delivery got {accepted}"),
            fix,
        );
    }
    // The same delivery with one byte of the body changed, under a fresh id.
    let tampered_id = format!("{id}_tampered");
    let signed = signature(key, &tampered_id, now, &body);
    let tampered = body.replacen("doctor test delivery", "doctor test delivery!", 1);
    match post(http, url, &tampered_id, now, &signed, tampered).await {
        Ok(status) if status.is_client_error() => Verdict::pass(
            CHECK,
            format!("signed delivery {accepted}, tampered delivery {status}"),
        ),
        Ok(status) => Verdict::fail(
            CHECK,
            format!("a tampered delivery got {status}: the endpoint does not verify signatures"),
            "verify every delivery on its raw bytes (WebhookService / ScalekitWebhook) before acting on it",
        ),
        Err(err) => Verdict::fail(
            CHECK,
            format!("the tampered delivery got no answer: {err}"),
            "check the endpoint's logs",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference vector (the scheme's published example).
    #[test]
    fn signature_matches_the_standard_webhooks_vector() {
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}

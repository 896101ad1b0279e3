//! Properties of the verifier over arbitrary input: it never panics, it
//! accepts what the reference library signs, and it refuses any changed byte.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use scalekit_tower::webhook::{WebhookError, WebhookSecret, WebhookVerifier};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: u64 = 1_700_000_000;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap())
        .with_max_body_bytes(4_096)
        .with_clock(|| UNIX_EPOCH + Duration::from_secs(NOW))
}

/// Header values: arbitrary bytes, near-misses of the real format, and numbers.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        "(v[0-9a-z]{0,2},[A-Za-z0-9+/=!]{0,60} ?){0,4}".prop_map(String::into_bytes),
        "[+-]?[0-9]{0,25}".prop_map(String::into_bytes),
        Just(b"1700000000".to_vec()),
    ]
}

fn headers(values: &[Option<Vec<u8>>; 3], extra: &[(String, Vec<u8>)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in ["webhook-id", "webhook-timestamp", "webhook-signature"]
        .into_iter()
        .zip(values)
    {
        if let Some(value) = value.as_ref().and_then(|v| HeaderValue::from_bytes(v).ok()) {
            headers.append(name, value);
        }
    }
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_headers_and_bodies_never_panic(
        values in [proptest::option::of(header_value()), proptest::option::of(header_value()),
                   proptest::option::of(header_value())],
        extra in prop::collection::vec(("webhook-[a-z]{1,10}", header_value()), 0..3),
        body in prop::collection::vec(any::<u8>(), 0..5_000),
        tolerance in any::<u64>(),
        clock in any::<i64>(),
    ) {
        let headers = headers(&values, &extra);
        let result = verifier().verify(&headers, &body);
        // Without the secret, nothing arbitrary gets through.
        prop_assert!(result.is_err());
        let status = result.unwrap_err().status().as_u16();
        prop_assert!(matches!(status, 400 | 401 | 413));
        // Any tolerance and any clock, before or after 1970, are handled.
        let offset = Duration::from_secs(clock.unsigned_abs());
        let when = if clock >= 0 { UNIX_EPOCH.checked_add(offset) } else { UNIX_EPOCH.checked_sub(offset) };
        let verifier = verifier().with_tolerance(Duration::from_secs(tolerance));
        if let Some(when) = when {
            prop_assert!(verifier.verify_at(&headers, &body, when).is_err());
        }
    }

    #[test]
    fn what_the_reference_library_signs_verifies_and_any_changed_byte_does_not(
        id in "[A-Za-z0-9_-]{1,64}",
        skew in -300i64..=300,
        filler in "[ -~]{0,300}",
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let body = serde_json::json!({"id": "evt_1", "type": "user.created", "data": {"note": filler}})
            .to_string();
        let timestamp = i64::try_from(NOW).unwrap() + skew;
        let signature = standardwebhooks::Webhook::new(SECRET)
            .unwrap()
            .sign(&id, timestamp, body.as_bytes())
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_str(&id).unwrap());
        headers.insert("webhook-timestamp", HeaderValue::from(timestamp));
        headers.insert("webhook-signature", HeaderValue::from_str(&signature).unwrap());
        let event = verifier().verify(&headers, body.as_bytes());
        prop_assert!(event.is_ok(), "{:?}", event);
        let event = event.unwrap();
        prop_assert_eq!(event.webhook_id(), id.as_str());

        let mut changed = body.into_bytes();
        let at = flip.index(changed.len());
        changed[at] ^= 1 << bit;
        prop_assert_eq!(
            verifier().verify(&headers, &changed).unwrap_err(),
            WebhookError::NoMatchingSignature
        );
    }

    #[test]
    fn the_window_holds_for_any_timestamp_clock_and_tolerance(
        timestamp in prop_oneof![any::<i64>().prop_map(i64::abs), 0i64..4_000_000_000],
        clock in prop_oneof![any::<i64>(), 0i64..4_000_000_000],
        tolerance in prop_oneof![any::<u64>(), 0u64..1_000_000],
    ) {
        let body = br#"{"id":"evt_1","type":"user.created"}"#;
        let signature = standardwebhooks::Webhook::new(SECRET)
            .unwrap()
            .sign("msg_1", timestamp, body)
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static("msg_1"));
        headers.insert("webhook-timestamp", HeaderValue::from(timestamp));
        headers.insert("webhook-signature", HeaderValue::from_str(&signature).unwrap());
        let offset = Duration::from_secs(clock.unsigned_abs());
        let when = if clock >= 0 { UNIX_EPOCH.checked_add(offset) } else { UNIX_EPOCH.checked_sub(offset) };
        let Some(when) = when else { return Ok(()) };
        let result = verifier()
            .with_tolerance(Duration::from_secs(tolerance))
            .verify_at(&headers, body, when);
        let distance = (i128::from(clock) - i128::from(timestamp)).unsigned_abs();
        prop_assert_eq!(result.is_ok(), distance <= u128::from(tolerance), "{:?}", result);
    }
}

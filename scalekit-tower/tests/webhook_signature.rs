//! The verifier against signatures made by other implementations: the
//! `standardwebhooks` crate (the Standard Webhooks reference library for
//! Rust), the specification's published test vector, and `hmac-sha256` for a
//! body the reference library refuses to sign.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue};
use scalekit_tower::webhook::{EventData, WebhookError, WebhookSecret, WebhookVerifier};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=";
const NOW: i64 = 1_700_000_000;
const ID: &str = "msg_2qkAV6Fz3DxM";
const BODY: &str = r#"{"spec_version":"1","id":"evt_1","type":"organization.sso_enabled","object":"Connection","environment_id":"env_1","organization_id":"org_1","occurred_at":"2025-10-14 09:29:27.098914+00:00","data":{"id":"conn_1","organization_id":"org_1","connection_type":"OIDC","provider":"OKTA","enabled":true,"status":"COMPLETED"},"display_name":"SSO Connection Enabled"}"#;

fn at(unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix.unsigned_abs())
}

fn verifier(secrets: &[&str]) -> WebhookVerifier {
    let mut secrets = secrets.iter().map(|s| WebhookSecret::new(s).unwrap());
    let first = WebhookVerifier::new(secrets.next().unwrap());
    secrets
        .fold(first, WebhookVerifier::with_secret)
        .with_clock(|| at(NOW))
}

/// The `v1,<base64>` signature the reference library makes.
fn reference_signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(id, timestamp, body)
        .unwrap()
}

fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_str(id).unwrap());
    headers.insert(
        "webhook-timestamp",
        HeaderValue::from_str(timestamp).unwrap(),
    );
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(signature).unwrap(),
    );
    headers
}

fn signed(secret: &str, id: &str, timestamp: i64, body: &str) -> HeaderMap {
    let signature = reference_signature(secret, id, timestamp, body.as_bytes());
    headers(id, &timestamp.to_string(), &signature)
}

#[test]
fn a_delivery_signed_by_the_reference_library_verifies_and_parses() {
    let event = verifier(&[SECRET])
        .verify(&signed(SECRET, ID, NOW, BODY), BODY.as_bytes())
        .unwrap();
    assert_eq!(event.webhook_id(), ID);
    assert_eq!(event.id(), "evt_1");
    assert_eq!(event.event_type(), "organization.sso_enabled");
    let EventData::SsoEnabled(connection) = event.data() else {
        panic!("not SsoEnabled: {event:?}");
    };
    assert_eq!(connection.enabled, Some(true));
    // The reference library agrees the delivery is genuine (its own clock: sign now).
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let reference = standardwebhooks::Webhook::new(SECRET).unwrap();
    let fresh = signed(SECRET, ID, now, BODY);
    reference.verify(BODY.as_bytes(), &fresh).unwrap();
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    verifier.verify(&fresh, BODY.as_bytes()).unwrap();
}

#[test]
fn the_specification_test_vector_verifies() {
    // From the Standard Webhooks specification (also Svix's test suites).
    let body = br#"{"test": 2432232314}"#;
    let headers = headers(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
    let verifier =
        WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap()).with_clock(|| at(1_614_265_330));
    assert_eq!(
        verifier.verify_signature(&headers, body),
        Ok("msg_p5jXN8AQM9LWM0D4loKWxJek")
    );
    // A bare base64 key (without `whsec_`) is the same key.
    let bare =
        WebhookVerifier::new(WebhookSecret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap())
            .with_clock(|| at(1_614_265_330));
    assert!(bare.verify_signature(&headers, body).is_ok());
    // Not an event envelope: the signature holds, the event does not parse.
    assert!(matches!(
        verifier.verify(&headers, body),
        Err(WebhookError::NotAnEvent(_))
    ));
}

#[test]
fn each_missing_header_is_named() {
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let mut headers = signed(SECRET, ID, NOW, BODY);
        headers.remove(name);
        let error = verifier(&[SECRET])
            .verify(&headers, BODY.as_bytes())
            .unwrap_err();
        assert_eq!(error, WebhookError::MissingHeader(name));
        assert_eq!(error.status(), 400);
        assert!(error.public_message().contains(name));
    }
}

#[test]
fn invalid_headers_are_named() {
    let signature = reference_signature(SECRET, ID, NOW, BODY.as_bytes());
    for (id, timestamp, name) in [
        ("", "1700000000", "webhook-id"),
        (&*"m".repeat(257), "1700000000", "webhook-id"),
        (ID, "", "webhook-timestamp"),
        (ID, "+1700000000", "webhook-timestamp"),
        (ID, "1700000000.0", "webhook-timestamp"),
        (ID, "99999999999999999999999", "webhook-timestamp"),
    ] {
        let error = verifier(&[SECRET])
            .verify(&headers(id, timestamp, &signature), BODY.as_bytes())
            .unwrap_err();
        assert!(
            matches!(error, WebhookError::InvalidHeader { name: n, .. } if n == name),
            "{id:?} {timestamp:?}: {error:?}"
        );
        assert_eq!(error.status(), 400);
    }
    let mut opaque = signed(SECRET, ID, NOW, BODY);
    opaque.insert("webhook-id", HeaderValue::from_bytes(b"msg_\xff").unwrap());
    assert!(matches!(
        verifier(&[SECRET]).verify(&opaque, BODY.as_bytes()),
        Err(WebhookError::InvalidHeader {
            name: "webhook-id",
            ..
        })
    ));
}

#[test]
fn tampering_with_the_body_id_or_timestamp_breaks_the_signature() {
    let headers = signed(SECRET, ID, NOW, BODY);
    let verifier = verifier(&[SECRET]);
    let tampered_body = BODY.replace("\"enabled\":true", "\"enabled\":false");
    assert_eq!(
        verifier.verify(&headers, tampered_body.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
    let mut tampered_id = headers.clone();
    tampered_id.insert("webhook-id", HeaderValue::from_static("msg_other"));
    assert_eq!(
        verifier.verify(&tampered_id, BODY.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
    let mut tampered_time = headers;
    tampered_time.insert("webhook-timestamp", HeaderValue::from(NOW + 1));
    let error = verifier
        .verify(&tampered_time, BODY.as_bytes())
        .unwrap_err();
    assert_eq!(error, WebhookError::NoMatchingSignature);
    assert_eq!(error.status(), 401);
}

#[test]
fn timestamps_outside_five_minutes_either_side_are_refused() {
    let verifier = verifier(&[SECRET]);
    for offset in [-300, 0, 300] {
        let headers = signed(SECRET, ID, NOW + offset, BODY);
        assert!(
            verifier.verify(&headers, BODY.as_bytes()).is_ok(),
            "{offset}"
        );
    }
    let stale = verifier
        .verify(&signed(SECRET, ID, NOW - 301, BODY), BODY.as_bytes())
        .unwrap_err();
    assert_eq!(
        stale,
        WebhookError::StaleTimestamp {
            age_secs: 301,
            tolerance_secs: 300
        }
    );
    assert_eq!(stale.status(), 401);
    let future = verifier
        .verify(&signed(SECRET, ID, NOW + 301, BODY), BODY.as_bytes())
        .unwrap_err();
    assert_eq!(
        future,
        WebhookError::FutureTimestamp {
            ahead_secs: 301,
            tolerance_secs: 300
        }
    );
    assert_eq!(future.status(), 401);
    // A replay of a genuine delivery a day later.
    let replay = signed(SECRET, ID, NOW - 86_400, BODY);
    assert!(matches!(
        verifier.verify(&replay, BODY.as_bytes()),
        Err(WebhookError::StaleTimestamp { .. })
    ));
}

#[test]
fn the_tolerance_is_configurable_and_saturates() {
    let headers = signed(SECRET, ID, NOW - 3_600, BODY);
    let strict = verifier(&[SECRET]).with_tolerance(Duration::from_secs(30));
    assert!(
        strict
            .verify(&signed(SECRET, ID, NOW - 31, BODY), BODY.as_bytes())
            .is_err()
    );
    let lax = verifier(&[SECRET]).with_tolerance(Duration::from_secs(7_200));
    assert!(lax.verify(&headers, BODY.as_bytes()).is_ok());
    let endless = verifier(&[SECRET]).with_tolerance(Duration::MAX);
    assert!(
        endless
            .verify(&signed(SECRET, ID, 0, BODY), BODY.as_bytes())
            .is_ok()
    );
    // A clock before 1970 and a timestamp at the end of i64 do not overflow.
    let past = verifier(&[SECRET]).with_clock(|| UNIX_EPOCH - Duration::from_secs(u64::MAX / 2));
    assert!(matches!(
        past.verify(&signed(SECRET, ID, i64::MAX, BODY), BODY.as_bytes()),
        Err(WebhookError::FutureTimestamp { .. })
    ));
}

#[test]
fn a_wrong_secret_is_refused() {
    let headers = signed(OTHER_SECRET, ID, NOW, BODY);
    assert_eq!(
        verifier(&[SECRET]).verify(&headers, BODY.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn during_a_rotation_either_secret_verifies() {
    let rotating = verifier(&[SECRET, OTHER_SECRET]);
    for secret in [SECRET, OTHER_SECRET] {
        let headers = signed(secret, ID, NOW, BODY);
        assert!(
            rotating.verify(&headers, BODY.as_bytes()).is_ok(),
            "{secret}"
        );
    }
    // From the environment, space or comma separated.
    let from_env = WebhookVerifier::from_lookup(|_| Some(format!("{SECRET}, {OTHER_SECRET}")))
        .unwrap()
        .with_clock(|| at(NOW));
    assert!(
        from_env
            .verify(&signed(OTHER_SECRET, ID, NOW, BODY), BODY.as_bytes())
            .is_ok()
    );
}

#[test]
fn any_one_of_several_v1_entries_may_match() {
    let ours = reference_signature(SECRET, ID, NOW, BODY.as_bytes());
    let theirs = reference_signature(OTHER_SECRET, ID, NOW, BODY.as_bytes());
    let verifier = verifier(&[SECRET]);
    for value in [
        format!("{theirs} {ours}"),
        format!("{ours} {theirs}"),
        format!("v1a,xyz {ours}"),
    ] {
        let headers = headers(ID, &NOW.to_string(), &value);
        assert!(
            verifier.verify(&headers, BODY.as_bytes()).is_ok(),
            "{value}"
        );
    }
    let headers = headers(ID, &NOW.to_string(), &format!("{theirs} {theirs}"));
    assert_eq!(
        verifier.verify(&headers, BODY.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn entries_of_other_versions_are_ignored() {
    let v1 = reference_signature(SECRET, ID, NOW, BODY.as_bytes());
    let tag = v1.strip_prefix("v1,").unwrap();
    for value in [
        format!("v2,{tag}"),
        format!("v1a,{tag}"),
        format!("V1,{tag}"),
        tag.to_owned(),
    ] {
        let headers = headers(ID, &NOW.to_string(), &value);
        assert_eq!(
            verifier(&[SECRET]).verify(&headers, BODY.as_bytes()),
            Err(WebhookError::NoMatchingSignature),
            "{value}"
        );
    }
}

#[test]
fn signatures_that_are_not_base64_of_a_tag_are_refused() {
    let v1 = reference_signature(SECRET, ID, NOW, BODY.as_bytes());
    let tag = v1.strip_prefix("v1,").unwrap();
    let url_safe = tag.replace('+', "-").replace('/', "_");
    let unpadded = tag.trim_end_matches('=').to_owned();
    for value in [
        "v1,!!!not-base64!!!".to_owned(),
        "v1,".to_owned(),
        format!("v1,{tag}{tag}"),
        format!("v1,{}", &tag[..20]),
        format!("v1,{url_safe}x"),
        format!("v1,{unpadded}"),
        format!("v1,{}", hex_of(tag)),
    ] {
        let headers = headers(ID, &NOW.to_string(), &value);
        assert_eq!(
            verifier(&[SECRET]).verify(&headers, BODY.as_bytes()),
            Err(WebhookError::NoMatchingSignature),
            "{value}"
        );
    }
}

fn hex_of(base64_tag: &str) -> String {
    STANDARD
        .decode(base64_tag)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_body_over_the_cap_is_refused_before_checking_it() {
    let verifier = verifier(&[SECRET]).with_max_body_bytes(1_024);
    let envelope = |len: usize| {
        let head = r#"{"id":"evt_1","type":"user.created","pad":""#;
        let pad = "x".repeat(len - head.len() - 2);
        format!("{head}{pad}\"}}")
    };
    let fits = envelope(1_024);
    assert_eq!(fits.len(), 1_024);
    assert!(
        verifier
            .verify(&signed(SECRET, ID, NOW, &fits), fits.as_bytes())
            .is_ok()
    );
    let over = envelope(1_025);
    let error = verifier
        .verify(&signed(SECRET, ID, NOW, &over), over.as_bytes())
        .unwrap_err();
    assert_eq!(error, WebhookError::BodyTooLarge { limit: 1_024 });
    assert_eq!(error.status(), 413);
    // The default cap is 256 KiB.
    let big = envelope(256 * 1_024 + 1);
    let error = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap())
        .with_clock(|| at(NOW))
        .verify(&signed(SECRET, ID, NOW, &big), big.as_bytes())
        .unwrap_err();
    assert_eq!(error, WebhookError::BodyTooLarge { limit: 256 * 1_024 });
}

#[test]
fn a_body_that_is_not_utf8_is_verified_as_bytes_then_refused_as_not_json() {
    // `standardwebhooks` only signs UTF-8, so this signature comes from
    // `hmac-sha256` over the Standard Webhooks signed content.
    let body: &[u8] = b"{\"id\":\"evt_1\",\"type\":\"x\",\"bad\":\"\xff\xfe\"}";
    let key = STANDARD
        .decode(SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut content = format!("{ID}.{NOW}.").into_bytes();
    content.extend_from_slice(body);
    let tag = hmac_sha256::HMAC::mac(&content, &key);
    let headers = headers(
        ID,
        &NOW.to_string(),
        &format!("v1,{}", STANDARD.encode(tag)),
    );
    let verifier = verifier(&[SECRET]);
    assert_eq!(verifier.verify_signature(&headers, body), Ok(ID));
    let error = verifier.verify(&headers, body).unwrap_err();
    assert!(matches!(error, WebhookError::NotAnEvent(_)), "{error:?}");
    assert_eq!(error.status(), 400);
    let mut changed = body.to_vec();
    changed[30] ^= 1;
    assert_eq!(
        verifier.verify(&headers, &changed),
        Err(WebhookError::NoMatchingSignature)
    );
}

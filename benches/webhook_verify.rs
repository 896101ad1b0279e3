//! Benchmark 7: webhook verification throughput, against the reference
//! implementation (the `standardwebhooks` crate) on the same deliveries.
//!
//! Two bodies: a real-sized `organization.sso_enabled` event (~400 B) and an
//! `organization.updated` event padded with metadata to ~4 KiB. For each:
//!
//! - `ours/signature`: [`WebhookVerifier::verify_signature`] (headers,
//!   HMAC-SHA256 over the raw bytes, constant-time compare, timestamp window);
//!   the same work as the reference's `Webhook::verify`;
//! - `reference`: `standardwebhooks::Webhook::verify`;
//! - `ours/event`: [`WebhookVerifier::verify`], the above plus parsing the
//!   typed event (reported, not compared).
//!
//! Target: ours/signature / reference <= 1.00x ("not slower"). The `RATIO`
//! lines at the end come from alternating blocks (see `support::paired`).

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, Throughput};
use http::{HeaderMap, HeaderValue};
use scalekit_tower::webhook::{WebhookSecret, WebhookVerifier};

use support::{Target, paired, report, scaled};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One signed delivery: the name, the headers and the body.
struct Delivery {
    name: &'static str,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn small_body() -> String {
    r#"{"spec_version":"1","id":"evt_94568078213382471","type":"organization.sso_enabled","object":"Connection","environment_id":"env_74418471961625391","occurred_at":"2025-10-14 09:29:27.098914+00:00","organization_id":"org_83544995172188677","data":{"id":"conn_94567862424830277","organization_id":"org_83544995172188677","connection_type":"OIDC","provider":"OKTA","enabled":true,"status":"COMPLETED"},"display_name":"SSO Connection Enabled"}"#.to_owned()
}

fn large_body() -> String {
    let metadata: serde_json::Map<String, serde_json::Value> = (0..60)
        .map(|i| {
            (
                format!("key_{i:02}"),
                format!("value-{i:02}-{}", "x".repeat(40)).into(),
            )
        })
        .collect();
    serde_json::json!({
        "spec_version": "1",
        "id": "evt_2345678901",
        "type": "organization.updated",
        "object": "Organization",
        "occurred_at": "2024-01-15 10:35:00.123456+00:00",
        "environment_id": "env_1234567890",
        "organization_id": "org_1234567890",
        "data": {
            "id": "org_1234567890",
            "display_name": "AcmeCorp",
            "external_id": "org_external_123",
            "region_code": "US",
            "create_time": "2025-12-09 09:25:02.020000+00:00",
            "update_time": "2025-12-09 09:25:02.025330+00:00",
            "metadata": metadata,
            "settings": {"features": [{"enabled": true, "name": "sso"}, {"enabled": false, "name": "dir_sync"}]}
        },
        "display_name": "Organization Updated"
    })
    .to_string()
}

/// Signs `body` now, with the reference library, as Scalekit would.
fn delivery(name: &'static str, body: String) -> Delivery {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let timestamp = i64::try_from(now.as_secs()).expect("in range");
    let signature = standardwebhooks::Webhook::new(SECRET)
        .expect("a valid secret")
        .sign("msg_2qkAV6Fz3DxM", timestamp, body.as_bytes())
        .expect("UTF-8 body");
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static("msg_2qkAV6Fz3DxM"));
    headers.insert("webhook-timestamp", HeaderValue::from(timestamp));
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(&signature).expect("ASCII"),
    );
    Delivery {
        name,
        headers,
        body: body.into_bytes(),
    }
}

fn deliveries() -> [Delivery; 2] {
    [
        delivery("small", small_body()),
        delivery("4KiB", large_body()),
    ]
}

fn ours() -> WebhookVerifier {
    WebhookVerifier::new(WebhookSecret::new(SECRET).expect("a valid secret"))
}

fn reference() -> standardwebhooks::Webhook {
    standardwebhooks::Webhook::new(SECRET).expect("a valid secret")
}

fn bench(c: &mut Criterion, deliveries: &[Delivery]) {
    let (ours, reference) = (ours(), reference());
    for delivery in deliveries {
        let mut group = c.benchmark_group(format!("webhook_verify/{}", delivery.name));
        group.throughput(Throughput::Bytes(delivery.body.len() as u64));
        group.bench_function("ours/signature", |b| {
            b.iter(|| {
                ours.verify_signature(black_box(&delivery.headers), black_box(&delivery.body))
                    .expect("verifies")
                    .len()
            })
        });
        group.bench_function("reference", |b| {
            b.iter(|| {
                reference
                    .verify(black_box(&delivery.body), black_box(&delivery.headers))
                    .expect("verifies")
            })
        });
        group.bench_function("ours/event", |b| {
            b.iter(|| {
                ours.verify(black_box(&delivery.headers), black_box(&delivery.body))
                    .expect("verifies")
            })
        });
        group.finish();
    }
}

/// Time per verification over a block of `BLOCK`.
fn block(mut verify: impl FnMut()) -> Duration {
    const BLOCK: u32 = 2_000;
    let started = Instant::now();
    for _ in 0..BLOCK {
        verify();
    }
    started.elapsed() / BLOCK
}

fn ratios(deliveries: &[Delivery]) {
    let (ours, reference) = (ours(), reference());
    for delivery in deliveries {
        let (headers, body) = (&delivery.headers, &delivery.body);
        let check_ours = || {
            black_box(ours.verify_signature(black_box(headers), black_box(body)))
                .expect("verifies");
        };
        let check_reference = || {
            black_box(reference.verify(black_box(body), black_box(headers))).expect("verifies");
        };
        let parse_ours = || {
            black_box(ours.verify(black_box(headers), black_box(body))).expect("verifies");
        };
        let name = format!("7 webhook_verify/{} ({} B body)", delivery.name, body.len());
        let result = paired(scaled(41), || block(check_ours), || block(check_reference));
        report(
            &name,
            "ours",
            "standardwebhooks",
            result,
            Target::AtMost(1.0),
        );
        let result = paired(scaled(41), || block(parse_ours), || block(check_reference));
        report(
            &format!("{name}, ours with the typed event"),
            "ours+parse",
            "standardwebhooks",
            result,
            Target::None,
        );
    }
}

fn main() {
    let mut c = support::criterion();
    bench(&mut c, &deliveries());
    c.final_summary();
    if support::profiling() {
        return;
    }
    // Signed afresh: the criterion part may outlast the 5-minute window.
    ratios(&deliveries());
}

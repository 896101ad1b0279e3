//! Typed events from the reference's own webhook examples and schemas
//! (the workspace's `tests/reference/scalekit-openapi-webhooks-connections.yaml`, an exact
//! copy of the API reference), signed by the `standardwebhooks` crate.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use scalekit_tower::webhook::{EventData, WebhookEvent, WebhookSecret, WebhookVerifier};
use serde_json::{Map, Value, json};

const REFERENCE: &str =
    include_str!("../../tests/reference/scalekit-openapi-webhooks-connections.yaml");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_700_000_000;

fn reference() -> Value {
    serde_norway::from_str(REFERENCE).unwrap()
}

/// `(event type, example payload, payload schema)` for every webhook of the reference.
fn webhooks() -> Vec<(String, Value, Value)> {
    let reference = reference();
    let webhooks = reference["webhooks"].as_object().unwrap();
    assert!(
        webhooks.len() >= 13,
        "the reference lists {} webhooks",
        webhooks.len()
    );
    webhooks
        .iter()
        .map(|(event_type, webhook)| {
            let content = &webhook["post"]["requestBody"]["content"]["application/json"];
            let schema = resolve(&reference, &content["schema"]);
            (event_type.clone(), content["example"].clone(), schema)
        })
        .collect()
}

fn resolve(reference: &Value, schema: &Value) -> Value {
    match schema["$ref"].as_str() {
        Some(path) => {
            let pointer = path.strip_prefix('#').unwrap();
            resolve(reference, reference.pointer(pointer).unwrap())
        }
        None => schema.clone(),
    }
}

/// Signs `payload` as Scalekit would (here: the reference library) and verifies it.
fn deliver(payload: &Value) -> WebhookEvent {
    let body = serde_json::to_vec(payload).unwrap();
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign("msg_reference", NOW, &body)
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static("msg_reference"));
    headers.insert("webhook-timestamp", HeaderValue::from(NOW));
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );
    WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap())
        .with_clock(|| UNIX_EPOCH + Duration::from_secs(NOW.unsigned_abs()))
        .verify(&headers, &body)
        .unwrap_or_else(|error| panic!("{payload}: {error}"))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn flag(value: &Value, key: &str) -> Option<bool> {
    value.get(key).and_then(Value::as_bool)
}

/// Checks the typed data against the payload's `data`, field by field.
fn assert_data_matches(event_type: &str, data: &EventData, expected: &Value) {
    match data {
        EventData::OrganizationCreated(org)
        | EventData::OrganizationUpdated(org)
        | EventData::OrganizationDeleted(org) => {
            assert_eq!(Some(org.id.clone()), text(expected, "id"));
            assert_eq!(org.display_name, text(expected, "display_name"));
            assert_eq!(org.external_id, text(expected, "external_id"));
            assert_eq!(org.region_code, text(expected, "region_code"));
            assert_eq!(org.create_time, text(expected, "create_time"));
            assert_eq!(org.update_time, text(expected, "update_time"));
            assert_eq!(org.deleted_at, text(expected, "deleted_at"));
            let features = expected["settings"]["features"].as_array();
            let typed = org
                .settings
                .as_ref()
                .map(|settings| settings.features.len());
            assert_eq!(typed, features.map(Vec::len), "{event_type}");
            if let (Some(settings), Some(features)) = (&org.settings, features) {
                for (toggle, feature) in settings.features.iter().zip(features) {
                    assert_eq!(Some(toggle.name().to_owned()), text(feature, "name"));
                    assert_eq!(Some(toggle.enabled()), flag(feature, "enabled"));
                }
            }
        }
        EventData::SsoCreated(conn)
        | EventData::SsoEnabled(conn)
        | EventData::SsoDisabled(conn)
        | EventData::SsoDeleted(conn) => {
            assert_eq!(Some(conn.id.clone()), text(expected, "id"));
            assert_eq!(
                Some(conn.organization_id.clone()),
                text(expected, "organization_id")
            );
            assert_eq!(conn.connection_type, text(expected, "connection_type"));
            assert_eq!(conn.provider, text(expected, "provider"));
            assert_eq!(conn.enabled, flag(expected, "enabled"));
            assert_eq!(conn.status, text(expected, "status"));
        }
        EventData::DirectoryEnabled(dir) | EventData::DirectoryDisabled(dir) => {
            assert_eq!(Some(dir.id.clone()), text(expected, "id"));
            assert_eq!(
                Some(dir.organization_id.clone()),
                text(expected, "organization_id")
            );
            assert_eq!(dir.directory_type, text(expected, "directory_type"));
            assert_eq!(dir.provider, text(expected, "provider"));
            assert_eq!(dir.enabled, flag(expected, "enabled"));
            assert_eq!(dir.updated_at, text(expected, "updated_at"));
        }
        EventData::DomainCreated(domain)
        | EventData::DomainDeleted(domain)
        | EventData::DomainDnsVerificationSucceeded(domain)
        | EventData::DomainDnsVerificationFailed(domain) => {
            assert_eq!(Some(domain.id.clone()), text(expected, "id"));
            assert_eq!(Some(domain.domain.clone()), text(expected, "domain"));
            assert_eq!(domain.domain_type, text(expected, "domain_type"));
            assert_eq!(domain.organization_id, text(expected, "organization_id"));
            assert_eq!(domain.environment_id, text(expected, "environment_id"));
            assert_eq!(domain.txt_record_key, text(expected, "txt_record_key"));
            assert_eq!(
                domain.txt_record_secret,
                text(expected, "txt_record_secret")
            );
            assert_eq!(
                domain.verification_status,
                text(expected, "verification_status")
            );
            assert_eq!(
                domain.verification_method,
                text(expected, "verification_method")
            );
            assert_eq!(domain.updated_at, text(expected, "updated_at"));
        }
        other => panic!("{event_type} is not typed: {other:?}"),
    }
}

/// The variant each reference type must land in.
fn variant_of(data: &EventData) -> &'static str {
    match data {
        EventData::OrganizationCreated(_) => "organization.created",
        EventData::OrganizationUpdated(_) => "organization.updated",
        EventData::OrganizationDeleted(_) => "organization.deleted",
        EventData::SsoCreated(_) => "organization.sso_created",
        EventData::SsoEnabled(_) => "organization.sso_enabled",
        EventData::SsoDisabled(_) => "organization.sso_disabled",
        EventData::SsoDeleted(_) => "organization.sso_deleted",
        EventData::DirectoryEnabled(_) => "organization.directory_enabled",
        EventData::DirectoryDisabled(_) => "organization.directory_disabled",
        EventData::DomainCreated(_) => "organization.domain_created",
        EventData::DomainDeleted(_) => "organization.domain_deleted",
        EventData::DomainDnsVerificationSucceeded(_) => {
            "organization.domain_dns_verification_success"
        }
        EventData::DomainDnsVerificationFailed(_) => "organization.domain_dns_verification_failed",
        _ => "other",
    }
}

#[test]
fn every_reference_example_parses_into_its_typed_variant() {
    for (event_type, example, _) in webhooks() {
        let event = deliver(&example);
        assert_eq!(event.webhook_id(), "msg_reference");
        assert_eq!(event.event_type(), event_type);
        assert_eq!(variant_of(event.data()), event_type);
        assert_eq!(Some(event.id().to_owned()), text(&example, "id"));
        assert_eq!(event.object().map(str::to_owned), text(&example, "object"));
        assert_eq!(
            event.organization_id().map(str::to_owned),
            text(&example, "organization_id")
        );
        assert_eq!(
            event.environment_id().map(str::to_owned),
            text(&example, "environment_id")
        );
        assert_eq!(
            event.display_name().map(str::to_owned),
            text(&example, "display_name")
        );
        assert_eq!(
            event.occurred_at().map(str::to_owned),
            text(&example, "occurred_at")
        );
        assert!(
            event.occurred_at_time().is_some(),
            "{event_type}: {:?}",
            event.occurred_at()
        );
        assert_data_matches(&event_type, event.data(), &example["data"]);
    }
}

/// Keeps only what the schema requires, in the envelope and in `data`.
fn required_only(reference: &Value, example: &Value, schema: &Value) -> Value {
    let keep = |value: &Value, schema: &Value| -> Map<String, Value> {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|keys| keys.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        value
            .as_object()
            .unwrap()
            .iter()
            .filter(|(key, _)| required.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    };
    let mut envelope = keep(example, schema);
    let data_schema = resolve(reference, &schema["properties"]["data"]);
    envelope.insert(
        "data".into(),
        Value::Object(keep(&example["data"], &data_schema)),
    );
    Value::Object(envelope)
}

#[test]
fn payloads_with_only_the_schema_required_fields_still_parse() {
    let reference = reference();
    for (event_type, example, schema) in webhooks() {
        let minimal = required_only(&reference, &example, &schema);
        let event = deliver(&minimal);
        assert_eq!(variant_of(event.data()), event_type, "{minimal}");
        assert_data_matches(&event_type, event.data(), &minimal["data"]);
    }
}

#[test]
fn unknown_extra_fields_are_accepted() {
    for (event_type, mut example, _) in webhooks() {
        example["new_envelope_field"] = json!({"nested": [1, 2]});
        example["data"]["new_data_field"] = json!("later");
        let event = deliver(&example);
        assert_eq!(variant_of(event.data()), event_type);
    }
}

#[test]
fn other_event_types_arrive_as_other_with_their_json() {
    for event_type in [
        "user.signup",
        "organization.user_added",
        "role.created",
        "organization.directory.user_created",
        "organization.directory.group_updated",
        "some.future_event",
    ] {
        let data = json!({"id": "x_1", "nested": {"list": [true, null, 1.5]}});
        let payload = json!({
            "spec_version": "1",
            "id": "evt_9",
            "type": event_type,
            "object": "Whatever",
            "environment_id": "env_1",
            "organization_id": "org_1",
            "occurred_at": "2025-01-15T08:55:22.802860Z",
            "data": data,
        });
        let event = deliver(&payload);
        assert_eq!(event.organization_id(), Some("org_1"));
        assert_eq!(
            event.into_data(),
            EventData::Other {
                event_type: event_type.to_owned(),
                data
            }
        );
    }
}

#[test]
fn the_txt_record_secret_of_domain_events_is_redacted_in_debug() {
    let (_, mut example, _) = webhooks()
        .into_iter()
        .find(|(event_type, ..)| event_type == "organization.domain_created")
        .unwrap();
    example["data"]["txt_record_secret"] = json!("sk-txt-4f1d9a");
    let event = deliver(&example);
    let shown = format!("{event:?}");
    assert!(!shown.contains("sk-txt-4f1d9a"), "{shown}");
    assert!(shown.contains("acmecorp.com"), "{shown}");
    let EventData::DomainCreated(domain) = event.data() else {
        panic!("{shown}");
    };
    assert_eq!(domain.txt_record_secret.as_deref(), Some("sk-txt-4f1d9a"));
}

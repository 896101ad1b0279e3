//! The events Scalekit sends and their JSON envelope:
//! `{spec_version, id, type, object, environment_id, occurred_at,
//! organization_id, data, display_name}`, with the documented `data` of each
//! type (`webhooks:` in the reference OpenAPI description).

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ids;

/// An SSO connection, as the `organization.sso_*` events carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ConnectionData {
    /// `conn_...`.
    pub(crate) id: String,
    /// `org_...`.
    pub(crate) organization_id: String,
    /// `OIDC` or `SAML`.
    pub(crate) connection_type: String,
    /// e.g. `OKTA`.
    pub(crate) provider: String,
    /// Whether the connection is enabled (not sent with `sso_created`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) enabled: Option<bool>,
    /// e.g. `COMPLETED` (not sent with `sso_created`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<String>,
}

/// A SCIM directory, as the `organization.directory_*` events carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DirectoryData {
    /// `dir_...`.
    pub(crate) id: String,
    /// `org_...`.
    pub(crate) organization_id: String,
    /// `SCIM`.
    pub(crate) directory_type: String,
    /// e.g. `OKTA`.
    pub(crate) provider: String,
    /// Whether directory sync is enabled.
    pub(crate) enabled: bool,
    /// When the directory last changed.
    #[serde(serialize_with = "serialize_time")]
    pub(crate) updated_at: OffsetDateTime,
}

/// A domain, as the `organization.domain_*` events carry it (the envelope
/// adds `environment_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DomainData {
    /// `dom_...`.
    pub(crate) id: String,
    /// e.g. `acmecorp.com`.
    pub(crate) domain: String,
    /// `ORGANIZATION_DOMAIN` or `ALLOWED_EMAIL_DOMAIN`.
    pub(crate) domain_type: String,
    /// `org_...`.
    pub(crate) organization_id: String,
    /// The TXT record host, e.g. `scalekit-domain-verification`.
    pub(crate) txt_record_key: String,
    /// The TXT record value Scalekit expects.
    pub(crate) txt_record_secret: String,
    /// `PENDING`, `VERIFIED`, `FAILED` or `AUTO_VERIFIED`.
    pub(crate) verification_status: String,
    /// `DNS`, `ADMIN` or `NOT_APPLICABLE`.
    pub(crate) verification_method: String,
    /// When the domain's status last changed.
    #[serde(serialize_with = "serialize_time")]
    pub(crate) updated_at: OffsetDateTime,
}

/// An organization, as the `organization.created|updated` events carry it:
/// the same JSON object the REST API answers for it (`id`, `display_name`,
/// `external_id`, `region_code`, `create_time`, `update_time`, `metadata`,
/// `settings.features`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrganizationData(pub(crate) Value);

/// One state change worth telling the app about, with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// `organization.created`.
    OrganizationCreated(OrganizationData),
    /// `organization.updated`.
    OrganizationUpdated(OrganizationData),
    /// `organization.sso_created`: the organization's first connection.
    SsoCreated(ConnectionData),
    /// `organization.sso_enabled`.
    SsoEnabled(ConnectionData),
    /// `organization.sso_disabled`.
    SsoDisabled(ConnectionData),
    /// `organization.directory_enabled`.
    DirectoryEnabled(DirectoryData),
    /// `organization.directory_disabled`.
    DirectoryDisabled(DirectoryData),
    /// `organization.domain_created`.
    DomainCreated(DomainData),
    /// `organization.domain_dns_verification_success`.
    DomainVerificationSucceeded(DomainData),
    /// `organization.domain_dns_verification_failed`.
    DomainVerificationFailed(DomainData),
    /// `organization.domain_deleted`.
    DomainDeleted(DomainData),
}

impl Event {
    /// The `type` field, e.g. `organization.sso_enabled`.
    pub(crate) fn event_type(&self) -> &'static str {
        match self {
            Self::OrganizationCreated(_) => "organization.created",
            Self::OrganizationUpdated(_) => "organization.updated",
            Self::SsoCreated(_) => "organization.sso_created",
            Self::SsoEnabled(_) => "organization.sso_enabled",
            Self::SsoDisabled(_) => "organization.sso_disabled",
            Self::DirectoryEnabled(_) => "organization.directory_enabled",
            Self::DirectoryDisabled(_) => "organization.directory_disabled",
            Self::DomainCreated(_) => "organization.domain_created",
            Self::DomainVerificationSucceeded(_) => "organization.domain_dns_verification_success",
            Self::DomainVerificationFailed(_) => "organization.domain_dns_verification_failed",
            Self::DomainDeleted(_) => "organization.domain_deleted",
        }
    }

    /// The `object` field: the kind of record that changed.
    fn object(&self) -> &'static str {
        match self {
            Self::SsoCreated(_) | Self::SsoEnabled(_) | Self::SsoDisabled(_) => "Connection",
            Self::DirectoryEnabled(_) | Self::DirectoryDisabled(_) => "Directory",
            _ => "Organization",
        }
    }

    /// The `display_name` field, as the documented examples spell it.
    fn display_name(&self) -> &'static str {
        match self {
            Self::OrganizationCreated(_) => "Organization Created",
            Self::OrganizationUpdated(_) => "Organization Updated",
            Self::SsoCreated(_) => "SSO Connection Created",
            Self::SsoEnabled(_) => "SSO Connection Enabled",
            Self::SsoDisabled(_) => "SSO Connection Disabled",
            Self::DirectoryEnabled(_) => "Directory Enabled",
            Self::DirectoryDisabled(_) => "Directory Disabled",
            Self::DomainCreated(_) => "Organization Domain Created",
            Self::DomainVerificationSucceeded(_) => "Organization Domain DNS Verification Success",
            Self::DomainVerificationFailed(_) => "Organization Domain DNS Verification Failed",
            Self::DomainDeleted(_) => "Organization Domain Deleted",
        }
    }

    /// The organization the event is about.
    pub(crate) fn organization_id(&self) -> &str {
        match self {
            Self::OrganizationCreated(o) | Self::OrganizationUpdated(o) => {
                o.0["id"].as_str().unwrap_or_default()
            }
            Self::SsoCreated(c) | Self::SsoEnabled(c) | Self::SsoDisabled(c) => &c.organization_id,
            Self::DirectoryEnabled(d) | Self::DirectoryDisabled(d) => &d.organization_id,
            Self::DomainCreated(d)
            | Self::DomainVerificationSucceeded(d)
            | Self::DomainVerificationFailed(d)
            | Self::DomainDeleted(d) => &d.organization_id,
        }
    }

    /// The `data` field.
    fn data(&self, environment_id: &str) -> Value {
        let value = match self {
            Self::OrganizationCreated(o) | Self::OrganizationUpdated(o) => Ok(o.0.clone()),
            Self::SsoCreated(c) => serde_json::to_value(ConnectionData {
                enabled: None,
                status: None,
                ..c.clone()
            }),
            Self::SsoEnabled(c) | Self::SsoDisabled(c) => serde_json::to_value(c),
            Self::DirectoryEnabled(d) | Self::DirectoryDisabled(d) => serde_json::to_value(d),
            Self::DomainCreated(d)
            | Self::DomainVerificationSucceeded(d)
            | Self::DomainVerificationFailed(d)
            | Self::DomainDeleted(d) => serde_json::to_value(d).map(|mut value| {
                if let Some(map) = value.as_object_mut() {
                    map.insert("environment_id".into(), environment_id.into());
                }
                value
            }),
        };
        // Plain structs of strings, booleans and maps with string keys
        // always serialize.
        value.unwrap_or(Value::Null)
    }
}

/// An event ready to send: its id, type and the exact body every attempt
/// carries (the body is signed as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// `evt_...`.
    pub(crate) id: String,
    /// e.g. `organization.sso_enabled`.
    pub(crate) event_type: &'static str,
    /// The JSON body.
    pub(crate) body: Bytes,
}

/// The wire form, in the documented field order.
#[derive(Serialize)]
struct Wire<'a> {
    spec_version: &'static str,
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'static str,
    object: &'static str,
    environment_id: &'a str,
    occurred_at: String,
    organization_id: &'a str,
    data: Value,
    display_name: &'static str,
}

impl Envelope {
    /// Wraps `event` with a fresh `evt_` id.
    pub(crate) fn new(event: &Event, environment_id: &str, occurred_at: OffsetDateTime) -> Self {
        let id = ids::event_id();
        let wire = Wire {
            spec_version: "1",
            id: &id,
            event_type: event.event_type(),
            object: event.object(),
            environment_id,
            occurred_at: format_time(occurred_at),
            organization_id: event.organization_id(),
            data: event.data(environment_id),
            display_name: event.display_name(),
        };
        let body = serde_json::to_vec(&wire).unwrap_or_default();
        Self {
            id,
            event_type: event.event_type(),
            body: Bytes::from(body),
        }
    }
}

/// RFC 3339 in UTC with six fraction digits, as Scalekit writes times.
fn format_time(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let micros = utc
        .replace_nanosecond(utc.nanosecond() / 1000 * 1000)
        .unwrap_or(utc);
    let text = micros.format(&Rfc3339).unwrap_or_default();
    // `Rfc3339` drops trailing zero fraction digits; pad to microseconds.
    match text.strip_suffix('Z').and_then(|t| t.split_once('.')) {
        Some((seconds, fraction)) => format!("{seconds}.{fraction:0<6}Z"),
        None => text.replace('Z', ".000000Z"),
    }
}

fn serialize_time<S: serde::Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*at))
}

#[cfg(test)]
pub(crate) mod samples {
    //! One event of each type, for tests.

    use super::*;

    pub(crate) const ORG: &str = "org_83544995172188677";

    pub(crate) fn connection(enabled: bool) -> ConnectionData {
        ConnectionData {
            id: "conn_94567862424830277".into(),
            organization_id: ORG.into(),
            connection_type: "OIDC".into(),
            provider: "OKTA".into(),
            enabled: Some(enabled),
            status: Some("COMPLETED".into()),
        }
    }

    pub(crate) fn directory(enabled: bool) -> DirectoryData {
        DirectoryData {
            id: "dir_55135622825771522".into(),
            organization_id: ORG.into(),
            directory_type: "SCIM".into(),
            provider: "OKTA".into(),
            enabled,
            updated_at: OffsetDateTime::now_utc(),
        }
    }

    pub(crate) fn domain(status: &str) -> DomainData {
        DomainData {
            id: "dom_1234567890".into(),
            domain: "acmecorp.com".into(),
            domain_type: "ORGANIZATION_DOMAIN".into(),
            organization_id: ORG.into(),
            txt_record_key: "scalekit-domain-verification".into(),
            txt_record_secret: "scalekit-verification=abc".into(),
            verification_status: status.into(),
            verification_method: "DNS".into(),
            updated_at: OffsetDateTime::now_utc(),
        }
    }

    pub(crate) fn organization() -> OrganizationData {
        let now = format_time(OffsetDateTime::now_utc());
        OrganizationData(serde_json::json!({
            "id": ORG,
            "display_name": "AcmeCorp",
            "external_id": "tenant-acme",
            "region_code": "US",
            "create_time": now,
            "update_time": now,
            "metadata": {},
            "settings": {"features": [
                {"name": "sso", "enabled": true},
                {"name": "dir_sync", "enabled": false},
            ]},
        }))
    }

    /// Every event type the emulator sends.
    pub(crate) fn all() -> Vec<Event> {
        vec![
            Event::OrganizationCreated(organization()),
            Event::OrganizationUpdated(organization()),
            Event::SsoCreated(connection(false)),
            Event::SsoEnabled(connection(true)),
            Event::SsoDisabled(connection(false)),
            Event::DirectoryEnabled(directory(true)),
            Event::DirectoryDisabled(directory(false)),
            Event::DomainCreated(domain("PENDING")),
            Event::DomainVerificationSucceeded(domain("VERIFIED")),
            Event::DomainVerificationFailed(domain("FAILED")),
            Event::DomainDeleted(domain("VERIFIED")),
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use time::macros::datetime;

    const REFERENCE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/scalekit-openapi-webhooks-connections.yaml"
    );

    fn reference() -> Value {
        let text = std::fs::read_to_string(REFERENCE).unwrap();
        serde_norway::from_str(&text).unwrap()
    }

    /// The reference's request schema and example for one webhook type.
    fn documented(reference: &Value, event_type: &str) -> (String, Value) {
        let content = &reference["webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"];
        let schema_ref = content["schema"]["$ref"].as_str().unwrap().to_owned();
        (schema_ref, content["example"].clone())
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn every_envelope_validates_against_the_reference_schema() {
        let reference = reference();
        for event in samples::all() {
            let envelope =
                Envelope::new(&event, "env_74418471961625391", OffsetDateTime::now_utc());
            let body: Value = serde_json::from_slice(&envelope.body).unwrap();
            let (schema_ref, example) = documented(&reference, event.event_type());

            // The whole reference document is the schema, entered through the
            // type's `$ref`, so nested `$ref`s resolve as written.
            let mut schema = reference.clone();
            schema["$ref"] = Value::String(schema_ref.clone());
            let validator = jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&body)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{schema_ref}: {errors:?}\n{body:#}");

            // The same fields as the documented example, envelope and data.
            assert_eq!(keys(&body), keys(&example), "{}", event.event_type());
            let data_keys = keys(&body["data"]);
            let example_keys = keys(&example["data"]);
            let missing: Vec<_> = example_keys.difference(&data_keys).collect();
            assert!(
                missing.is_empty(),
                "{}: data lacks {missing:?}",
                event.event_type()
            );
            let extra: Vec<_> = data_keys.difference(&example_keys).collect();
            assert!(
                extra.is_empty(),
                "{}: data adds {extra:?}",
                event.event_type()
            );
            assert_eq!(body["type"], example["type"]);
            assert_eq!(body["object"], example["object"]);
            assert_eq!(body["display_name"], example["display_name"]);
            assert_eq!(body["id"].as_str(), Some(envelope.id.as_str()));
        }
    }

    #[test]
    fn a_schema_violation_is_caught() {
        // The validation above is not vacuous: a wrong id prefix fails it.
        let reference = reference();
        let mut schema = reference.clone();
        schema["$ref"] = "#/components/schemas/OrganizationSsoEnabledEvent".into();
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let envelope = Envelope::new(
            &Event::SsoEnabled(samples::connection(true)),
            "env_1",
            OffsetDateTime::now_utc(),
        );
        let mut body: Value = serde_json::from_slice(&envelope.body).unwrap();
        assert!(validator.is_valid(&body));
        body["data"]["id"] = "dir_1".into();
        assert!(!validator.is_valid(&body));
        body["data"]["id"] = "conn_1".into();
        body["occurred_at"] = "yesterday".into();
        assert!(!validator.is_valid(&body));
    }

    #[test]
    fn times_have_six_fraction_digits_in_utc() {
        assert_eq!(
            format_time(datetime!(2025-10-14 11:29:27.0989 +02:00)),
            "2025-10-14T09:29:27.098900Z"
        );
        assert_eq!(
            format_time(datetime!(2025-10-14 09:29:27 UTC)),
            "2025-10-14T09:29:27.000000Z"
        );
    }

    #[test]
    fn each_envelope_gets_its_own_event_id() {
        let event = Event::SsoEnabled(samples::connection(true));
        let a = Envelope::new(&event, "env_1", OffsetDateTime::now_utc());
        let b = Envelope::new(&event, "env_1", OffsetDateTime::now_utc());
        assert_ne!(a.id, b.id);
        assert_eq!(a.event_type, "organization.sso_enabled");
    }
}

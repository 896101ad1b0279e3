//! The events Scalekit sends and their JSON envelope:
//! `{spec_version, id, type, object, environment_id, occurred_at,
//! organization_id, data, display_name}`, with the documented `data` of each
//! type (`webhooks:` in the reference OpenAPI description).

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::event_data::{ConnectionData, DirectoryData, DomainData, OrganizationData};
use crate::format::ids;
use crate::format::timefmt::rfc3339;

/// One state change worth telling the app about, with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// `organization.created`.
    OrganizationCreated(OrganizationData),
    /// `organization.updated`.
    OrganizationUpdated(OrganizationData),
    /// `organization.deleted` (`data` carries `deleted_at`).
    OrganizationDeleted(OrganizationData),
    /// `organization.sso_created`: the organization's first connection.
    SsoCreated(ConnectionData),
    /// `organization.sso_enabled`.
    SsoEnabled(ConnectionData),
    /// `organization.sso_disabled`.
    SsoDisabled(ConnectionData),
    /// `organization.sso_deleted`.
    SsoDeleted(ConnectionData),
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
            Self::OrganizationDeleted(_) => "organization.deleted",
            Self::SsoCreated(_) => "organization.sso_created",
            Self::SsoEnabled(_) => "organization.sso_enabled",
            Self::SsoDisabled(_) => "organization.sso_disabled",
            Self::SsoDeleted(_) => "organization.sso_deleted",
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
            Self::SsoCreated(_)
            | Self::SsoEnabled(_)
            | Self::SsoDisabled(_)
            | Self::SsoDeleted(_) => "Connection",
            Self::DirectoryEnabled(_) | Self::DirectoryDisabled(_) => "Directory",
            _ => "Organization",
        }
    }

    /// The `display_name` field, as the documented examples spell it.
    fn display_name(&self) -> &'static str {
        match self {
            Self::OrganizationCreated(_) => "Organization Created",
            Self::OrganizationUpdated(_) => "Organization Updated",
            Self::OrganizationDeleted(_) => "Organization Deleted",
            Self::SsoCreated(_) => "SSO Connection Created",
            Self::SsoEnabled(_) => "SSO Connection Enabled",
            Self::SsoDisabled(_) => "SSO Connection Disabled",
            Self::SsoDeleted(_) => "SSO Connection Deleted",
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
            Self::OrganizationCreated(o)
            | Self::OrganizationUpdated(o)
            | Self::OrganizationDeleted(o) => o.0["id"].as_str().unwrap_or_default(),
            Self::SsoCreated(c)
            | Self::SsoEnabled(c)
            | Self::SsoDisabled(c)
            | Self::SsoDeleted(c) => &c.organization_id,
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
            Self::OrganizationCreated(o)
            | Self::OrganizationUpdated(o)
            | Self::OrganizationDeleted(o) => Ok(o.0.clone()),
            Self::SsoCreated(c) | Self::SsoDeleted(c) => serde_json::to_value(ConnectionData {
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
            occurred_at: rfc3339(occurred_at),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::webhooks::event_data::samples::{
        connection, deleted_organization, directory, domain, organization,
    };

    const REFERENCE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/reference/scalekit-openapi-webhooks-connections.yaml"
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

    /// Every event type the emulator sends.
    fn all_events() -> Vec<Event> {
        vec![
            Event::OrganizationCreated(organization()),
            Event::OrganizationUpdated(organization()),
            Event::OrganizationDeleted(deleted_organization()),
            Event::SsoCreated(connection(false)),
            Event::SsoDeleted(connection(false)),
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

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn every_envelope_validates_against_the_reference_schema() {
        let reference = reference();
        for event in all_events() {
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
            &Event::SsoEnabled(connection(true)),
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
    fn each_envelope_gets_its_own_event_id() {
        let event = Event::SsoEnabled(connection(true));
        let a = Envelope::new(&event, "env_1", OffsetDateTime::now_utc());
        let b = Envelope::new(&event, "env_1", OffsetDateTime::now_utc());
        assert_ne!(a.id, b.id);
        assert_eq!(a.event_type, "organization.sso_enabled");
    }
}

//! Reading the signed body as an event envelope and typing its `data`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::error::WebhookError;
use super::event::{EventData, WebhookEvent};

/// The envelope as sent: `{spec_version, id, type, object, environment_id,
/// occurred_at, organization_id, data, display_name}`. Only `id` and `type`
/// are required; unknown fields are ignored.
#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    object: Option<String>,
    occurred_at: Option<String>,
    organization_id: Option<String>,
    environment_id: Option<String>,
    display_name: Option<String>,
    /// Typed later, from its own bytes, once `type` is known.
    data: Option<Box<RawValue>>,
}

/// Parses a verified body into a typed event.
pub(crate) fn parse_event(webhook_id: &str, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    // JSON is UTF-8; serde_json would let invalid bytes pass inside ignored fields.
    let text = std::str::from_utf8(body).map_err(|error| {
        WebhookError::NotAnEvent(format!(
            "the body is not UTF-8 (byte {})",
            error.valid_up_to()
        ))
    })?;
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|error| WebhookError::NotAnEvent(error.to_string()))?;
    let data = typed_data(&envelope.event_type, envelope.data.as_deref())?;
    Ok(WebhookEvent {
        webhook_id: webhook_id.to_owned(),
        id: envelope.id,
        event_type: envelope.event_type,
        object: envelope.object,
        occurred_at: envelope.occurred_at,
        organization_id: envelope.organization_id,
        environment_id: envelope.environment_id,
        display_name: envelope.display_name,
        data,
    })
}

fn typed_data(event_type: &str, data: Option<&RawValue>) -> Result<EventData, WebhookError> {
    // An absent `data` reads as `null`: a known type then names its missing fields.
    let data = data.map_or("null", RawValue::get);
    Ok(match event_type {
        "organization.created" => EventData::OrganizationCreated(typed(event_type, data)?),
        "organization.updated" => EventData::OrganizationUpdated(typed(event_type, data)?),
        "organization.deleted" => EventData::OrganizationDeleted(typed(event_type, data)?),
        "organization.sso_created" => EventData::SsoCreated(typed(event_type, data)?),
        "organization.sso_enabled" => EventData::SsoEnabled(typed(event_type, data)?),
        "organization.sso_disabled" => EventData::SsoDisabled(typed(event_type, data)?),
        "organization.sso_deleted" => EventData::SsoDeleted(typed(event_type, data)?),
        "organization.directory_enabled" => EventData::DirectoryEnabled(typed(event_type, data)?),
        "organization.directory_disabled" => EventData::DirectoryDisabled(typed(event_type, data)?),
        "organization.domain_created" => EventData::DomainCreated(typed(event_type, data)?),
        "organization.domain_deleted" => EventData::DomainDeleted(typed(event_type, data)?),
        "organization.domain_dns_verification_success" => {
            EventData::DomainDnsVerificationSucceeded(typed(event_type, data)?)
        }
        "organization.domain_dns_verification_failed" => {
            EventData::DomainDnsVerificationFailed(typed(event_type, data)?)
        }
        "organization.directory.user_created" => {
            EventData::DirectoryUserCreated(typed(event_type, data)?)
        }
        "organization.directory.user_updated" => {
            EventData::DirectoryUserUpdated(typed(event_type, data)?)
        }
        "organization.directory.user_deleted" => {
            EventData::DirectoryUserDeleted(typed(event_type, data)?)
        }
        "organization.directory.group_created" => {
            EventData::DirectoryGroupCreated(typed(event_type, data)?)
        }
        "organization.directory.group_updated" => {
            EventData::DirectoryGroupUpdated(typed(event_type, data)?)
        }
        "organization.directory.group_deleted" => {
            EventData::DirectoryGroupDeleted(typed(event_type, data)?)
        }
        _ => EventData::Other {
            event_type: event_type.to_owned(),
            data: typed(event_type, data)?,
        },
    })
}

fn typed<T: DeserializeOwned>(event_type: &str, data: &str) -> Result<T, WebhookError> {
    serde_json::from_str(data)
        .map_err(|error| WebhookError::NotAnEvent(format!("the data of {event_type}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn only_id_and_type_are_required() {
        let event = parse_event("msg_1", br#"{"id":"evt_1","type":"user.created"}"#).unwrap();
        assert_eq!(event.webhook_id(), "msg_1");
        assert_eq!(event.organization_id(), None);
        assert_eq!(
            event.data(),
            &EventData::Other {
                event_type: "user.created".into(),
                data: Value::Null
            }
        );
        for body in [
            &br#"{"type":"user.created"}"#[..],
            br#"{"id":"evt_1"}"#,
            br#"[]"#,
            b"\xff\xfe",
            b"{\"id\":\"evt_1\",\"type\":\"x\",\"ignored\":\"\xff\"}",
            b"",
        ] {
            assert!(matches!(
                parse_event("m", body),
                Err(WebhookError::NotAnEvent(_))
            ));
        }
    }

    #[test]
    fn known_types_need_their_required_data_fields() {
        let body = br#"{"id":"evt_1","type":"organization.sso_enabled","data":{"id":"conn_1"}}"#;
        let error = parse_event("m", body).unwrap_err();
        assert!(error.to_string().contains("organization_id"), "{error}");
    }
}

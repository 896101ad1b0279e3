//! A verified Scalekit event: the envelope's fields and the typed `data`.

use serde_json::Value;
use time::OffsetDateTime;

use super::data::{ConnectionData, DirectoryData, DomainData, OrganizationData};
use super::directory_data::{DirectoryGroupData, DirectoryUserData, DirectoryUserDeletedData};

/// One verified webhook delivery: the envelope's fields and its typed
/// [`EventData`].
///
/// Every event has the delivery's [`webhook_id`](Self::webhook_id) (the
/// idempotency key: the same on every retry) and the envelope's
/// [`id`](Self::id) and [`event_type`](Self::event_type); the other envelope
/// fields are optional in practice, so they are `Option`s.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    pub(crate) webhook_id: String,
    pub(crate) id: String,
    pub(crate) event_type: String,
    pub(crate) object: Option<String>,
    pub(crate) occurred_at: Option<String>,
    pub(crate) organization_id: Option<String>,
    pub(crate) environment_id: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) data: EventData,
}

impl WebhookEvent {
    /// The delivery's `webhook-id` header: the same on every retry of this
    /// delivery, so the key to deduplicate by.
    pub fn webhook_id(&self) -> &str {
        &self.webhook_id
    }

    /// The event id (`evt_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, such as `organization.sso_enabled`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The kind of object the event is about (`Organization`, `Connection`, `Directory`, ...).
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }

    /// When the event occurred, as Scalekit wrote it.
    pub fn occurred_at(&self) -> Option<&str> {
        self.occurred_at.as_deref()
    }

    /// [`occurred_at`](Self::occurred_at) as a time, when it parses (see
    /// [`parse_event_time`]).
    pub fn occurred_at_time(&self) -> Option<OffsetDateTime> {
        self.occurred_at.as_deref().and_then(parse_event_time)
    }

    /// The organization the event is about (`org_...`), when there is one.
    /// Parse it with [`OrganizationId::new`](crate::OrganizationId::new) to
    /// call the client.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization_id.as_deref()
    }

    /// The Scalekit environment the event comes from (`env_...`).
    pub fn environment_id(&self) -> Option<&str> {
        self.environment_id.as_deref()
    }

    /// A human-readable name of the event type (`SSO Connection Enabled`).
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The typed `data`.
    pub fn data(&self) -> &EventData {
        &self.data
    }

    /// The typed `data`, by value.
    pub fn into_data(self) -> EventData {
        self.data
    }
}

/// The `data` of an event, typed by the event's `type`.
///
/// Types this crate does not model (users, roles, types Scalekit adds
/// later) arrive as [`EventData::Other`], never as an error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// `organization.created`.
    OrganizationCreated(OrganizationData),
    /// `organization.updated`.
    OrganizationUpdated(OrganizationData),
    /// `organization.deleted`.
    OrganizationDeleted(OrganizationData),
    /// `organization.sso_created`.
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
    /// `organization.domain_deleted`.
    DomainDeleted(DomainData),
    /// `organization.domain_dns_verification_success`.
    DomainDnsVerificationSucceeded(DomainData),
    /// `organization.domain_dns_verification_failed`.
    DomainDnsVerificationFailed(DomainData),
    /// `organization.directory.user_created`.
    DirectoryUserCreated(DirectoryUserData),
    /// `organization.directory.user_updated` (a deactivation too: `active` false).
    DirectoryUserUpdated(DirectoryUserData),
    /// `organization.directory.user_deleted`.
    DirectoryUserDeleted(DirectoryUserDeletedData),
    /// `organization.directory.group_created`.
    DirectoryGroupCreated(DirectoryGroupData),
    /// `organization.directory.group_updated`.
    DirectoryGroupUpdated(DirectoryGroupData),
    /// `organization.directory.group_deleted`.
    DirectoryGroupDeleted(DirectoryGroupData),
    /// Any other event type, with its `data` as JSON (`Null` when absent).
    Other {
        /// The event type.
        event_type: String,
        /// The event's `data`.
        data: Value,
    },
}

/// Parses an event time: RFC 3339 (`2025-01-15T08:55:22.80286Z`), or the
/// same with a space for the `T` (`2025-01-15 08:55:22.802860+00:00`), as the
/// reference's examples show.
///
/// ```
/// use scalekit_tower::webhook::parse_event_time;
///
/// let time = parse_event_time("2025-01-15 08:55:22.802860+00:00").unwrap();
/// assert_eq!(time.unix_timestamp(), 1_736_931_322);
/// assert_eq!(parse_event_time("2025-01-15T08:55:22.802860Z"), Some(time));
/// assert_eq!(parse_event_time("yesterday"), None);
/// ```
pub fn parse_event_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(time);
    }
    // Only the date/time separator may differ: `YYYY-MM-DD hh:mm:ss...`.
    let (date, rest) = (text.get(..10)?, text.get(11..)?);
    if text.as_bytes().get(10) != Some(&b' ') {
        return None;
    }
    OffsetDateTime::parse(&format!("{date}T{rest}"), &Rfc3339).ok()
}

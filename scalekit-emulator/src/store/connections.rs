//! SSO connections: the one connection an organization's admin configures in
//! the portal's SSO section.

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::format::timefmt::rfc3339;

/// The identity provider of a connection made in the portal.
pub(crate) const CONNECTION_PROVIDER: &str = "OKTA";
/// The identity providers a connection created through the API can name.
pub(crate) const PROVIDERS: [&str; 16] = [
    "OKTA",
    "GOOGLE",
    "MICROSOFT_AD",
    "AUTH0",
    "ONELOGIN",
    "PING_IDENTITY",
    "JUMPCLOUD",
    "CUSTOM",
    "GITHUB",
    "GITLAB",
    "LINKEDIN",
    "SALESFORCE",
    "MICROSOFT",
    "IDP_SIMULATOR",
    "SCALEKIT",
    "ADFS",
];
/// The protocols of the emulated SSO connections.
pub(crate) const CONNECTION_TYPES: [&str; 2] = ["OIDC", "SAML"];

/// A connection's configuration `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnectionStatus {
    /// Created, never enabled: the admin has not finished.
    InProgress,
    /// Enabled at least once: configured.
    Completed,
}

impl ConnectionStatus {
    /// The value in JSON (`IN_PROGRESS`, `COMPLETED`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
        }
    }
}

/// One SSO connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Connection {
    /// `conn_<digits>`, reserved when the organization was created.
    pub(crate) id: String,
    pub(crate) organization_id: String,
    pub(crate) organization_name: String,
    /// Protocol: `OIDC` or `SAML`.
    pub(crate) connection_type: &'static str,
    /// One of [`PROVIDERS`]; [`CONNECTION_PROVIDER`] unless the API chose.
    pub(crate) provider: &'static str,
    pub(crate) status: ConnectionStatus,
    pub(crate) enabled: bool,
    pub(crate) create_time: OffsetDateTime,
    pub(crate) update_time: OffsetDateTime,
}

impl Connection {
    /// A new, disabled, in-progress connection.
    pub(crate) fn new(
        id: String,
        organization_id: &str,
        organization_name: &str,
        connection_type: &'static str,
    ) -> Self {
        Self {
            id,
            organization_id: organization_id.to_owned(),
            organization_name: organization_name.to_owned(),
            connection_type,
            provider: CONNECTION_PROVIDER,
            status: ConnectionStatus::InProgress,
            enabled: false,
            create_time: OffsetDateTime::now_utc(),
            update_time: OffsetDateTime::now_utc(),
        }
    }

    /// Enables or disables it; enabling also completes it. Returns whether
    /// `enabled` changed.
    pub(crate) fn set_enabled(&mut self, enabled: bool) -> bool {
        let changed = self.enabled != enabled;
        self.enabled = enabled;
        if enabled {
            self.status = ConnectionStatus::Completed;
        }
        if changed {
            self.update_time = OffsetDateTime::now_utc();
        }
        changed
    }

    /// Whether `GET /api/v1/connections` lists it without `include=all`.
    pub(crate) fn is_active(&self) -> bool {
        self.enabled && self.status == ConnectionStatus::Completed
    }

    /// The REST representation (`connectionsListConnection`).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "key_id": self.id,
            "organization_id": self.organization_id,
            "organization_name": self.organization_name,
            "type": self.connection_type,
            "provider": self.provider,
            "provider_key": self.provider.to_ascii_lowercase(),
            "status": self.status.as_str(),
            "enabled": self.enabled,
            "domains": [],
        })
    }

    /// The REST representation of one connection (`connectionsConnection`,
    /// without protocol settings).
    pub(crate) fn detail_json(&self) -> Value {
        json!({
            "id": self.id,
            "key_id": self.id,
            "organization_id": self.organization_id,
            "type": self.connection_type,
            "provider": self.provider,
            "provider_key": self.provider.to_ascii_lowercase(),
            "status": self.status.as_str(),
            "enabled": self.enabled,
            "debug_enabled": false,
            "create_time": rfc3339(self.create_time),
            "update_time": rfc3339(self.update_time),
            "domains": [],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabling_completes_and_reports_changes() {
        let mut connection = Connection::new("conn_1".into(), "org_1", "Acme", "SAML");
        assert!(!connection.is_active());
        assert_eq!(connection.to_json()["status"], "IN_PROGRESS");
        assert!(connection.set_enabled(true));
        assert!(!connection.set_enabled(true));
        assert!(connection.is_active());
        assert!(connection.set_enabled(false));
        let json = connection.to_json();
        assert_eq!(json["status"], "COMPLETED");
        assert_eq!(json["enabled"], false);
        assert_eq!(json["type"], "SAML");
        assert_eq!(json["provider"], "OKTA");
    }
}

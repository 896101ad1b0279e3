//! An organization's session policy and user-management settings, as
//! `OrganizationService` reads and writes them.

use serde_json::{Map, Value, json};

/// Where an organization's session timeouts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PolicySource {
    /// The application's session policy (the default).
    #[default]
    Application,
    /// The organization's own timeouts.
    Custom,
}

impl PolicySource {
    /// The enum value's name (`APPLICATION`, `CUSTOM`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Application => "APPLICATION",
            Self::Custom => "CUSTOM",
        }
    }

    /// Reads an enum value's name.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "APPLICATION" => Some(Self::Application),
            "CUSTOM" => Some(Self::Custom),
            _ => None,
        }
    }
}

/// The unit of a session timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// The enum value's name (`MINUTES`, `HOURS`, `DAYS`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Minutes => "MINUTES",
            Self::Hours => "HOURS",
            Self::Days => "DAYS",
        }
    }

    /// Reads an enum value's name.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "MINUTES" => Some(Self::Minutes),
            "HOURS" => Some(Self::Hours),
            "DAYS" => Some(Self::Days),
            _ => None,
        }
    }
}

/// A timeout: a positive amount of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeout {
    pub(crate) amount: i32,
    pub(crate) unit: TimeUnit,
}

/// An organization's session policy: the application's, or its own
/// absolute timeout and optional idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SessionPolicy {
    pub(crate) source: PolicySource,
    /// Set when the source is [`PolicySource::Custom`].
    pub(crate) absolute: Option<Timeout>,
    /// Whether idle sessions end (custom policies only).
    pub(crate) idle_enabled: Option<bool>,
    /// Set when `idle_enabled`.
    pub(crate) idle: Option<Timeout>,
}

impl SessionPolicy {
    /// The REST representation (`organizationsOrganizationSessionPolicySettings`).
    pub(crate) fn to_json(self) -> Value {
        let mut object = Map::new();
        object.insert("policy_source".into(), json!(self.source.as_str()));
        if let Some(absolute) = self.absolute {
            object.insert("absolute_session_timeout".into(), json!(absolute.amount));
            object.insert(
                "absolute_session_timeout_unit".into(),
                json!(absolute.unit.as_str()),
            );
        }
        if let Some(enabled) = self.idle_enabled {
            object.insert("idle_session_timeout_enabled".into(), json!(enabled));
        }
        if let Some(idle) = self.idle {
            object.insert("idle_session_timeout".into(), json!(idle.amount));
            object.insert(
                "idle_session_timeout_unit".into(),
                json!(idle.unit.as_str()),
            );
        }
        Value::Object(object)
    }
}

/// An organization's user-management settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct UserManagement {
    /// The most users the organization may have; `None` is no limit.
    pub(crate) max_allowed_users: Option<i32>,
}

impl UserManagement {
    /// The REST representation (`organizationsOrganizationUserManagementSettings`).
    pub(crate) fn to_json(self) -> Value {
        match self.max_allowed_users {
            Some(max) => json!({ "max_allowed_users": max }),
            None => json!({}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_back_their_names_and_json() {
        for source in [PolicySource::Application, PolicySource::Custom] {
            assert_eq!(PolicySource::from_name(source.as_str()), Some(source));
        }
        for unit in [TimeUnit::Minutes, TimeUnit::Hours, TimeUnit::Days] {
            assert_eq!(TimeUnit::from_name(unit.as_str()), Some(unit));
        }
        assert_eq!(
            SessionPolicy::default().to_json(),
            json!({"policy_source": "APPLICATION"})
        );
        let custom = SessionPolicy {
            source: PolicySource::Custom,
            absolute: Some(Timeout {
                amount: 90,
                unit: TimeUnit::Minutes,
            }),
            idle_enabled: Some(false),
            idle: None,
        };
        assert_eq!(
            custom.to_json(),
            json!({
                "policy_source": "CUSTOM",
                "absolute_session_timeout": 90,
                "absolute_session_timeout_unit": "MINUTES",
                "idle_session_timeout_enabled": false,
            })
        );
        assert_eq!(
            UserManagement {
                max_allowed_users: Some(5)
            }
            .to_json(),
            json!({"max_allowed_users": 5})
        );
    }
}

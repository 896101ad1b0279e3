//! The messages the portal posts to its parent window.
//!
//! Current vocabulary: flat `{event_type, object, organization_id, message,
//! data}` objects. Legacy vocabulary (older integration guides): `{type,
//! data}` with `SSO_CONFIGURED`, `SCIM_CONFIGURED` and `SESSION_EXPIRED`, no
//! load-success and no warning message.

use serde_json::{Value, json};

use crate::store::organizations::Organization;

/// Which message set the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vocabulary {
    /// `event_type` discriminator.
    Current,
    /// `type` discriminator.
    Legacy,
}

impl Vocabulary {
    pub(crate) fn from_legacy_flag(legacy: bool) -> Self {
        if legacy { Self::Legacy } else { Self::Current }
    }
}

fn event(
    event_type: &str,
    object: &str,
    organization_id: Option<&str>,
    message: &str,
    data: Value,
) -> Value {
    let mut payload = json!({
        "event_type": event_type,
        "object": object,
        "message": message,
        "data": data,
    });
    if let (Some(id), Some(map)) = (organization_id, payload.as_object_mut()) {
        map.insert("organization_id".to_owned(), json!(id));
    }
    payload
}

fn legacy_session_expired() -> Value {
    json!({ "type": "SESSION_EXPIRED" })
}

/// Posted when a link opens a session (none in the legacy vocabulary).
pub(crate) fn load_success(
    vocabulary: Vocabulary,
    organization_id: &str,
    expiry: &str,
) -> Option<Value> {
    match vocabulary {
        Vocabulary::Current => Some(event(
            "PORTAL_LOAD_SUCCESS",
            "session",
            Some(organization_id),
            "Admin portal loaded",
            json!({ "expiry": expiry }),
        )),
        Vocabulary::Legacy => None,
    }
}

/// Posted when a used, expired or unknown link is loaded; carries no
/// organization id.
pub(crate) fn load_failure(vocabulary: Vocabulary) -> Value {
    match vocabulary {
        Vocabulary::Current => event(
            "PORTAL_LOAD_FAILURE",
            "session",
            None,
            "The admin portal link has expired or was already used",
            json!({ "error_code": "SESSION_EXPIRED" }),
        ),
        Vocabulary::Legacy => legacy_session_expired(),
    }
}

/// Posted a while before the session ends (none in the legacy vocabulary).
pub(crate) fn session_warning(
    vocabulary: Vocabulary,
    organization_id: &str,
    expiry: &str,
) -> Option<Value> {
    match vocabulary {
        Vocabulary::Current => Some(event(
            "PORTAL_SESSION_WARNING",
            "session",
            Some(organization_id),
            "The admin portal session is about to expire",
            json!({ "expiry": expiry }),
        )),
        Vocabulary::Legacy => None,
    }
}

/// Posted when the session ends.
pub(crate) fn session_expiry(vocabulary: Vocabulary, organization_id: &str, expiry: &str) -> Value {
    match vocabulary {
        Vocabulary::Current => event(
            "PORTAL_SESSION_EXPIRY",
            "session",
            Some(organization_id),
            "The admin portal session has expired",
            json!({ "expiry": expiry }),
        ),
        Vocabulary::Legacy => legacy_session_expired(),
    }
}

/// The SSO connection as events describe it.
pub(crate) fn connection_data(organization: &Organization, enabled: bool) -> Value {
    json!({
        "connection_type": "SSO",
        "id": organization.connection_id,
        "type": organization.connection_type,
        "provider": "OKTA",
        "enabled": enabled,
    })
}

/// The SCIM directory as events describe it.
pub(crate) fn directory_data(organization: &Organization, enabled: bool) -> Value {
    json!({
        "directory_type": "SCIM",
        "id": organization.directory_id,
        "provider": "MICROSOFT_AD",
        "enabled": enabled,
    })
}

/// Posted after the SSO button was used.
pub(crate) fn sso_toggled(
    vocabulary: Vocabulary,
    organization: &Organization,
    enabled: bool,
) -> Value {
    let (event_type, message) = if enabled {
        ("ORGANIZATION_SSO_ENABLED", "SSO connection enabled")
    } else {
        ("ORGANIZATION_SSO_DISABLED", "SSO connection disabled")
    };
    let data = connection_data(organization, enabled);
    toggled(
        vocabulary,
        organization,
        (event_type, "connection", message),
        "SSO_CONFIGURED",
        data,
    )
}

/// Posted after the directory button was used.
pub(crate) fn directory_toggled(
    vocabulary: Vocabulary,
    organization: &Organization,
    enabled: bool,
) -> Value {
    let (event_type, message) = if enabled {
        ("ORGANIZATION_DIRECTORY_ENABLED", "Directory sync enabled")
    } else {
        ("ORGANIZATION_DIRECTORY_DISABLED", "Directory sync disabled")
    };
    let data = directory_data(organization, enabled);
    toggled(
        vocabulary,
        organization,
        (event_type, "directory", message),
        "SCIM_CONFIGURED",
        data,
    )
}

/// A toggle event in the current vocabulary (`event_type`, `object`,
/// `message`) or the legacy one (`type`).
fn toggled(
    vocabulary: Vocabulary,
    organization: &Organization,
    (event_type, object, message): (&str, &str, &str),
    legacy_type: &str,
    data: Value,
) -> Value {
    match vocabulary {
        Vocabulary::Current => event(event_type, object, Some(&organization.id), message, data),
        Vocabulary::Legacy => json!({ "type": legacy_type, "data": data }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn organization() -> Organization {
        Organization::new(
            "org_1".into(),
            "A".into(),
            None,
            BTreeMap::new(),
            false,
            false,
            "SAML",
        )
    }

    #[test]
    fn current_payloads_are_flat() {
        let org = organization();
        let success =
            load_success(Vocabulary::Current, "org_1", "2030-01-01T00:00:00.000000Z").unwrap();
        assert_eq!(success["event_type"], "PORTAL_LOAD_SUCCESS");
        assert_eq!(success["object"], "session");
        assert_eq!(success["organization_id"], "org_1");
        assert_eq!(success["data"]["expiry"], "2030-01-01T00:00:00.000000Z");

        let failure = load_failure(Vocabulary::Current);
        assert_eq!(failure["event_type"], "PORTAL_LOAD_FAILURE");
        assert_eq!(failure["data"], json!({"error_code": "SESSION_EXPIRED"}));
        assert!(failure.get("organization_id").is_none());

        let sso = sso_toggled(Vocabulary::Current, &org, true);
        assert_eq!(sso["event_type"], "ORGANIZATION_SSO_ENABLED");
        assert_eq!(sso["object"], "connection");
        assert_eq!(sso["data"]["connection_type"], "SSO");
        assert_eq!(sso["data"]["type"], "SAML");
        assert_eq!(sso["data"]["provider"], "OKTA");
        assert_eq!(sso["data"]["enabled"], true);
        assert!(sso["data"]["id"].as_str().unwrap().starts_with("conn_"));

        let dir = directory_toggled(Vocabulary::Current, &org, false);
        assert_eq!(dir["event_type"], "ORGANIZATION_DIRECTORY_DISABLED");
        assert_eq!(dir["object"], "directory");
        assert_eq!(dir["data"]["directory_type"], "SCIM");
        assert_eq!(dir["data"]["provider"], "MICROSOFT_AD");
        assert!(dir["data"]["id"].as_str().unwrap().starts_with("dir_"));
    }

    #[test]
    fn legacy_payloads_use_type() {
        let org = organization();
        assert_eq!(load_success(Vocabulary::Legacy, "org_1", "x"), None);
        assert_eq!(session_warning(Vocabulary::Legacy, "org_1", "x"), None);
        assert_eq!(
            load_failure(Vocabulary::Legacy),
            json!({"type": "SESSION_EXPIRED"})
        );
        assert_eq!(
            session_expiry(Vocabulary::Legacy, "org_1", "x"),
            json!({"type": "SESSION_EXPIRED"})
        );
        let sso = sso_toggled(Vocabulary::Legacy, &org, true);
        assert_eq!(sso["type"], "SSO_CONFIGURED");
        assert_eq!(sso["data"]["connection_type"], "SSO");
        assert_eq!(
            directory_toggled(Vocabulary::Legacy, &org, true)["type"],
            "SCIM_CONFIGURED"
        );
    }
}

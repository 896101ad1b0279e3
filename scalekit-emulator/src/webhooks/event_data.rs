//! The records the events carry in `data`, as the reference documents
//! them per type (times as [`rfc3339`] writes them).

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::format::timefmt::rfc3339;

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

/// An organization, as the `organization.created|updated|deleted` events
/// carry it: the same JSON object the REST API answers for it (`id`,
/// `display_name`, `external_id`, `region_code`, `create_time`,
/// `update_time`, `metadata`, `settings.features`), plus `deleted_at` when
/// deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrganizationData(pub(crate) Value);

fn serialize_time<S: serde::Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*at))
}

#[cfg(test)]
pub(crate) mod samples {
    //! One event of each type, for tests.

    use super::*;
    use serde_json::json;

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

    pub(crate) fn deleted_organization() -> OrganizationData {
        let mut data = organization();
        data.0["deleted_at"] = rfc3339(OffsetDateTime::now_utc()).into();
        data
    }

    pub(crate) fn organization() -> OrganizationData {
        let now = rfc3339(OffsetDateTime::now_utc());
        OrganizationData(json!({
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
}

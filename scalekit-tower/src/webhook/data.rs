//! The typed `data` of the organization, SSO connection, directory and domain
//! events.
//!
//! Fields the reference marks required are plain; the others are `Option`, so
//! a payload that leaves them out still parses. Unknown extra fields are
//! ignored. Times stay as Scalekit sends them (see
//! [`parse_event_time`](super::parse_event_time)).

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::organization::OrganizationSettings;

/// The organization of `organization.created|updated|deleted`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OrganizationData {
    /// The organization id (`org_...`).
    pub id: String,
    /// Its display name.
    pub display_name: Option<String>,
    /// The app's own id for it, if set.
    pub external_id: Option<String>,
    /// Its region (`US`, `EU`, ...).
    pub region_code: Option<String>,
    /// When it was created.
    pub create_time: Option<String>,
    /// When it was last updated.
    pub update_time: Option<String>,
    /// When it was deleted (`organization.deleted` only).
    pub deleted_at: Option<String>,
    /// Its metadata map.
    pub metadata: Option<Map<String, Value>>,
    /// Its feature toggles (`sso`, `dir_sync`).
    pub settings: Option<OrganizationSettings>,
}

/// The SSO connection of `organization.sso_created|sso_enabled|sso_disabled|sso_deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ConnectionData {
    /// The connection id (`conn_...`).
    pub id: String,
    /// The organization it belongs to (`org_...`).
    pub organization_id: String,
    /// Its protocol: `OIDC` or `SAML`.
    pub connection_type: Option<String>,
    /// The identity provider (`OKTA`, `GOOGLE`, `MICROSOFT_AD`, ...).
    pub provider: Option<String>,
    /// Whether the connection is enabled (`sso_enabled` / `sso_disabled`).
    pub enabled: Option<bool>,
    /// Its configuration status (`COMPLETED`, ...).
    pub status: Option<String>,
}

/// The directory of `organization.directory_enabled|directory_disabled`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryData {
    /// The directory id (`dir_...`).
    pub id: String,
    /// The organization it belongs to (`org_...`).
    pub organization_id: String,
    /// Its protocol (`SCIM`).
    pub directory_type: Option<String>,
    /// The directory provider (`OKTA`, `AZURE_AD`, ...).
    pub provider: Option<String>,
    /// Whether directory sync is enabled.
    pub enabled: Option<bool>,
    /// When the directory last changed.
    pub updated_at: Option<String>,
}

/// The domain of `organization.domain_created|domain_deleted|domain_dns_verification_success|domain_dns_verification_failed`.
///
/// `txt_record_secret` is sensitive (Scalekit asks not to log or display it):
/// `Debug` prints it as `<redacted>`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DomainData {
    /// The domain id (`dom_...`).
    pub id: String,
    /// The domain name.
    pub domain: String,
    /// `ORGANIZATION_DOMAIN` (SSO/SCIM routing) or `ALLOWED_EMAIL_DOMAIN`.
    pub domain_type: Option<String>,
    /// The organization that owns it.
    pub organization_id: Option<String>,
    /// The environment it is configured in.
    pub environment_id: Option<String>,
    /// The DNS TXT record host used for the ownership check.
    pub txt_record_key: Option<String>,
    /// The DNS TXT record value Scalekit expects: sensitive, do not log it.
    pub txt_record_secret: Option<String>,
    /// `PENDING`, `VERIFIED`, `FAILED` or `AUTO_VERIFIED`.
    pub verification_status: Option<String>,
    /// `DNS`, `ADMIN` or `NOT_APPLICABLE`.
    pub verification_method: Option<String>,
    /// When the domain's status last changed.
    pub updated_at: Option<String>,
}

impl fmt::Debug for DomainData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DomainData")
            .field("id", &self.id)
            .field("domain", &self.domain)
            .field("domain_type", &self.domain_type)
            .field("organization_id", &self.organization_id)
            .field("environment_id", &self.environment_id)
            .field("txt_record_key", &self.txt_record_key)
            .field(
                "txt_record_secret",
                &self.txt_record_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("verification_status", &self.verification_status)
            .field("verification_method", &self.verification_method)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

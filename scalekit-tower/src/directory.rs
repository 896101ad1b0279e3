//! An organization's directories (SCIM directory sync), as
//! `GET /api/v1/organizations/{id}/directories` lists them.
//!
//! ```
//! use scalekit_tower::{Directory, DirectoryProvider, DirectoryType};
//!
//! let directory: Directory = serde_json::from_str(
//!     r#"{"id":"dir_1","directoryType":"SCIM","directory_provider":3,"enabled":true,"total_users":12}"#,
//! )?;
//! assert_eq!(directory.directory_type, Some(DirectoryType::Scim));
//! assert_eq!(directory.provider, Some(DirectoryProvider::MicrosoftAd));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::wire_enum::{unspecified_as_none, wire_enum};

wire_enum! {
    /// How a directory synchronizes (`directory_type`).
    DirectoryType {
        /// SCIM provisioning.
        Scim = ("SCIM", 1),
        /// LDAP.
        Ldap = ("LDAP", 2),
        /// Polling the provider.
        Poll = ("POLL", 3),
    }
}

wire_enum! {
    /// The provider a directory syncs from (`directory_provider`).
    DirectoryProvider {
        /// Okta.
        Okta = ("OKTA", 1),
        /// Google Workspace.
        Google = ("GOOGLE", 2),
        /// Microsoft Active Directory / Entra ID.
        MicrosoftAd = ("MICROSOFT_AD", 3),
        /// Auth0.
        Auth0 = ("AUTH0", 4),
        /// OneLogin.
        Onelogin = ("ONELOGIN", 5),
        /// JumpCloud.
        Jumpcloud = ("JUMPCLOUD", 6),
        /// Ping Identity.
        PingIdentity = ("PING_IDENTITY", 7),
    }
}

wire_enum! {
    /// How far the admin got in configuring a directory (`status`).
    DirectoryStatus {
        /// Created, not configured.
        Draft = ("DRAFT", 1),
        /// Being configured.
        InProgress = ("IN_PROGRESS", 2),
        /// Configured.
        Completed = ("COMPLETED", 3),
    }
}

/// One directory of an organization.
///
/// Every field but `id` may be absent from an answer; unknown fields are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Directory {
    /// The directory id (`dir_...`).
    pub id: String,
    /// The organization it belongs to (`org_...`).
    #[serde(default, alias = "organizationId")]
    pub organization_id: Option<String>,
    /// Its name, usually the provider's.
    #[serde(default)]
    pub name: Option<String>,
    /// How it synchronizes.
    #[serde(
        default,
        alias = "directoryType",
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub directory_type: Option<DirectoryType>,
    /// The provider it syncs from.
    #[serde(
        default,
        rename = "directory_provider",
        alias = "directoryProvider",
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub provider: Option<DirectoryProvider>,
    /// Whether it is switched on and synchronizing.
    #[serde(default)]
    pub enabled: bool,
    /// How far its configuration got.
    #[serde(
        default,
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<DirectoryStatus>,
    /// Users synchronized so far.
    #[serde(default, alias = "totalUsers")]
    pub total_users: Option<i64>,
    /// Groups synchronized so far.
    #[serde(default, alias = "totalGroups")]
    pub total_groups: Option<i64>,
}

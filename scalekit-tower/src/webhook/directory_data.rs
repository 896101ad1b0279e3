//! The typed `data` of the directory user and group events
//! (`organization.directory.user_created|user_updated|user_deleted`,
//! `group_created|group_updated|group_deleted`), which report what an
//! identity provider pushed over SCIM.
//!
//! Read leniently: only `id` is required, every other documented field is an
//! `Option` (or empty), and fields this crate does not know are kept in
//! `extra` rather than dropped.
//!
//! ```
//! use scalekit_tower::webhook::DirectoryUserData;
//!
//! let user: DirectoryUserData = serde_json::from_str(r#"{
//!     "id": "diruser_1", "organization_id": "org_1", "dp_id": "00u1",
//!     "preferred_username": "jane@acme.test", "email": "jane@acme.test", "active": false,
//!     "groups": [{"id": "dirgroup_1", "name": "Eng"}], "roles": null, "department": "R&D"
//! }"#)?;
//! assert_eq!(user.active, Some(false));
//! assert_eq!(user.groups[0].name.as_deref(), Some("Eng"));
//! assert_eq!(user.extra["department"], "R&D");
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// `null` reads as the type's default (an empty list or map).
fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A group a directory user belongs to, as the user events list it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryGroupRef {
    /// The group id (`dirgroup_...`).
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A role the directory maps a user to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryRole {
    /// The role's name.
    #[serde(default)]
    pub role_name: Option<String>,
}

/// The user of `organization.directory.user_created|user_updated`. A
/// deactivation in the identity provider is a `user_updated` with `active`
/// `false`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUserData {
    /// The user id (`diruser_...`).
    pub id: String,
    /// The organization (`org_...`).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The directory (`dir_...`), when sent.
    #[serde(default)]
    pub directory_id: Option<String>,
    /// The provider's id of the user (SCIM `externalId`).
    #[serde(default)]
    pub dp_id: Option<String>,
    /// The provider's user name (SCIM `userName`).
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// The primary email.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the user is active in the provider.
    #[serde(default)]
    pub active: Option<bool>,
    /// The full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// Nickname.
    #[serde(default)]
    pub nickname: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Postal address, as sent.
    #[serde(default)]
    pub address: Option<Value>,
    /// The groups the user belongs to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub groups: Vec<DirectoryGroupRef>,
    /// The roles the directory maps the user to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub roles: Vec<DirectoryRole>,
    /// Attributes mapped in the dashboard.
    #[serde(default, deserialize_with = "null_as_default")]
    pub custom_attributes: Map<String, Value>,
    /// The SCIM resource as the provider sent it.
    #[serde(default)]
    pub raw_attributes: Option<Value>,
    /// When the user last changed, if sent.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The user of `organization.directory.user_deleted`: only its ids and
/// email.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUserDeletedData {
    /// The user id (`diruser_...`).
    pub id: String,
    /// The organization (`org_...`).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The provider's id of the user.
    #[serde(default)]
    pub dp_id: Option<String>,
    /// The user's email.
    #[serde(default)]
    pub email: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The group of `organization.directory.group_created|group_updated|group_deleted`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryGroupData {
    /// The group id (`dirgroup_...`).
    pub id: String,
    /// The directory (`dir_...`).
    #[serde(default)]
    pub directory_id: Option<String>,
    /// The organization (`org_...`).
    #[serde(default)]
    pub organization_id: Option<String>,
    /// The group's name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The provider's id of the group (may be null).
    #[serde(default)]
    pub external_id: Option<String>,
    /// The provider's id of the group, as some payloads name it.
    #[serde(default)]
    pub dp_id: Option<String>,
    /// The SCIM resource as the provider sent it.
    #[serde(default)]
    pub raw_attributes: Option<Value>,
    /// When the group last changed, if sent.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

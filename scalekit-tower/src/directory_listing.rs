//! A directory's users and groups as the reads list them
//! (`GET /api/v1/organizations/{org}/directories/{dir}/users|groups`), and
//! the filters those reads take.
//!
//! ```
//! use scalekit_tower::{DirectoryListOptions, DirectoryUser};
//!
//! let user: DirectoryUser = serde_json::from_str(
//!     r#"{"id":"diruser_1","email":"jane@acme.test","preferredUsername":"jane",
//!         "updated_at":"2025-01-15T08:55:22.802860Z","groups":[{"id":"dirgroup_1","display_name":"Eng"}]}"#,
//! )?;
//! assert_eq!(user.preferred_username.as_deref(), Some("jane"));
//! assert_eq!(user.groups[0].id, "dirgroup_1");
//! assert!(user.updated_at_time().is_some());
//! let options = DirectoryListOptions::new().page_size(30).include_detail(true);
//! assert_eq!(options.page_size_value(), 30);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::organization::{empty_as_none, lenient_u64};

/// The documented largest page of the directory reads.
pub const MAX_DIRECTORY_PAGE_SIZE: u32 = 30;

/// `null` reads as the type's default (an empty list or map).
fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses an RFC 3339 time, as the reads write `updated_at`.
fn parse_time(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &Rfc3339).ok()
}

/// One user of a directory. Every field but `id` may be absent; unknown
/// fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUser {
    /// The user id (`diruser_...`).
    pub id: String,
    /// The primary email.
    #[serde(default)]
    pub email: Option<String>,
    /// The provider's user name (SCIM `userName`).
    #[serde(default, alias = "preferredUsername")]
    pub preferred_username: Option<String>,
    /// Given name.
    #[serde(default, alias = "givenName")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, alias = "familyName")]
    pub family_name: Option<String>,
    /// When it last changed (RFC 3339), as sent.
    #[serde(default, alias = "updatedAt")]
    pub updated_at: Option<String>,
    /// Every email.
    #[serde(default, deserialize_with = "null_as_default")]
    pub emails: Vec<String>,
    /// The groups it belongs to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub groups: Vec<DirectoryGroup>,
    /// The resource as the provider sent it (with `include_detail`).
    #[serde(default, alias = "userDetail")]
    pub user_detail: Option<Map<String, Value>>,
}

impl DirectoryUser {
    /// [`updated_at`](Self::updated_at) as a time, when it parses.
    pub fn updated_at_time(&self) -> Option<OffsetDateTime> {
        parse_time(self.updated_at.as_deref())
    }

    /// Whether the provider marks the user active: `user_detail.active`,
    /// `None` without the detail.
    pub fn active(&self) -> Option<bool> {
        self.user_detail.as_ref()?.get("active")?.as_bool()
    }
}

/// One group of a directory (or a user's membership in one). Every field
/// but `id` may be absent; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryGroup {
    /// The group id (`dirgroup_...`).
    pub id: String,
    /// Its name.
    #[serde(default, alias = "displayName")]
    pub display_name: Option<String>,
    /// How many users it has.
    #[serde(default, alias = "totalUsers")]
    pub total_users: Option<i64>,
    /// When it last changed (RFC 3339), as sent.
    #[serde(default, alias = "updatedAt")]
    pub updated_at: Option<String>,
    /// The resource as the provider sent it (with `include_detail`).
    #[serde(default, alias = "groupDetail")]
    pub group_detail: Option<Map<String, Value>>,
}

impl DirectoryGroup {
    /// [`updated_at`](Self::updated_at) as a time, when it parses.
    pub fn updated_at_time(&self) -> Option<OffsetDateTime> {
        parse_time(self.updated_at.as_deref())
    }
}

/// One page of a directory's users.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryUserPage {
    /// The users on this page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<DirectoryUser>,
    /// How many users match in all.
    #[serde(default, alias = "totalSize", deserialize_with = "lenient_u64")]
    pub total_size: u64,
    /// The next page's token; `None` on the last page.
    #[serde(default, alias = "nextPageToken", deserialize_with = "empty_as_none")]
    pub next_page_token: Option<String>,
}

/// One page of a directory's groups.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectoryGroupPage {
    /// The groups on this page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub groups: Vec<DirectoryGroup>,
    /// How many groups match in all.
    #[serde(default, alias = "totalSize", deserialize_with = "lenient_u64")]
    pub total_size: u64,
    /// The next page's token; `None` on the last page.
    #[serde(default, alias = "nextPageToken", deserialize_with = "empty_as_none")]
    pub next_page_token: Option<String>,
}

/// Filters of the directory reads. The default: pages of 30, no detail, no
/// group or time filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryListOptions {
    page_size: u32,
    directory_group_id: Option<String>,
    updated_after: Option<OffsetDateTime>,
    include_detail: bool,
}

impl Default for DirectoryListOptions {
    fn default() -> Self {
        Self {
            page_size: MAX_DIRECTORY_PAGE_SIZE,
            directory_group_id: None,
            updated_after: None,
            include_detail: false,
        }
    }
}

impl DirectoryListOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Users or groups per page, 1 to [`MAX_DIRECTORY_PAGE_SIZE`] (checked
    /// when the read starts).
    #[must_use]
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Only the users of this group (`dirgroup_...`; users only).
    #[must_use]
    pub fn directory_group_id(mut self, group: impl Into<String>) -> Self {
        self.directory_group_id = Some(group.into());
        self
    }

    /// Only what changed after this time: the reconcile watermark.
    #[must_use]
    pub fn updated_after(mut self, after: OffsetDateTime) -> Self {
        self.updated_after = Some(after);
        self
    }

    /// Adds the provider's raw resource (`user_detail` / `group_detail`).
    #[must_use]
    pub fn include_detail(mut self, include: bool) -> Self {
        self.include_detail = include;
        self
    }

    /// The page size asked for.
    pub fn page_size_value(&self) -> u32 {
        self.page_size
    }

    /// The query pairs of one page's request.
    pub(crate) fn query(
        &self,
        page_token: Option<&str>,
        users: bool,
    ) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page_size", self.page_size.to_string())];
        if let Some(token) = page_token {
            pairs.push(("page_token", token.to_owned()));
        }
        if self.include_detail {
            pairs.push(("include_detail", "true".to_owned()));
        }
        if let (true, Some(group)) = (users, &self.directory_group_id) {
            pairs.push(("directory_group_id", group.clone()));
        }
        if let Some(after) = self.updated_after
            && let Ok(text) = after.format(&Rfc3339)
        {
            pairs.push(("updated_after", text));
        }
        pairs
    }
}

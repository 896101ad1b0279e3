//! What the helper hands the app: a directory user or group in one shape,
//! whether it came from a webhook or from the reads, and the record of the
//! last change applied to it (the ordering guard's memory).

use time::OffsetDateTime;

use crate::directory_listing::{DirectoryGroup, DirectoryUser};
use crate::webhook::{DirectoryGroupData, DirectoryUserData};

/// A directory user as the app stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncedUser {
    /// The user id (`diruser_...`).
    pub id: String,
    /// The primary email.
    pub email: Option<String>,
    /// The provider's user name.
    pub preferred_username: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Whether the provider has the user active (`None`: not said).
    pub active: Option<bool>,
    /// The ids of the groups the user belongs to.
    pub group_ids: Vec<String>,
}

impl SyncedUser {
    /// From a `user_created|user_updated` event.
    pub fn from_event(data: &DirectoryUserData) -> Self {
        Self {
            id: data.id.clone(),
            email: data.email.clone(),
            preferred_username: data.preferred_username.clone(),
            given_name: data.given_name.clone(),
            family_name: data.family_name.clone(),
            active: data.active,
            group_ids: data.groups.iter().map(|group| group.id.clone()).collect(),
        }
    }

    /// From the reads (`active` comes from `user_detail`, when asked for).
    pub fn from_listing(user: &DirectoryUser) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            preferred_username: user.preferred_username.clone(),
            given_name: user.given_name.clone(),
            family_name: user.family_name.clone(),
            active: user.active(),
            group_ids: user.groups.iter().map(|group| group.id.clone()).collect(),
        }
    }
}

/// A directory group as the app stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncedGroup {
    /// The group id (`dirgroup_...`).
    pub id: String,
    /// Its name.
    pub display_name: Option<String>,
}

impl SyncedGroup {
    /// From a `group_*` event.
    pub fn from_event(data: &DirectoryGroupData) -> Self {
        Self {
            id: data.id.clone(),
            display_name: data.display_name.clone(),
        }
    }

    /// From the reads.
    pub fn from_listing(group: &DirectoryGroup) -> Self {
        Self {
            id: group.id.clone(),
            display_name: group.display_name.clone(),
        }
    }
}

/// The last change the helper applied to a user or group: when it happened
/// at the source and whether it removed the record. An older change than
/// this one changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedChange {
    /// When the change happened (the event's `occurred_at`, or the read's
    /// `updated_at`).
    pub at: OffsetDateTime,
    /// Whether it was a deletion.
    pub deleted: bool,
}

impl AppliedChange {
    /// Whether a change at `at` (a deletion if `deleting`) comes after this
    /// one: later wins; at the same instant a deletion wins over an update.
    pub fn is_superseded_by(&self, at: OffsetDateTime, deleting: bool) -> bool {
        at > self.at || (at == self.at && deleting && !self.deleted)
    }
}

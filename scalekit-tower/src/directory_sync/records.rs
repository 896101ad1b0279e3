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

/// What the helper last applied to a user or group: when its newest
/// update and its deletion happened at the source. A change older than
/// these changes nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppliedChange {
    /// When the newest applied update happened (the event's `occurred_at`,
    /// or the read's `updated_at`).
    pub updated_at: Option<OffsetDateTime>,
    /// When the record was deleted, if it was.
    pub deleted_at: Option<OffsetDateTime>,
}

/// What the guard lets an incoming change do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Apply it.
    Apply,
    /// Apply its attributes, but the record stays deleted (a user kept
    /// inactive): the deletion is newer.
    ApplyDeleted,
    /// A newer change was applied: nothing to do.
    Stale,
}

impl AppliedChange {
    /// The verdict on an update at `at`: older than the newest applied update
    /// is stale; older than a deletion applies only as deleted.
    pub(crate) fn update(last: Option<Self>, at: Option<OffsetDateTime>) -> Verdict {
        let (Some(last), Some(at)) = (last, at) else {
            return match last.and_then(|last| last.deleted_at) {
                Some(_) => Verdict::ApplyDeleted,
                None => Verdict::Apply,
            };
        };
        if last.updated_at.is_some_and(|updated| updated >= at) {
            Verdict::Stale
        } else if last.deleted_at.is_some() {
            Verdict::ApplyDeleted
        } else {
            Verdict::Apply
        }
    }

    /// The verdict on a deletion at `at`: a repeat of an applied deletion is
    /// stale; otherwise a deletion always applies (it wins over updates).
    pub(crate) fn delete(last: Option<Self>, at: Option<OffsetDateTime>) -> Verdict {
        match (last.and_then(|last| last.deleted_at), at) {
            (Some(deleted), Some(at)) if deleted >= at => Verdict::Stale,
            (Some(_), None) => Verdict::Stale,
            _ => Verdict::Apply,
        }
    }
}

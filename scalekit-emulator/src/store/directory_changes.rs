//! The changes SCIM writes make to a directory's users and groups, each
//! reported by one `organization.directory.*` webhook.

use serde_json::Value;

/// Which directory record changed and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirectoryRecordKind {
    UserCreated,
    UserUpdated,
    UserDeleted,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
}

impl DirectoryRecordKind {
    /// The webhook `type`, e.g. `organization.directory.user_created`.
    pub(crate) fn event_type(self) -> &'static str {
        match self {
            Self::UserCreated => "organization.directory.user_created",
            Self::UserUpdated => "organization.directory.user_updated",
            Self::UserDeleted => "organization.directory.user_deleted",
            Self::GroupCreated => "organization.directory.group_created",
            Self::GroupUpdated => "organization.directory.group_updated",
            Self::GroupDeleted => "organization.directory.group_deleted",
        }
    }

    /// The webhook `object`.
    pub(crate) fn object(self) -> &'static str {
        match self {
            Self::UserCreated | Self::UserUpdated | Self::UserDeleted => "DirectoryUser",
            _ => "DirectoryGroup",
        }
    }

    /// The webhook `display_name`.
    pub(crate) fn display_name(self) -> &'static str {
        match self {
            Self::UserCreated => "Directory User Created",
            Self::UserUpdated => "Directory User Updated",
            Self::UserDeleted => "Directory User Deleted",
            Self::GroupCreated => "Directory Group Created",
            Self::GroupUpdated => "Directory Group Updated",
            Self::GroupDeleted => "Directory Group Deleted",
        }
    }
}

/// A directory user or group as it is right after a change, in the shape
/// its webhook's `data` has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DirectoryRecordChange {
    pub(crate) kind: DirectoryRecordKind,
    pub(crate) organization_id: String,
    pub(crate) data: Value,
}

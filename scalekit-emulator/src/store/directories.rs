//! SCIM directories: the one directory an organization's admin configures in
//! the portal's directory-sync section.

use serde_json::{Value, json};
use time::OffsetDateTime;

/// The directory provider every emulated directory uses.
pub(crate) const DIRECTORY_PROVIDER: &str = "MICROSOFT_AD";

/// The name Scalekit gives a Microsoft AD SCIM directory.
pub(crate) const DIRECTORY_NAME: &str = "Microsoft AD";
/// Which groups the directory syncs.
pub(crate) const GROUPS_TRACKED: &str = "ALL";

/// One directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directory {
    /// `dir_<digits>`, reserved when the organization was created.
    pub(crate) id: String,
    pub(crate) organization_id: String,
    /// Always `SCIM`.
    pub(crate) directory_type: &'static str,
    /// Always [`DIRECTORY_PROVIDER`].
    pub(crate) provider: &'static str,
    pub(crate) enabled: bool,
    /// Whether it was ever enabled (`status` `COMPLETED`, else `IN_PROGRESS`).
    pub(crate) completed: bool,
    pub(crate) updated_at: OffsetDateTime,
}

impl Directory {
    /// A new, disabled directory.
    pub(crate) fn new(id: String, organization_id: &str) -> Self {
        Self {
            id,
            organization_id: organization_id.to_owned(),
            directory_type: "SCIM",
            provider: DIRECTORY_PROVIDER,
            enabled: false,
            completed: false,
            updated_at: OffsetDateTime::now_utc(),
        }
    }

    /// Enables or disables it. Returns whether `enabled` changed.
    pub(crate) fn set_enabled(&mut self, enabled: bool) -> bool {
        let changed = self.enabled != enabled;
        self.enabled = enabled;
        self.completed |= enabled;
        if changed {
            self.updated_at = OffsetDateTime::now_utc();
        }
        changed
    }

    /// `IN_PROGRESS` until first enabled, then `COMPLETED`.
    pub(crate) fn status(&self) -> &'static str {
        if self.completed {
            "COMPLETED"
        } else {
            "IN_PROGRESS"
        }
    }

    /// The REST representation (`directoriesDirectory`).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "organization_id": self.organization_id,
            "name": DIRECTORY_NAME,
            "directory_type": self.directory_type,
            "directory_provider": self.provider,
            "enabled": self.enabled,
            "status": self.status(),
            "groups_tracked": GROUPS_TRACKED,
            "total_users": 0,
            "total_groups": 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_and_completes() {
        let mut directory = Directory::new("dir_1".into(), "org_1");
        assert_eq!(directory.to_json()["status"], "IN_PROGRESS");
        assert!(directory.set_enabled(true));
        assert!(!directory.set_enabled(true));
        assert!(directory.set_enabled(false));
        let json = directory.to_json();
        assert_eq!(json["status"], "COMPLETED");
        assert_eq!(json["enabled"], false);
        assert_eq!(json["directory_provider"], "MICROSOFT_AD");
    }
}

//! An event about a directory user or group, whose `data` the emulator
//! builds from the record (see `organization.directory.*` in the reference).

use serde_json::Value;

/// The parts of an `organization.directory.*` event that vary by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordEvent {
    /// e.g. `organization.directory.user_created`.
    pub(crate) event_type: &'static str,
    /// `DirectoryUser` or `DirectoryGroup`.
    pub(crate) object: &'static str,
    /// e.g. `Directory User Created`.
    pub(crate) display_name: &'static str,
    /// `org_...`.
    pub(crate) organization_id: String,
    /// The `data` field.
    pub(crate) data: Value,
}

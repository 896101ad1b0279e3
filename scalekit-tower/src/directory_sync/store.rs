//! The app's side of directory sync: where synced users and groups live,
//! and where the helper keeps its ordering memory and watermark.

use std::future::Future;

use time::OffsetDateTime;

use crate::directory_sync::records::{AppliedChange, SyncedGroup, SyncedUser};

/// What the app implements to receive a directory's people. Each method is
/// one write the app makes in its own database; each must be idempotent
/// (the helper may repeat one after a failure).
///
/// Besides the users and groups, the app keeps two small things for the
/// helper: the last change applied to each user or group (so an older,
/// late delivery changes nothing) and, per directory, the reconcile
/// watermark.
pub trait DirectorySyncStore: Send + Sync {
    /// The app's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Creates or updates a user (with its `group_ids` as its memberships).
    fn upsert_user(
        &self,
        user: &SyncedUser,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Marks a user inactive (deactivated in the provider, or deleted under
    /// [`DeletePolicy::Deactivate`](crate::directory_sync::DeletePolicy::Deactivate)).
    fn deactivate_user(&self, id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Removes a user (under [`DeletePolicy::Delete`](crate::directory_sync::DeletePolicy::Delete)).
    fn delete_user(&self, id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Creates or updates a group.
    fn upsert_group(
        &self,
        group: &SyncedGroup,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Removes a group (and the memberships in it).
    fn delete_group(&self, id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The ids of the users the app holds as active (a full reconcile
    /// removes those the directory no longer has).
    fn user_ids(&self) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send;

    /// The ids of the groups the app holds.
    fn group_ids(&self) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send;

    /// The last change applied to user or group `id`, if any.
    fn last_change(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<AppliedChange>, Self::Error>> + Send;

    /// Remembers the last change applied to `id`.
    fn record_change(
        &self,
        id: &str,
        change: AppliedChange,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The reconcile watermark: the newest `updated_at` the reads returned.
    fn watermark(&self)
    -> impl Future<Output = Result<Option<OffsetDateTime>, Self::Error>> + Send;

    /// Stores the reconcile watermark.
    fn set_watermark(
        &self,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

//! Why applying a change or a reconcile failed.

use crate::error::Error;

/// A failure of the directory sync helper: the app's store failed, or a
/// read of the directory did.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError<E: std::error::Error + 'static> {
    /// The app's [`DirectorySyncStore`](crate::directory_sync::DirectorySyncStore) failed.
    #[error("the app's directory store failed: {0}")]
    Store(#[source] E),
    /// Reading the directory's users or groups failed.
    #[error("reading the directory failed: {0}")]
    Read(#[source] Error),
}

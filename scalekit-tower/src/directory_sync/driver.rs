//! Applying directory webhooks to the app's store, with the ordering guard:
//! deliveries come at least once and out of order, so each change is
//! compared with the last one applied to the same user or group, by when it
//! happened, and an older one changes nothing.

use time::OffsetDateTime;

use crate::directory_sync::error::SyncError;
use crate::directory_sync::records::{AppliedChange, SyncedGroup, SyncedUser, Verdict};
use crate::directory_sync::store::DirectorySyncStore;
use crate::webhook::{EventData, WebhookEvent};

/// What a user deletion in the provider does in the app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeletePolicy {
    /// Keep the user, inactive (the default: its history stays).
    #[default]
    Deactivate,
    /// Remove the user.
    Delete,
}

/// What [`DirectorySync::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The change was applied.
    Applied,
    /// A newer change to the same record was applied before: nothing changed.
    Stale,
    /// Not a directory user or group event.
    Ignored,
}

/// The directory sync helper for one directory: applies webhook events and
/// reconciles from the reads, into the app's [`DirectorySyncStore`].
#[derive(Debug, Clone)]
pub struct DirectorySync<S> {
    pub(crate) store: S,
    pub(crate) policy: DeletePolicy,
}

/// One change to apply, whatever its source.
pub(crate) enum Change {
    User(SyncedUser),
    UserDeleted(String),
    Group(SyncedGroup),
    GroupDeleted(String),
}

impl Change {
    fn id(&self) -> &str {
        match self {
            Self::User(user) => &user.id,
            Self::Group(group) => &group.id,
            Self::UserDeleted(id) | Self::GroupDeleted(id) => id,
        }
    }

    fn deleting(&self) -> bool {
        matches!(self, Self::UserDeleted(_) | Self::GroupDeleted(_))
    }
}

impl<S: DirectorySyncStore> DirectorySync<S> {
    /// A helper writing into `store`, deactivating deleted users.
    pub fn new(store: S) -> Self {
        Self {
            store,
            policy: DeletePolicy::default(),
        }
    }

    /// Sets what a user deletion does.
    #[must_use]
    pub fn delete_policy(mut self, policy: DeletePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The app's store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Applies one verified webhook event. Directory user and group events
    /// change the store unless a newer change to the same record was
    /// applied already (by the event's `occurred_at`); other events are
    /// ignored. Applying the same event twice changes nothing the second
    /// time.
    pub async fn apply(&self, event: &WebhookEvent) -> Result<Outcome, SyncError<S::Error>> {
        let change = match event.data() {
            EventData::DirectoryUserCreated(user) | EventData::DirectoryUserUpdated(user) => {
                Change::User(SyncedUser::from_event(user))
            }
            EventData::DirectoryUserDeleted(user) => Change::UserDeleted(user.id.clone()),
            EventData::DirectoryGroupCreated(group) | EventData::DirectoryGroupUpdated(group) => {
                Change::Group(SyncedGroup::from_event(group))
            }
            EventData::DirectoryGroupDeleted(group) => Change::GroupDeleted(group.id.clone()),
            _ => return Ok(Outcome::Ignored),
        };
        self.apply_change(change, event.occurred_at_time()).await
    }

    /// Applies `change`, which happened at `at` (unknown: applied unless
    /// the record is deleted already).
    pub(crate) async fn apply_change(
        &self,
        change: Change,
        at: Option<OffsetDateTime>,
    ) -> Result<Outcome, SyncError<S::Error>> {
        let store = &self.store;
        let last = store
            .last_change(change.id())
            .await
            .map_err(SyncError::Store)?;
        let verdict = if change.deleting() {
            AppliedChange::delete(last, at)
        } else {
            AppliedChange::update(last, at)
        };
        let mut applied = last.unwrap_or_default();
        match (&change, verdict) {
            (_, Verdict::Stale) => return Ok(Outcome::Stale),
            (Change::User(user), verdict) => {
                if verdict == Verdict::ApplyDeleted && self.policy == DeletePolicy::Delete {
                    return Ok(Outcome::Stale);
                }
                store.upsert_user(user).await.map_err(SyncError::Store)?;
                if user.active == Some(false) || verdict == Verdict::ApplyDeleted {
                    store
                        .deactivate_user(&user.id)
                        .await
                        .map_err(SyncError::Store)?;
                }
                applied.updated_at = at.or(applied.updated_at);
            }
            (Change::Group(group), Verdict::Apply) => {
                store.upsert_group(group).await.map_err(SyncError::Store)?;
                applied.updated_at = at.or(applied.updated_at);
            }
            (Change::Group(_), _) => return Ok(Outcome::Stale),
            (Change::UserDeleted(id), _) => {
                match self.policy {
                    DeletePolicy::Deactivate => store.deactivate_user(id).await,
                    DeletePolicy::Delete => store.delete_user(id).await,
                }
                .map_err(SyncError::Store)?;
                applied.deleted_at = at
                    .or(applied.updated_at)
                    .or(Some(OffsetDateTime::UNIX_EPOCH));
            }
            (Change::GroupDeleted(id), _) => {
                store.delete_group(id).await.map_err(SyncError::Store)?;
                applied.deleted_at = at
                    .or(applied.updated_at)
                    .or(Some(OffsetDateTime::UNIX_EPOCH));
            }
        }
        store
            .record_change(change.id(), applied)
            .await
            .map_err(SyncError::Store)?;
        Ok(Outcome::Applied)
    }
}

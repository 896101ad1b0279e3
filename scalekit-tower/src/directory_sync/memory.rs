//! A [`DirectorySyncStore`] in memory: for tests, demos and benchmarks, and
//! as a model of what an app's own store does.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::directory_sync::records::{AppliedChange, SyncedGroup, SyncedUser};
use crate::directory_sync::store::DirectorySyncStore;

#[derive(Debug, Default)]
struct State {
    users: BTreeMap<String, SyncedUser>,
    groups: BTreeMap<String, SyncedGroup>,
    changes: BTreeMap<String, AppliedChange>,
    watermark: Option<OffsetDateTime>,
}

/// Synced users and groups of one directory, in memory.
#[derive(Debug, Default)]
pub struct InMemoryDirectory {
    state: Mutex<State>,
}

impl InMemoryDirectory {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The users, by id.
    pub fn users(&self) -> Vec<SyncedUser> {
        self.state().users.values().cloned().collect()
    }

    /// The groups, by id.
    pub fn groups(&self) -> Vec<SyncedGroup> {
        self.state().groups.values().cloned().collect()
    }

    /// One user.
    pub fn user(&self, id: &str) -> Option<SyncedUser> {
        self.state().users.get(id).cloned()
    }
}

impl DirectorySyncStore for InMemoryDirectory {
    type Error = Infallible;

    async fn upsert_user(&self, user: &SyncedUser) -> Result<(), Infallible> {
        self.state().users.insert(user.id.clone(), user.clone());
        Ok(())
    }

    async fn deactivate_user(&self, id: &str) -> Result<(), Infallible> {
        if let Some(user) = self.state().users.get_mut(id) {
            user.active = Some(false);
        }
        Ok(())
    }

    async fn delete_user(&self, id: &str) -> Result<(), Infallible> {
        self.state().users.remove(id);
        Ok(())
    }

    async fn upsert_group(&self, group: &SyncedGroup) -> Result<(), Infallible> {
        self.state().groups.insert(group.id.clone(), group.clone());
        Ok(())
    }

    async fn delete_group(&self, id: &str) -> Result<(), Infallible> {
        let mut state = self.state();
        state.groups.remove(id);
        for user in state.users.values_mut() {
            user.group_ids.retain(|group| group != id);
        }
        Ok(())
    }

    async fn user_ids(&self) -> Result<Vec<String>, Infallible> {
        Ok(self
            .state()
            .users
            .values()
            .filter(|user| user.active != Some(false))
            .map(|user| user.id.clone())
            .collect())
    }

    async fn group_ids(&self) -> Result<Vec<String>, Infallible> {
        Ok(self.state().groups.keys().cloned().collect())
    }

    async fn last_change(&self, id: &str) -> Result<Option<AppliedChange>, Infallible> {
        Ok(self.state().changes.get(id).copied())
    }

    async fn record_change(&self, id: &str, change: AppliedChange) -> Result<(), Infallible> {
        self.state().changes.insert(id.to_owned(), change);
        Ok(())
    }

    async fn watermark(&self) -> Result<Option<OffsetDateTime>, Infallible> {
        Ok(self.state().watermark)
    }

    async fn set_watermark(&self, at: OffsetDateTime) -> Result<(), Infallible> {
        self.state().watermark = Some(at);
        Ok(())
    }
}

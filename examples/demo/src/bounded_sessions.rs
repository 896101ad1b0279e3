//! The demo's session store: in memory, bounded in count, and freeing
//! expired sessions, so sign-ins from many clients cannot grow it without
//! end (tower-sessions' `MemoryStore` keeps every record until its id is
//! deleted).
//!
//! A session is stored only once it holds something: the demo writes to it
//! on a successful sign-in only, so failed sign-ins and visitors store
//! nothing. When the store is full, expired sessions are dropped first, then
//! the one closest to expiring. A production app uses its database's store
//! and its expired-session deletion task.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};

/// How many sessions the demo keeps at most, by default.
pub const DEFAULT_SESSION_CAPACITY: usize = 10_000;

/// Sessions in memory, at most `capacity` of them, none past its expiry.
#[derive(Debug, Clone)]
pub struct BoundedStore {
    records: Arc<Mutex<HashMap<Id, Record>>>,
    capacity: usize,
}

impl BoundedStore {
    /// An empty store holding at most `capacity` sessions (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            records: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    /// How many sessions are stored now (expired ones included until the
    /// next sweep).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Id, Record>> {
        // Plain data: a panic while holding the lock leaves nothing half-done.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes room for one more record in `records`.
    fn make_room(&self, records: &mut HashMap<Id, Record>) {
        if records.len() < self.capacity {
            return;
        }
        let now = OffsetDateTime::now_utc();
        records.retain(|_, record| record.expiry_date > now);
        while records.len() >= self.capacity {
            let soonest = records
                .values()
                .min_by_key(|record| record.expiry_date)
                .map(|record| record.id);
            match soonest {
                Some(id) => records.remove(&id),
                None => break,
            };
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for BoundedStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let mut records = self.lock();
        while records.contains_key(&record.id) {
            record.id = Id::default();
        }
        self.make_room(&mut records);
        records.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let mut records = self.lock();
        if !records.contains_key(&record.id) {
            self.make_room(&mut records);
        }
        records.insert(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let mut records = self.lock();
        let expired = records
            .get(id)
            .is_some_and(|record| record.expiry_date <= OffsetDateTime::now_utc());
        if expired {
            records.remove(id);
        }
        Ok(records.get(id).cloned())
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.lock().remove(id);
        Ok(())
    }
}

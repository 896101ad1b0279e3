//! The change feed: every state change the emulator makes, in order, for
//! whoever wants to react to it (the webhook deliveries).
//!
//! Handlers never announce changes themselves: the [`Store`](crate::store::Store)
//! methods that change an organization queue one [`Change`] per state change
//! while they hold the organizations lock, and hand the queue to the
//! registered [`ChangeObserver`]s after releasing every lock, in the order
//! the changes happened (one dispatcher at a time). So the layer that turns
//! changes into webhooks depends on the store, never the reverse, and an
//! observer sees the same records the status reads serve.
//!
//! Observers run on the request's task: they must be quick and must not call
//! back into the emulator (hand the change to a queue or channel instead).
//!
//! ```ignore
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let emu = Emulator::builder()
//!     .observe_changes(Arc::new(move |change: &Change| {
//!         sink.lock().unwrap().push(change.event_type())
//!     }))
//!     .start()
//!     .await?;
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::store::connections::Connection;
use crate::store::directories::Directory;
use crate::store::domains::Domain;
use crate::store::locking::lock;
use crate::store::organizations::Organization;

/// One state change, with the record as it is right after the change.
///
/// Every record carries its `organization_id` (the organization's own `id`
/// for the organization variants); [`Change::organization_id`] reads it.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// `POST /api/v1/organizations` created an organization.
    OrganizationCreated(Organization),
    /// `PATCH /api/v1/organizations/{id}` or `.../settings` changed it.
    OrganizationUpdated(Organization),
    /// `DELETE /api/v1/organizations/{id}` deleted it, at the given time
    /// (the record as it was).
    OrganizationDeleted(Organization, OffsetDateTime),
    /// The portal's SSO section was used for the first time, or the API
    /// created the connection: it exists now (disabled, `IN_PROGRESS`).
    SsoConnectionCreated(Connection),
    /// The connection was enabled (and is `COMPLETED`).
    SsoEnabled(Connection),
    /// The connection was disabled.
    SsoDisabled(Connection),
    /// The connection was deleted (the record as it was).
    SsoDeleted(Connection),
    /// The directory was enabled.
    DirectoryEnabled(Directory),
    /// The directory was disabled.
    DirectoryDisabled(Directory),
    /// A domain was added (`PENDING`).
    DomainCreated(Domain),
    /// A verification found the TXT record (`VERIFIED`).
    DomainVerified(Domain),
    /// A verification did not find the TXT record (`FAILED`).
    DomainVerificationFailed(Domain),
    /// A domain was removed (the record as it was).
    DomainDeleted(Domain),
}

impl Change {
    /// The organization the change belongs to.
    pub(crate) fn organization_id(&self) -> &str {
        match self {
            Self::OrganizationCreated(o)
            | Self::OrganizationUpdated(o)
            | Self::OrganizationDeleted(o, _) => &o.id,
            Self::SsoConnectionCreated(c)
            | Self::SsoEnabled(c)
            | Self::SsoDisabled(c)
            | Self::SsoDeleted(c) => &c.organization_id,
            Self::DirectoryEnabled(d) | Self::DirectoryDisabled(d) => &d.organization_id,
            Self::DomainCreated(d)
            | Self::DomainVerified(d)
            | Self::DomainVerificationFailed(d)
            | Self::DomainDeleted(d) => &d.organization_id,
        }
    }

    /// The Scalekit webhook event type that reports this change, e.g.
    /// `organization.sso_enabled`.
    pub(crate) fn event_type(&self) -> &'static str {
        match self {
            Self::OrganizationCreated(_) => "organization.created",
            Self::OrganizationUpdated(_) => "organization.updated",
            Self::OrganizationDeleted(..) => "organization.deleted",
            Self::SsoConnectionCreated(_) => "organization.sso_created",
            Self::SsoEnabled(_) => "organization.sso_enabled",
            Self::SsoDisabled(_) => "organization.sso_disabled",
            Self::SsoDeleted(_) => "organization.sso_deleted",
            Self::DirectoryEnabled(_) => "organization.directory_enabled",
            Self::DirectoryDisabled(_) => "organization.directory_disabled",
            Self::DomainCreated(_) => "organization.domain_created",
            Self::DomainVerified(_) => "organization.domain_dns_verification_success",
            Self::DomainVerificationFailed(_) => "organization.domain_dns_verification_failed",
            Self::DomainDeleted(_) => "organization.domain_deleted",
        }
    }
}

/// A function told about every [`Change`], registered before the emulator
/// starts (see `EmulatorBuilder::observe_changes`).
pub(crate) type ChangeObserver = Arc<dyn Fn(&Change) + Send + Sync>;

/// The queue between the store's locks and the observers.
pub(crate) struct ChangeFeed {
    observers: Vec<ChangeObserver>,
    /// Changes recorded but not yet dispatched, oldest first.
    pending: Mutex<VecDeque<Change>>,
    /// Held while dispatching, so observers see changes one at a time and in
    /// order even when requests race.
    dispatching: Mutex<()>,
}

impl fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeFeed")
            .field("observers", &self.observers.len())
            .field("pending", &lock(&self.pending).len())
            .finish()
    }
}

impl ChangeFeed {
    /// A feed that tells `observers`, in registration order.
    pub(crate) fn new(observers: Vec<ChangeObserver>) -> Self {
        Self {
            observers,
            pending: Mutex::new(VecDeque::new()),
            dispatching: Mutex::new(()),
        }
    }

    /// Queues a change. Call while holding the lock that made the change, so
    /// the queue order is the order of the changes.
    pub(crate) fn record(&self, change: Change) {
        lock(&self.pending).push_back(change);
    }

    /// Tells the observers about every queued change, oldest first; returns
    /// how many this call dispatched. Call after releasing the store's locks.
    pub(crate) fn dispatch(&self) -> usize {
        let _one_at_a_time = lock(&self.dispatching);
        let mut dispatched = 0;
        loop {
            let Some(change) = lock(&self.pending).pop_front() else {
                return dispatched;
            };
            for observer in &self.observers {
                observer(&change);
            }
            dispatched += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn dispatches_in_order_to_every_observer() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let observer = |tag: &'static str| -> ChangeObserver {
            let seen = seen.clone();
            Arc::new(move |change: &Change| {
                lock(&seen).push(format!("{tag}:{}", change.event_type()));
            })
        };
        let feed = ChangeFeed::new(vec![observer("a"), observer("b")]);
        let mut organization = Organization::new(
            "org_1".into(),
            "Acme".into(),
            None,
            BTreeMap::new(),
            false,
            false,
            "OIDC",
        );
        organization.set_sso(true);
        let connection = organization.connection.clone().unwrap();
        feed.record(Change::OrganizationCreated(organization));
        feed.record(Change::SsoEnabled(connection));
        assert_eq!(feed.dispatch(), 2);
        assert_eq!(feed.dispatch(), 0);
        assert_eq!(
            *lock(&seen),
            [
                "a:organization.created",
                "b:organization.created",
                "a:organization.sso_enabled",
                "b:organization.sso_enabled"
            ]
        );
    }
}

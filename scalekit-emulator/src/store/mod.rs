//! The store layer: everything one emulator knows, with no HTTP in it.
//!
//! Organizations (with their SSO connection, directory and domains), portal
//! links and sessions, access tokens, registered parent origins, armed
//! faults, counters and the change feed. The API and portal layers above
//! read and change it through [`Store`]; nothing here knows about them.
//! Every method that changes an organization records its [`Change`]s and
//! dispatches them to the observers after releasing its locks (see
//! [`changes`]).

pub(crate) mod admin;
pub(crate) mod changes;
pub(crate) mod clock;
pub(crate) mod connections;
pub(crate) mod counters;
pub(crate) mod directories;
pub(crate) mod directory_access;
pub(crate) mod directory_book;
pub(crate) mod directory_changes;
pub(crate) mod directory_records;
pub(crate) mod directory_secrets;
pub(crate) mod domains;
pub(crate) mod fault_queue;
pub(crate) mod locking;
pub(crate) mod org_settings;
pub(crate) mod organizations;
pub(crate) mod parent_origins;
pub(crate) mod portal_sessions;
pub(crate) mod tokens;

use std::collections::BTreeMap;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use crate::store::changes::{Change, ChangeFeed, ChangeObserver};
use crate::store::counters::Counters;
use crate::store::directory_book::DirectoryContents;
use crate::store::domains::{Domain, VerificationOutcome, VerificationStatus};
use crate::store::fault_queue::FaultQueue;
use crate::store::locking::{lock, read, write};
use crate::store::organizations::{DomainRefusal, Organization, Organizations};
use crate::store::parent_origins::{InvalidOrigin, ParentOrigins};
use crate::store::portal_sessions::{MintedLink, PortalSessions, Session, SessionError};
use crate::store::tokens::{TokenRejection, Tokens};

/// Why a domain action failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomainError {
    /// No such organization.
    UnknownOrganization,
    /// No such domain in the organization.
    UnknownDomain,
    /// The domain cannot be added.
    Refused(DomainRefusal),
}

/// The state of one emulator.
#[derive(Debug)]
pub(crate) struct Store {
    environment_id: String,
    organizations: Mutex<Organizations>,
    portal: Mutex<PortalSessions>,
    tokens: Mutex<Tokens>,
    origins: RwLock<ParentOrigins>,
    /// Directory contents (users, groups, SCIM secret) by directory id.
    directories: Mutex<BTreeMap<String, DirectoryContents>>,
    /// Armed faults and queued domain-verification outcomes.
    pub(crate) faults: FaultQueue,
    /// The skew of the `Date` header.
    pub(crate) clock: clock::Clock,
    /// What the emulator has seen.
    pub(crate) counters: Counters,
    feed: ChangeFeed,
}

/// What a [`Store`] starts with.
#[derive(Debug)]
pub(crate) struct StoreSeed {
    /// `env_...`.
    pub(crate) environment_id: String,
    pub(crate) organizations: Organizations,
    pub(crate) origins: ParentOrigins,
    pub(crate) default_verification: VerificationOutcome,
}

impl Store {
    /// A store holding `seed`, telling `observers` about every change.
    pub(crate) fn new(seed: StoreSeed, observers: Vec<ChangeObserver>) -> Self {
        Self {
            environment_id: seed.environment_id,
            organizations: Mutex::new(seed.organizations),
            portal: Mutex::default(),
            tokens: Mutex::default(),
            origins: RwLock::new(seed.origins),
            directories: Mutex::default(),
            faults: FaultQueue::new(seed.default_verification),
            clock: clock::Clock::default(),
            counters: Counters::default(),
            feed: ChangeFeed::new(observers),
        }
    }

    /// The environment's id (`env_...`).
    pub(crate) fn environment_id(&self) -> &str {
        &self.environment_id
    }

    // ---- tokens ----

    /// Issues an access token valid for `lifetime`.
    pub(crate) fn issue_token(&self, lifetime: Duration) -> String {
        let token = lock(&self.tokens).issue(lifetime);
        self.counters.token_issued();
        token
    }

    /// Checks a presented access token.
    pub(crate) fn check_token(&self, token: &str) -> Result<(), TokenRejection> {
        lock(&self.tokens).check(token)
    }

    /// Every access token still remembered.
    pub(crate) fn issued_tokens(&self) -> Vec<String> {
        lock(&self.tokens).remembered()
    }

    /// Revokes every access token issued so far; returns how many.
    pub(crate) fn revoke_tokens(&self) -> usize {
        lock(&self.tokens).revoke_all()
    }

    // ---- parent origins ----

    /// A copy of the registered parent origins.
    pub(crate) fn parent_origins(&self) -> ParentOrigins {
        read(&self.origins).clone()
    }

    /// Registers another parent origin.
    pub(crate) fn add_parent_origin(&self, origin: &str) -> Result<(), InvalidOrigin> {
        write(&self.origins).add(origin)
    }

    // ---- portal links and sessions ----

    /// Mints a link for an existing organization (`None` if unknown).
    pub(crate) fn mint_link(
        &self,
        organization_id: &str,
        features: Vec<String>,
        lifetime: Duration,
    ) -> Option<MintedLink> {
        lock(&self.organizations).get(organization_id)?;
        let link = lock(&self.portal).mint(organization_id, features, lifetime);
        self.counters.link_minted(organization_id);
        Some(link)
    }

    /// Loads a link: the first load of an unused, unexpired link opens a
    /// session.
    pub(crate) fn open_session(&self, key: &str, lifetime: Duration) -> Option<Session> {
        lock(&self.portal).load(key, lifetime)
    }

    /// The live session `key` opened, if `secret` is its secret.
    pub(crate) fn session(&self, key: &str, secret: &str) -> Result<Session, SessionError> {
        lock(&self.portal).session(key, secret).cloned()
    }

    /// The live session `key` opened, if `cookie` is its session cookie.
    pub(crate) fn session_by_cookie(
        &self,
        key: &str,
        cookie: &str,
    ) -> Result<Session, SessionError> {
        lock(&self.portal).session_by_cookie(key, cookie).cloned()
    }

    // ---- organizations: reads ----

    /// Runs `read` on the organizations.
    pub(crate) fn with_organizations<R>(&self, read: impl FnOnce(&Organizations) -> R) -> R {
        read(&lock(&self.organizations))
    }

    /// A copy of one organization.
    pub(crate) fn organization(&self, id: &str) -> Option<Organization> {
        lock(&self.organizations).get(id).cloned()
    }

    // ---- organizations: changes ----

    /// Sets feature toggles (`OrganizationUpdated`); `None` if unknown.
    pub(crate) fn update_features(
        &self,
        id: &str,
        features: &[(String, bool)],
    ) -> Option<Organization> {
        let updated = {
            let mut organizations = lock(&self.organizations);
            let organization = organizations.get_mut(id)?;
            for (name, enabled) in features {
                organization.set_feature(name, *enabled);
            }
            let updated = organization.clone();
            self.record(Change::OrganizationUpdated(updated.clone()));
            updated
        };
        self.feed.dispatch();
        Some(updated)
    }

    /// Enables or disables SSO (`SsoConnectionCreated` on first use, then
    /// `SsoEnabled` / `SsoDisabled` when the flag changes). Returns the
    /// organization afterwards; `None` if unknown.
    pub(crate) fn set_sso(&self, id: &str, enabled: bool) -> Option<Organization> {
        let updated = {
            let mut organizations = lock(&self.organizations);
            let organization = organizations.get_mut(id)?;
            let transition = organization.set_sso(enabled);
            let connection = organization.connection.clone()?;
            if let Some(created) = transition.created {
                self.record(Change::SsoConnectionCreated(created));
            }
            if transition.toggled {
                self.record(if connection.enabled {
                    Change::SsoEnabled(connection)
                } else {
                    Change::SsoDisabled(connection)
                });
            }
            organization.clone()
        };
        self.feed.dispatch();
        Some(updated)
    }

    /// Enables or disables directory sync (`DirectoryEnabled` /
    /// `DirectoryDisabled` when the flag changes; the directory is created
    /// on first use). Returns the organization afterwards; `None` if unknown.
    pub(crate) fn set_directory(&self, id: &str, enabled: bool) -> Option<Organization> {
        let updated = {
            let mut organizations = lock(&self.organizations);
            let organization = organizations.get_mut(id)?;
            let transition = organization.set_directory(enabled);
            let directory = organization.directory.clone()?;
            if transition.toggled {
                self.record(if directory.enabled {
                    Change::DirectoryEnabled(directory)
                } else {
                    Change::DirectoryDisabled(directory)
                });
            }
            organization.clone()
        };
        self.feed.dispatch();
        Some(updated)
    }

    /// Adds a pending domain of `domain_type` (`DomainCreated`).
    pub(crate) fn add_domain(
        &self,
        id: &str,
        name: &str,
        domain_type: &'static str,
    ) -> Result<Domain, DomainError> {
        let domain = {
            let mut organizations = lock(&self.organizations);
            let organization = organizations
                .get_mut(id)
                .ok_or(DomainError::UnknownOrganization)?;
            let domain = organization
                .add_domain(&self.environment_id, name, domain_type)
                .map_err(DomainError::Refused)?
                .clone();
            self.record(Change::DomainCreated(domain.clone()));
            domain
        };
        self.feed.dispatch();
        Ok(domain)
    }

    /// Runs a DNS verification of a domain that is not verified yet: the
    /// outcome comes from the fault queue (`DomainVerified` or
    /// `DomainVerificationFailed`). A verified domain stays as it is.
    pub(crate) fn verify_domain(&self, id: &str, domain_id: &str) -> Result<Domain, DomainError> {
        let domain = {
            let mut organizations = lock(&self.organizations);
            let domain = organizations
                .get_mut(id)
                .ok_or(DomainError::UnknownOrganization)?
                .domain_mut(domain_id)
                .ok_or(DomainError::UnknownDomain)?;
            if domain.verification_status == VerificationStatus::Verified {
                return Ok(domain.clone());
            }
            let outcome = self.faults.take_domain_verification();
            domain.record_verification(outcome);
            let domain = domain.clone();
            self.record(match outcome {
                VerificationOutcome::Verified => Change::DomainVerified(domain.clone()),
                VerificationOutcome::Failed => Change::DomainVerificationFailed(domain.clone()),
            });
            domain
        };
        self.feed.dispatch();
        Ok(domain)
    }

    /// Removes a domain (`DomainDeleted`, with the record as it was).
    pub(crate) fn delete_domain(&self, id: &str, domain_id: &str) -> Result<Domain, DomainError> {
        let domain = {
            let mut organizations = lock(&self.organizations);
            let domain = organizations
                .get_mut(id)
                .ok_or(DomainError::UnknownOrganization)?
                .remove_domain(domain_id)
                .ok_or(DomainError::UnknownDomain)?;
            self.record(Change::DomainDeleted(domain.clone()));
            domain
        };
        self.feed.dispatch();
        Ok(domain)
    }

    /// Queues a change and counts it; called with the organizations locked.
    fn record(&self, change: Change) {
        tracing::debug!(
            organization = change.organization_id(),
            event = change.event_type(),
            "state change"
        );
        self.counters.state_changed();
        self.feed.record(change);
    }
}

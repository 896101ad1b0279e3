//! The administrative changes of the management API: updating and deleting
//! organizations, their session policy and user-management settings, and
//! creating and deleting their SSO connection.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::store::Store;
use crate::store::changes::Change;
use crate::store::connections::Connection;
use crate::store::locking::lock;
use crate::store::org_settings::{SessionPolicy, UserManagement};
use crate::store::organizations::{Conflict, Organization};

/// The fields an update sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OrganizationPatch {
    pub(crate) display_name: Option<String>,
    pub(crate) external_id: Option<String>,
    /// Replaces the whole map.
    pub(crate) metadata: Option<BTreeMap<String, String>>,
    pub(crate) slug: Option<String>,
    pub(crate) logo_url: Option<String>,
}

/// Why an organization could not be changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AdminError {
    /// No such organization.
    UnknownOrganization,
    /// Another organization has this external id.
    ExternalIdTaken(String),
    /// The organization already has its SSO connection.
    ConnectionExists(String),
    /// The organization has no connection with this id.
    UnknownConnection,
}

impl Store {
    /// Applies `patch` (`OrganizationUpdated`).
    pub(crate) fn update_organization(
        &self,
        id: &str,
        patch: OrganizationPatch,
    ) -> Result<Organization, AdminError> {
        let updated = {
            let mut organizations = lock(&self.organizations);
            if let Some(external_id) = &patch.external_id
                && organizations
                    .by_external_id(external_id)
                    .is_some_and(|other| other.id != id)
            {
                return Err(AdminError::ExternalIdTaken(external_id.clone()));
            }
            let organization = organizations
                .get_mut(id)
                .ok_or(AdminError::UnknownOrganization)?;
            let OrganizationPatch {
                display_name,
                external_id,
                metadata,
                slug,
                logo_url,
            } = patch;
            if let Some(display_name) = display_name {
                organization.display_name = display_name;
            }
            if let Some(external_id) = external_id {
                organization.external_id = Some(external_id);
            }
            if let Some(metadata) = metadata {
                organization.metadata = metadata;
            }
            if let Some(slug) = slug {
                organization.slug = Some(slug);
            }
            if let Some(logo_url) = logo_url {
                organization.logo_url = Some(logo_url);
            }
            organization.touch();
            let updated = organization.clone();
            self.record(Change::OrganizationUpdated(updated.clone()));
            updated
        };
        self.feed.dispatch();
        Ok(updated)
    }

    /// Creates an organization with a slug and logo (`OrganizationCreated`).
    pub(crate) fn create_organization(
        &self,
        display_name: String,
        external_id: Option<String>,
        metadata: BTreeMap<String, String>,
        slug: Option<String>,
        logo_url: Option<String>,
    ) -> Result<Organization, Conflict> {
        let created = {
            let mut organizations = lock(&self.organizations);
            let created = organizations.create(display_name, external_id, metadata)?;
            created.slug = slug;
            created.logo_url = logo_url;
            let created = created.clone();
            self.record(Change::OrganizationCreated(created.clone()));
            created
        };
        self.feed.dispatch();
        Ok(created)
    }

    /// Deletes an organization with its connection, directory and domains,
    /// and ends its portal links and sessions (`OrganizationDeleted`).
    pub(crate) fn delete_organization(&self, id: &str) -> Result<Organization, AdminError> {
        let removed = {
            let mut organizations = lock(&self.organizations);
            let removed = organizations
                .remove(id)
                .ok_or(AdminError::UnknownOrganization)?;
            lock(&self.portal).forget_organization(id);
            self.record(Change::OrganizationDeleted(
                removed.clone(),
                OffsetDateTime::now_utc(),
            ));
            removed
        };
        // The directory's SCIM users, groups and secret go with it (taken
        // after the organization lock is released, as every other path
        // takes one lock at a time).
        lock(&self.directories).remove(&removed.directory_id);
        self.feed.dispatch();
        Ok(removed)
    }

    /// Sets the session policy; returns it.
    pub(crate) fn set_session_policy(
        &self,
        id: &str,
        policy: SessionPolicy,
    ) -> Result<SessionPolicy, AdminError> {
        let mut organizations = lock(&self.organizations);
        let organization = organizations
            .get_mut(id)
            .ok_or(AdminError::UnknownOrganization)?;
        organization.session_policy = policy;
        organization.touch();
        Ok(policy)
    }

    /// Sets the user-management settings; returns them.
    pub(crate) fn set_user_management(
        &self,
        id: &str,
        settings: UserManagement,
    ) -> Result<UserManagement, AdminError> {
        let mut organizations = lock(&self.organizations);
        let organization = organizations
            .get_mut(id)
            .ok_or(AdminError::UnknownOrganization)?;
        organization.user_management = settings;
        organization.touch();
        Ok(settings)
    }

    /// Creates the organization's SSO connection, disabled and in progress
    /// (`SsoConnectionCreated`); an organization holds one.
    pub(crate) fn create_connection(
        &self,
        id: &str,
        connection_type: &'static str,
        provider: &'static str,
    ) -> Result<Connection, AdminError> {
        let created = {
            let mut organizations = lock(&self.organizations);
            let organization = organizations
                .get_mut(id)
                .ok_or(AdminError::UnknownOrganization)?;
            if let Some(existing) = &organization.connection {
                return Err(AdminError::ConnectionExists(existing.id.clone()));
            }
            organization.connection_type = connection_type;
            organization.set_sso(false);
            let connection = organization
                .connection
                .as_mut()
                .ok_or(AdminError::UnknownConnection)?;
            connection.provider = provider;
            let created = connection.clone();
            self.record(Change::SsoConnectionCreated(created.clone()));
            created
        };
        self.feed.dispatch();
        Ok(created)
    }

    /// Deletes the organization's SSO connection (`SsoDeleted`).
    pub(crate) fn delete_connection(
        &self,
        id: &str,
        connection_id: &str,
    ) -> Result<Connection, AdminError> {
        let removed = {
            let mut organizations = lock(&self.organizations);
            let organization = organizations
                .get_mut(id)
                .ok_or(AdminError::UnknownOrganization)?;
            if organization
                .connection
                .as_ref()
                .is_none_or(|c| c.id != connection_id)
            {
                return Err(AdminError::UnknownConnection);
            }
            let removed = organization
                .remove_connection()
                .ok_or(AdminError::UnknownConnection)?;
            self.record(Change::SsoDeleted(removed.clone()));
            removed
        };
        self.feed.dispatch();
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::store::domains::VerificationOutcome;
    use crate::store::locking::lock;
    use crate::store::organizations::Organizations;
    use crate::store::parent_origins::ParentOrigins;
    use crate::store::{Store, StoreSeed};

    #[test]
    fn deleting_an_organization_removes_its_directory_contents() {
        let store = Store::new(
            StoreSeed {
                environment_id: "env_1".to_owned(),
                organizations: Organizations::default(),
                origins: ParentOrigins::default(),
                default_verification: VerificationOutcome::default(),
            },
            Vec::new(),
        );
        let created = store
            .create_organization("Doomed".to_owned(), None, BTreeMap::new(), None, None)
            .unwrap();
        let kept = store
            .create_organization("Kept".to_owned(), None, BTreeMap::new(), None, None)
            .unwrap();
        for organization in [&created, &kept] {
            store.set_directory(&organization.id, true).unwrap();
            store
                .create_directory_secret(&organization.id, &organization.directory_id)
                .unwrap();
            store
                .scim_create_user(
                    &organization.directory_id,
                    json!({"userName": format!("ann@{}.test", organization.id)}),
                )
                .unwrap();
        }
        assert_eq!(lock(&store.directories).len(), 2);

        store.delete_organization(&created.id).unwrap();

        let directories = lock(&store.directories);
        assert!(
            !directories.contains_key(&created.directory_id),
            "the deleted organization's SCIM users and secret stay behind"
        );
        assert!(directories.contains_key(&kept.directory_id));
    }
}

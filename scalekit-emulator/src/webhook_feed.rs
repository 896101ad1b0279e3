//! Turns the store's change feed into webhook deliveries: each
//! [`Change`] becomes the [`Event`] Scalekit sends for it, queued on the
//! [`Dispatcher`] (which never blocks the request that made the change).

use std::sync::Arc;

use crate::format::timefmt::rfc3339;
use crate::store::changes::{Change, ChangeObserver};
use crate::store::connections::Connection;
use crate::store::directories::Directory;
use crate::store::domains::Domain;
use crate::webhooks::{
    ConnectionData, DirectoryData, Dispatcher, DomainData, Event, OrganizationData,
};

/// A change observer that delivers every change as a webhook.
pub(crate) fn observer(dispatcher: Arc<Dispatcher>) -> ChangeObserver {
    Arc::new(move |change: &Change| dispatcher.send(&event(change)))
}

/// The webhook event that reports `change`.
fn event(change: &Change) -> Event {
    match change {
        Change::OrganizationCreated(o) => Event::OrganizationCreated(OrganizationData(o.to_json())),
        Change::OrganizationUpdated(o) => Event::OrganizationUpdated(OrganizationData(o.to_json())),
        Change::OrganizationDeleted(o, at) => {
            let mut data = o.to_json();
            data["deleted_at"] = rfc3339(*at).into();
            Event::OrganizationDeleted(OrganizationData(data))
        }
        Change::SsoConnectionCreated(c) => Event::SsoCreated(connection(c)),
        Change::SsoEnabled(c) => Event::SsoEnabled(connection(c)),
        Change::SsoDisabled(c) => Event::SsoDisabled(connection(c)),
        Change::SsoDeleted(c) => Event::SsoDeleted(connection(c)),
        Change::DirectoryEnabled(d) => Event::DirectoryEnabled(directory(d)),
        Change::DirectoryDisabled(d) => Event::DirectoryDisabled(directory(d)),
        Change::DomainCreated(d) => Event::DomainCreated(domain(d)),
        Change::DomainVerified(d) => Event::DomainVerificationSucceeded(domain(d)),
        Change::DomainVerificationFailed(d) => Event::DomainVerificationFailed(domain(d)),
        Change::DomainDeleted(d) => Event::DomainDeleted(domain(d)),
    }
}

fn connection(c: &Connection) -> ConnectionData {
    ConnectionData {
        id: c.id.clone(),
        organization_id: c.organization_id.clone(),
        connection_type: c.connection_type.to_owned(),
        provider: c.provider.to_owned(),
        enabled: Some(c.enabled),
        status: Some(c.status.as_str().to_owned()),
    }
}

fn directory(d: &Directory) -> DirectoryData {
    DirectoryData {
        id: d.id.clone(),
        organization_id: d.organization_id.clone(),
        directory_type: d.directory_type.to_owned(),
        provider: d.provider.to_owned(),
        enabled: d.enabled,
        updated_at: d.updated_at,
    }
}

fn domain(d: &Domain) -> DomainData {
    DomainData {
        id: d.id.clone(),
        domain: d.name.clone(),
        domain_type: d.domain_type.to_owned(),
        organization_id: d.organization_id.clone(),
        txt_record_key: d.txt_record_key.to_owned(),
        txt_record_secret: d.txt_record_secret.clone(),
        verification_status: d.verification_status.as_str().to_owned(),
        verification_method: d.verification_method.to_owned(),
        updated_at: d.update_time,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::store::domains::VerificationOutcome;
    use crate::store::organizations::Organization;

    /// Every change maps to the event type the store names for it.
    #[test]
    fn each_change_becomes_the_event_of_its_type() {
        let mut organization = Organization::new(
            "org_1".into(),
            "Acme".into(),
            Some("tenant".into()),
            BTreeMap::new(),
            false,
            false,
            "SAML",
        );
        let created = organization.set_sso(true).created.unwrap();
        let enabled = organization.connection.clone().unwrap();
        organization.set_directory(true);
        let directory = organization.directory.clone().unwrap();
        let mut pending = Domain::new("org_1", "env_1", "acme.example".into());
        let mut verified = pending.clone();
        verified.record_verification(VerificationOutcome::Verified);
        pending.record_verification(VerificationOutcome::Failed);
        let changes = [
            Change::OrganizationCreated(organization.clone()),
            Change::OrganizationUpdated(organization.clone()),
            Change::OrganizationDeleted(organization, time::OffsetDateTime::now_utc()),
            Change::SsoConnectionCreated(created),
            Change::SsoEnabled(enabled.clone()),
            Change::SsoDisabled(enabled.clone()),
            Change::SsoDeleted(enabled),
            Change::DirectoryEnabled(directory.clone()),
            Change::DirectoryDisabled(directory),
            Change::DomainCreated(verified.clone()),
            Change::DomainVerified(verified.clone()),
            Change::DomainVerificationFailed(pending),
            Change::DomainDeleted(verified),
        ];
        for change in &changes {
            let event = event(change);
            assert_eq!(event.event_type(), change.event_type());
            assert_eq!(event.organization_id(), change.organization_id());
        }
    }
}

//! What the demo's server knows about each organization from Scalekit
//! itself: verified webhooks (durable, retried) and status reads. Never from
//! the browser.
//!
//! The webhook handler records every verified delivery (the latest
//! [`MAX_DELIVERIES`], for the settings page's panel) and the SSO and
//! directory state the events report. A real app writes the same into its
//! database, idempotently by `webhook-id`.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use scalekit_tower::OrganizationStatus;
use scalekit_tower::webhook::{EventData, WebhookEvent};
use serde::Serialize;

/// Deliveries kept for the panel; older ones are dropped.
pub(crate) const MAX_DELIVERIES: usize = 50;
/// Organizations remembered; past it, the state starts over (a demo keeps
/// no more, a real app keeps its own tenants in its database).
const MAX_ORGANIZATIONS: usize = 1_000;

/// One verified delivery, as the panel shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    pub(crate) webhook_id: String,
    pub(crate) event_type: String,
    pub(crate) organization_id: Option<String>,
    pub(crate) occurred_at: Option<String>,
    pub(crate) summary: String,
    /// The replica that ran the handler (with a shared record only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) handled_by: Option<String>,
}

/// What the server knows of one organization; `None`: nothing said yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Known {
    pub(crate) sso: Option<bool>,
    pub(crate) directory: Option<bool>,
}

#[derive(Debug, Default)]
struct Inner {
    organizations: HashMap<String, Known>,
    deliveries: VecDeque<Delivery>,
}

/// The server's state, shared by the webhook handler and the pages.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerState {
    inner: Arc<Mutex<Inner>>,
}

impl ServerState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep going.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The webhook handler: records a verified event. It cannot fail; an
    /// app writing to its database returns that error, and Scalekit retries.
    pub(crate) async fn on_event(&self, event: WebhookEvent) -> Result<(), Infallible> {
        let change = match event.data() {
            EventData::SsoEnabled(c) => Some((c.organization_id.clone(), Some(true), None)),
            EventData::SsoDisabled(c) => Some((c.organization_id.clone(), Some(false), None)),
            EventData::DirectoryEnabled(d) => Some((d.organization_id.clone(), None, Some(true))),
            EventData::DirectoryDisabled(d) => Some((d.organization_id.clone(), None, Some(false))),
            _ => None,
        };
        let delivery = Delivery {
            webhook_id: event.webhook_id().to_owned(),
            event_type: event.event_type().to_owned(),
            organization_id: event.organization_id().map(str::to_owned),
            occurred_at: event.occurred_at().map(str::to_owned),
            summary: summary(event.data()),
            handled_by: None,
        };
        tracing::info!(event_type = %delivery.event_type.escape_debug(), "verified Scalekit webhook");
        let mut inner = self.lock();
        if let Some((organization, sso, directory)) = change {
            if inner.organizations.len() >= MAX_ORGANIZATIONS
                && !inner.organizations.contains_key(&organization)
            {
                inner.organizations.clear();
            }
            let known = inner.organizations.entry(organization).or_default();
            known.sso = sso.or(known.sso);
            known.directory = directory.or(known.directory);
        }
        if inner.deliveries.len() == MAX_DELIVERIES {
            inner.deliveries.pop_front();
        }
        inner.deliveries.push_back(delivery);
        Ok(())
    }

    /// What the server knows of `organization`.
    pub(crate) fn known(&self, organization: &str) -> Known {
        self.lock()
            .organizations
            .get(organization)
            .copied()
            .unwrap_or_default()
    }

    /// Records a status read for what the webhooks have not said yet
    /// (webhooks arrive for every later change, so what they said stays).
    pub(crate) fn remember(&self, status: &OrganizationStatus) {
        let mut inner = self.lock();
        let organization = status.organization_id.as_str();
        if inner.organizations.len() >= MAX_ORGANIZATIONS
            && !inner.organizations.contains_key(organization)
        {
            inner.organizations.clear();
        }
        let known = inner
            .organizations
            .entry(organization.to_owned())
            .or_default();
        known.sso = known.sso.or(Some(status.sso.enabled));
        known.directory = known.directory.or(Some(status.directory.enabled));
    }

    /// The deliveries about `organization`, newest first.
    pub(crate) fn deliveries_for(&self, organization: &str) -> Vec<Delivery> {
        self.lock()
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.organization_id.as_deref() == Some(organization))
            .cloned()
            .collect()
    }
}

pub(crate) fn summary(data: &EventData) -> String {
    let provider = |p: &Option<String>| p.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
    match data {
        EventData::SsoEnabled(c) => format!("SSO enabled{}", provider(&c.provider)),
        EventData::SsoDisabled(c) => format!("SSO disabled{}", provider(&c.provider)),
        EventData::SsoCreated(_) => "SSO connection created".to_owned(),
        EventData::SsoDeleted(_) => "SSO connection deleted".to_owned(),
        EventData::DirectoryEnabled(d) => {
            format!("Directory sync enabled{}", provider(&d.provider))
        }
        EventData::DirectoryDisabled(d) => {
            format!("Directory sync disabled{}", provider(&d.provider))
        }
        EventData::DomainCreated(d) => format!("Domain {} added", d.domain),
        EventData::DomainDeleted(d) => format!("Domain {} removed", d.domain),
        EventData::DomainDnsVerificationSucceeded(d) => format!("Domain {} verified", d.domain),
        EventData::DomainDnsVerificationFailed(d) => {
            format!("Domain {} failed verification", d.domain)
        }
        EventData::OrganizationCreated(_) => "Organization created".to_owned(),
        EventData::OrganizationUpdated(_) => "Organization updated".to_owned(),
        EventData::OrganizationDeleted(_) => "Organization deleted".to_owned(),
        _ => "Other event".to_owned(),
    }
}

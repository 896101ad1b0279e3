//! [`Stats`]: the public snapshot of what one emulator has seen, put
//! together from the store's counters and the webhook log's, so neither of
//! those layers depends on the other.

use std::collections::BTreeMap;

use crate::store::counters::{Counts, Endpoint};
use crate::webhooks::WebhookCounts;

/// A snapshot of the emulator's counters, from
/// [`Emulator::stats`](crate::Emulator::stats).
///
/// Counters only grow; take a snapshot before and after the code under test
/// and compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests to `POST /oauth/token`, including failed and faulted ones.
    pub token_requests: u64,
    /// Access tokens handed out (successful token requests).
    pub tokens_issued: u64,
    /// Portal links minted, all organizations together.
    pub links_minted: u64,
    /// Portal links minted per organization id.
    pub links_minted_by_organization: BTreeMap<String, u64>,
    /// Every request the server received.
    pub requests_seen: u64,
    /// Requests per endpoint kind.
    pub requests_by_endpoint: BTreeMap<Endpoint, u64>,
    /// `GET /magicLink/{id}` requests, successful or not.
    pub portal_page_loads: u64,
    /// Portal page loads that consumed a valid link and opened a session.
    pub portal_sessions_started: u64,
    /// Portal page loads that served the failure page (used, expired or
    /// unknown link).
    pub portal_load_failures: u64,
    /// Requests that an injected fault answered (or delayed) instead of the
    /// normal handler; latency alone does not count.
    pub faults_triggered: u64,
    /// State changes the emulator made (organizations created or updated,
    /// SSO connections and directories created, enabled or disabled, domains
    /// added, verified, failed or deleted).
    pub state_changes: u64,
    /// Webhook deliveries per event type (e.g. `organization.sso_enabled`):
    /// queued, attempts, acknowledged, given up, dropped.
    pub webhooks_by_type: BTreeMap<String, WebhookCounts>,
}

impl Stats {
    /// Links minted for one organization.
    pub fn links_minted_for(&self, organization_id: &str) -> u64 {
        self.links_minted_by_organization
            .get(organization_id)
            .copied()
            .unwrap_or(0)
    }

    /// Requests seen for one endpoint kind.
    pub fn requests(&self, endpoint: Endpoint) -> u64 {
        self.requests_by_endpoint
            .get(&endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Webhook delivery counters of one event type, e.g.
    /// `"organization.sso_enabled"` (zeros if none was sent).
    pub fn webhooks(&self, event_type: &str) -> WebhookCounts {
        self.webhooks_by_type
            .get(event_type)
            .copied()
            .unwrap_or_default()
    }

    /// Webhook delivery counters of all event types together.
    pub fn webhook_totals(&self) -> WebhookCounts {
        self.webhooks_by_type
            .values()
            .fold(WebhookCounts::default(), |sum, n| sum.plus(n))
    }

    /// Requests seen for all REST API endpoints together.
    pub fn api_requests(&self) -> u64 {
        self.requests_by_endpoint
            .iter()
            .filter(|(endpoint, _)| endpoint.is_api())
            .map(|(_, count)| *count)
            .sum()
    }
}

impl Stats {
    /// The store's counters and the webhook log's per-type counts.
    pub(crate) fn new(counts: Counts, webhooks_by_type: BTreeMap<String, WebhookCounts>) -> Self {
        let Counts {
            token_requests,
            tokens_issued,
            links_minted,
            links_minted_by_organization,
            requests_seen,
            requests_by_endpoint,
            portal_page_loads,
            portal_sessions_started,
            portal_load_failures,
            faults_triggered,
            state_changes,
        } = counts;
        Self {
            token_requests,
            tokens_issued,
            links_minted,
            links_minted_by_organization,
            requests_seen,
            requests_by_endpoint,
            portal_page_loads,
            portal_sessions_started,
            portal_load_failures,
            faults_triggered,
            state_changes,
            webhooks_by_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::counters::Counters;

    #[test]
    fn reads_per_endpoint_organization_and_type() {
        let counters = Counters::default();
        counters.request(Endpoint::Token);
        counters.request(Endpoint::GeneratePortalLink);
        counters.request(Endpoint::GeneratePortalLink);
        counters.link_minted("org_1");
        let stats = Stats::new(counters.snapshot(), BTreeMap::new());
        assert_eq!(stats.requests_seen, 3);
        assert_eq!(stats.token_requests, 1);
        assert_eq!(stats.requests(Endpoint::GeneratePortalLink), 2);
        assert_eq!(stats.api_requests(), 2);
        assert_eq!(stats.links_minted_for("org_1"), 1);
        assert_eq!(stats.links_minted_for("org_2"), 0);
        assert_eq!(stats.webhook_totals(), WebhookCounts::default());
    }
}

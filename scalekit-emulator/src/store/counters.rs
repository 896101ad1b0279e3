//! What the emulator has seen: the endpoint kinds and the counters that
//! [`Emulator::stats`](crate::Emulator::stats) reports (with the webhook
//! log's, in [`crate::stats`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::store::locking::lock;

/// The kind of endpoint a request was routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /oauth/token`.
    Token,
    /// `PUT /api/v1/organizations/{id}/portal_links`.
    GeneratePortalLink,
    /// `GET /api/v1/organizations/{id}`.
    GetOrganization,
    /// `GET /api/v1/organizations:external/{external_id}`.
    GetOrganizationByExternalId,
    /// `GET /api/v1/organizations`.
    ListOrganizations,
    /// `POST /api/v1/organizations`.
    CreateOrganization,
    /// `PATCH /api/v1/organizations/{id}/settings`.
    UpdateOrganizationSettings,
    /// `GET /api/v1/connections`: the SSO connections of an organization.
    ListConnections,
    /// `GET /api/v1/organizations/{organization_id}/directories`.
    ListDirectories,
    /// `GET /api/v1/organizations/{organization_id}/domains`.
    ListDomains,
    /// `PATCH /api/v1/organizations/{id}`.
    UpdateOrganization,
    /// `DELETE /api/v1/organizations/{id}`.
    DeleteOrganization,
    /// `GET /api/v1/organizations:search`.
    SearchOrganizations,
    /// `GET /api/v1/organizations/{organization_id}/session-policy`.
    GetSessionPolicy,
    /// `PATCH /api/v1/organizations/{organization_id}/session-policy`.
    UpdateSessionPolicy,
    /// `GET /api/v1/organizations/{organization_id}/settings/usermanagement`.
    GetUserManagement,
    /// `PATCH /api/v1/organizations/{organization_id}/settings/usermanagement`.
    UpdateUserManagement,
    /// `POST /api/v1/organizations/{organization_id}/domains`.
    CreateDomain,
    /// `GET /api/v1/organizations/{organization_id}/domains/{id}`.
    GetDomain,
    /// `DELETE /api/v1/organizations/{organization_id}/domains/{id}`.
    DeleteDomain,
    /// `POST /api/v1/organizations/{organization_id}/connections`.
    CreateConnection,
    /// `DELETE /api/v1/organizations/{organization_id}/connections/{id}`.
    DeleteConnection,
    /// `GET /api/v1/connections/app`.
    ListAppConnections,
    /// `GET /magicLink/{id}`: an admin-portal page load.
    PortalPage,
    /// `POST /magicLink/{id}/features`: a button on the portal page.
    PortalToggle,
    /// `POST /magicLink/{id}/domains...` and `DELETE /magicLink/{id}/domains/{domain_id}`:
    /// the portal page's domain section.
    PortalDomain,
    /// Anything else (unknown paths, unsupported methods).
    Other,
}

impl Endpoint {
    /// True for the REST API endpoints under `/api/v1`.
    pub fn is_api(self) -> bool {
        matches!(
            self,
            Self::GeneratePortalLink
                | Self::GetOrganization
                | Self::GetOrganizationByExternalId
                | Self::ListOrganizations
                | Self::CreateOrganization
                | Self::UpdateOrganizationSettings
                | Self::ListConnections
                | Self::ListDirectories
                | Self::ListDomains
                | Self::UpdateOrganization
                | Self::DeleteOrganization
                | Self::SearchOrganizations
                | Self::GetSessionPolicy
                | Self::UpdateSessionPolicy
                | Self::GetUserManagement
                | Self::UpdateUserManagement
                | Self::CreateDomain
                | Self::GetDomain
                | Self::DeleteDomain
                | Self::CreateConnection
                | Self::DeleteConnection
                | Self::ListAppConnections
        )
    }

    /// A short stable name, e.g. `"generate_portal_link"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::GeneratePortalLink => "generate_portal_link",
            Self::GetOrganization => "get_organization",
            Self::GetOrganizationByExternalId => "get_organization_by_external_id",
            Self::ListOrganizations => "list_organizations",
            Self::CreateOrganization => "create_organization",
            Self::UpdateOrganizationSettings => "update_organization_settings",
            Self::PortalPage => "portal_page",
            Self::ListConnections => "list_connections",
            Self::ListDirectories => "list_directories",
            Self::ListDomains => "list_domains",
            Self::UpdateOrganization => "update_organization",
            Self::DeleteOrganization => "delete_organization",
            Self::SearchOrganizations => "search_organizations",
            Self::GetSessionPolicy => "get_session_policy",
            Self::UpdateSessionPolicy => "update_session_policy",
            Self::GetUserManagement => "get_user_management",
            Self::UpdateUserManagement => "update_user_management",
            Self::CreateDomain => "create_domain",
            Self::GetDomain => "get_domain",
            Self::DeleteDomain => "delete_domain",
            Self::CreateConnection => "create_connection",
            Self::DeleteConnection => "delete_connection",
            Self::ListAppConnections => "list_app_connections",
            Self::PortalToggle => "portal_toggle",
            Self::PortalDomain => "portal_domain",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The store's counters as they stand: everything [`Stats`](crate::Stats)
/// reports except the webhook deliveries (which the webhook log counts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) token_requests: u64,
    pub(crate) tokens_issued: u64,
    pub(crate) links_minted: u64,
    pub(crate) links_minted_by_organization: BTreeMap<String, u64>,
    pub(crate) requests_seen: u64,
    pub(crate) requests_by_endpoint: BTreeMap<Endpoint, u64>,
    pub(crate) portal_page_loads: u64,
    pub(crate) portal_sessions_started: u64,
    pub(crate) portal_load_failures: u64,
    pub(crate) faults_triggered: u64,
    pub(crate) state_changes: u64,
}

/// The live counters behind [`Stats`](crate::Stats).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    inner: std::sync::Mutex<Counts>,
}

impl Counters {
    fn update(&self, f: impl FnOnce(&mut Counts)) {
        let mut counts = lock(&self.inner);
        f(&mut counts);
    }

    pub(crate) fn snapshot(&self) -> Counts {
        lock(&self.inner).clone()
    }

    pub(crate) fn request(&self, endpoint: Endpoint) {
        self.update(|s| {
            s.requests_seen += 1;
            *s.requests_by_endpoint.entry(endpoint).or_default() += 1;
            match endpoint {
                Endpoint::Token => s.token_requests += 1,
                Endpoint::PortalPage => s.portal_page_loads += 1,
                _ => {}
            }
        });
    }

    pub(crate) fn token_issued(&self) {
        self.update(|s| s.tokens_issued += 1);
    }

    pub(crate) fn link_minted(&self, organization_id: &str) {
        self.update(|s| {
            s.links_minted += 1;
            *s.links_minted_by_organization
                .entry(organization_id.to_owned())
                .or_default() += 1;
        });
    }

    pub(crate) fn portal_session_started(&self) {
        self.update(|s| s.portal_sessions_started += 1);
    }

    pub(crate) fn portal_load_failed(&self) {
        self.update(|s| s.portal_load_failures += 1);
    }

    pub(crate) fn state_changed(&self) {
        self.update(|s| s.state_changes += 1);
    }

    pub(crate) fn fault_triggered(&self) {
        self.update(|s| s.faults_triggered += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_endpoint_and_organization() {
        let counters = Counters::default();
        counters.request(Endpoint::Token);
        counters.request(Endpoint::GeneratePortalLink);
        counters.request(Endpoint::GeneratePortalLink);
        counters.link_minted("org_1");
        let counts = counters.snapshot();
        assert_eq!(counts.requests_seen, 3);
        assert_eq!(counts.token_requests, 1);
        assert_eq!(
            counts.requests_by_endpoint[&Endpoint::GeneratePortalLink],
            2
        );
        assert_eq!(counts.links_minted_by_organization["org_1"], 1);
        assert!(!counts.links_minted_by_organization.contains_key("org_2"));
    }
}

//! The status reads: an organization's SSO connections, directories and
//! domains, and the [`OrganizationStatus`] built from them.
//!
//! ```
//! use scalekit_tower::{Client, Config, OrganizationId};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = scalekit_emulator::Emulator::builder().start().await?;
//! # let config = Config::builder().environment_url(emulator.base_url())
//! #     .client_id(emulator.client_id()).client_secret(emulator.client_secret()).build()?;
//! let client = Client::new(config)?;
//! let acme = OrganizationId::new(scalekit_emulator::demo::ACME_ID)?;
//! let connections = client.list_sso_connections(&acme).await?;
//! assert!(connections.iter().any(|c| c.is_active()));
//! assert!(client.list_directories(&acme).await?.iter().all(|d| !d.enabled));
//! assert!(client.list_domains(&acme).await?.is_empty());
//! # Ok(()) }
//! ```
//!
//! Each call has the client's deadline, retries and body cap, like every
//! other call. Answers are read leniently: snake_case or lowerCamelCase field
//! names, unknown fields ignored, unknown enum values kept as `Other`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use super::transport::Replay;
use crate::client::{Client, parse_json, record_outcome};
use crate::connection::SsoConnection;
use crate::directory::Directory;
use crate::domain::Domain;
use crate::error::Error;
use crate::organization_id::OrganizationId;
use crate::organization_status::OrganizationStatus;

/// Domains asked for per page (Scalekit's maximum).
const DOMAIN_PAGE_SIZE: usize = 100;
/// Pages of domains read at most: 1,000 domains, far more than any
/// organization holds, so a server that never stops paging cannot keep a
/// call going.
const MAX_DOMAIN_PAGES: usize = 10;

impl Client {
    /// The organization's SSO connections, whatever their state
    /// (`GET /api/v1/connections?organization_id=…&include=all`).
    pub async fn list_sso_connections(
        &self,
        organization: &OrganizationId,
    ) -> Result<Vec<SsoConnection>, Error> {
        self.list_sso_connections_until(organization, self.call_deadline())
            .await
    }

    /// The organization's directories (`GET /api/v1/organizations/{id}/directories`).
    pub async fn list_directories(
        &self,
        organization: &OrganizationId,
    ) -> Result<Vec<Directory>, Error> {
        self.list_directories_until(organization, self.call_deadline())
            .await
    }

    /// The organization's domains, every page
    /// (`GET /api/v1/organizations/{id}/domains`), up to 1,000.
    pub async fn list_domains(&self, organization: &OrganizationId) -> Result<Vec<Domain>, Error> {
        self.list_domains_until(organization, self.call_deadline())
            .await
    }

    /// Reads the three lists at once, within one deadline, and summarizes
    /// them: SSO on (and through which provider), directory sync on (and
    /// from which provider), the verified domains.
    pub async fn organization_status(
        &self,
        organization: &OrganizationId,
    ) -> Result<OrganizationStatus, Error> {
        self.organization_status_until(organization, self.call_deadline())
            .await
    }

    /// [`organization_status`](Self::organization_status) ending at
    /// `deadline` (the status endpoint's, shared with its resolver).
    pub(crate) async fn organization_status_until(
        &self,
        organization: &OrganizationId,
        deadline: Instant,
    ) -> Result<OrganizationStatus, Error> {
        let span = tracing::info_span!(
            "scalekit.organization_status",
            org_id = %organization,
            latency_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = async {
            let (connections, directories, domains) = futures_util::future::try_join3(
                self.list_sso_connections_until(organization, deadline),
                self.list_directories_until(organization, deadline),
                self.list_domains_until(organization, deadline),
            )
            .await?;
            Ok(OrganizationStatus::from_parts(
                organization.clone(),
                &connections,
                &directories,
                &domains,
            ))
        }
        .instrument(span.clone())
        .await;
        record_outcome(&span, started, &result);
        result
    }

    fn call_deadline(&self) -> Instant {
        Instant::now() + self.config().timeout()
    }

    async fn list_sso_connections_until(
        &self,
        organization: &OrganizationId,
        deadline: Instant,
    ) -> Result<Vec<SsoConnection>, Error> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            connections: Vec<SsoConnection>,
        }
        let mut url = self.api_url(&["connections"]);
        url.query_pairs_mut()
            .append_pair("organization_id", organization.as_str())
            .append_pair("include", "all");
        let page: Page = self.get_json(&url, deadline).await?;
        Ok(page.connections)
    }

    async fn list_directories_until(
        &self,
        organization: &OrganizationId,
        deadline: Instant,
    ) -> Result<Vec<Directory>, Error> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            directories: Vec<Directory>,
        }
        let url = self.api_url(&["organizations", organization.as_str(), "directories"]);
        let page: Page = self.get_json(&url, deadline).await?;
        Ok(page.directories)
    }

    async fn list_domains_until(
        &self,
        organization: &OrganizationId,
        deadline: Instant,
    ) -> Result<Vec<Domain>, Error> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            domains: Vec<Domain>,
        }
        let mut domains = Vec::new();
        for page_number in 0..MAX_DOMAIN_PAGES {
            let mut url = self.api_url(&["organizations", organization.as_str(), "domains"]);
            url.query_pairs_mut()
                .append_pair("page_size", &DOMAIN_PAGE_SIZE.to_string())
                .append_pair("page_number", &page_number.to_string());
            let page: Page = self.get_json(&url, deadline).await?;
            let last = page.domains.len() < DOMAIN_PAGE_SIZE;
            domains.extend(page.domains);
            if last {
                break;
            }
        }
        Ok(domains)
    }

    /// One authorized `GET` of `url`, parsed as `T`.
    async fn get_json<T: DeserializeOwned>(
        &self,
        url: &url::Url,
        deadline: Instant,
    ) -> Result<T, Error> {
        let answer = self
            .send_authorized_until(deadline, Replay::Always, |http| http.get(url.clone()))
            .await?;
        parse_json(&answer)
    }
}

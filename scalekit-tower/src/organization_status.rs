//! [`OrganizationStatus`]: what Scalekit itself says about an organization's
//! single sign-on, directory sync and domains, in a few fields.
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
//! // Initech has SSO and directory sync switched on.
//! let org = OrganizationId::new(scalekit_emulator::demo::INITECH_ID)?;
//! let status = client.organization_status(&org).await?;
//! assert!(status.sso.enabled && status.directory.enabled);
//! let json = serde_json::to_value(&status)?;
//! assert_eq!(json["sso"]["provider"], "OKTA");
//! # Ok(()) }
//! ```

use serde::Serialize;

use crate::connection::{ConnectionProvider, ConnectionType, SsoConnection};
use crate::directory::{Directory, DirectoryProvider, DirectoryType};
use crate::domain::Domain;
use crate::organization_id::OrganizationId;

/// An organization's SSO, directory sync and domains, read from Scalekit
/// (never taken from the browser).
///
/// Serializes as
/// `{"organization_id", "sso": {"enabled", "provider", "connection_type", "connection_id"},
/// "directory": {"enabled", "provider", "directory_type", "directory_id"}, "verified_domains": [...]}`,
/// which is what the status endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OrganizationStatus {
    /// The organization (`org_...`).
    pub organization_id: OrganizationId,
    /// Single sign-on.
    pub sso: SsoStatus,
    /// Directory sync.
    pub directory: DirectorySyncStatus,
    /// The domains whose ownership is confirmed.
    pub verified_domains: Vec<String>,
}

/// Whether an organization's users sign in through SSO, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SsoStatus {
    /// Some connection is switched on and configured
    /// ([`SsoConnection::is_active`]).
    pub enabled: bool,
    /// That connection's identity provider (the first active one).
    pub provider: Option<ConnectionProvider>,
    /// That connection's protocol.
    pub connection_type: Option<ConnectionType>,
    /// That connection's id.
    pub connection_id: Option<String>,
}

/// Whether an organization's directory syncs, and from where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DirectorySyncStatus {
    /// Some directory is switched on.
    pub enabled: bool,
    /// That directory's provider (the first enabled one).
    pub provider: Option<DirectoryProvider>,
    /// How it synchronizes.
    pub directory_type: Option<DirectoryType>,
    /// That directory's id.
    pub directory_id: Option<String>,
}

impl OrganizationStatus {
    /// Summarizes what the three status reads answered for `organization_id`.
    pub fn from_parts(
        organization_id: OrganizationId,
        connections: &[SsoConnection],
        directories: &[Directory],
        domains: &[Domain],
    ) -> Self {
        let sso = connections
            .iter()
            .find(|c| c.is_active())
            .map(|c| SsoStatus {
                enabled: true,
                provider: c.provider.clone(),
                connection_type: c.connection_type.clone(),
                connection_id: Some(c.id.clone()),
            })
            .unwrap_or_default();
        let directory = directories
            .iter()
            .find(|d| d.enabled)
            .map(|d| DirectorySyncStatus {
                enabled: true,
                provider: d.provider.clone(),
                directory_type: d.directory_type.clone(),
                directory_id: Some(d.id.clone()),
            })
            .unwrap_or_default();
        let verified_domains = domains
            .iter()
            .filter(|d| d.is_verified())
            .map(|d| d.domain.clone())
            .collect();
        Self {
            organization_id,
            sso,
            directory,
            verified_domains,
        }
    }
}

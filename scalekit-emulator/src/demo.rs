//! The demo organizations an emulator holds unless
//! [`seed_demo_organizations(false)`](crate::EmulatorBuilder::seed_demo_organizations)
//! is set. Their ids are fixed so a demo can hard-code them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use scalekit_emulator::{Emulator, demo};
//!
//! let emu = Emulator::builder().start().await?;
//! let acme = emu.organization(demo::ACME_ID).expect("seeded");
//! assert_eq!(acme.external_id.as_deref(), Some(demo::ACME_EXTERNAL_ID));
//! # Ok(()) }
//! ```

/// Id of "Acme Corp".
pub const ACME_ID: &str = "org_70400000000000001";
/// External id of "Acme Corp".
pub const ACME_EXTERNAL_ID: &str = "acme";
/// Id of "Globex".
pub const GLOBEX_ID: &str = "org_70400000000000002";
/// External id of "Globex".
pub const GLOBEX_EXTERNAL_ID: &str = "globex";
/// Id of "Initech".
pub const INITECH_ID: &str = "org_70400000000000003";
/// External id of "Initech".
pub const INITECH_EXTERNAL_ID: &str = "initech";

/// One seeded organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOrganization {
    /// Scalekit id (`org_...`).
    pub id: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// External id (the app's own tenant id).
    pub external_id: &'static str,
    /// Whether the `sso` feature starts enabled.
    pub sso_enabled: bool,
    /// Whether the `dir_sync` feature starts enabled.
    pub dir_sync_enabled: bool,
}

/// The seeded organizations, in the order `GET /api/v1/organizations` lists
/// them.
pub const ORGANIZATIONS: &[DemoOrganization] = &[
    DemoOrganization {
        id: ACME_ID,
        display_name: "Acme Corp",
        external_id: ACME_EXTERNAL_ID,
        sso_enabled: true,
        dir_sync_enabled: false,
    },
    DemoOrganization {
        id: GLOBEX_ID,
        display_name: "Globex",
        external_id: GLOBEX_EXTERNAL_ID,
        sso_enabled: false,
        dir_sync_enabled: false,
    },
    DemoOrganization {
        id: INITECH_ID,
        display_name: "Initech",
        external_id: INITECH_EXTERNAL_ID,
        sso_enabled: true,
        dir_sync_enabled: true,
    },
];

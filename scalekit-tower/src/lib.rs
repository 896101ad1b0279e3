//! Embed Scalekit's admin portal in a tower, axum or hyper app.
//!
//! Scalekit's admin portal is where a customer's IT admin configures their own
//! single sign-on and SCIM directory sync. This crate gives an app what it
//! needs to show that portal inside its own settings page:
//!
//! - [`Client`]: a Scalekit REST client with a shared access-token cache,
//!   portal-link minting and the organization calls;
//! - [`Config`]: where the environment is and the credentials, from the
//!   `SCALEKIT_*` environment variables or a builder.
//!
//! ```
//! use scalekit_tower::{Client, Config, OrganizationId};
//!
//! let config = Config::builder()
//!     .environment_url("https://acme.scalekit.dev")
//!     .client_id("skc_123")
//!     .client_secret("not-a-real-secret")
//!     .build()?;
//! let client = Client::new(config)?;
//! let org = OrganizationId::new("org_59615193906282635")?;
//! # let _ = (client, org);
//! # Ok::<(), scalekit_tower::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod config;
mod error;
mod layer;
mod link;
mod minter;
mod organization;
mod organization_id;
mod outcome;
mod portal_link_response;
mod refresh;
pub mod resolve;
pub mod template;
mod token;
mod transport;

pub use client::Client;
pub use config::{
    Config, ConfigBuilder, ConfigError, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL,
    ENV_PORTAL_ORIGIN,
};
pub use error::{ApiError, Error};
pub use layer::{PortalLinkLayer, PortalLinkService, ResponseFuture};
pub use link::{Feature, PortalLink};
pub use organization::{
    FeatureToggle, NewOrganization, Organization, OrganizationPage, OrganizationSettings,
};
pub use organization_id::{InvalidOrganizationId, MAX_ORGANIZATION_ID_LEN, OrganizationId};
pub use outcome::{PortalLinkFailure, PortalLinkOutcome};
pub use refresh::RefreshEndpoint;
pub use template::PortalEmbed;

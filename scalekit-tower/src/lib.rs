//! Embed Scalekit's admin portal in a tower, axum or hyper app.
//!
//! Scalekit's admin portal is where a customer's IT admin configures their own
//! single sign-on and SCIM directory sync. This crate gives an app what it
//! needs to show that portal inside its own settings page:
//!
//! - [`Client`] and [`Config`]: a Scalekit REST client with a shared
//!   access-token cache, portal-link minting and the organization calls;
//! - [`PortalLinkLayer`]: tower middleware that resolves the request's
//!   organization ([`resolve`]) and mints a fresh single-use link into the
//!   request extensions ([`PortalLinkOutcome`]);
//! - [`RefreshEndpoint`]: the endpoint the browser calls for a new link when
//!   the portal session expires;
//! - `template` (feature `template`, on by default): the iframe and
//!   listener-script snippets, for minijinja or as plain HTML.
//!
//! The axum extractor for the link lives in `scalekit-axum-extract`.
//!
//! ```
//! use scalekit_tower::{Client, Config, OrganizationId, PortalLinkLayer, resolve};
//!
//! let config = Config::builder()
//!     .environment_url("https://acme.scalekit.dev")
//!     .client_id("skc_123")
//!     .client_secret("not-a-real-secret")
//!     .build()?;
//! let client = Client::new(config)?;
//! // Every request through this layer gets a link for the organization the
//! // app's auth middleware put in its extensions.
//! let layer = PortalLinkLayer::new(client, resolve::organization_extension());
//! # let _ = layer;
//! # Ok::<(), scalekit_tower::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod config;
mod error;
pub mod layer;
mod link;
mod minter;
mod organization;
mod organization_calls;
mod organization_id;
mod outcome;
mod portal_link_response;
pub mod refresh;
pub mod resolve;
#[cfg(feature = "template")]
pub mod template;
mod tls;
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
#[cfg(feature = "template")]
pub use template::PortalEmbed;

//! Embed Scalekit's admin portal in a tower, axum or hyper app.
//!
//! Scalekit's admin portal is where a customer's IT admin configures their own
//! single sign-on and SCIM directory sync. This crate gives an app what it
//! needs to show that portal inside its own settings page:
//!
//! - [`Client`] and [`Config`]: a Scalekit REST client with a shared
//!   access-token cache, portal-link minting and the organization calls;
//! - [`PortalLinkLayer`]: tower middleware that decides who may open the
//!   portal ([`PortalLinkLayer::authorize`]), resolves the request's
//!   organization ([`resolve`]), applies the minting limits ([`MintLimit`])
//!   and mints a fresh single-use link into the request extensions
//!   ([`PortalLinkOutcome`]; a failure is a [`PortalLinkFailure`] of one
//!   [`FailureKind`]);
//! - [`RefreshEndpoint`]: the endpoint the browser calls for a new link when
//!   the portal session expires, with the same authorization;
//! - [`Client::organization_status`] and [`StatusEndpoint`]: an organization's
//!   SSO, directory and domain status read from Scalekit, for the server and
//!   for the page (the portal's browser events are claims, not the truth),
//!   with the same authorization;
//! - `webhook` (feature `webhook`, on by default): verified Scalekit
//!   webhooks, the server's durable source of truth;
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
//! #[derive(Clone)]
//! struct CurrentUser { is_admin: bool }
//! let layer = PortalLinkLayer::new(client, resolve::organization_extension())
//!     // Only admins may configure single sign-on.
//!     .authorize(|parts| parts.extensions.get::<CurrentUser>().is_some_and(|u| u.is_admin));
//! # let _ = layer;
//! # Ok::<(), scalekit_tower::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod answer;
mod authorize;
mod client;
mod config;
mod connection;
mod directory;
mod domain;
mod endpoint;
mod error;
mod failure;
mod handoff;
mod hook;
mod http_url;
mod layer;
mod limit;
mod link;
mod mint;
mod organization;
mod organization_id;
mod organization_status;
mod origin;
mod outcome;
mod refresh;
pub mod resolve;
mod service;
mod status;
#[cfg(feature = "template")]
pub mod template;
mod text;
mod tls;
#[cfg(feature = "webhook")]
pub mod webhook;
mod wire_enum;

pub use authorize::{Authorizer, Predicate};
/// The error of an asynchronous authorization check: the one error of the
/// app's hooks, at its old name.
#[deprecated(
    note = "use scalekit_tower::HookError, the one error of the resolver and the authorizer"
)]
pub type AuthorizeError = HookError;
pub use client::Client;
pub use config::{
    Config, ConfigBuilder, ConfigError, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL,
    ENV_PORTAL_ORIGIN,
};
pub use connection::{ConnectionProvider, ConnectionStatus, ConnectionType, SsoConnection};
pub use directory::{Directory, DirectoryProvider, DirectoryStatus, DirectoryType};
pub use domain::{Domain, DomainType, VerificationMethod, VerificationStatus};
pub use endpoint::BrowserEndpoint;
pub use error::{ApiError, Error};
pub use failure::{FailureKind, LimitScope, PortalLinkFailure};
pub use handoff::HandoffEndpoint;
pub use hook::HookError;
pub use layer::PortalLinkLayer;
pub use limit::{
    Budget, DEFAULT_SHARED_DEADLINE, LimitBackend, LimitBackendError, MintLimit, MintQuota, Refusal,
};
pub use link::{Feature, PortalLink};
pub use organization::{
    FeatureToggle, NewOrganization, Organization, OrganizationPage, OrganizationSettings,
};
pub use organization_id::{InvalidOrganizationId, MAX_ORGANIZATION_ID_LEN, OrganizationId};
pub use organization_status::{DirectorySyncStatus, OrganizationStatus, SsoStatus};
pub use outcome::PortalLinkOutcome;
pub use refresh::RefreshEndpoint;
pub use service::{PortalLinkService, ResponseFuture};
pub use status::StatusEndpoint;

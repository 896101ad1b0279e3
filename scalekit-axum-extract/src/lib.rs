//! axum extractors for the portal link minted by
//! [`scalekit_tower::PortalLinkLayer`], route helpers for its refresh and
//! status endpoints, and the webhook extractor and route.
//!
//! A handler takes the link as an argument, in one of three forms:
//!
//! - [`PortalLink`]: the handler runs only with a link; otherwise the request
//!   is refused with a [`PortalLinkRejection`] (403, 429, 5xx);
//! - `Option<PortalLink>`: `None` when there is no link for any reason but a
//!   missing layer (which stays a loud 500: it is a bug, not a state);
//! - `Result<PortalLink, PortalLinkRejection>`: the handler sees why there is
//!   no link and renders its own fallback.
//!
//! ```
//! use axum::{Router, routing::get};
//! use scalekit_axum_extract::{PortalLink, PortalLinkRejection, refresh_route};
//! use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
//!
//! async fn settings(PortalLink(link): PortalLink) -> String {
//!     format!("<iframe src=\"{}\"></iframe>", link.location())
//! }
//!
//! async fn settings_with_fallback(link: Result<PortalLink, PortalLinkRejection>) -> String {
//!     match link {
//!         Ok(PortalLink(link)) => format!("portal: {}", link.location()),
//!         Err(rejection) => format!("portal unavailable ({})", rejection.status()),
//!     }
//! }
//!
//! # let config = Config::builder().environment_url("https://acme.scalekit.dev")
//! #     .client_id("skc_1").client_secret("x").build().unwrap();
//! let client = Client::new(config).unwrap();
//! let portal = PortalLinkLayer::new(client, resolve::organization_extension());
//! let app: Router = Router::new()
//!     .route("/settings", get(settings))
//!     .route("/settings/plain", get(settings_with_fallback))
//!     .route_layer(portal.clone())
//!     .merge(refresh_route("/settings/portal/refresh", portal.refresh_endpoint()));
//! # let _ = app;
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod extractor;
mod refusal;
mod rejection;
mod route;
#[cfg(feature = "webhook")]
mod webhook;
#[cfg(feature = "webhook")]
mod webhook_rejection;

pub use extractor::PortalLink;
pub use rejection::PortalLinkRejection;
pub use route::{handoff_route, refresh_route, status_route};
#[cfg(feature = "webhook")]
pub use webhook::{ScalekitWebhook, webhook_route};
#[cfg(feature = "webhook")]
pub use webhook_rejection::WebhookRejection;

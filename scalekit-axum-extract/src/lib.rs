//! axum extractors for the portal link minted by `scalekit_tower::PortalLinkLayer`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

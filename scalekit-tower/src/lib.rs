//! Embed Scalekit's admin portal in a tower, axum or hyper app.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod link;
pub mod template;

pub use link::{Feature, PortalLink};
pub use template::PortalEmbed;

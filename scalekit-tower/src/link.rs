//! The portal link Scalekit mints for one page render, and the portal features
//! it can open.
//!
//! ```
//! use scalekit_tower::Feature;
//!
//! let features = [
//!     Feature::Sso,
//!     Feature::DirSync,
//!     Feature::DomainVerification,
//!     Feature::Other("session_policy".into()),
//! ];
//! let names: Vec<&str> = features.iter().map(Feature::as_str).collect();
//! assert_eq!(names, ["sso", "dir_sync", "domain_verification", "session_policy"]);
//! assert_eq!(Feature::from("domain_verification"), Feature::DomainVerification);
//! ```

use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;
use url::Url;

/// A single-use admin-portal link for one organization.
///
/// Scalekit accepts a link once, and only within a minute of minting it; the
/// first load opens a portal session of up to six hours. Render it into the page
/// that asked for it and never cache or reuse it.
///
/// Its `Debug` output hides the secret part of the location: a link is a
/// bearer credential until it is used, so it must not end up in logs.
///
/// Cheap to clone: clones share one allocation.
#[derive(Clone, PartialEq, Eq)]
pub struct PortalLink {
    inner: Arc<LinkParts>,
}

#[derive(PartialEq, Eq)]
struct LinkParts {
    id: String,
    location: Url,
    expires_at: OffsetDateTime,
}

impl PortalLink {
    /// Builds a link from its parts. The client validates `location` against the
    /// configured portal origin before it builds one; code that builds links by
    /// hand (tests, fixtures) is responsible for that itself.
    pub fn new(id: impl Into<String>, location: Url, expires_at: OffsetDateTime) -> Self {
        Self {
            inner: Arc::new(LinkParts {
                id: id.into(),
                location,
                expires_at,
            }),
        }
    }

    /// Scalekit's id of the link (for example `lnk_123`), empty if Scalekit sent none.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The URL to load in the portal iframe.
    pub fn location(&self) -> &Url {
        &self.inner.location
    }

    /// When the link stops working if it has not been loaded.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.inner.expires_at
    }
}

impl fmt::Debug for PortalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalLink")
            .field("id", &self.inner.id)
            .field(
                "location",
                &format_args!("{}/…", self.inner.location.origin().ascii_serialization()),
            )
            .field("expires_at", &self.inner.expires_at)
            .finish()
    }
}

/// A part of the admin portal a link opens.
///
/// Without features the portal shows what the organization has enabled.
/// Values Scalekit adds later pass through as [`Feature::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// Single sign-on configuration (`sso`).
    Sso,
    /// Directory sync / SCIM configuration (`dir_sync`).
    DirSync,
    /// Domain verification (`domain_verification`): the admin adds the
    /// organization's domains and proves ownership with a DNS TXT record.
    /// The portal shows it only when the organization's
    /// `domain_verification` setting is on.
    ///
    /// **Caution:** Scalekit's documentation passes this value, but the
    /// `Feature` enum of the official Python SDK lists only `sso` and
    /// `dir_sync`. A server that does not know the value refuses the whole
    /// call with HTTP 400; the client then answers
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) with a
    /// message naming this feature, so drop it from the request (or check
    /// the environment) rather than retrying.
    DomainVerification,
    /// Any other feature name, sent to Scalekit as it is.
    Other(String),
}

impl Feature {
    /// The name Scalekit uses in the `features` query parameter.
    pub fn as_str(&self) -> &str {
        match self {
            Feature::Sso => "sso",
            Feature::DirSync => "dir_sync",
            Feature::DomainVerification => "domain_verification",
            Feature::Other(name) => name,
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Feature {
    fn from(name: &str) -> Self {
        match name {
            "sso" => Feature::Sso,
            "dir_sync" => Feature::DirSync,
            "domain_verification" => Feature::DomainVerification,
            other => Feature::Other(other.to_owned()),
        }
    }
}

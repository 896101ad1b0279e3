//! The one error of the app's hooks: an [`OrganizationResolver`](crate::resolve::OrganizationResolver)
//! or an [`Authorizer`](crate::Authorizer) that could not decide.
//!
//! ```
//! use scalekit_tower::{HookError, PortalLinkFailure};
//!
//! let io = std::io::Error::other("connection refused");
//! let failure = PortalLinkFailure::Authorizer(HookError::with_source("role store down", io));
//! assert_eq!(
//!     failure.to_string(),
//!     "the portal authorization check failed: role store down: connection refused"
//! );
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// An app hook (the organization resolver or the authorization check) could
/// not decide: its store failed. The request is answered 500 and nothing is
/// minted; [`PortalLinkFailure`](crate::PortalLinkFailure) says which hook
/// failed.
#[derive(Clone)]
pub struct HookError {
    message: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl HookError {
    /// An error with a message saying what went wrong.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

impl fmt::Debug for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookError")
            .field("message", &self.message)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for HookError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

//! Why an emulator could not start.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use crate::store::parent_origins::InvalidOrigin;
use crate::webhooks::{
    InvalidRetryScale, InvalidWebhookUrl, WebhookSecretError, WebhookSettingsError,
};

/// Why [`EmulatorBuilder::start`](crate::EmulatorBuilder::start) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The listener could not be bound (e.g. the port is taken).
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: io::Error,
    },
    /// An allowed parent origin is not an origin.
    InvalidOrigin(InvalidOrigin),
    /// An organization added with [`EmulatorBuilder::organization`](crate::EmulatorBuilder::organization) is not
    /// acceptable.
    InvalidOrganization {
        /// The organization id given.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client id or secret is empty.
    EmptyCredential(&'static str),
    /// A URL given to
    /// [`EmulatorBuilder::webhook_endpoint`](crate::EmulatorBuilder::webhook_endpoint)
    /// cannot be delivered to.
    InvalidWebhookUrl(InvalidWebhookUrl),
    /// The secret given to
    /// [`EmulatorBuilder::webhook_secret`](crate::EmulatorBuilder::webhook_secret)
    /// is malformed (or generating one failed).
    InvalidWebhookSecret(WebhookSecretError),
    /// The scale given to
    /// [`EmulatorBuilder::webhook_retry_scale`](crate::EmulatorBuilder::webhook_retry_scale)
    /// is negative or not finite.
    InvalidRetryScale(InvalidRetryScale),
    /// With [`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls): making
    /// the certificates or writing the CA file failed.
    Tls(String),
}

impl From<WebhookSettingsError> for StartError {
    fn from(err: WebhookSettingsError) -> Self {
        match err {
            WebhookSettingsError::Url(err) => Self::InvalidWebhookUrl(err),
            WebhookSettingsError::Secret(err) => Self::InvalidWebhookSecret(err),
            WebhookSettingsError::RetryScale(err) => Self::InvalidRetryScale(err),
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind { addr, source } if source.kind() == io::ErrorKind::AddrInUse => write!(
                f,
                "cannot listen on {addr}: the port is already in use (stop the other process, or pick another port; 0 picks a free one)"
            ),
            Self::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Self::InvalidOrigin(err) => err.fmt(f),
            Self::InvalidOrganization { id, reason } => {
                write!(f, "invalid organization {id:?}: {reason}")
            }
            Self::EmptyCredential(which) => write!(f, "the {which} must not be empty"),
            Self::InvalidWebhookUrl(err) => err.fmt(f),
            Self::InvalidWebhookSecret(err) => err.fmt(f),
            Self::InvalidRetryScale(err) => err.fmt(f),
            Self::Tls(reason) => write!(f, "cannot serve HTTPS: {reason}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind { source, .. } => Some(source),
            Self::InvalidOrigin(err) => Some(err),
            Self::InvalidWebhookUrl(err) => Some(err),
            Self::InvalidWebhookSecret(err) => Some(err),
            Self::InvalidRetryScale(err) => Some(err),
            _ => None,
        }
    }
}

//! The errors a [`Client`](crate::Client) call can end in.
//!
//! ```
//! use scalekit_tower::{Error, OrganizationId};
//!
//! let err: Error = OrganizationId::new("tenant-42").unwrap_err().into();
//! assert!(matches!(err, Error::InvalidArgument { .. }));
//! assert!(!err.is_retryable());
//! ```

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::config::ConfigError;
use crate::organization_id::InvalidOrganizationId;
use crate::text::{SafeText, kept};

/// What Scalekit said about a failed call: its `google.rpc.Status`-shaped body.
///
/// All fields are optional: Scalekit sends them on most errors, proxies and
/// the token endpoint may not. The fields hold the text as sent; `Display`
/// shows it with control characters escaped, so a hostile message cannot
/// forge a log line or drive a terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The gRPC status code (`16` for unauthenticated, `5` for not found, ...).
    pub code: Option<i64>,
    /// Scalekit's human-readable message.
    pub message: Option<String>,
    /// The `error_code` of the first `ErrorInfo` detail, e.g. `UNAUTHENTICATED`.
    pub error_code: Option<String>,
}

impl ApiError {
    /// Parses an error body; anything unparseable gives an empty `ApiError`.
    pub(crate) fn from_body(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Self::default();
        };
        let text = |v: &serde_json::Value| v.as_str().map(kept);
        let error_code = value
            .get("details")
            .and_then(|d| d.as_array())
            .and_then(|details| {
                details
                    .iter()
                    .find_map(|d| d.get("error_code").and_then(text))
            })
            // OAuth-style bodies from the token endpoint.
            .or_else(|| value.get("error").and_then(text));
        Self {
            code: value.get("code").and_then(|c| c.as_i64()),
            message: value
                .get("message")
                .and_then(text)
                .or_else(|| value.get("error_description").and_then(text)),
            error_code,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(code) = &self.error_code {
            parts.push(SafeText(code).to_string());
        }
        if let Some(message) = &self.message {
            parts.push(format!("\"{}\"", SafeText(message)));
        }
        if let Some(code) = self.code {
            parts.push(format!("code {code}"));
        }
        if parts.is_empty() {
            f.write_str("no details")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// A failed client call. Match on the variant to decide what to show.
///
/// No variant carries the client secret or an access token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// Scalekit refused the client credentials or the access token made from them.
    #[error(
        "Scalekit rejected the client credentials (HTTP {status}, {api}): check that SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET belong to the environment in SCALEKIT_ENVIRONMENT_URL"
    )]
    BadCredentials {
        /// The HTTP status Scalekit answered (usually 401).
        status: StatusCode,
        /// Scalekit's error body.
        api: ApiError,
    },

    /// The organization does not exist in this environment.
    #[error(
        "organization not found in this Scalekit environment ({api}): check the id, or that it was created in this environment (development and production are separate)"
    )]
    OrganizationNotFound {
        /// Scalekit's error body.
        api: ApiError,
    },

    /// An argument was refused, locally before any request or by Scalekit (HTTP 400).
    #[error("invalid argument: {}", SafeText(message))]
    InvalidArgument {
        /// What was wrong.
        message: String,
        /// Scalekit's error body, when Scalekit refused it.
        api: Option<ApiError>,
    },

    /// The credentials may not do this (HTTP 403).
    #[error("Scalekit refused the call as not permitted (HTTP 403, {api})")]
    PermissionDenied {
        /// Scalekit's error body.
        api: ApiError,
    },

    /// Scalekit is rate limiting this client (HTTP 429).
    #[error("Scalekit is rate limiting this client (HTTP 429, {api}){}", RetryHint(*retry_after))]
    RateLimited {
        /// How long Scalekit asked to wait, when it said.
        retry_after: Option<Duration>,
        /// Scalekit's error body.
        api: ApiError,
    },

    /// Scalekit could not be reached or answered with a server error.
    #[error("Scalekit is unavailable ({}){}", UnavailableCause(*status, api), RetryHint(*retry_after))]
    Unavailable {
        /// The HTTP status, or `None` when no response arrived (connection failure).
        status: Option<StatusCode>,
        /// How long Scalekit asked to wait, when it said.
        retry_after: Option<Duration>,
        /// Scalekit's error body, when there was one.
        api: ApiError,
        /// The transport error, when no response arrived.
        #[source]
        source: Option<reqwest::Error>,
    },

    /// The call did not finish within the configured deadline.
    #[error(
        "Scalekit did not answer within {after:?} (the client's deadline); it may be slow or unreachable"
    )]
    Timeout {
        /// The deadline that ran out.
        after: Duration,
    },

    /// Scalekit answered something the client cannot use.
    #[error("unexpected response from Scalekit{}: {}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(), SafeText(reason))]
    UnexpectedResponse {
        /// The HTTP status, when the problem was in a response.
        status: Option<StatusCode>,
        /// What was wrong with it.
        reason: String,
    },

    /// The answer's body was longer than [`Config::max_response_bytes`](crate::Config::max_response_bytes)
    /// (by its `Content-Length`, or while it was read); the rest was not read.
    #[error(
        "Scalekit's answer (HTTP {status}) is larger than {limit} bytes, far more than any Scalekit answer: check SCALEKIT_ENVIRONMENT_URL points at Scalekit"
    )]
    ResponseTooLarge {
        /// The status of the answer.
        status: StatusCode,
        /// The cap that was passed, in bytes.
        limit: usize,
    },
}

struct RetryHint(Option<Duration>);

impl fmt::Display for RetryHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(after) => write!(f, "; retry after {} s", after.as_secs().max(1)),
            None => Ok(()),
        }
    }
}

struct UnavailableCause<'a>(Option<StatusCode>, &'a ApiError);

impl fmt::Display for UnavailableCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(status) => write!(f, "HTTP {status}, {}", self.1),
            None => f.write_str("no response: connection failed"),
        }
    }
}

impl Error {
    /// How long the caller should wait before trying again, when Scalekit said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether the same call may succeed later without any change: rate
    /// limits (429), a gateway or an outage in front of Scalekit (502, 503,
    /// 504), no answer at all (a connection failure), timeouts. The client's
    /// own retries ask exactly this, so an error it returns that says `true`
    /// is one it gave up on for lack of time or attempts.
    ///
    /// A 500 is not retryable: Scalekit failed on this very request, and
    /// sending it again is more likely to fail the same way than not.
    ///
    /// ```
    /// use http::StatusCode;
    /// use scalekit_tower::{ApiError, Error};
    ///
    /// let unavailable = |status| Error::Unavailable {
    ///     status: Some(status),
    ///     retry_after: None,
    ///     api: ApiError::default(),
    ///     source: None,
    /// };
    /// assert!(unavailable(StatusCode::SERVICE_UNAVAILABLE).is_retryable());
    /// assert!(!unavailable(StatusCode::INTERNAL_SERVER_ERROR).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } => true,
            Error::Unavailable { status, .. } => status.is_none_or(|status| {
                matches!(
                    status,
                    StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                )
            }),
            _ => false,
        }
    }

    /// A short name of the variant, for logs and metrics (`"timeout"`, ...).
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::BadCredentials { .. } => "bad_credentials",
            Error::OrganizationNotFound { .. } => "not_found",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unavailable { .. } => "unavailable",
            Error::Timeout { .. } => "timeout",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::ResponseTooLarge { .. } => "response_too_large",
        }
    }

    /// Scalekit's error body, when the error came from one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadCredentials { api, .. }
            | Error::OrganizationNotFound { api }
            | Error::PermissionDenied { api }
            | Error::RateLimited { api, .. }
            | Error::Unavailable { api, .. } => Some(api),
            Error::InvalidArgument { api, .. } => api.as_ref(),
            _ => None,
        }
    }
}

impl From<InvalidOrganizationId> for Error {
    fn from(err: InvalidOrganizationId) -> Self {
        Error::InvalidArgument {
            message: err.to_string(),
            api: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scalekit_error_body() {
        let body = br#"{"code":16,"message":"Token empty","details":[{"@type":"type.googleapis.com/scalekit.v1.errdetails.ErrorInfo","error_code":"UNAUTHENTICATED"}]}"#;
        let api = ApiError::from_body(body);
        assert_eq!(api.code, Some(16));
        assert_eq!(api.message.as_deref(), Some("Token empty"));
        assert_eq!(api.error_code.as_deref(), Some("UNAUTHENTICATED"));
    }

    #[test]
    fn parses_oauth_error_body_and_garbage() {
        let api = ApiError::from_body(br#"{"error":"invalid_client","error_description":"bad"}"#);
        assert_eq!(api.error_code.as_deref(), Some("invalid_client"));
        assert_eq!(api.message.as_deref(), Some("bad"));
        assert_eq!(
            ApiError::from_body(b"<html>502</html>"),
            ApiError::default()
        );
        assert_eq!(ApiError::from_body(b"[1,2]"), ApiError::default());
    }

    #[test]
    fn long_messages_are_truncated() {
        let body = format!(r#"{{"message":"{}"}}"#, "é".repeat(1000));
        let api = ApiError::from_body(body.as_bytes());
        let kept = api.message.unwrap();
        assert_eq!(kept.chars().count(), crate::text::MAX_CHARS + 1);
        assert!(kept.ends_with('…'));
    }

    #[test]
    fn upstream_text_is_escaped_in_display() {
        let body = "{\"code\":3,\"message\":\"bad\\n2026-01-01T00:00:00Z  INFO login ok user=admin\\u001b[2J\",\"details\":[{\"error_code\":\"X\\r\\u001b[31mY\"}]}";
        let api = ApiError::from_body(body.as_bytes());
        assert_eq!(api.message.as_deref().map(|m| m.contains('\n')), Some(true));
        let err = Error::InvalidArgument {
            message: api.message.clone().unwrap(),
            api: Some(api.clone()),
        };
        let unexpected = Error::UnexpectedResponse {
            status: None,
            reason: "line\nbreak\u{1b}[0m".into(),
        };
        let permission = Error::PermissionDenied { api };
        for shown in [
            err.to_string(),
            unexpected.to_string(),
            permission.to_string(),
        ] {
            assert!(
                !shown.chars().any(char::is_control),
                "control character in {shown:?}"
            );
            assert!(shown.contains("\\u{1b}"), "escape not visible in {shown:?}");
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let err = Error::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            api: ApiError::default(),
        };
        assert!(err.to_string().contains("retry after 7 s"));
        let err = Error::BadCredentials {
            status: StatusCode::UNAUTHORIZED,
            api: ApiError::default(),
        };
        assert!(err.to_string().contains("SCALEKIT_CLIENT_SECRET"));
    }
}

//! Error responses in Scalekit's two shapes.
//!
//! The REST API (`/api/v1/...`) answers errors as a `google.rpc.Status`-shaped
//! JSON object, with the HTTP status that grpc-gateway maps the gRPC code to:
//!
//! ```json
//! {"code":16,"message":"Token empty","details":[{"@type":"type.googleapis.com/scalekit.v1.errdetails.ErrorInfo","error_code":"UNAUTHENTICATED"}]}
//! ```
//!
//! The token endpoint (`/oauth/token`) answers OAuth 2.0 errors
//! (`{"error":"invalid_client","error_description":"..."}`, RFC 6749 §5.2).
//!
//! Only `UNAUTHENTICATED` is a confirmed `error_code` string; for the other
//! codes the emulator uses the canonical gRPC code names.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// The `@type` of the one entry in `details`.
pub(crate) const ERROR_INFO_TYPE: &str = "type.googleapis.com/scalekit.v1.errdetails.ErrorInfo";

/// The longest error message, in characters; messages echo what the
/// client sent, so a longer one is cut (see [`cut`]).
pub(crate) const MAX_MESSAGE_CHARS: usize = 300;

/// `text` cut to [`MAX_MESSAGE_CHARS`] characters, with `…` where it was
/// cut: what every error message goes through, REST and gRPC.
pub(crate) fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// A REST API error: HTTP status, gRPC code, message and `error_code`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with the given HTTP status; the gRPC code follows from it.
    /// The message is [`cut`] to a sane length.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: cut(&message.into()),
            retry_after: None,
        }
    }

    /// 400, code 3.
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401, code 16.
    pub(crate) fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 404, code 5.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 404, code 5, for an organization id that does not exist.
    pub(crate) fn organization_not_found(id: &str) -> Self {
        Self::not_found(format!("organization {id} not found"))
    }

    /// 409, code 6.
    pub(crate) fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// Adds a `Retry-After: <seconds>` header.
    pub(crate) fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong, for the client.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The `Retry-After` seconds, if any.
    pub(crate) fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }
}

/// The gRPC status code and its canonical name for an HTTP status, as
/// grpc-gateway maps them.
pub(crate) fn grpc_code(status: StatusCode) -> (u16, &'static str) {
    match status.as_u16() {
        400 => (3, "INVALID_ARGUMENT"),
        401 => (16, "UNAUTHENTICATED"),
        403 => (7, "PERMISSION_DENIED"),
        404 => (5, "NOT_FOUND"),
        408 => (4, "DEADLINE_EXCEEDED"),
        409 => (6, "ALREADY_EXISTS"),
        412 => (9, "FAILED_PRECONDITION"),
        413 => (8, "RESOURCE_EXHAUSTED"),
        429 => (8, "RESOURCE_EXHAUSTED"),
        499 => (1, "CANCELLED"),
        500 => (13, "INTERNAL"),
        501 => (12, "UNIMPLEMENTED"),
        503 => (14, "UNAVAILABLE"),
        504 => (4, "DEADLINE_EXCEEDED"),
        _ => (2, "UNKNOWN"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, error_code) = grpc_code(self.status);
        let body = json!({
            "code": code,
            "message": self.message,
            "details": [{ "@type": ERROR_INFO_TYPE, "error_code": error_code }],
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// An OAuth 2.0 token-endpoint error (RFC 6749 §5.2).
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    retry_after: Option<u64>,
}

impl OAuthError {
    /// 401 `invalid_client`.
    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// 400 `invalid_request`.
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 400 `unsupported_grant_type`.
    pub(crate) fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    /// An error for an arbitrary status (used by injected faults): the
    /// `error` value is the closest OAuth one.
    pub(crate) fn for_status(status: StatusCode, description: impl Into<String>) -> Self {
        let error = match status.as_u16() {
            400 => "invalid_request",
            401 => "invalid_client",
            403 => "unauthorized_client",
            429 | 503 => "temporarily_unavailable",
            _ => "server_error",
        };
        Self::new(status, error, description)
    }

    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            retry_after: None,
        }
    }

    /// Adds a `Retry-After: <seconds>` header.
    pub(crate) fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cut_to_a_sane_length() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(10_000);
        let message = ApiError::invalid_argument(format!("bad id {long:?}"))
            .message()
            .to_owned();
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn maps_the_documented_statuses() {
        for (status, code) in [
            (400, 3),
            (401, 16),
            (403, 7),
            (404, 5),
            (429, 8),
            (500, 13),
            (501, 12),
            (503, 14),
            (504, 4),
        ] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(grpc_code(status).0, code, "{status}");
        }
    }

    #[test]
    fn constructors_pick_the_status() {
        assert_eq!(ApiError::not_found("x").status(), StatusCode::NOT_FOUND);
        assert_eq!(
            ApiError::invalid_argument("x").status(),
            StatusCode::BAD_REQUEST
        );
    }
}

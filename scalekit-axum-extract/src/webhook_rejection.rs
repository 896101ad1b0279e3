//! Why a request yielded no verified webhook, as an HTTP response.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::refusal::plain_text_refusal;
use scalekit_tower::webhook::WebhookError;

/// The rejection of the [`ScalekitWebhook`](crate::ScalekitWebhook) extractor.
///
/// Each variant answers a status and a plain-text message saying what to fix,
/// with no secret and no quoted input.
///
/// ```
/// use http::StatusCode;
/// use scalekit_axum_extract::WebhookRejection;
/// use scalekit_tower::webhook::WebhookError;
///
/// let missing = WebhookRejection::VerifierMissing;
/// assert_eq!(missing.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// assert!(missing.body_text().contains("Extension"));
/// let forged = WebhookRejection::Refused(WebhookError::NoMatchingSignature);
/// assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// No [`WebhookVerifier`](scalekit_tower::webhook::WebhookVerifier) in
    /// the request's extensions: a setup bug, 500.
    VerifierMissing,
    /// The delivery was refused: 400 (malformed), 401 (signature or
    /// timestamp) or 413 (too large); see [`WebhookError::status`].
    Refused(WebhookError),
}

impl WebhookRejection {
    /// The status of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::VerifierMissing => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Refused(error) => error.status(),
        }
    }

    /// The message of the response.
    pub fn body_text(&self) -> String {
        match self {
            Self::VerifierMissing => "Missing WebhookVerifier: this handler takes a \
                ScalekitWebhook but the request has no scalekit_tower::webhook::WebhookVerifier \
                in its extensions. Add `.layer(Extension(WebhookVerifier::from_env()?))` to the \
                route."
                .into(),
            Self::Refused(error) => error.public_message(),
        }
    }

    /// The verification error, when the delivery was refused.
    pub fn error(&self) -> Option<&WebhookError> {
        match self {
            Self::Refused(error) => Some(error),
            Self::VerifierMissing => None,
        }
    }
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::VerifierMissing => write!(f, "{}: {}", self.status(), self.body_text()),
            Self::Refused(error) => write!(f, "{} ({error})", self.status()),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        plain_text_refusal(self.status(), self.body_text())
    }
}

//! Why a delivery was refused, and the status that says so.

use http::StatusCode;

/// The `Retry-After` of a [`WebhookError::Busy`] refusal.
const BUSY_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a webhook delivery was refused before it reached the app's handler.
///
/// [`status`](Self::status) is the answer for the sender: 400 for a malformed
/// delivery, 401 for a signature or timestamp that does not check out, 413 for
/// a body over the size cap, 408 for a body that arrives too slowly, 503 when
/// the service's read budget is spent. `Display` is for the server log; it may quote
/// parts of the delivery (escape it, as the service does) and never the secret.
/// [`public_message`](Self::public_message) is what a response may say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// One of `webhook-id`, `webhook-timestamp`, `webhook-signature` is absent.
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    /// A `webhook-*` header is present but unusable.
    #[error("the `{name}` header is invalid: {reason}")]
    InvalidHeader {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No `v1` entry of `webhook-signature` matches any configured secret.
    #[error(
        "no `v1` signature in `webhook-signature` matches a configured secret (a wrong or \
         rotated secret, or a body changed on the way)"
    )]
    NoMatchingSignature,
    /// The signature is right but `webhook-timestamp` is older than the tolerance.
    #[error(
        "the signed timestamp is {age_secs} s old, more than the tolerance of {tolerance_secs} s"
    )]
    StaleTimestamp {
        /// How old the timestamp is.
        age_secs: u64,
        /// The verifier's tolerance.
        tolerance_secs: u64,
    },
    /// The signature is right but `webhook-timestamp` is ahead of this server's
    /// clock by more than the tolerance.
    #[error(
        "the signed timestamp is {ahead_secs} s in the future, more than the tolerance of \
         {tolerance_secs} s (is this server's clock right?)"
    )]
    FutureTimestamp {
        /// How far ahead the timestamp is.
        ahead_secs: u64,
        /// The verifier's tolerance.
        tolerance_secs: u64,
    },
    /// The body is longer than the verifier's cap.
    #[error("the body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The body did not arrive whole within the service's read timeout
    /// (a slow or stalled sender).
    #[error("the body did not arrive within the read timeout of {timeout:?}")]
    BodyTimeout {
        /// The read timeout.
        timeout: std::time::Duration,
    },
    /// The deliveries being read at once already hold the service's read
    /// budget: this one was not read; the sender should retry shortly.
    #[error("the webhook read budget is spent by the deliveries being read; refused for now")]
    Busy,
    /// The request body could not be read to the end.
    #[error("the body could not be read: {0}")]
    BodyUnreadable(String),
    /// The signed body is not a JSON event envelope (`{"id": ..., "type": ..., "data": ...}`),
    /// or the `data` of a known event type lacks a required field.
    #[error("the signed body is not a Scalekit event: {0}")]
    NotAnEvent(String),
}

impl WebhookError {
    /// The status that answers this refusal: 400, 401, 408, 413 or 503.
    ///
    /// ```
    /// use http::StatusCode;
    /// use scalekit_tower::webhook::WebhookError;
    ///
    /// assert_eq!(WebhookError::NoMatchingSignature.status(), StatusCode::UNAUTHORIZED);
    /// assert_eq!(WebhookError::MissingHeader("webhook-id").status(), StatusCode::BAD_REQUEST);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingHeader(_)
            | Self::InvalidHeader { .. }
            | Self::BodyUnreadable(_)
            | Self::NotAnEvent(_) => StatusCode::BAD_REQUEST,
            Self::NoMatchingSignature
            | Self::StaleTimestamp { .. }
            | Self::FutureTimestamp { .. } => StatusCode::UNAUTHORIZED,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// How long the sender should wait before retrying, when the refusal
    /// is temporary (`Busy`): the service sends it as `Retry-After`.
    ///
    /// ```
    /// use scalekit_tower::webhook::WebhookError;
    ///
    /// assert_eq!(WebhookError::Busy.retry_after(), Some(std::time::Duration::from_secs(5)));
    /// assert_eq!(WebhookError::NoMatchingSignature.retry_after(), None);
    /// ```
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        matches!(self, Self::Busy).then_some(BUSY_RETRY_AFTER)
    }

    /// A short machine-readable code: `missing_header`, `invalid_header`,
    /// `invalid_signature`, `stale_timestamp`, `future_timestamp`,
    /// `body_too_large`, `body_timeout`, `busy`, `unreadable_body`, `not_an_event`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) => "missing_header",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::NoMatchingSignature => "invalid_signature",
            Self::StaleTimestamp { .. } => "stale_timestamp",
            Self::FutureTimestamp { .. } => "future_timestamp",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyTimeout { .. } => "body_timeout",
            Self::Busy => "busy",
            Self::BodyUnreadable(_) => "unreadable_body",
            Self::NotAnEvent(_) => "not_an_event",
        }
    }

    /// A message for the response: what the sender should fix, with no
    /// quoted input, no internal detail and no secret.
    pub fn public_message(&self) -> String {
        match self {
            Self::MissingHeader(name) => format!(
                "The `{name}` header is missing: Scalekit webhooks carry webhook-id, \
                 webhook-timestamp and webhook-signature."
            ),
            Self::InvalidHeader { name, reason } => {
                format!("The `{name}` header is invalid: {reason}.")
            }
            Self::NoMatchingSignature => "The webhook signature does not match: sign \
                `{webhook-id}.{webhook-timestamp}.{body}` with the endpoint's secret and send \
                `v1,<base64 HMAC-SHA256>` in webhook-signature."
                .into(),
            Self::StaleTimestamp { .. } | Self::FutureTimestamp { .. } => {
                "The webhook timestamp is outside the accepted window: send the current Unix \
                 time in seconds in webhook-timestamp."
                    .into()
            }
            Self::BodyTooLarge { limit } => {
                format!("The webhook body is larger than this endpoint accepts ({limit} bytes).")
            }
            Self::BodyTimeout { .. } => {
                "The webhook body did not arrive in time: send it whole without pausing.".into()
            }
            Self::Busy => "This endpoint is reading many deliveries at once: retry shortly.".into(),
            Self::BodyUnreadable(_) => "The webhook body could not be read to the end.".into(),
            Self::NotAnEvent(_) => "The webhook body is not a Scalekit event: a JSON object \
                with id, type and data."
                .into(),
        }
    }
}

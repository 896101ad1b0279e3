//! How long a delivery may take and hold: the deadline for its body, the
//! read budget shared by the deliveries being read at once, and the
//! deadline for the app's handler. Set on [`WebhookService`].

use std::time::Duration;

use tokio::time::Instant;

use super::budget::{DEFAULT_READ_BUDGET, ReadBudget};
use super::service::WebhookService;

/// How long a delivery's body may take to arrive whole, by default: 5 s
/// (Scalekit sends a few KiB at once).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the app's handler may run for one delivery, by default: 30 s,
/// well inside the idempotency store's lease.
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(30);

/// Longer timeouts are taken as this one, so no deadline overflows.
const MAX_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// The service's bounds for one delivery.
#[derive(Clone, Debug)]
pub(crate) struct DeliveryLimits {
    pub(crate) read_timeout: Duration,
    pub(crate) handler_timeout: Duration,
    pub(crate) budget: ReadBudget,
}

impl Default for DeliveryLimits {
    fn default() -> Self {
        Self {
            read_timeout: DEFAULT_READ_TIMEOUT,
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
            budget: ReadBudget::new(DEFAULT_READ_BUDGET),
        }
    }
}

impl DeliveryLimits {
    /// The read deadline of a delivery arriving now, with its timeout.
    pub(crate) fn read_deadline(&self) -> (Instant, Duration) {
        (Instant::now() + self.read_timeout, self.read_timeout)
    }
}

impl<H, St> WebhookService<H, St> {
    /// How long a delivery's body may take to arrive whole after its headers
    /// (default 5 s); a slower one is answered 408 and its bytes are freed.
    /// At most an hour; longer durations are taken as an hour.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookService, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap());
    /// let service = WebhookService::new(verifier, |_event| async { Ok::<_, String>(()) })
    ///     .with_read_timeout(Duration::from_secs(2));
    /// assert_eq!(service.read_timeout(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.read_timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// The most bytes all deliveries being read at once may buffer, shared
    /// by every clone of this service (default 16 MiB). A delivery that
    /// would pass it is answered 503 with `Retry-After` before it is read
    /// further, and Scalekit delivers it again later.
    ///
    /// ```
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookService, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap());
    /// let service = WebhookService::new(verifier, |_event| async { Ok::<_, String>(()) })
    ///     .with_read_budget(4 * 1024 * 1024);
    /// assert_eq!(service.read_budget(), 4_194_304);
    /// ```
    #[must_use]
    pub fn with_read_budget(mut self, bytes: usize) -> Self {
        self.limits.budget = ReadBudget::new(bytes);
        self
    }

    /// How long the app's handler may run for one delivery (default 30 s).
    /// Past it the handler is dropped, its claim released and the delivery
    /// answered 500, so Scalekit's retry runs it again. Keep it shorter than
    /// the idempotency store's lease. At most an hour.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookService, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap());
    /// let service = WebhookService::new(verifier, |_event| async { Ok::<_, String>(()) })
    ///     .with_handler_timeout(Duration::from_secs(10));
    /// assert_eq!(service.handler_timeout(), Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn with_handler_timeout(mut self, timeout: Duration) -> Self {
        self.limits.handler_timeout = timeout.min(MAX_TIMEOUT);
        self
    }

    /// The body read timeout.
    pub fn read_timeout(&self) -> Duration {
        self.limits.read_timeout
    }

    /// The read budget, in bytes.
    pub fn read_budget(&self) -> usize {
        self.limits.budget.limit()
    }

    /// The handler timeout.
    pub fn handler_timeout(&self) -> Duration {
        self.limits.handler_timeout
    }
}

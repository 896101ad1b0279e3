//! The verifier: signed headers + raw body -> a typed event, or why not.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Request};
use http_body::Body;
use tokio::time::Instant;

use super::body::{ReadBounds, read_bounded};
use super::budget::ReadBudget;
use super::envelope::parse_event;
use super::error::WebhookError;
use super::event::WebhookEvent;
use super::secret::{ENV_WEBHOOK_SECRET, WebhookSecret, WebhookSecretError};
use super::signature::SignedHeaders;

/// How far `webhook-timestamp` may be from now, either side, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The largest body accepted by default: 256 KiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Checks Scalekit webhook deliveries: the Standard Webhooks signature over
/// the raw bytes, the timestamp window, the size cap; then parses the typed
/// event. See the [module docs](super) for an example.
///
/// Cheap to clone (one `Arc`). `Debug` shows how many secrets it holds, never
/// the secrets.
#[derive(Clone)]
pub struct WebhookVerifier {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
    max_body_bytes: usize,
    clock: Clock,
}

impl WebhookVerifier {
    /// A verifier for deliveries signed with `secret`, with the default
    /// tolerance (5 minutes) and body cap (256 KiB).
    pub fn new(secret: WebhookSecret) -> Self {
        Self {
            inner: Arc::new(Inner {
                secrets: vec![secret],
                tolerance: DEFAULT_TOLERANCE,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                clock: Arc::new(SystemTime::now),
            }),
        }
    }

    /// A verifier with the secret(s) in `SCALEKIT_WEBHOOK_SECRET` (several
    /// separated by spaces or commas during a rotation).
    ///
    /// An unset, empty or malformed value is a [`WebhookSecretError`].
    pub fn from_env() -> Result<Self, WebhookSecretError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variable through
    /// `lookup` (a `.env` loader, a secrets manager, a test's map).
    ///
    /// ```
    /// use scalekit_tower::webhook::{ENV_WEBHOOK_SECRET, WebhookSecretError, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::from_lookup(|name| {
    ///     (name == ENV_WEBHOOK_SECRET).then(|| "whsec_b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3 whsec_bmV3LXNpZ25pbmcta2V5LTAxMjM0NTY3".to_owned())
    /// })
    /// .unwrap();
    /// assert_eq!(verifier.secret_count(), 2);
    /// assert_eq!(
    ///     WebhookVerifier::from_lookup(|_| None).unwrap_err(),
    ///     WebhookSecretError::Missing { variable: ENV_WEBHOOK_SECRET }
    /// );
    /// ```
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, WebhookSecretError> {
        let value = lookup(ENV_WEBHOOK_SECRET).ok_or(WebhookSecretError::Missing {
            variable: ENV_WEBHOOK_SECRET,
        })?;
        let mut secrets = WebhookSecret::parse_list(&value)?.into_iter();
        let first = secrets.next().ok_or(WebhookSecretError::Empty)?;
        Ok(secrets.fold(Self::new(first), Self::with_secret))
    }

    /// Also accepts deliveries signed with `secret`: during a rotation, both
    /// the old and the new secret verify.
    ///
    /// ```
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_b2xkLXNpZ25pbmcta2V5LTAxMjM0NTY3").unwrap())
    ///     .with_secret(WebhookSecret::new("whsec_bmV3LXNpZ25pbmcta2V5LTAxMjM0NTY3").unwrap());
    /// assert_eq!(verifier.secret_count(), 2);
    /// ```
    #[must_use]
    pub fn with_secret(mut self, secret: WebhookSecret) -> Self {
        Arc::make_mut(&mut self.inner).secrets.push(secret);
        self
    }

    /// How far `webhook-timestamp` may be from this server's clock, either
    /// side (default 5 minutes). Any duration is accepted; huge ones saturate.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap())
    ///     .with_tolerance(Duration::from_secs(60));
    /// assert_eq!(verifier.tolerance(), Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        Arc::make_mut(&mut self.inner).tolerance = tolerance;
        self
    }

    /// The largest body accepted, in bytes (default 256 KiB); a larger one is
    /// [`WebhookError::BodyTooLarge`] (413).
    ///
    /// ```
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap())
    ///     .with_max_body_bytes(64 * 1024);
    /// assert_eq!(verifier.max_body_bytes(), 65_536);
    /// ```
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.inner).max_body_bytes = limit;
        self
    }

    /// Reads "now" from `clock` instead of the system clock (for tests).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use scalekit_tower::webhook::{WebhookSecret, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(WebhookSecret::new("whsec_c2VjcmV0LXNpZ25pbmcta2V5").unwrap())
    ///     .with_clock(|| UNIX_EPOCH + Duration::from_secs(1_614_265_330));
    /// # let _ = verifier;
    /// ```
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Arc::make_mut(&mut self.inner).clock = Arc::new(clock);
        self
    }

    /// The timestamp tolerance.
    pub fn tolerance(&self) -> Duration {
        self.inner.tolerance
    }

    /// The body cap, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// How many secrets verify (more than one during a rotation).
    pub fn secret_count(&self) -> usize {
        self.inner.secrets.len()
    }

    /// Verifies one delivery and parses its event: the headers, the size cap,
    /// the signature over the raw `body`, the timestamp window, then the JSON.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        self.verify_at(headers, body, (self.inner.clock)())
    }

    /// Like [`verify`](Self::verify), with `now` as the current time.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<WebhookEvent, WebhookError> {
        let signed = self.check(headers, body, now)?;
        parse_event(signed.id, body)
    }

    /// Verifies the signature and timestamp only, without parsing the body;
    /// answers the delivery's `webhook-id`.
    pub fn verify_signature<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
    ) -> Result<&'h str, WebhookError> {
        self.check(headers, body, (self.inner.clock)())
            .map(|signed| signed.id)
    }

    /// Reads the request's body (refusing it past the cap, by `Content-Length`
    /// before reading when it is declared) and verifies it.
    pub async fn verify_request<B>(&self, request: Request<B>) -> Result<WebhookEvent, WebhookError>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.verify_request_within(request, None, None).await
    }

    /// Like [`verify_request`](Self::verify_request), with the body read
    /// before `deadline` and its bytes reserved from `budget` until verified.
    pub(crate) async fn verify_request_within<B>(
        &self,
        request: Request<B>,
        deadline: Option<(Instant, Duration)>,
        budget: Option<&ReadBudget>,
    ) -> Result<WebhookEvent, WebhookError>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        let bounds = ReadBounds {
            limit: self.inner.max_body_bytes,
            deadline,
            budget,
        };
        let body = read_bounded(body, declared_length(&parts.headers), bounds).await?;
        self.verify(&parts.headers, &body.bytes)
    }

    fn check<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<SignedHeaders<'h>, WebhookError> {
        let signed = SignedHeaders::read(headers)?;
        if body.len() > self.inner.max_body_bytes {
            return Err(WebhookError::BodyTooLarge {
                limit: self.inner.max_body_bytes,
            });
        }
        if !signed.signed_by_any(&self.inner.secrets, body) {
            return Err(WebhookError::NoMatchingSignature);
        }
        self.check_window(signed.timestamp, now)?;
        Ok(signed)
    }

    /// Refuses a timestamp more than the tolerance away from `now`, in whole
    /// seconds, without overflow for any input.
    fn check_window(&self, timestamp: i64, now: SystemTime) -> Result<(), WebhookError> {
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => i128::from(since.as_secs()),
            Err(before) => -i128::from(before.duration().as_secs()),
        };
        let tolerance = i128::from(self.inner.tolerance.as_secs());
        let tolerance_secs = self.inner.tolerance.as_secs();
        let age = now - i128::from(timestamp);
        let saturate = |secs: i128| u64::try_from(secs).unwrap_or(u64::MAX);
        if age > tolerance {
            Err(WebhookError::StaleTimestamp {
                age_secs: saturate(age),
                tolerance_secs,
            })
        } else if -age > tolerance {
            Err(WebhookError::FutureTimestamp {
                ahead_secs: saturate(-age),
                tolerance_secs,
            })
        } else {
            Ok(())
        }
    }
}

/// The request's `Content-Length`, when it is one number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secrets", &self.inner.secrets.len())
            .field("tolerance", &self.inner.tolerance)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

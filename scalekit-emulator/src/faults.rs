//! Fault controls: make the emulator slow, failing, malformed, hanging or
//! abruptly closed on purpose, revoke its tokens, and decide what domain
//! verifications find, so clients can be tested against it.

use std::sync::Arc;
use std::time::Duration;

use crate::store::Store;
use crate::store::domains::VerificationOutcome;
use crate::store::fault_queue::{FaultAction, FaultQueue, FaultScope};
use crate::webhooks::{DeliveryFault, Dispatcher};

/// Per-instance fault controls, from [`Emulator::faults`](crate::Emulator::faults).
///
/// Cheap to clone; clones control the same emulator.
///
/// One-shot faults are armed with a count and form a queue: each request
/// takes the first armed fault whose [`FaultScope`] matches it, so
/// `fail_next(FaultScope::Api, 3, 503)` fails exactly three API requests even
/// under concurrency. Requests an interrupting fault answers are not
/// processed, not even authenticated (no token issued, no link minted).
/// Latency stays until cleared.
/// Faults never apply to the portal pages.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use scalekit_emulator::{Emulator, FaultScope};
///
/// let emu = Emulator::builder().start().await?;
/// emu.faults().fail_next_with_retry_after(FaultScope::Api, 2, 429, Duration::from_secs(3));
/// emu.faults().set_latency(FaultScope::Token, Duration::from_millis(50));
/// assert_eq!(emu.faults().pending(), 2);
/// emu.faults().clear();
/// assert_eq!(emu.faults().pending(), 0);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Faults {
    store: Arc<Store>,
    webhooks: Arc<Dispatcher>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("queue", &self.store.faults)
            .field("webhooks", self.webhooks.faults())
            .finish()
    }
}

impl Faults {
    pub(crate) fn new(store: Arc<Store>, webhooks: Arc<Dispatcher>) -> Self {
        Self { store, webhooks }
    }

    fn queue(&self) -> &FaultQueue {
        &self.store.faults
    }

    /// Delays every request in `scope` by `latency` before it is answered,
    /// until changed; `Duration::ZERO` removes the setting. When several
    /// scopes match a request, the largest latency applies.
    pub fn set_latency(&self, scope: FaultScope, latency: Duration) {
        self.queue().set_latency(scope, latency);
    }

    /// Answers the next `count` requests in `scope` with HTTP `status` and an
    /// error body (the REST error shape, or the OAuth one on the token
    /// endpoint). A `status` outside 100..=999 is answered as 500.
    pub fn fail_next(&self, scope: FaultScope, count: u32, status: u16) {
        let action = FaultAction::Fail {
            status,
            retry_after: None,
        };
        self.queue().arm(scope, count, action);
    }

    /// Like [`fail_next`](Self::fail_next), with a `Retry-After` header of
    /// `retry_after` in whole seconds.
    pub fn fail_next_with_retry_after(
        &self,
        scope: FaultScope,
        count: u32,
        status: u16,
        retry_after: Duration,
    ) {
        let action = FaultAction::Fail {
            status,
            retry_after: Some(retry_after.as_secs()),
        };
        self.queue().arm(scope, count, action);
    }

    /// Answers the next `count` requests in `scope` with HTTP 200,
    /// `Content-Type: application/json` and a truncated JSON body.
    pub fn malformed_next(&self, scope: FaultScope, count: u32) {
        self.queue().arm(scope, count, FaultAction::Malformed);
    }

    /// Never answers the next `count` requests in `scope`: they wait until
    /// the client gives up or the emulator shuts down.
    pub fn hang_next(&self, scope: FaultScope, count: u32) {
        self.queue().arm(scope, count, FaultAction::Hang);
    }

    /// For the next `count` requests in `scope`, sends a 200 status line,
    /// headers and part of a JSON body, then aborts the connection.
    pub fn reset_next(&self, scope: FaultScope, count: u32) {
        self.queue().arm(scope, count, FaultAction::Reset);
    }

    /// The next `count` successful portal_links answers are HTTP 200 with
    /// valid JSON whose `link` has no `location`. The link is still minted.
    pub fn omit_location_next(&self, count: u32) {
        self.queue()
            .arm(FaultScope::PortalLinks, count, FaultAction::OmitLocation);
    }

    /// The next `count` successful portal_links answers carry `location`
    /// instead of the real one (e.g. `javascript:alert(1)` or a foreign
    /// origin). The real link is still minted.
    pub fn override_location_next(&self, count: u32, location: impl Into<String>) {
        let action = FaultAction::OverrideLocation(location.into());
        self.queue().arm(FaultScope::PortalLinks, count, action);
    }

    /// Revokes every access token issued so far: REST calls with them get
    /// 401 (code 16). Tokens issued afterwards work.
    pub fn revoke_tokens(&self) {
        let revoked = self.store.revoke_tokens();
        tracing::debug!(revoked, "revoked all access tokens");
    }

    /// Decides what the next `count` domain verifications find (the
    /// portal's "verify" button): [`VerificationOutcome::Verified`] or
    /// [`VerificationOutcome::Failed`]. Later verifications find the
    /// builder's
    /// [`domain_verification_outcome`](crate::EmulatorBuilder::domain_verification_outcome).
    /// At most 10 000 outcomes stay queued.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use scalekit_emulator::{Emulator, VerificationOutcome};
    ///
    /// let emu = Emulator::builder().start().await?;
    /// emu.faults().next_domain_verifications(1, VerificationOutcome::Failed);
    /// assert_eq!(emu.faults().pending(), 1);
    /// # Ok(()) }
    /// ```
    pub fn next_domain_verifications(&self, count: u32, outcome: VerificationOutcome) {
        self.queue().queue_domain_verifications(count, outcome);
    }

    /// Delivers each of the next `count` webhook events twice, both copies
    /// with the same `webhook-id` and body, as Scalekit does when an
    /// acknowledgement is lost. Each copy is its own line in
    /// [`Emulator::deliveries`](crate::Emulator::deliveries).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use scalekit_emulator::Emulator;
    ///
    /// let emu = Emulator::builder()
    ///     .webhook_endpoint("http://127.0.0.1:3000/webhooks/scalekit")
    ///     .start()
    ///     .await?;
    /// emu.faults().duplicate_next_webhooks(1);
    /// emu.faults().wrong_secret_next_webhooks(2);
    /// emu.faults().set_webhook_delay(Duration::from_millis(100));
    /// assert_eq!(emu.faults().pending(), 3);
    /// # Ok(()) }
    /// ```
    pub fn duplicate_next_webhooks(&self, count: u32) {
        self.webhooks.faults().arm(DeliveryFault::Duplicate, count);
    }

    /// Holds each of the next `count` webhook events back until the event
    /// after it has been sent to the same endpoint (at most 5 s), so the app
    /// sees them out of order.
    pub fn reorder_next_webhooks(&self, count: u32) {
        self.webhooks.faults().arm(DeliveryFault::OutOfOrder, count);
    }

    /// Never sends the next `count` webhook events (logged as
    /// [`DeliveryOutcome::Dropped`](crate::DeliveryOutcome::Dropped)).
    pub fn drop_next_webhooks(&self, count: u32) {
        self.webhooks.faults().arm(DeliveryFault::Drop, count);
    }

    /// Signs the next `count` webhook delivery attempts with a key other
    /// than the secret's, as a forger would; the retries that follow a
    /// refusal are signed properly.
    pub fn wrong_secret_next_webhooks(&self, count: u32) {
        self.webhooks
            .faults()
            .arm(DeliveryFault::WrongSecret, count);
    }

    /// Sends the next `count` webhook delivery attempts with a
    /// `webhook-timestamp` ten minutes old (outside the 5-minute tolerance),
    /// correctly signed for that time, as a replay would be.
    pub fn stale_next_webhooks(&self, count: u32) {
        self.webhooks
            .faults()
            .arm(DeliveryFault::StaleTimestamp, count);
    }

    /// Delays the first attempt of every webhook event by `delay`, until
    /// changed; `Duration::ZERO` removes the setting.
    pub fn set_webhook_delay(&self, delay: Duration) {
        self.webhooks.faults().set_delay(delay);
    }

    /// Shows a clock `seconds` ahead of the real one (negative: behind) in
    /// the `Date` header of every answer, portal pages included, until
    /// changed; 0 shows the real time again. For testing a client's clock
    /// check (webhook timestamps are checked against the clock, within 5
    /// minutes); nothing else the emulator does moves with it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emu = scalekit_emulator::Emulator::builder().start().await?;
    /// emu.faults().set_clock_skew(-3600);
    /// assert_eq!(emu.faults().clock_skew(), -3600);
    /// # Ok(()) }
    /// ```
    pub fn set_clock_skew(&self, seconds: i64) {
        self.store.clock.set_skew(seconds);
    }

    /// The skew [`set_clock_skew`](Self::set_clock_skew) set, in seconds.
    pub fn clock_skew(&self) -> i64 {
        self.store.clock.skew()
    }

    /// Removes every armed fault, every latency setting, every queued
    /// domain-verification outcome, every webhook fault and delay, and the
    /// clock skew.
    pub fn clear(&self) {
        self.queue().clear();
        self.webhooks.faults().clear();
        self.store.clock.set_skew(0);
    }

    /// How many one-shot fault uses (queued domain-verification outcomes
    /// and webhook faults included) are still armed.
    pub fn pending(&self) -> u32 {
        self.queue()
            .pending()
            .saturating_add(self.webhooks.faults().pending())
    }
}

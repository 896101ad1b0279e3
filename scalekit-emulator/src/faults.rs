//! Fault injection: make the emulator slow, failing, malformed, hanging or
//! abruptly closed, on purpose, so clients can be tested against it.
//!
//! See [`Faults`] for the controls.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::state::{Shared, lock};
use crate::stats::Endpoint;

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultScope {
    /// `POST /oauth/token` only.
    Token,
    /// Every REST call under `/api/v1`.
    Api,
    /// `PUT /api/v1/organizations/{id}/portal_links` only.
    PortalLinks,
    /// The token endpoint and every REST call.
    TokenAndApi,
}

impl FaultScope {
    /// Whether a request to `endpoint` is in this scope.
    pub fn matches(self, endpoint: Endpoint) -> bool {
        match self {
            Self::Token => endpoint == Endpoint::Token,
            Self::Api => endpoint.is_api(),
            Self::PortalLinks => endpoint == Endpoint::GeneratePortalLink,
            Self::TokenAndApi => endpoint == Endpoint::Token || endpoint.is_api(),
        }
    }
}

/// What an armed fault does to the request that takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FaultAction {
    /// Answer `status` with an error body, optionally with `Retry-After`.
    Fail {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Answer 200 with truncated JSON.
    Malformed,
    /// Never answer (until the client gives up or the emulator shuts down).
    Hang,
    /// Start a 200 response, then abort the connection mid-body.
    Reset,
    /// (portal_links) A successful answer whose link lacks `location`.
    OmitLocation,
    /// (portal_links) A successful answer with this `location`.
    OverrideLocation(String),
}

impl FaultAction {
    /// Shape faults change a successful portal_links answer instead of
    /// replacing the response.
    fn is_shape(&self) -> bool {
        matches!(self, Self::OmitLocation | Self::OverrideLocation(_))
    }
}

#[derive(Debug)]
struct Armed {
    scope: FaultScope,
    remaining: u32,
    action: FaultAction,
}

#[derive(Debug, Default)]
struct FaultState {
    latency: Vec<(FaultScope, Duration)>,
    armed: VecDeque<Armed>,
}

/// The armed faults of one emulator.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    state: Mutex<FaultState>,
}

impl FaultQueue {
    fn arm(&self, scope: FaultScope, count: u32, action: FaultAction) {
        if count > 0 {
            lock(&self.state).armed.push_back(Armed {
                scope,
                remaining: count,
                action,
            });
        }
    }

    /// Takes one use of the first armed fault that matches.
    fn take(&self, want: impl Fn(&Armed) -> bool) -> Option<FaultAction> {
        let mut state = lock(&self.state);
        let index = state.armed.iter().position(want)?;
        let armed = &mut state.armed[index];
        armed.remaining -= 1;
        let action = armed.action.clone();
        if armed.remaining == 0 {
            state.armed.remove(index);
        }
        Some(action)
    }

    /// The next interrupting fault for a request to `endpoint`, if any.
    pub(crate) fn take_interrupting(&self, endpoint: Endpoint) -> Option<FaultAction> {
        self.take(|armed| !armed.action.is_shape() && armed.scope.matches(endpoint))
    }

    /// The next shape fault for a successful portal_links answer, if any.
    pub(crate) fn take_link_shape(&self) -> Option<FaultAction> {
        self.take(|armed| armed.action.is_shape())
    }

    /// The latency to add to a request to `endpoint` (the largest of the
    /// matching settings).
    pub(crate) fn latency(&self, endpoint: Endpoint) -> Option<Duration> {
        lock(&self.state)
            .latency
            .iter()
            .filter(|(scope, _)| scope.matches(endpoint))
            .map(|(_, latency)| *latency)
            .max()
    }
}

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
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("state", &*lock(&self.shared.faults.state))
            .finish()
    }
}

impl Faults {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn queue(&self) -> &FaultQueue {
        &self.shared.faults
    }

    /// Delays every request in `scope` by `latency` before it is answered,
    /// until changed; `Duration::ZERO` removes the setting. When several
    /// scopes match a request, the largest latency applies.
    pub fn set_latency(&self, scope: FaultScope, latency: Duration) {
        let mut state = lock(&self.queue().state);
        state.latency.retain(|(s, _)| *s != scope);
        if !latency.is_zero() {
            state.latency.push((scope, latency));
        }
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
        let revoked = lock(&self.shared.tokens).revoke_all();
        tracing::debug!(revoked, "revoked all access tokens");
    }

    /// Removes every armed fault and every latency setting.
    pub fn clear(&self) {
        let mut state = lock(&self.queue().state);
        state.latency.clear();
        state.armed.clear();
    }

    /// How many one-shot fault uses are still armed.
    pub fn pending(&self) -> u32 {
        lock(&self.queue().state)
            .armed
            .iter()
            .map(|armed| armed.remaining)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_taken_in_order_and_by_scope() {
        let queue = FaultQueue::default();
        queue.arm(FaultScope::Token, 1, FaultAction::Hang);
        queue.arm(FaultScope::Api, 2, FaultAction::Malformed);
        queue.arm(FaultScope::PortalLinks, 1, FaultAction::OmitLocation);
        assert_eq!(queue.take_interrupting(Endpoint::PortalPage), None);
        assert_eq!(
            queue.take_interrupting(Endpoint::GeneratePortalLink),
            Some(FaultAction::Malformed)
        );
        assert_eq!(
            queue.take_interrupting(Endpoint::Token),
            Some(FaultAction::Hang)
        );
        assert_eq!(queue.take_interrupting(Endpoint::Token), None);
        assert_eq!(
            queue.take_interrupting(Endpoint::GetOrganization),
            Some(FaultAction::Malformed)
        );
        assert_eq!(queue.take_interrupting(Endpoint::GeneratePortalLink), None);
        assert_eq!(queue.take_link_shape(), Some(FaultAction::OmitLocation));
        assert_eq!(queue.take_link_shape(), None);
    }

    #[test]
    fn latency_takes_the_largest_match() {
        let queue = FaultQueue::default();
        lock(&queue.state).latency.extend([
            (FaultScope::Api, Duration::from_millis(5)),
            (FaultScope::TokenAndApi, Duration::from_millis(9)),
        ]);
        assert_eq!(
            queue.latency(Endpoint::Token),
            Some(Duration::from_millis(9))
        );
        assert_eq!(
            queue.latency(Endpoint::ListOrganizations),
            Some(Duration::from_millis(9))
        );
        assert_eq!(queue.latency(Endpoint::PortalPage), None);
    }
}

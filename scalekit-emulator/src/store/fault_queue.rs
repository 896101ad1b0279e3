//! The armed faults of one emulator: what the fault-injection middleware
//! and the domain verifications take, and what
//! [`Faults`](crate::Faults) arms.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::store::counters::Endpoint;
use crate::store::domains::VerificationOutcome;
use crate::store::locking::lock;

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultScope {
    /// `POST /oauth/token` only.
    Token,
    /// Every REST call under `/api/v1` (the status reads included).
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
    /// Outcomes for the next domain verifications, oldest first.
    domain_verifications: VecDeque<VerificationOutcome>,
}

/// The most queued domain-verification outcomes.
const MAX_QUEUED_VERIFICATIONS: usize = 10_000;

/// The armed faults of one emulator.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    state: Mutex<FaultState>,
    /// What a verification finds when nothing is queued.
    default_verification: VerificationOutcome,
}

impl FaultQueue {
    /// A queue whose domain verifications find `default_verification` unless
    /// told otherwise.
    pub(crate) fn new(default_verification: VerificationOutcome) -> Self {
        Self {
            state: Mutex::default(),
            default_verification,
        }
    }

    /// Arms `count` uses of `action` for requests in `scope`.
    pub(crate) fn arm(&self, scope: FaultScope, count: u32, action: FaultAction) {
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

    /// Queues the outcome of the next `count` domain verifications (at most
    /// 10 000 stay queued).
    pub(crate) fn queue_domain_verifications(&self, count: u32, outcome: VerificationOutcome) {
        let mut state = lock(&self.state);
        let room = MAX_QUEUED_VERIFICATIONS.saturating_sub(state.domain_verifications.len());
        let count = usize::try_from(count).unwrap_or(usize::MAX).min(room);
        state
            .domain_verifications
            .extend(std::iter::repeat_n(outcome, count));
    }

    /// The outcome of a domain verification happening now.
    pub(crate) fn take_domain_verification(&self) -> VerificationOutcome {
        lock(&self.state)
            .domain_verifications
            .pop_front()
            .unwrap_or(self.default_verification)
    }

    /// Sets (or, with `Duration::ZERO`, removes) the latency for `scope`.
    pub(crate) fn set_latency(&self, scope: FaultScope, latency: Duration) {
        let mut state = lock(&self.state);
        state.latency.retain(|(s, _)| *s != scope);
        if !latency.is_zero() {
            state.latency.push((scope, latency));
        }
    }

    /// Removes every armed fault, latency and queued verification outcome.
    pub(crate) fn clear(&self) {
        let mut state = lock(&self.state);
        state.latency.clear();
        state.armed.clear();
        state.domain_verifications.clear();
    }

    /// One-shot uses still armed, queued verification outcomes included.
    pub(crate) fn pending(&self) -> u32 {
        let state = lock(&self.state);
        let armed: u64 = state.armed.iter().map(|a| u64::from(a.remaining)).sum();
        let queued = u64::try_from(state.domain_verifications.len()).unwrap_or(u64::MAX);
        u32::try_from(armed.saturating_add(queued)).unwrap_or(u32::MAX)
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
        queue.set_latency(FaultScope::Api, Duration::from_millis(5));
        queue.set_latency(FaultScope::TokenAndApi, Duration::from_millis(9));
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

    #[test]
    fn verification_outcomes_are_queued_then_default() {
        let queue = FaultQueue::new(VerificationOutcome::Failed);
        queue.queue_domain_verifications(2, VerificationOutcome::Verified);
        assert_eq!(queue.pending(), 2);
        assert_eq!(
            queue.take_domain_verification(),
            VerificationOutcome::Verified
        );
        assert_eq!(
            queue.take_domain_verification(),
            VerificationOutcome::Verified
        );
        assert_eq!(
            queue.take_domain_verification(),
            VerificationOutcome::Failed
        );
        queue.queue_domain_verifications(u32::MAX, VerificationOutcome::Verified);
        assert_eq!(queue.pending(), 10_000);
        queue.clear();
        assert_eq!(queue.pending(), 0);
    }
}

//! Deliveries that go wrong on purpose: duplicated, out of order, signed
//! with a wrong secret, with a stale timestamp, delayed or dropped.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A one-shot delivery fault, armed with a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryFault {
    /// (per event) Deliver the event twice, each copy with the same
    /// `webhook-id` and body.
    Duplicate,
    /// (per event) Hold the event back until the next event has been sent.
    OutOfOrder,
    /// (per event) Never send the event.
    Drop,
    /// (per attempt) Sign with a random key instead of the secret's.
    WrongSecret,
    /// (per attempt) Sign with a timestamp ten minutes in the past.
    StaleTimestamp,
}

const KINDS: usize = 5;

impl DeliveryFault {
    fn index(self) -> usize {
        match self {
            Self::Duplicate => 0,
            Self::OutOfOrder => 1,
            Self::Drop => 2,
            Self::WrongSecret => 3,
            Self::StaleTimestamp => 4,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    armed: [u32; KINDS],
    delay: Duration,
}

/// The armed delivery faults of one emulator.
#[derive(Debug, Default)]
pub(crate) struct DeliveryFaults {
    state: Mutex<State>,
}

impl DeliveryFaults {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Arms `fault` for the next `count` events (or attempts).
    pub(crate) fn arm(&self, fault: DeliveryFault, count: u32) {
        let mut state = self.state();
        let armed = &mut state.armed[fault.index()];
        *armed = armed.saturating_add(count);
    }

    /// Takes one use of `fault`; true if it was armed.
    pub(crate) fn take(&self, fault: DeliveryFault) -> bool {
        let mut state = self.state();
        let armed = &mut state.armed[fault.index()];
        if *armed == 0 {
            return false;
        }
        *armed -= 1;
        true
    }

    /// Delays the first attempt of every event by `delay` from now on;
    /// `Duration::ZERO` removes the setting.
    pub(crate) fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// The delay before the first attempt of an event.
    pub(crate) fn delay(&self) -> Duration {
        self.state().delay
    }

    /// How many one-shot fault uses are still armed.
    pub(crate) fn pending(&self) -> u32 {
        self.state()
            .armed
            .iter()
            .fold(0u32, |sum, n| sum.saturating_add(*n))
    }

    /// Disarms everything and removes the delay.
    pub(crate) fn clear(&self) {
        *self.state() = State::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_counted_per_kind() {
        let faults = DeliveryFaults::default();
        faults.arm(DeliveryFault::Duplicate, 2);
        faults.arm(DeliveryFault::Drop, 1);
        assert_eq!(faults.pending(), 3);
        assert!(!faults.take(DeliveryFault::WrongSecret));
        assert!(faults.take(DeliveryFault::Duplicate));
        assert!(faults.take(DeliveryFault::Duplicate));
        assert!(!faults.take(DeliveryFault::Duplicate));
        faults.set_delay(Duration::from_millis(5));
        faults.clear();
        assert_eq!(faults.pending(), 0);
        assert_eq!(faults.delay(), Duration::ZERO);
    }
}

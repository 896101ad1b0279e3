//! A minting quota and its arithmetic: the generic cell rate algorithm.

use std::time::Duration;

/// The longest period between two mints: longer ones (`Duration::MAX`) count
/// as this, so no quota overflows a clock.
pub(crate) const MAX_PERIOD: Duration = Duration::from_secs(24 * 3600);
/// The largest burst: more counts as this (so burst × period stays far
/// within any clock).
const MAX_BURST: u32 = 100_000;

/// A budget's quota: `burst` mints at once, then one more every `period`.
///
/// Budgets follow the generic cell rate algorithm (GCRA): a budget is one
/// instant, its theoretical arrival time (TAT); a mint at `now` is allowed
/// when `max(TAT, now) + period <= now + burst × period`, and moves the TAT
/// to that sum. A budget whose TAT is in the past is back at a full burst
/// and need not be stored. The in-process budgets and every
/// [`LimitBackend`](super::LimitBackend) keep this same rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MintQuota {
    burst: u32,
    period: Duration,
}

impl MintQuota {
    /// `burst` mints at once, then one every `period`. A `burst` of 0 counts
    /// as 1 and one past 100,000 as 100,000; periods past a day count as a
    /// day. `None` for a zero `period`, which refills at once: no limit.
    pub fn new(burst: u32, period: Duration) -> Option<Self> {
        if period.is_zero() {
            return None;
        }
        Some(Self {
            burst: burst.clamp(1, MAX_BURST),
            period: period.min(MAX_PERIOD),
        })
    }

    /// How many mints at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// How long until one more mint.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// How far past now a TAT may move: `burst × period`.
    pub fn horizon(&self) -> Duration {
        self.period * self.burst
    }

    /// One step of the algorithm for a budget whose TAT lies `ahead` of now
    /// (zero when it is past): the TAT's new distance from now when a mint is
    /// allowed, or how long to wait for one.
    pub(crate) fn step(&self, ahead: Duration) -> Result<Duration, Duration> {
        let next = ahead + self.period;
        let horizon = self.horizon();
        if next > horizon {
            Err(next - horizon)
        } else {
            Ok(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_period() {
        let quota = MintQuota::new(3, Duration::from_secs(10)).unwrap();
        let mut ahead = Duration::ZERO;
        for _ in 0..3 {
            ahead = quota.step(ahead).unwrap();
        }
        assert_eq!(quota.step(ahead), Err(Duration::from_secs(10)));
        // Ten seconds later the TAT is ten seconds closer: one more.
        assert!(quota.step(ahead - Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn extreme_quotas_are_clamped() {
        assert_eq!(MintQuota::new(5, Duration::ZERO), None);
        let quota = MintQuota::new(u32::MAX, Duration::MAX).unwrap();
        assert_eq!((quota.burst(), quota.period()), (MAX_BURST, MAX_PERIOD));
        assert_eq!(
            MintQuota::new(0, Duration::from_secs(1)).unwrap().burst(),
            1
        );
    }
}

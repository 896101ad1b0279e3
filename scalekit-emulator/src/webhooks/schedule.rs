//! Scalekit's retry schedule: an attempt right away, then after 5 s, 30 s,
//! 2 min, 5 min and 15 min (6 attempts over about 22 minutes), scaled by a
//! factor so tests need not wait.

use std::fmt;
use std::time::Duration;

/// The wait before each attempt, first attempt first.
const DELAYS: [Duration; 6] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(300),
    Duration::from_secs(900),
];

/// Scalekit's schedule multiplied by a scale (1.0: the real waits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RetrySchedule {
    scale: f64,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self { scale: 1.0 }
    }
}

impl RetrySchedule {
    /// The schedule with every wait multiplied by `scale`, which must be a
    /// finite number of at least 0 (0 retries back to back).
    pub(crate) fn scaled(scale: f64) -> Result<Self, InvalidRetryScale> {
        if scale.is_finite() && scale >= 0.0 {
            Ok(Self { scale })
        } else {
            Err(InvalidRetryScale(scale))
        }
    }

    /// The wait before attempt `attempt` (1-based), counted from the end of
    /// the previous one; `None` past the last attempt.
    pub(crate) fn delay_before(&self, attempt: u32) -> Option<Duration> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        DELAYS.get(index).map(|delay| self.scale(*delay))
    }

    /// `duration` times the scale, saturating.
    pub(crate) fn scale(&self, duration: Duration) -> Duration {
        Duration::try_from_secs_f64(duration.as_secs_f64() * self.scale).unwrap_or(Duration::MAX)
    }
}

/// A retry scale that is negative, infinite or not a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvalidRetryScale(pub f64);

impl fmt::Display for InvalidRetryScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the webhook retry scale is {}; it must be a finite number of at least 0 (1.0 is Scalekit's real schedule, 0.001 turns 22 minutes into about a second)",
            self.0
        )
    }
}

impl std::error::Error for InvalidRetryScale {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_schedule_is_scalekits() {
        let schedule = RetrySchedule::default();
        let waits: Vec<u64> = (1..=6)
            .map(|n| schedule.delay_before(n).unwrap().as_secs())
            .collect();
        assert_eq!(waits, [0, 5, 30, 120, 300, 900]);
        assert_eq!(schedule.delay_before(0), None);
        assert_eq!(schedule.delay_before(7), None);
        let total: u64 = waits.iter().sum();
        assert_eq!(total / 60, 22);
    }

    #[test]
    fn scaling_keeps_the_shape() {
        let schedule = RetrySchedule::scaled(0.001).unwrap();
        assert_eq!(schedule.delay_before(2), Some(Duration::from_millis(5)));
        assert_eq!(schedule.delay_before(6), Some(Duration::from_millis(900)));
        let huge = RetrySchedule::scaled(f64::MAX).unwrap();
        assert_eq!(huge.delay_before(6), Some(Duration::MAX));
    }

    #[test]
    fn bad_scales_are_refused() {
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let err = RetrySchedule::scaled(bad).unwrap_err();
            assert!(err.to_string().contains("at least 0"));
        }
        assert!(RetrySchedule::scaled(0.0).is_ok());
    }
}

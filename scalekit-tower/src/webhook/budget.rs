//! A bound on the bytes held by all the deliveries being read at once.
//!
//! Each delivery reserves the bytes it buffers (its declared
//! `Content-Length` up front, then each chunk as it arrives) from one budget
//! shared by every clone of the service; the reservation is returned when
//! the delivery's bytes are dropped. A delivery that finds the budget spent
//! is answered 503 with `Retry-After` before it is read further: Scalekit
//! retries, and the memory held by slow or hostile peers stays flat.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes all deliveries being read at once may buffer, by default:
/// 16 MiB (64 bodies at the default 256 KiB cap; Scalekit's events are a
/// few KiB each).
pub const DEFAULT_READ_BUDGET: usize = 16 * 1024 * 1024;

/// The shared budget: how many bytes are reserved now, and the most that may be.
#[derive(Clone, Debug)]
pub(crate) struct ReadBudget {
    limit: usize,
    used: Arc<AtomicUsize>,
}

impl ReadBudget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            used: Arc::default(),
        }
    }

    /// The most bytes the budget holds.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes reserved right now.
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// An empty reservation that grows as bytes arrive.
    pub(crate) fn reservation(&self) -> Reservation {
        Reservation {
            budget: self.clone(),
            held: 0,
        }
    }

    /// Takes `bytes` more if they fit under the limit.
    fn take(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.limit)
            })
            .is_ok()
    }
}

/// Bytes taken from a [`ReadBudget`]; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    budget: ReadBudget,
    held: usize,
}

impl Reservation {
    /// Makes the reservation at least `total` bytes; `false` (and nothing
    /// taken) when the budget has not that much left.
    pub(crate) fn grow_to(&mut self, total: usize) -> bool {
        let Some(more) = total.checked_sub(self.held).filter(|more| *more > 0) else {
            return true;
        };
        if !self.budget.take(more) {
            return false;
        }
        self.held = total;
        true
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.held, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_share_the_budget_and_give_it_back() {
        let budget = ReadBudget::new(100);
        let mut first = budget.reservation();
        assert!(first.grow_to(60));
        assert!(first.grow_to(40), "shrinking asks for nothing");
        let mut second = budget.reservation();
        assert!(!second.grow_to(41), "60 + 41 is over 100");
        assert_eq!(budget.in_use(), 60, "a refused request takes nothing");
        assert!(second.grow_to(40));
        assert_eq!(budget.in_use(), 100);
        drop(first);
        assert_eq!(budget.in_use(), 40);
        assert!(!second.grow_to(usize::MAX));
        assert_eq!(budget.in_use(), 40);
        drop(second);
        assert_eq!(budget.in_use(), 0);
    }
}

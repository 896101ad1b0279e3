//! The seam for budgets kept outside the process (shared by replicas).

use std::fmt;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::quota::MintQuota;

/// The error a [`LimitBackend`] may fail with (its server is down...). The
/// limit then falls back to the in-process budgets.
pub type LimitBackendError = Box<dyn std::error::Error + Send + Sync>;

/// One budget a mint takes from: its key (`organization/<id>` or
/// `user/<key>`) and its quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// The budget's key, unique across scopes.
    pub key: String,
    /// Its quota.
    pub quota: MintQuota,
}

/// Why a [`LimitBackend`] refused a mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Which of the budgets refused (its index in the slice given).
    pub budget: usize,
    /// How long until it allows one.
    pub retry_after: Duration,
}

/// Where a [`MintLimit`](crate::MintLimit) keeps its budgets when they are
/// shared by several replicas (`scalekit-tower-stores` has one on Redis).
///
/// [`take`](Self::take) is all or nothing: it takes one mint from every
/// budget given (the organization's first, then the user's) when each
/// allows one, and from none otherwise, in one atomic step, with the
/// [`MintQuota`] arithmetic (GCRA) on the backend's own clock. The
/// in-process budgets stay the default and the fallback: when `take` fails
/// or misses its deadline, the limit takes from them instead and logs the
/// outage once.
pub trait LimitBackend: Send + Sync + fmt::Debug + 'static {
    /// Takes one mint from each of `budgets`, or from none and says which
    /// refused.
    fn take<'a>(
        &'a self,
        budgets: &'a [Budget],
    ) -> BoxFuture<'a, Result<Result<(), Refusal>, LimitBackendError>>;
}

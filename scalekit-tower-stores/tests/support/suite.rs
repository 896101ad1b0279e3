//! The store conformance suite: the same cases for every `IdempotencyStore`.
//!
//! `conformance!(name, harness)` expands to one test per case, run with a
//! harness that makes stores of the engine under test.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;

use std::time::{Duration, Instant};

use scalekit_tower::webhook::{
    Claim, ClaimToken, IdempotencyStore, MAX_WEBHOOK_ID_LEN, REPLAY_WINDOW, StoreError,
};

/// Makes stores of one engine for the suite.
pub trait Harness: Sized + Clone + Sync {
    /// The store under test.
    type Store: IdempotencyStore + Clone;

    /// A fresh, empty store with the default lease and retention and its
    /// own namespace (table, key prefix), or `None` when the engine's
    /// server is not running here.
    fn default_store(&self) -> impl Future<Output = Option<Self::Store>> + Send;

    /// `store` with this lease and retention.
    fn tuned(store: Self::Store, lease: Duration, retention: Duration) -> Self::Store;

    /// The store's retention.
    fn retention(store: &Self::Store) -> Duration;

    /// A fresh store with this lease and retention.
    fn store(
        &self,
        lease: Duration,
        retention: Duration,
    ) -> impl Future<Output = Option<Self::Store>> + Send {
        async move { Some(Self::tuned(self.default_store().await?, lease, retention)) }
    }

    /// A store whose server is down (`None` for engines with no server).
    fn down(&self) -> impl Future<Output = Option<Self::Store>> + Send;

    /// A store whose server accepts and never answers, with a deadline of
    /// `deadline` (`None` for engines with no server).
    fn hanging(&self, deadline: Duration) -> impl Future<Output = Option<Self::Store>> + Send;

    /// Drops what the stores made (tables, keys).
    fn cleanup(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

const LONG: Duration = Duration::from_secs(3600);

/// The owner's token of a claim that must have been won.
fn won(claim: Result<Claim, StoreError>) -> ClaimToken {
    match claim {
        Ok(Claim::Claimed(owner)) => owner,
        Ok(other) => panic!("expected a won claim, got {other:?}"),
        Err(error) => panic!("expected a won claim, got the error {error}"),
    }
}

/// Whether a spawned claim was won.
fn is_won(answer: &Result<Claim, tokio::task::JoinError>) -> bool {
    matches!(answer, Ok(Claim::Claimed(_)))
}

/// Polls `condition` until it holds or `limit` passes.
async fn eventually<F, Fut>(limit: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

pub async fn claim_complete_release<H: Harness>(harness: H) {
    let Some(store) = harness.store(LONG, LONG).await else {
        return;
    };
    let first = won(store.claim("msg_1").await);
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::InFlight);
    store.release("msg_1", first).await.unwrap();
    let second = won(store.claim("msg_1").await);
    assert_ne!(first, second, "each claim has an owner token of its own");
    store.complete("msg_1").await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Done);
    // A release after completion forgets nothing.
    store.release("msg_1", second).await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Done);
    // Another id is untouched, and completing an id never claimed records it.
    won(store.claim("msg_2").await);
    store.complete("msg_3").await.unwrap();
    assert_eq!(store.claim("msg_3").await.unwrap(), Claim::Done);
}

pub async fn a_release_with_another_token_changes_nothing<H: Harness>(harness: H) {
    let Some(store) = harness.store(LONG, LONG).await else {
        return;
    };
    let owner = won(store.claim("msg_1").await);
    store.release("msg_1", ClaimToken::random()).await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::InFlight);
    // A token of another id's claim does not release this one either.
    let other = won(store.claim("msg_2").await);
    store.release("msg_1", other).await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::InFlight);
    store.release("msg_1", owner).await.unwrap();
    won(store.claim("msg_1").await);
}

/// A handler that outlives its lease, then fails: its release must leave
/// the claim of the caller that took over intact, or a third delivery would
/// run while the second still does.
pub async fn a_late_release_by_the_first_owner_leaves_the_takeover_intact<H: Harness>(harness: H) {
    let lease = Duration::from_millis(400);
    let Some(store) = harness.store(lease, LONG).await else {
        return;
    };
    let first = won(store.claim("slow").await);
    // Waiting out the lease is the point of the case (no readiness check).
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    let second = won(store.claim("slow").await);
    assert_ne!(first, second);
    store.release("slow", first).await.unwrap();
    assert_eq!(
        store.claim("slow").await.unwrap(),
        Claim::InFlight,
        "the first owner's late release ended the second owner's claim"
    );
    store.release("slow", second).await.unwrap();
    won(store.claim("slow").await);
}

/// A handler that outlives its lease, then succeeds: the delivery is done
/// (its effect happened), and the taking-over caller's release, should it
/// fail, does not undo that.
pub async fn a_late_completion_by_the_first_owner_marks_the_delivery_done<H: Harness>(harness: H) {
    let lease = Duration::from_millis(400);
    let Some(store) = harness.store(lease, LONG).await else {
        return;
    };
    won(store.claim("slow").await);
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    let second = won(store.claim("slow").await);
    store.complete("slow").await.unwrap();
    assert_eq!(store.claim("slow").await.unwrap(), Claim::Done);
    store.release("slow", second).await.unwrap();
    assert_eq!(store.claim("slow").await.unwrap(), Claim::Done);
}

pub async fn concurrent_claims_have_one_winner<H: Harness>(harness: H)
where
    H::Store: 'static,
{
    let Some(store) = harness.store(LONG, LONG).await else {
        return;
    };
    for round in 0..5 {
        let id = format!("race_{round}");
        let claims = (0..32).map(|_| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move { store.claim(&id).await.unwrap() })
        });
        let answers = futures_util::future::join_all(claims).await;
        let winners = answers.iter().filter(|answer| is_won(answer)).count();
        assert_eq!(winners, 1, "round {round}: {answers:?}");
    }
}

pub async fn an_expired_lease_is_taken_over_once<H: Harness>(harness: H)
where
    H::Store: 'static,
{
    let lease = Duration::from_millis(400);
    let Some(store) = harness.store(lease, LONG).await else {
        return;
    };
    won(store.claim("stuck").await);
    assert_eq!(store.claim("stuck").await.unwrap(), Claim::InFlight);
    // Its handler died: after the lease, exactly one of many takes it over.
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    let claims = (0..16).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim("stuck").await.unwrap() })
    });
    let answers = futures_util::future::join_all(claims).await;
    let winners = answers.iter().filter(|answer| is_won(answer)).count();
    assert_eq!(winners, 1, "{answers:?}");
    store.complete("stuck").await.unwrap();
    assert_eq!(store.claim("stuck").await.unwrap(), Claim::Done);
}

pub async fn a_done_id_stays_for_its_retention_then_goes<H: Harness>(harness: H) {
    // The rule: every store keeps a handled id at least the replay window
    // unless told otherwise.
    let Some(default) = harness.default_store().await else {
        return;
    };
    assert!(H::retention(&default) >= REPLAY_WINDOW);
    // And the retention it is given, even past many other ids.
    let retention = Duration::from_millis(1500);
    let Some(store) = harness.store(LONG, retention).await else {
        return;
    };
    let started = Instant::now();
    won(store.claim("kept").await);
    store.complete("kept").await.unwrap();
    for n in 0..200 {
        let id = format!("other_{n}");
        won(store.claim(&id).await);
        store.complete(&id).await.unwrap();
    }
    let answer = store.claim("kept").await.unwrap();
    if started.elapsed() < retention {
        assert_eq!(answer, Claim::Done, "forgotten before its retention");
    }
    // On a slow machine the claim above may already come after the
    // retention: it then took the id over, and is the answer to check.
    let forgotten = matches!(answer, Claim::Claimed(_))
        || eventually(retention * 4, || {
            let store = store.clone();
            async move { matches!(store.claim("kept").await.unwrap(), Claim::Claimed(_)) }
        })
        .await;
    assert!(forgotten, "still remembered long after its retention");
}

pub async fn odd_and_longest_ids_are_kept_apart<H: Harness>(harness: H) {
    let Some(store) = harness.store(LONG, LONG).await else {
        return;
    };
    let longest = "x".repeat(MAX_WEBHOOK_ID_LEN);
    let ids = [
        "msg_ü_日本",
        "a b\tc",
        "'; DROP TABLE deliveries; --",
        "%_\\*?[]{}",
        "\u{0}nul",
        "msg",
        "msg_",
        longest.as_str(),
    ];
    for id in ids {
        assert!(
            matches!(store.claim(id).await.unwrap(), Claim::Claimed(_)),
            "{id:?}"
        );
        store.complete(id).await.unwrap();
    }
    for id in ids {
        assert_eq!(store.claim(id).await.unwrap(), Claim::Done, "{id:?}");
    }
    won(store.claim(&longest[1..]).await);
}

pub async fn a_down_store_fails_fast_and_a_hanging_one_within_its_deadline<H: Harness>(harness: H) {
    if let Some(store) = harness.down().await {
        let started = Instant::now();
        assert!(store.claim("msg_1").await.is_err());
        assert!(store.complete("msg_1").await.is_err());
        assert!(store.release("msg_1", ClaimToken::random()).await.is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    let deadline = Duration::from_millis(300);
    if let Some(store) = harness.hanging(deadline).await {
        let started = Instant::now();
        let error = store.claim("msg_1").await.unwrap_err();
        assert!(started.elapsed() < deadline * 4, "{:?}", started.elapsed());
        assert!(error.to_string().contains("within"), "{error}");
    }
}

/// One test per case for `$harness`, each on its own runtime, then the
/// harness's cleanup.
#[allow(unused_macros)]
macro_rules! conformance {
    ($harness:expr) => {
        conformance!(@cases $harness;
            claim_complete_release,
            a_release_with_another_token_changes_nothing,
            a_late_release_by_the_first_owner_leaves_the_takeover_intact,
            a_late_completion_by_the_first_owner_marks_the_delivery_done,
            concurrent_claims_have_one_winner,
            an_expired_lease_is_taken_over_once,
            a_done_id_stays_for_its_retention_then_goes,
            odd_and_longest_ids_are_kept_apart,
            a_down_store_fails_fast_and_a_hanging_one_within_its_deadline,
        );
    };
    (@cases $harness:expr; $($case:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let harness = $harness;
                support::suite::$case(harness.clone()).await;
                support::suite::Harness::cleanup(&harness).await;
            }
        )*
    };
}

//! The store conformance suite: the same cases for every `IdempotencyStore`.
//!
//! `conformance!(name, harness)` expands to one test per case, run with a
//! harness that makes stores of the engine under test.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;

use std::time::{Duration, Instant};

use scalekit_tower::webhook::{Claim, IdempotencyStore, MAX_WEBHOOK_ID_LEN, REPLAY_WINDOW};

/// Makes stores of one engine for the suite.
pub trait Harness: Sized + Clone {
    /// The store under test.
    type Store: IdempotencyStore + Clone;

    /// A fresh, empty store with its own namespace (table, key prefix),
    /// or `None` when the engine's server is not running here.
    fn store(
        &self,
        lease: Duration,
        retention: Duration,
    ) -> impl Future<Output = Option<Self::Store>> + Send;

    /// A store with the default lease and retention.
    fn default_store(&self) -> impl Future<Output = Option<Self::Store>> + Send;

    /// The store's retention.
    fn retention(store: &Self::Store) -> Duration;

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
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Claimed);
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::InFlight);
    store.release("msg_1").await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Claimed);
    store.complete("msg_1").await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Done);
    // A release after completion forgets nothing.
    store.release("msg_1").await.unwrap();
    assert_eq!(store.claim("msg_1").await.unwrap(), Claim::Done);
    // Another id is untouched, and completing an id never claimed records it.
    assert_eq!(store.claim("msg_2").await.unwrap(), Claim::Claimed);
    store.complete("msg_3").await.unwrap();
    assert_eq!(store.claim("msg_3").await.unwrap(), Claim::Done);
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
        let won = answers
            .iter()
            .filter(|answer| *answer.as_ref().unwrap() == Claim::Claimed)
            .count();
        assert_eq!(won, 1, "round {round}: {answers:?}");
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
    assert_eq!(store.claim("stuck").await.unwrap(), Claim::Claimed);
    assert_eq!(store.claim("stuck").await.unwrap(), Claim::InFlight);
    // Its handler died: after the lease, exactly one of many takes it over.
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    let claims = (0..16).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim("stuck").await.unwrap() })
    });
    let answers = futures_util::future::join_all(claims).await;
    let won = answers
        .iter()
        .filter(|answer| *answer.as_ref().unwrap() == Claim::Claimed)
        .count();
    assert_eq!(won, 1, "{answers:?}");
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
    assert_eq!(store.claim("kept").await.unwrap(), Claim::Claimed);
    store.complete("kept").await.unwrap();
    for n in 0..200 {
        let id = format!("other_{n}");
        assert_eq!(store.claim(&id).await.unwrap(), Claim::Claimed);
        store.complete(&id).await.unwrap();
    }
    let answer = store.claim("kept").await.unwrap();
    if started.elapsed() < retention {
        assert_eq!(answer, Claim::Done, "forgotten before its retention");
    }
    let forgotten = eventually(retention * 4, || {
        let store = store.clone();
        async move { store.claim("kept").await.unwrap() == Claim::Claimed }
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
        assert_eq!(store.claim(id).await.unwrap(), Claim::Claimed, "{id:?}");
        store.complete(id).await.unwrap();
    }
    for id in ids {
        assert_eq!(store.claim(id).await.unwrap(), Claim::Done, "{id:?}");
    }
    assert_eq!(store.claim(&longest[1..]).await.unwrap(), Claim::Claimed);
}

pub async fn a_down_store_fails_fast_and_a_hanging_one_within_its_deadline<H: Harness>(harness: H) {
    if let Some(store) = harness.down().await {
        let started = Instant::now();
        assert!(store.claim("msg_1").await.is_err());
        assert!(store.complete("msg_1").await.is_err());
        assert!(store.release("msg_1").await.is_err());
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

/// One test per case for `$harness`.
#[allow(unused_macros)]
macro_rules! conformance {
    ($harness:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn claim_complete_release() {
            let harness = $harness;
            support::suite::claim_complete_release(harness.clone()).await;
            support::suite::Harness::cleanup(&harness).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concurrent_claims_have_one_winner() {
            let harness = $harness;
            support::suite::concurrent_claims_have_one_winner(harness.clone()).await;
            support::suite::Harness::cleanup(&harness).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_expired_lease_is_taken_over_once() {
            let harness = $harness;
            support::suite::an_expired_lease_is_taken_over_once(harness.clone()).await;
            support::suite::Harness::cleanup(&harness).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_done_id_stays_for_its_retention_then_goes() {
            let harness = $harness;
            support::suite::a_done_id_stays_for_its_retention_then_goes(harness.clone()).await;
            support::suite::Harness::cleanup(&harness).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn odd_and_longest_ids_are_kept_apart() {
            let harness = $harness;
            support::suite::odd_and_longest_ids_are_kept_apart(harness.clone()).await;
            support::suite::Harness::cleanup(&harness).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_down_store_fails_fast_and_a_hanging_one_within_its_deadline() {
            let harness = $harness;
            support::suite::a_down_store_fails_fast_and_a_hanging_one_within_its_deadline(
                harness.clone(),
            )
            .await;
            support::suite::Harness::cleanup(&harness).await;
        }
    };
}

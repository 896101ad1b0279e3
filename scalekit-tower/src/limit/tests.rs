use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;

use futures_util::future::BoxFuture;

use super::budgets::MAX_KEYS;
use super::quota::MAX_PERIOD;
use super::*;

fn org(id: &str) -> OrganizationId {
    id.parse().unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_burst_then_refusals_with_a_wait() {
    let limit = MintLimit::unlimited().per_organization(3, Duration::from_secs(10));
    for _ in 0..3 {
        assert!(limit.take(None, &org("org_1")).await.is_ok());
    }
    let (scope, after) = limit.take(None, &org("org_1")).await.unwrap_err();
    assert_eq!(scope, LimitScope::Organization);
    assert_eq!(after, Duration::from_secs(10));
    // Another organization has its own budget.
    assert!(limit.take(None, &org("org_2")).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn users_are_limited_apart_from_their_organization() {
    let limit = MintLimit::unlimited()
        .per_organization(3, Duration::from_secs(60))
        .per_user(|_| None, 2, Duration::from_secs(60));
    assert!(limit.take(Some("alice"), &org("org_1")).await.is_ok());
    assert!(limit.take(Some("alice"), &org("org_1")).await.is_ok());
    for _ in 0..10 {
        let refused = limit.take(Some("alice"), &org("org_1")).await.unwrap_err();
        assert_eq!(refused.0, LimitScope::User);
    }
    // Alice's refusals spent nothing of her organization's budget.
    assert!(limit.take(Some("bob"), &org("org_1")).await.is_ok());
    assert_eq!(
        limit
            .take(Some("carol"), &org("org_1"))
            .await
            .unwrap_err()
            .0,
        LimitScope::Organization
    );
}

#[tokio::test(start_paused = true)]
async fn clones_share_counters() {
    let limit = MintLimit::unlimited().per_organization(1, Duration::from_secs(60));
    let clone = limit.clone();
    assert!(limit.take(None, &org("org_1")).await.is_ok());
    assert!(clone.take(None, &org("org_1")).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn extreme_quotas_neither_panic_nor_overflow() {
    let limit = MintLimit::unlimited()
        .per_organization(0, Duration::MAX)
        .per_user(|_| None, u32::MAX, Duration::MAX);
    assert!(limit.take(Some("u"), &org("org_1")).await.is_ok());
    let (_, after) = limit.take(Some("u"), &org("org_1")).await.unwrap_err();
    assert!(after <= MAX_PERIOD);
    let none = MintLimit::unlimited().per_organization(1, Duration::ZERO);
    for _ in 0..100 {
        assert!(none.take(None, &org("org_1")).await.is_ok());
    }
}

/// One organization floods the per-user limiter with 20,000 session keys:
/// its own budget stops it before any of them is created, and users of
/// another organization keep their whole budget.
#[tokio::test(start_paused = true)]
async fn a_flood_of_user_keys_from_one_organization_leaves_others_their_budget() {
    let limit = MintLimit::unlimited()
        .per_organization(30, Duration::from_secs(2))
        .per_user(|_| None, 5, Duration::from_secs(60));
    let mut minted = 0;
    for n in 0..20_000 {
        if limit
            .take(Some(&format!("flood-session-{n}")), &org("org_flood"))
            .await
            .is_ok()
        {
            minted += 1;
        }
    }
    assert_eq!(minted, 30, "the flooding organization's own budget");
    let users = &limit.per_user.as_ref().unwrap().0;
    assert_eq!(users.len(), 30, "refused requests created no user key");
    for user in ["alice", "bob"] {
        for _ in 0..5 {
            assert!(limit.take(Some(user), &org("org_calm")).await.is_ok());
        }
        assert_eq!(
            limit
                .take(Some(user), &org("org_calm"))
                .await
                .unwrap_err()
                .0,
            LimitScope::User
        );
    }
}

/// Even with an organization budget that lets everything through, a full
/// map of live user keys refuses no one.
#[tokio::test(start_paused = true)]
async fn a_full_user_map_refuses_no_new_user() {
    let limit = MintLimit::unlimited().per_user(|_| None, 5, Duration::from_secs(60));
    for n in 0..(MAX_KEYS + 50) {
        assert!(
            limit
                .take(Some(&format!("s-{n}")), &org("org_1"))
                .await
                .is_ok()
        );
    }
    assert!(limit.take(Some("other"), &org("org_2")).await.is_ok());
}

/// A backend with a scripted behaviour.
#[derive(Debug, Default)]
struct Scripted {
    /// `None`: fails; `Some(None)`: hangs; `Some(Some(answer))`: answers.
    answer: Mutex<Option<Option<Result<(), Refusal>>>>,
    calls: AtomicUsize,
    seen: Mutex<Vec<String>>,
}

impl LimitBackend for Arc<Scripted> {
    fn take<'a>(
        &'a self,
        budgets: &'a [Budget],
    ) -> BoxFuture<'a, Result<Result<(), Refusal>, LimitBackendError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen
            .lock()
            .unwrap()
            .extend(budgets.iter().map(|b| b.key.clone()));
        let answer = *self.answer.lock().unwrap();
        Box::pin(async move {
            match answer {
                None => Err("connection refused".into()),
                Some(None) => std::future::pending().await,
                Some(Some(answer)) => Ok(answer),
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn the_shared_backend_answers_and_names_the_refusing_scope() {
    let backend = Arc::new(Scripted::default());
    *backend.answer.lock().unwrap() = Some(Some(Err(Refusal {
        budget: 1,
        retry_after: Duration::from_secs(7),
    })));
    let limit = MintLimit::default()
        .per_user(|_| None, 5, Duration::from_secs(60))
        .shared(Arc::clone(&backend));
    assert_eq!(
        limit.take(Some("alice"), &org("org_1")).await,
        Err((LimitScope::User, Duration::from_secs(7)))
    );
    assert_eq!(
        *backend.seen.lock().unwrap(),
        ["organization/org_1", "user/alice"],
        "the organization's budget first"
    );
    *backend.answer.lock().unwrap() = Some(Some(Ok(())));
    // The shared budget decides: far past the in-process burst.
    for _ in 0..100 {
        assert!(limit.take(None, &org("org_1")).await.is_ok());
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_or_slow_backend_falls_back_to_the_local_budget() {
    let backend = Arc::new(Scripted::default());
    let limit = MintLimit::unlimited()
        .per_organization(3, Duration::from_secs(60))
        .shared(Arc::clone(&backend));
    // Down: the in-process budget answers, neither all refused nor all allowed.
    assert!(limit.take(None, &org("org_1")).await.is_ok());
    assert!(limit.take(None, &org("org_1")).await.is_ok());
    // Slow: the deadline, then the same in-process budget.
    *backend.answer.lock().unwrap() = Some(None);
    assert!(limit.take(None, &org("org_1")).await.is_ok());
    assert_eq!(
        limit.take(None, &org("org_1")).await.unwrap_err().0,
        LimitScope::Organization
    );
    assert_eq!(backend.calls.load(Ordering::SeqCst), 4);
    assert!(limit.shared.as_ref().unwrap().down.load(Ordering::SeqCst));
    // Back: the outage is over.
    *backend.answer.lock().unwrap() = Some(Some(Ok(())));
    assert!(limit.take(None, &org("org_1")).await.is_ok());
    assert!(!limit.shared.as_ref().unwrap().down.load(Ordering::SeqCst));
}

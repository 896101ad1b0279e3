//! The shared minting limit on the local Redis: one budget for every
//! replica, all or nothing, refilled on Redis's clock.

#![cfg(feature = "redis")]

mod support;

use std::time::Duration;

use scalekit_tower::{Budget, LimitBackend, MintQuota, Refusal};
use scalekit_tower_stores::RedisLimitBackend;

fn budget(key: &str, burst: u32, period: Duration) -> Budget {
    Budget {
        key: key.to_owned(),
        quota: MintQuota::new(burst, period).unwrap(),
    }
}

async fn replicas(count: usize) -> Option<Vec<RedisLimitBackend>> {
    let url = support::redis_url().await?;
    let prefix = format!("{}:", support::unique("scalekit-test:limit"));
    Some(
        (0..count)
            .map(|_| {
                RedisLimitBackend::connect(&url)
                    .unwrap()
                    .with_prefix(prefix.clone())
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_one_budget() {
    let Some(replicas) = replicas(3).await else {
        return;
    };
    let budgets = [budget("organization/org_1", 5, Duration::from_secs(60))];
    let takes = (0..30).map(|n| {
        let replica = replicas[n % 3].clone();
        let budgets = budgets.clone();
        tokio::spawn(async move { replica.take(&budgets).await.unwrap() })
    });
    let answers = futures_util::future::join_all(takes).await;
    let allowed = answers
        .iter()
        .filter(|a| a.as_ref().unwrap().is_ok())
        .count();
    assert_eq!(allowed, 5, "one burst for the fleet, not one per replica");
    let refusal = answers
        .iter()
        .find_map(|a| a.as_ref().unwrap().err())
        .unwrap();
    assert_eq!(refusal.budget, 0);
    assert!(
        refusal.retry_after > Duration::from_secs(50)
            && refusal.retry_after <= Duration::from_secs(60)
    );
}

#[tokio::test]
async fn a_refused_budget_takes_nothing_from_the_others() {
    let Some(replicas) = replicas(1).await else {
        return;
    };
    let backend = &replicas[0];
    let organization = budget("organization/org_1", 3, Duration::from_secs(60));
    let alice = budget("user/alice", 1, Duration::from_secs(60));
    let bob = budget("user/bob", 1, Duration::from_secs(60));
    assert_eq!(
        backend
            .take(&[organization.clone(), alice.clone()])
            .await
            .unwrap(),
        Ok(())
    );
    for _ in 0..5 {
        let refused = backend
            .take(&[organization.clone(), alice.clone()])
            .await
            .unwrap();
        assert!(
            matches!(refused, Err(Refusal { budget: 1, .. })),
            "{refused:?}"
        );
    }
    // Alice's refusals left the organization two mints.
    assert_eq!(
        backend.take(&[organization.clone(), bob]).await.unwrap(),
        Ok(())
    );
    assert_eq!(
        backend
            .take(std::slice::from_ref(&organization))
            .await
            .unwrap(),
        Ok(())
    );
    assert!(backend.take(&[organization]).await.unwrap().is_err());
}

#[tokio::test]
async fn a_budget_refills_one_mint_per_period() {
    let Some(replicas) = replicas(1).await else {
        return;
    };
    let backend = &replicas[0];
    let quick = [budget("organization/org_q", 2, Duration::from_millis(300))];
    assert!(backend.take(&quick).await.unwrap().is_ok());
    assert!(backend.take(&quick).await.unwrap().is_ok());
    let wait = backend.take(&quick).await.unwrap().unwrap_err().retry_after;
    assert!(wait <= Duration::from_millis(300), "{wait:?}");
    tokio::time::sleep(wait + Duration::from_millis(20)).await;
    assert!(backend.take(&quick).await.unwrap().is_ok());
    assert!(backend.take(&quick).await.unwrap().is_err());
}

#[tokio::test]
async fn an_unreachable_redis_is_an_error_within_the_deadline() {
    let address = support::black_hole().await;
    let backend = RedisLimitBackend::connect(&format!("redis://:pw-s3cr3t@{address}"))
        .unwrap()
        .with_deadline(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let error = backend
        .take(&[budget("organization/org_1", 1, Duration::from_secs(1))])
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(!error.to_string().contains("pw-s3cr3t"));
    assert!(!format!("{backend:?}").contains("pw-s3cr3t"));
}

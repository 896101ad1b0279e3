//! Benchmark 4's assertion as a test: 1,000 concurrent mints on a cold token
//! cache fetch exactly one access token.

use std::time::Duration;

use scalekit_emulator::{Emulator, FaultScope, demo};
use scalekit_testkit::client_for;
use scalekit_tower::{Feature, OrganizationId};

const MINTS: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_mints_on_a_cold_cache_fetch_one_token() {
    let emulator = Emulator::builder().start().await.unwrap();
    // A slow token endpoint keeps the fetch in flight while all 1,000 callers
    // arrive, so none of them can find a token already cached.
    emulator
        .faults()
        .set_latency(FaultScope::Token, Duration::from_millis(100));
    let client = client_for(&emulator, Duration::from_secs(30));
    let org: OrganizationId = demo::ACME_ID.parse().unwrap();

    let tasks: Vec<_> = (0..MINTS)
        .map(|_| {
            let (client, org) = (client.clone(), org.clone());
            tokio::spawn(async move { client.generate_portal_link(&org, &[Feature::Sso]).await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let link = task.await.unwrap().expect("every mint succeeds");
        ids.insert(link.id().to_owned());
    }

    let stats = emulator.stats();
    assert_eq!(stats.token_requests, 1, "one token fetch for {MINTS} mints");
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.links_minted_for(demo::ACME_ID), MINTS as u64);
    assert_eq!(ids.len(), MINTS, "every caller got its own link");
}

//! The REST client against the emulator over real HTTP on 127.0.0.1.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use scalekit_emulator::{Emulator, EmulatorBuilder, FaultScope, demo};
use scalekit_tower::{
    Client, Config, Error, Feature, FeatureToggle, NewOrganization, OrganizationId,
};

async fn start(builder: EmulatorBuilder) -> (Emulator, Client) {
    start_with_timeout(builder, Duration::from_secs(5)).await
}

async fn start_with_timeout(builder: EmulatorBuilder, timeout: Duration) -> (Emulator, Client) {
    let emulator = builder.start().await.expect("emulator starts");
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret(emulator.client_secret())
        .timeout(timeout)
        .build()
        .unwrap();
    let client = Client::new(config).unwrap();
    (emulator, client)
}

fn acme() -> OrganizationId {
    demo::ACME_ID.parse().unwrap()
}

#[tokio::test]
async fn mints_a_link_on_the_environment_origin() {
    let (emulator, client) = start(Emulator::builder()).await;
    let link = client.generate_portal_link(&acme(), &[]).await.unwrap();
    assert!(
        link.location()
            .as_str()
            .starts_with(&format!("{}/magicLink/", emulator.base_url())),
        "{}",
        link.location()
    );
    let left = link.expires_at() - time::OffsetDateTime::now_utc();
    assert!(left > time::Duration::seconds(50) && left <= time::Duration::seconds(61));
    assert_eq!(emulator.stats().links_minted_for(demo::ACME_ID), 1);
}

#[tokio::test]
async fn one_token_for_many_sequential_mints() {
    let (emulator, client) = start(Emulator::builder()).await;
    let mut locations = std::collections::HashSet::new();
    for _ in 0..20 {
        let link = client.generate_portal_link(&acme(), &[]).await.unwrap();
        locations.insert(link.location().clone());
    }
    let stats = emulator.stats();
    assert_eq!(locations.len(), 20, "every mint is a new link");
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.token_requests, 1);
}

#[tokio::test]
async fn one_token_for_200_concurrent_mints_on_a_cold_cache() {
    let (emulator, client) = start(Emulator::builder()).await;
    // Slow token answers widen the window in which callers pile up.
    emulator
        .faults()
        .set_latency(FaultScope::Token, Duration::from_millis(200));
    let mints = (0..200).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.generate_portal_link(&acme(), &[]).await })
    });
    for mint in futures_util::future::join_all(mints).await {
        mint.unwrap().unwrap();
    }
    let stats = emulator.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.links_minted_for(demo::ACME_ID), 200);
}

#[tokio::test]
async fn refreshes_the_token_before_it_expires() {
    // A 2 s token is refreshed in its last fifth (from 1.6 s on).
    let (emulator, client) =
        start(Emulator::builder().token_lifetime(Duration::from_secs(2))).await;
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1750)).await;
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    let stats = emulator.stats();
    assert_eq!(stats.tokens_issued, 2, "the aging token was replaced");
    // Two mints, two API requests: the old token was never sent expired (no 401 retry).
    assert_eq!(stats.api_requests(), 2);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_and_the_call_retried_once() {
    let (emulator, client) = start(Emulator::builder()).await;
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    emulator.faults().revoke_tokens();
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    let stats = emulator.stats();
    assert_eq!(stats.tokens_issued, 2);
    assert_eq!(
        stats.api_requests(),
        3,
        "first mint, refused mint, retried mint"
    );
}

#[tokio::test]
async fn a_second_401_is_final() {
    let (emulator, client) = start(Emulator::builder()).await;
    emulator.faults().fail_next(FaultScope::Api, 5, 401);
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err}");
    let stats = emulator.stats();
    assert_eq!(
        stats.api_requests(),
        2,
        "one retry after a fresh token, no more"
    );
    assert_eq!(stats.token_requests, 2);
}

#[tokio::test]
async fn a_wrong_secret_is_bad_credentials() {
    let emulator = Emulator::builder().start().await.unwrap();
    let config = Config::builder()
        .environment_url(emulator.base_url())
        .client_id(emulator.client_id())
        .client_secret("wrong-secret-value")
        .build()
        .unwrap();
    let client = Client::new(config).unwrap();
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    assert!(
        matches!(err, Error::BadCredentials { status, .. } if status == 401),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong-secret-value"));
    assert!(!format!("{err:?}").contains("wrong-secret-value"));
    assert_eq!(
        emulator.stats().token_requests,
        1,
        "credentials errors are not retried"
    );
}

#[tokio::test]
async fn status_codes_map_to_error_kinds() {
    let (emulator, client) = start(Emulator::builder()).await;
    type Expect = fn(&Error) -> bool;
    let cases: [(u16, Expect); 5] = [
        (400, |e| {
            matches!(e, Error::InvalidArgument { api: Some(_), .. })
        }),
        (403, |e| matches!(e, Error::PermissionDenied { .. })),
        (404, |e| matches!(e, Error::OrganizationNotFound { .. })),
        (
            500,
            |e| matches!(e, Error::Unavailable { status: Some(s), .. } if *s == 500),
        ),
        (
            501,
            |e| matches!(e, Error::Unavailable { status: Some(s), .. } if *s == 501),
        ),
    ];
    for (status, expected) in cases {
        let before = emulator.stats().api_requests();
        emulator.faults().fail_next(FaultScope::Api, 1, status);
        let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
        assert!(expected(&err), "{status}: {err:?}");
        assert_eq!(
            emulator.stats().api_requests() - before,
            1,
            "{status} is not retried"
        );
        assert!(!err.is_retryable(), "{status} is final, so not retryable");
        // Scalekit's error body is kept.
        assert!(
            err.api_error().is_some_and(|api| api.code.is_some()),
            "{status}: {err:?}"
        );
    }
}

#[tokio::test]
async fn unknown_organization_is_not_found() {
    let (_emulator, client) = start(Emulator::builder()).await;
    let missing: OrganizationId = "org_999".parse().unwrap();
    let err = client
        .generate_portal_link(&missing, &[])
        .await
        .unwrap_err();
    let Error::OrganizationNotFound { api } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(api.code, Some(5));
}

/// The client retries exactly what `Error::is_retryable` calls retryable:
/// a status that fails once is either retried (and the call succeeds) or
/// returned at once as not retryable, never returned as retryable untried.
#[tokio::test]
async fn retries_and_is_retryable_agree() {
    let (emulator, client) = start(Emulator::builder()).await;
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    let mut retried = Vec::new();
    for status in [429, 500, 501, 502, 503, 504, 505] {
        let before = emulator.stats().api_requests();
        emulator.faults().fail_next(FaultScope::Api, 1, status);
        let result = client.generate_portal_link(&acme(), &[]).await;
        let sent = emulator.stats().api_requests() - before;
        match result {
            Ok(_) => {
                assert_eq!(sent, 2, "{status}: one failure, one retry");
                retried.push(status);
            }
            Err(err) => {
                assert_eq!(sent, 1, "{status}: {err:?}");
                assert!(!err.is_retryable(), "{status} was not retried: {err:?}");
            }
        }
    }
    assert_eq!(retried, [429, 502, 503, 504]);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let (emulator, client) = start(Emulator::builder()).await;
    emulator.faults().fail_next(FaultScope::Api, 2, 503);
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    assert_eq!(emulator.stats().api_requests(), 3);
    emulator.faults().fail_next(FaultScope::Token, 1, 502);
    emulator.faults().revoke_tokens();
    client.generate_portal_link(&acme(), &[]).await.unwrap();
}

#[tokio::test]
async fn rate_limits_honour_retry_after_within_the_deadline() {
    let (emulator, client) = start(Emulator::builder()).await;
    emulator
        .faults()
        .fail_next_with_retry_after(FaultScope::Api, 1, 429, Duration::from_secs(1));
    let started = Instant::now();
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );

    // A wait longer than the deadline is not started: the caller learns when to retry.
    emulator
        .faults()
        .fail_next_with_retry_after(FaultScope::Api, 1, 429, Duration::from_secs(30));
    let started = Instant::now();
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(30)),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn retries_stop_at_the_deadline() {
    let deadline = Duration::from_millis(800);
    let (emulator, client) = start_with_timeout(Emulator::builder(), deadline).await;
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    emulator.faults().fail_next(FaultScope::Api, 1000, 503);
    emulator
        .faults()
        .set_latency(FaultScope::Api, Duration::from_millis(150));
    let started = Instant::now();
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took <= deadline + Duration::from_millis(300),
        "took {took:?}"
    );
    assert!(err.is_retryable(), "{err:?}");
    let attempts = emulator.stats().api_requests() - 1;
    assert!((2..=4).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn a_hang_times_out_at_the_deadline_and_the_client_recovers() {
    let deadline = Duration::from_millis(500);
    let (emulator, client) = start_with_timeout(Emulator::builder(), deadline).await;
    emulator.faults().hang_next(FaultScope::Token, 1);
    let started = Instant::now();
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == deadline),
        "{err:?}"
    );
    assert!(started.elapsed() < deadline + Duration::from_millis(300));
    // The cancelled token fetch did not wedge the cache.
    client.generate_portal_link(&acme(), &[]).await.unwrap();
}

#[tokio::test]
async fn broken_bodies_are_unexpected_responses() {
    let (emulator, client) = start(Emulator::builder()).await;
    emulator.faults().malformed_next(FaultScope::PortalLinks, 1);
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    emulator.faults().omit_location_next(1);
    let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
    assert!(err.to_string().contains("no `location`"), "{err}");
    // A connection reset mid-body is retried like any transport failure.
    emulator.faults().reset_next(FaultScope::PortalLinks, 1);
    client.generate_portal_link(&acme(), &[]).await.unwrap();
}

#[tokio::test]
async fn a_foreign_location_is_refused() {
    let (emulator, client) = start(Emulator::builder()).await;
    for location in [
        "https://evil.test/magicLink/1",
        "javascript:alert(document.domain)",
        &format!("{}@evil.test/magicLink/1", emulator.base_url()),
    ] {
        emulator.faults().override_location_next(1, location);
        let err = client.generate_portal_link(&acme(), &[]).await.unwrap_err();
        assert!(
            err.to_string().contains("location refused"),
            "{location}: {err}"
        );
    }
}

#[tokio::test]
async fn bad_organization_ids_never_reach_the_network() {
    let (emulator, _client) = start(Emulator::builder()).await;
    for id in [
        "",
        "org_",
        "../admin",
        "org_%2F",
        "org_a/b",
        "org_é",
        "org_\u{7}",
    ] {
        assert!(OrganizationId::new(id).is_err(), "{id:?}");
    }
    assert_eq!(emulator.stats().requests_seen, 0);
}

#[tokio::test]
async fn features_are_sent_as_repeated_query_parameters() {
    let (_emulator, client) = start(Emulator::builder()).await;
    let page = |features: Vec<Feature>| {
        let client = client.clone();
        async move {
            let link = client
                .generate_portal_link(&acme(), &features)
                .await
                .unwrap();
            reqwest::get(link.location().clone())
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let sso_only = page(vec![Feature::Sso]).await;
    assert!(sso_only.contains("id=\"sso-section\"") && !sso_only.contains("id=\"scim-section\""));
    let scim_only = page(vec![Feature::DirSync]).await;
    assert!(!scim_only.contains("id=\"sso-section\"") && scim_only.contains("id=\"scim-section\""));
    let both = page(vec![
        Feature::Sso,
        Feature::DirSync,
        Feature::Other("session_policy".into()),
    ])
    .await;
    assert!(both.contains("id=\"sso-section\"") && both.contains("id=\"scim-section\""));
}

#[tokio::test]
async fn organizations_round_trip() {
    let (_emulator, client) = start(Emulator::builder()).await;
    let acme = client.get_organization(&acme()).await.unwrap();
    assert_eq!(acme.external_id.as_deref(), Some(demo::ACME_EXTERNAL_ID));
    let by_external = client
        .get_organization_by_external_id(demo::ACME_EXTERNAL_ID)
        .await
        .unwrap();
    assert_eq!(by_external.id, acme.id);
    let err = client
        .get_organization_by_external_id("no such tenant/..")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OrganizationNotFound { .. }), "{err:?}");

    let created = client
        .create_organization(&NewOrganization::new("Hooli").with_external_id("tenant/hooli 7"))
        .await
        .unwrap();
    assert_eq!(created.display_name, "Hooli");
    let found = client
        .get_organization_by_external_id("tenant/hooli 7")
        .await
        .unwrap();
    assert_eq!(found.id, created.id);

    let updated = client
        .update_organization_settings(
            &created.id,
            &[
                FeatureToggle::new(Feature::Sso, true),
                FeatureToggle::new(Feature::DirSync, false),
            ],
        )
        .await
        .unwrap();
    assert!(updated.feature_enabled(&Feature::Sso));
    assert!(!updated.feature_enabled(&Feature::DirSync));
    assert!(
        client
            .get_organization(&created.id)
            .await
            .unwrap()
            .feature_enabled(&Feature::Sso)
    );
}

#[tokio::test]
async fn lists_every_organization_page_by_page() {
    let (_emulator, client) = start(Emulator::builder()).await;
    for n in 0..22 {
        client
            .create_organization(&NewOrganization::new(format!("Tenant {n}")))
            .await
            .unwrap();
    }
    let pages: Vec<_> = client.list_organizations(10).try_collect().await.unwrap();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let total = pages[0].total_size;
    let ids: std::collections::BTreeSet<_> = pages
        .iter()
        .flat_map(|p| p.organizations.iter().map(|o| o.id.clone()))
        .collect();
    assert_eq!(ids.len() as u64, total, "no duplicates, nothing missing");
    assert!(total >= 25);
    assert!(matches!(
        client.list_organizations_page(5, None).await,
        Err(Error::InvalidArgument { api: None, .. })
    ));
}

#[tokio::test]
async fn debug_output_never_shows_the_secret_or_token() {
    let (emulator, client) = start(Emulator::builder()).await;
    client.generate_portal_link(&acme(), &[]).await.unwrap();
    let printed = format!("{client:?} {:?} {client:#?}", client.config());
    assert!(!printed.contains(emulator.client_secret()), "{printed}");
    assert!(printed.contains(emulator.client_id()));
}

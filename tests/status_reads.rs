//! The client's status reads against the emulator over real HTTP: what the
//! portal's buttons change is what the reads and `OrganizationStatus` say,
//! with the deadline, retry and error rules of every other call.

use std::time::Duration;

use scalekit_emulator::{Emulator, FaultScope, demo};
use scalekit_testkit::Upstream;
use scalekit_testkit::portal::PortalSession;
use scalekit_tower::{
    ConnectionProvider, ConnectionStatus, DirectoryProvider, DirectoryType, Error, Feature,
    FeatureToggle, OrganizationId, VerificationStatus,
};

fn org(id: &str) -> OrganizationId {
    id.parse().unwrap()
}

async fn upstream() -> Upstream {
    Upstream::start(Emulator::builder(), Duration::from_secs(5)).await
}

#[tokio::test]
async fn seeded_organizations_read_as_their_portal_shows_them() {
    let Upstream { emulator, client } = upstream().await;
    let acme = client
        .organization_status(&org(demo::ACME_ID))
        .await
        .unwrap();
    assert_eq!(acme.organization_id.as_str(), demo::ACME_ID);
    assert!(acme.sso.enabled);
    assert_eq!(acme.sso.provider, Some(ConnectionProvider::Okta));
    assert!(
        acme.sso
            .connection_id
            .as_deref()
            .is_some_and(|id| id.starts_with("conn_"))
    );
    assert!(!acme.directory.enabled);
    assert!(acme.verified_domains.is_empty());

    let globex = client
        .organization_status(&org(demo::GLOBEX_ID))
        .await
        .unwrap();
    assert!(!globex.sso.enabled && globex.sso.provider.is_none());
    assert!(
        client
            .list_sso_connections(&org(demo::GLOBEX_ID))
            .await
            .unwrap()
            .is_empty()
    );

    let initech = client
        .organization_status(&org(demo::INITECH_ID))
        .await
        .unwrap();
    assert!(initech.sso.enabled && initech.directory.enabled);
    assert_eq!(
        initech.directory.provider,
        Some(DirectoryProvider::MicrosoftAd)
    );
    assert_eq!(initech.directory.directory_type, Some(DirectoryType::Scim));
    // Three reads, one token.
    assert_eq!(emulator.stats().tokens_issued, 1);
}

#[tokio::test]
async fn portal_toggles_change_what_the_reads_say() {
    let Upstream { emulator, client } = upstream().await;
    let globex = org(demo::GLOBEX_ID);
    let portal = PortalSession::open(
        &emulator,
        &client,
        &globex,
        &[Feature::Sso, Feature::DirSync],
    )
    .await;

    portal.set("sso", true).await;
    portal.set("dir_sync", true).await;
    let status = client.organization_status(&globex).await.unwrap();
    assert!(status.sso.enabled && status.directory.enabled, "{status:?}");

    // Disabled, the connection is still listed (include=all), no longer active.
    portal.set("sso", false).await;
    let connections = client.list_sso_connections(&globex).await.unwrap();
    assert_eq!(connections.len(), 1);
    assert!(!connections[0].enabled);
    assert_eq!(connections[0].status, Some(ConnectionStatus::Completed));
    assert_eq!(
        connections[0].organization_id.as_deref(),
        Some(demo::GLOBEX_ID)
    );
    let status = client.organization_status(&globex).await.unwrap();
    assert!(
        !status.sso.enabled && status.directory.enabled,
        "{status:?}"
    );
    let directories = client.list_directories(&globex).await.unwrap();
    assert_eq!(directories.len(), 1);
    assert!(directories[0].id.starts_with("dir_"));
}

#[tokio::test]
async fn verified_domains_come_from_the_domain_module() {
    let Upstream { emulator, client } = upstream().await;
    let globex = org(demo::GLOBEX_ID);
    client
        .update_organization_settings(
            &globex,
            &[FeatureToggle::new(Feature::DomainVerification, true)],
        )
        .await
        .unwrap();
    // The emulator accepts the feature, as Scalekit's documentation describes.
    let portal =
        PortalSession::open(&emulator, &client, &globex, &[Feature::DomainVerification]).await;
    let verified = portal.add_domain("globex.example").await;
    portal.add_domain("pending.example").await;
    portal.verify_domain(&verified).await;

    let domains = client.list_domains(&globex).await.unwrap();
    assert_eq!(domains.len(), 2);
    let pending = domains
        .iter()
        .find(|d| d.domain == "pending.example")
        .unwrap();
    assert_eq!(
        pending.verification_status,
        Some(VerificationStatus::Pending)
    );
    let status = client.organization_status(&globex).await.unwrap();
    assert_eq!(status.verified_domains, ["globex.example"]);
}

#[tokio::test]
async fn reads_retry_outages_and_report_what_is_wrong() {
    let Upstream { emulator, client } = upstream().await;
    let acme = org(demo::ACME_ID);
    // Two 503s are retried within the deadline.
    emulator.faults().fail_next(FaultScope::Api, 2, 503);
    assert!(client.organization_status(&acme).await.unwrap().sso.enabled);

    let unknown = org("org_99999999999999999");
    let err = client.list_directories(&unknown).await.unwrap_err();
    assert!(matches!(err, Error::OrganizationNotFound { .. }), "{err}");
    let err = client.organization_status(&unknown).await.unwrap_err();
    assert!(matches!(err, Error::OrganizationNotFound { .. }), "{err}");

    emulator.faults().malformed_next(FaultScope::Api, 1);
    let err = client.list_domains(&acme).await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err}");
}

#[tokio::test]
async fn a_hanging_read_ends_at_the_deadline() {
    let Upstream { emulator, client } =
        Upstream::start(Emulator::builder(), Duration::from_millis(400)).await;
    // The token first, so only the reads hang.
    client.list_directories(&org(demo::ACME_ID)).await.unwrap();
    emulator.faults().hang_next(FaultScope::Api, 3);
    let started = std::time::Instant::now();
    let err = client
        .organization_status(&org(demo::ACME_ID))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_that_refuses_domain_verification_gets_an_error_naming_it() {
    let Upstream { emulator, client } = upstream().await;
    // What a server whose Feature enum lacks the value answers: 400.
    emulator.faults().fail_next(FaultScope::PortalLinks, 1, 400);
    let err = client
        .generate_portal_link(
            &org(demo::ACME_ID),
            &[Feature::Sso, Feature::DomainVerification],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    assert!(err.to_string().contains("domain_verification"), "{err}");
    // A 400 for a request without it says nothing about the feature.
    emulator.faults().fail_next(FaultScope::PortalLinks, 1, 400);
    let err = client
        .generate_portal_link(&org(demo::ACME_ID), &[Feature::Sso])
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("domain_verification"), "{err}");
}

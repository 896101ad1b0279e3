//! The gRPC API over HTTP/2 cleartext on the emulator's one port, called by
//! a tonic client built from the same `.proto` files into message types of
//! its own: authentication, every served call, errors with their
//! `google.rpc.Status` details, faults, counters, and links that open the
//! same portal page and send the same webhooks as REST-minted ones.

mod common;

use common::webhooks::Receiver;
use common::{get_json, http, portal_config, toggle, token};
use prost::Message;
use scalekit_emulator::{Emulator, Endpoint, FaultScope, demo};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

#[allow(
    dead_code,
    missing_docs,
    unreachable_pub,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic
)]
mod proto {
    include!(concat!(env!("OUT_DIR"), "/client/mod.rs"));
}

use proto::google::rpc::Status as RpcStatus;
use proto::scalekit::v1::connections::ListConnectionsRequest;
use proto::scalekit::v1::connections::connection_service_client::ConnectionServiceClient;
use proto::scalekit::v1::directories::directory_service_client::DirectoryServiceClient;
use proto::scalekit::v1::directories::{CreateDirectoryRequest, ListDirectoriesRequest};
use proto::scalekit::v1::domains::domain_service_client::DomainServiceClient;
use proto::scalekit::v1::domains::{ListDomainRequest, list_domain_request};
use proto::scalekit::v1::errdetails::ErrorInfo;
use proto::scalekit::v1::organizations::organization_service_client::OrganizationServiceClient;
use proto::scalekit::v1::organizations::{
    CreateOrganization, CreateOrganizationRequest, Feature, GeneratePortalLinkRequest,
    GetOrganizationRequest, ListOrganizationsRequest, OrganizationSettings,
    OrganizationSettingsFeature, UpdateOrganizationSettingsRequest, get_organization_request,
};

const ERROR_INFO_TYPE: &str = "type.googleapis.com/scalekit.v1.errdetails.ErrorInfo";

async fn channel(emu: &Emulator) -> Channel {
    Channel::from_shared(emu.base_url().to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// `request` with `authorization: Bearer <token>`.
fn authorized<T>(message: T, token: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

fn get_by_id(id: &str) -> GetOrganizationRequest {
    GetOrganizationRequest {
        identities: Some(get_organization_request::Identities::Id(id.to_owned())),
    }
}

fn link_request(id: &str, features: &[Feature]) -> GeneratePortalLinkRequest {
    GeneratePortalLinkRequest {
        id: id.to_owned(),
        features: features.iter().map(|f| i32::from(*f)).collect(),
        ..Default::default()
    }
}

/// Asserts the status's code and that its `grpc-status-details-bin` holds a
/// `google.rpc.Status` with the same code and an `ErrorInfo` with
/// `error_code`.
fn assert_status(status: &Status, code: Code, error_code: &str) {
    assert_eq!(status.code(), code, "{status:?}");
    let details = RpcStatus::decode(status.details()).expect("google.rpc.Status details");
    assert_eq!(details.code, code as i32);
    assert_eq!(details.message, status.message());
    assert_eq!(details.details.len(), 1);
    assert_eq!(details.details[0].type_url, ERROR_INFO_TYPE);
    let info = ErrorInfo::decode(details.details[0].value.as_slice()).unwrap();
    assert_eq!(info.error_code, error_code);
}

#[tokio::test]
async fn calls_without_a_valid_token_are_unauthenticated() {
    let emu = Emulator::start().await.unwrap();
    let mut client = OrganizationServiceClient::new(channel(&emu).await);
    let missing = client
        .get_organization(get_by_id(demo::ACME_ID))
        .await
        .unwrap_err();
    assert_status(&missing, Code::Unauthenticated, "UNAUTHENTICATED");
    let invalid = client
        .get_organization(authorized(get_by_id(demo::ACME_ID), "not-a-token"))
        .await
        .unwrap_err();
    assert_status(&invalid, Code::Unauthenticated, "UNAUTHENTICATED");
    // A token from the REST endpoint works; revoked, it no longer does.
    let token = token(&emu).await;
    client
        .get_organization(authorized(get_by_id(demo::ACME_ID), &token))
        .await
        .unwrap();
    emu.faults().revoke_tokens();
    let revoked = client
        .get_organization(authorized(get_by_id(demo::ACME_ID), &token))
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::Unauthenticated);
    assert_eq!(emu.stats().requests(Endpoint::GetOrganization), 4);
}

#[tokio::test]
async fn a_link_minted_over_grpc_opens_the_portal_page_with_its_features() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let mut client = OrganizationServiceClient::new(channel(&emu).await);
    let link = client
        .generate_portal_link(authorized(
            link_request(demo::ACME_ID, &[Feature::Sso]),
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .link
        .unwrap();
    assert!(link.id.starts_with("lnk_"), "{link:?}");
    let prefix = format!("{}/magicLink/", emu.base_url());
    assert!(link.location.starts_with(&prefix), "{link:?}");
    let expire = link.expire_time.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now..=now + 61).contains(&expire.seconds), "{expire:?}");

    // The same page a REST-minted link opens, with only the SSO section.
    let html = http()
        .get(&link.location)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("PORTAL_LOAD_SUCCESS"));
    assert!(html.contains("id=\"sso-section\""));
    assert!(!html.contains("id=\"scim-section\""));
    // Single use.
    let again = http().get(&link.location).send().await.unwrap();
    assert!(again.text().await.unwrap().contains("PORTAL_LOAD_FAILURE"));

    // Without features: every module the organization has.
    let plain = client
        .generate_portal_link(authorized(link_request(demo::ACME_ID, &[]), &token))
        .await
        .unwrap()
        .into_inner()
        .link
        .unwrap();
    let html = common::get_text(&plain.location).await;
    assert!(html.contains("id=\"sso-section\"") && html.contains("id=\"scim-section\""));
    assert_eq!(emu.stats().links_minted_for(demo::ACME_ID), 2);
    assert_eq!(emu.stats().requests(Endpoint::GeneratePortalLink), 2);
}

#[tokio::test]
async fn a_toggle_on_a_grpc_minted_page_sends_the_webhook() {
    let mut app = Receiver::start(&[]).await;
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .organization("org_grpc_hook", "Grpc Hook", None)
        .webhook_endpoint(&app.url)
        .start()
        .await
        .unwrap();
    let token = token(&emu).await;
    let mut client = OrganizationServiceClient::new(channel(&emu).await);
    let link = client
        .generate_portal_link(authorized(
            link_request("org_grpc_hook", &[Feature::Sso]),
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .link
        .unwrap();
    let html = common::get_text(&link.location).await;
    let response = toggle(&emu, &portal_config(&html), "sso", true).await;
    assert!(response.status().is_success());
    let delivery = app.next().await;
    delivery.verify(emu.webhook_secret()).unwrap();
    let types = [delivery.event_type(), app.next().await.event_type()];
    assert!(
        types.contains(&"organization.sso_enabled".to_owned()),
        "{types:?}"
    );
}

#[tokio::test]
async fn organizations_are_created_read_listed_and_updated_in_the_same_store() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let mut client = OrganizationServiceClient::new(channel(&emu).await);
    let created = client
        .create_organization(authorized(
            CreateOrganizationRequest {
                organization: Some(CreateOrganization {
                    display_name: "Grpc Corp".into(),
                    external_id: Some("tenant-grpc".into()),
                    metadata: [("plan".to_owned(), "pro".to_owned())].into(),
                    ..Default::default()
                }),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert!(created.id.starts_with("org_"));
    assert_eq!(created.external_id.as_deref(), Some("tenant-grpc"));
    assert!(created.create_time.is_some());

    // REST sees it.
    let (status, body) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}", created.id),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["organization"]["display_name"], "Grpc Corp");
    assert_eq!(body["organization"]["metadata"]["plan"], "pro");

    let by_external = client
        .get_organization(authorized(
            GetOrganizationRequest {
                identities: Some(get_organization_request::Identities::ExternalId(
                    "tenant-grpc".into(),
                )),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(by_external.id, created.id);

    let list = client
        .list_organization(authorized(
            ListOrganizationsRequest {
                page_size: 10,
                ..Default::default()
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let (_, rest) = get_json(&emu, &token, "/api/v1/organizations?page_size=10").await;
    assert_eq!(
        u64::from(list.total_size),
        rest["total_size"].as_u64().unwrap()
    );
    let ids: Vec<_> = list.organizations.iter().map(|o| o.id.as_str()).collect();
    let rest_ids: Vec<_> = rest["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, rest_ids);
    assert!(ids.contains(&created.id.as_str()));

    let updated = client
        .update_organization_settings(authorized(
            UpdateOrganizationSettingsRequest {
                id: created.id.clone(),
                settings: Some(OrganizationSettings {
                    features: vec![OrganizationSettingsFeature {
                        name: "dir_sync".into(),
                        enabled: true,
                    }],
                }),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    let dir_sync = updated
        .settings
        .unwrap()
        .features
        .into_iter()
        .find(|f| f.name == "dir_sync")
        .unwrap();
    assert!(dir_sync.enabled);
    assert!(
        emu.organization(&created.id)
            .unwrap()
            .feature_enabled("dir_sync")
    );

    let unknown = client
        .update_organization_settings(authorized(
            UpdateOrganizationSettingsRequest {
                id: created.id.clone(),
                settings: Some(OrganizationSettings {
                    features: vec![OrganizationSettingsFeature {
                        name: "teleport".into(),
                        enabled: true,
                    }],
                }),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_status(&unknown, Code::InvalidArgument, "INVALID_ARGUMENT");
    assert_eq!(emu.stats().requests(Endpoint::CreateOrganization), 1);
    assert_eq!(
        emu.stats().requests(Endpoint::UpdateOrganizationSettings),
        2
    );
}

#[tokio::test]
async fn status_reads_match_the_rest_answers() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let channel = channel(&emu).await;
    let connections = ConnectionServiceClient::new(channel.clone())
        .list_connections(authorized(
            ListConnectionsRequest {
                organization_id: Some(demo::ACME_ID.into()),
                include: Some("all".into()),
                ..Default::default()
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .connections;
    let (_, rest) = get_json(
        &emu,
        &token,
        &format!(
            "/api/v1/connections?organization_id={}&include=all",
            demo::ACME_ID
        ),
    )
    .await;
    let rest = rest["connections"].as_array().unwrap();
    assert_eq!(connections.len(), rest.len());
    assert!(!connections.is_empty());
    for (grpc, rest) in connections.iter().zip(rest) {
        assert_eq!(grpc.id, rest["id"]);
        assert_eq!(grpc.r#type().as_str_name(), rest["type"]);
        assert_eq!(grpc.provider().as_str_name(), rest["provider"]);
        assert_eq!(grpc.status().as_str_name(), rest["status"]);
        assert_eq!(grpc.enabled, rest["enabled"]);
    }

    let directories = DirectoryServiceClient::new(channel.clone())
        .list_directories(authorized(
            ListDirectoriesRequest {
                organization_id: demo::ACME_ID.into(),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .directories;
    let (_, rest) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/directories", demo::ACME_ID),
    )
    .await;
    let rest = rest["directories"].as_array().unwrap();
    assert_eq!(directories.len(), rest.len());
    for (grpc, rest) in directories.iter().zip(rest) {
        assert_eq!(grpc.id, rest["id"]);
        assert_eq!(
            grpc.directory_provider().as_str_name(),
            rest["directory_provider"]
        );
        assert_eq!(grpc.status, rest["status"]);
        assert_eq!(grpc.enabled, rest["enabled"]);
    }

    let domains = DomainServiceClient::new(channel.clone())
        .list_domains(authorized(
            ListDomainRequest {
                identities: Some(list_domain_request::Identities::OrganizationId(
                    demo::ACME_ID.into(),
                )),
                ..Default::default()
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    let (_, rest) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/domains", demo::ACME_ID),
    )
    .await;
    assert_eq!(
        domains.domains.len(),
        rest["domains"].as_array().unwrap().len()
    );

    let missing = DirectoryServiceClient::new(channel)
        .list_directories(authorized(
            ListDirectoriesRequest {
                organization_id: "org_missing".into(),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_status(&missing, Code::NotFound, "NOT_FOUND");
}

#[tokio::test]
async fn errors_and_faults_answer_the_reference_codes() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let mut client = OrganizationServiceClient::new(channel(&emu).await);
    let missing = client
        .get_organization(authorized(get_by_id("org_missing"), &token))
        .await
        .unwrap_err();
    assert_status(&missing, Code::NotFound, "NOT_FOUND");
    let invalid = client
        .generate_portal_link(authorized(link_request("acme", &[]), &token))
        .await
        .unwrap_err();
    assert_status(&invalid, Code::InvalidArgument, "INVALID_ARGUMENT");

    emu.faults().fail_next_with_retry_after(
        FaultScope::PortalLinks,
        1,
        429,
        std::time::Duration::from_secs(7),
    );
    let limited = client
        .generate_portal_link(authorized(link_request(demo::ACME_ID, &[]), &token))
        .await
        .unwrap_err();
    assert_status(&limited, Code::ResourceExhausted, "RESOURCE_EXHAUSTED");
    assert_eq!(limited.metadata().get("retry-after").unwrap(), "7");

    emu.faults().fail_next(FaultScope::Api, 1, 503);
    let unavailable = client
        .get_organization(authorized(get_by_id(demo::ACME_ID), &token))
        .await
        .unwrap_err();
    assert_status(&unavailable, Code::Unavailable, "UNAVAILABLE");

    emu.faults().malformed_next(FaultScope::Api, 1);
    let malformed = client
        .get_organization(authorized(get_by_id(demo::ACME_ID), &token))
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Code::Internal, "{malformed:?}");

    emu.faults().reset_next(FaultScope::Api, 1);
    let reset = client
        .get_organization(authorized(get_by_id(demo::ACME_ID), &token))
        .await
        .unwrap_err();
    assert_ne!(reset.code(), Code::Ok);

    // The faults are spent: the next call succeeds, and REST shares the port.
    client
        .generate_portal_link(authorized(link_request(demo::ACME_ID, &[]), &token))
        .await
        .unwrap();
    let (status, _) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}", demo::ACME_ID),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(emu.stats().links_minted_for(demo::ACME_ID), 1);
}

/// A 10 KB id is refused with a message cut to a sane length, over gRPC
/// and over REST alike; so is a 10 KB external id that is not found.
#[tokio::test]
async fn errors_echo_input_cut_to_a_sane_length() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let long = format!("org_{}", "9".repeat(10_000));
    let mut client = OrganizationServiceClient::new(channel(&emu).await);
    let refused = client
        .get_organization(authorized(get_by_id(&long), &token))
        .await
        .unwrap_err();
    assert_status(&refused, Code::InvalidArgument, "INVALID_ARGUMENT");
    assert!(
        refused.message().chars().count() <= 301,
        "{}",
        refused.message().len()
    );
    assert!(refused.message().ends_with('…'));
    let missing = client
        .get_organization(authorized(
            GetOrganizationRequest {
                identities: Some(get_organization_request::Identities::ExternalId(
                    "x".repeat(10_000),
                )),
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert!(missing.message().chars().count() <= 301);

    let (status, body) = get_json(&emu, &token, &format!("/api/v1/organizations/{long}")).await;
    assert_eq!(status, 400);
    let message = body["message"].as_str().unwrap();
    assert!(message.chars().count() <= 301, "{}", message.len());
}

/// A method the emulator does not serve answers UNIMPLEMENTED naming it,
/// on a served service as on an unknown one.
#[tokio::test]
async fn unserved_methods_are_named() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let mut grpc = tonic::client::Grpc::new(channel(&emu).await);
    for path in [
        "/scalekit.v1.organizations.OrganizationService/GetPortalLinks",
        "/scalekit.v1.users.UserService/ListUsers",
    ] {
        grpc.ready().await.unwrap();
        let status = grpc
            .unary::<GetOrganizationRequest, (), _>(
                authorized(get_by_id(demo::ACME_ID), &token),
                http::uri::PathAndQuery::from_static(path),
                tonic_prost::ProstCodec::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unimplemented, "{path}");
        assert_eq!(
            status.message(),
            format!("{path} is not served by the emulator")
        );
    }
}

#[tokio::test]
async fn a_directory_is_created_over_grpc_once_per_organization() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let organization = OrganizationServiceClient::new(channel(&emu).await)
        .create_organization(authorized(
            CreateOrganizationRequest {
                organization: Some(CreateOrganization {
                    display_name: "Directory Corp".into(),
                    ..Default::default()
                }),
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    let mut directories = DirectoryServiceClient::new(channel(&emu).await);
    let list = |directories: &mut DirectoryServiceClient<Channel>| {
        let request = authorized(
            ListDirectoriesRequest {
                organization_id: organization.id.clone(),
            },
            &token,
        );
        let mut directories = directories.clone();
        async move {
            directories
                .list_directories(request)
                .await
                .unwrap()
                .into_inner()
                .directories
        }
    };
    assert!(list(&mut directories).await.is_empty(), "none yet");

    let create = CreateDirectoryRequest {
        organization_id: organization.id.clone(),
        directory: None,
    };
    let created = directories
        .create_directory(authorized(create.clone(), &token))
        .await
        .unwrap()
        .into_inner()
        .directory
        .unwrap();
    assert!(created.id.starts_with("dir_"), "{created:?}");
    assert_eq!(created.organization_id, organization.id);
    assert!(!created.enabled, "a new directory starts disabled");
    assert!(
        created
            .directory_endpoint
            .ends_with(&format!("/api/v1/directories/{}/scim/v2", created.id)),
        "{}",
        created.directory_endpoint
    );
    let listed = list(&mut directories).await;
    assert_eq!(
        listed.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [created.id.as_str()]
    );
    // REST sees the same directory.
    let (_, rest) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}/directories", organization.id),
    )
    .await;
    assert_eq!(rest["directories"][0]["id"], created.id.as_str());

    // One per organization: asking again answers the same directory.
    let again = directories
        .create_directory(authorized(create, &token))
        .await
        .unwrap()
        .into_inner()
        .directory
        .unwrap();
    assert_eq!(again.id, created.id);

    let missing = directories
        .create_directory(authorized(
            CreateDirectoryRequest {
                organization_id: "org_missing".into(),
                directory: None,
            },
            &token,
        ))
        .await
        .unwrap_err();
    assert_status(&missing, Code::NotFound, "NOT_FOUND");
}

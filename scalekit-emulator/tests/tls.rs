//! `EmulatorBuilder::tls`: HTTPS with a certificate for 127.0.0.1 and
//! localhost signed by a CA made at start. Clients that trust only that CA
//! (read from `Emulator::ca_file`) speak gRPC over HTTP/2 and REST over
//! HTTP/1.1 to it, chosen by ALPN; portal links are `https://` too.

mod common;

use common::https;
use rustls::pki_types::ServerName;
use scalekit_emulator::{Emulator, demo};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

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

use proto::scalekit::v1::organizations::GeneratePortalLinkRequest;
use proto::scalekit::v1::organizations::organization_service_client::OrganizationServiceClient;

/// `POST /oauth/token` over HTTP/1.1 on TLS for `host` (`127.0.0.1` or
/// `localhost`): the access token.
async fn token_over_https(emu: &Emulator, host: &'static str) -> String {
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        emu.client_id(),
        emu.client_secret()
    );
    let (status, body) = https::request(
        emu,
        host,
        "POST",
        "/oauth/token",
        &[("content-type", "application/x-www-form-urlencoded")],
        &body,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn serves_rest_and_grpc_over_tls_to_clients_trusting_its_ca() {
    let emu = Emulator::builder().tls(true).start().await.unwrap();
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    let ca_file = emu.ca_file().unwrap().to_owned();
    let pem = std::fs::read_to_string(&ca_file).unwrap();
    assert_eq!(Some(pem.as_str()), emu.ca_certificate_pem());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let token = token_over_https(&emu, "127.0.0.1").await;
    token_over_https(&emu, "localhost").await;

    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&pem))
        .domain_name("127.0.0.1");
    let channel = Channel::from_shared(emu.base_url().to_owned())
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut request = tonic::Request::new(GeneratePortalLinkRequest {
        id: demo::ACME_ID.into(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let link = OrganizationServiceClient::new(channel)
        .generate_portal_link(request)
        .await
        .unwrap()
        .into_inner()
        .link
        .unwrap();
    assert!(
        link.location
            .starts_with(&format!("{}/magicLink/", emu.base_url())),
        "{link:?}"
    );

    drop(emu);
    assert!(
        !ca_file.exists(),
        "the CA file is removed with the emulator"
    );
}

#[tokio::test]
async fn a_client_without_the_ca_is_refused() {
    let emu = Emulator::builder().tls(true).start().await.unwrap();
    let other = Emulator::builder().tls(true).start().await.unwrap();
    let stream = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    // Trusts another emulator's CA only.
    let result = https::connector(&other, b"h2")
        .connect(ServerName::try_from("127.0.0.1").unwrap(), stream)
        .await;
    assert!(result.is_err(), "handshake must fail without the CA");
}

//! HTTPS for `--tls` / [`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls):
//! a certificate authority made at start, a server certificate it signs for
//! `127.0.0.1` and `localhost`, and the rustls acceptor that offers HTTP/2
//! and HTTP/1.1 (ALPN). Clients trust the emulator through the CA's PEM file
//! (`SCALEKIT_CA_FILE`), nothing else.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the server certificate is valid for.
const SERVER_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// What serving HTTPS needs.
pub(crate) struct Tls {
    /// The CA certificate, PEM.
    pub(crate) ca_pem: String,
    pub(crate) acceptor: TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// Makes a fresh CA and server certificate and the acceptor that serves
/// them. The error says which step failed.
pub(crate) fn generate() -> Result<Tls, String> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(describe("CA"))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "scalekit-emulator local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(describe("CA key"))?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(describe("CA"))?;

    let names: Vec<String> = SERVER_NAMES.iter().map(|name| (*name).to_owned()).collect();
    let mut server_params = CertificateParams::new(names).map_err(describe("server"))?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "scalekit-emulator");
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let server_key = KeyPair::generate().map_err(describe("server key"))?;
    let server_cert = server_params
        .signed_by(&server_key, &ca)
        .map_err(describe("server"))?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(describe("TLS configuration"))?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone(), ca.der().clone()], key)
        .map_err(describe("TLS configuration"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem: ca.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

fn describe<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> String {
    move |err| format!("generating the {what} failed: {err}")
}

/// Where the CA of the emulator on `port` is written.
pub(crate) fn ca_file_path(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("scalekit-emulator-{port}-ca.pem"))
}

/// Writes the CA's PEM to `path`.
pub(crate) fn write_ca_file(path: &Path, pem: &str) -> std::io::Result<()> {
    std::fs::write(path, pem)
}

//! HTTPS for `--tls` / [`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls):
//! a certificate authority made at start, a server certificate it signs for
//! `127.0.0.1` and `localhost`, and the rustls acceptor that offers HTTP/2
//! and HTTP/1.1 (ALPN). Clients trust the emulator through the CA's PEM file
//! (`SCALEKIT_CA_FILE`), nothing else; that file lives in a private
//! directory of its own, removed with the emulator.

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

/// The CA's PEM file, in a fresh private directory (mode 0700, made by
/// `tempfile` with a random name) that goes away, file included, when this
/// value is dropped.
#[derive(Debug)]
pub(crate) struct CaDir {
    /// Held for its `Drop`, which removes the directory and the file.
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl CaDir {
    /// Makes the directory and writes `pem` into it as `ca.pem`.
    pub(crate) fn write(pem: &str) -> std::io::Result<Self> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("scalekit-emulator-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir()?;
        let path = dir.path().join("ca.pem");
        write_new_private(&path, pem)?;
        Ok(Self { _dir: dir, path })
    }

    /// The PEM file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes a new file readable by its owner only. An existing file or
/// symlink at `path` is an error (`create_new` never follows a symlink).
fn write_new_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_lives_in_a_private_directory_that_goes_away() {
        let ca = CaDir::write("pem").unwrap();
        let (path, dir) = (ca.path().to_owned(), ca.path().parent().unwrap().to_owned());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "pem");
        assert_ne!(dir, std::env::temp_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&path), 0o600);
        }
        drop(ca);
        assert!(!path.exists() && !dir.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "untouched").unwrap();
        let link = dir.path().join("ca.pem");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_new_private(&link, "pem").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
    }
}

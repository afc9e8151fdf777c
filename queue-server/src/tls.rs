//! TLS for the office listener (`[server.tls]`), so staff passwords and device tokens do not cross the
//! office LAN in clear: a certificate chain and key from PEM files, or a self-signed certificate made
//! once and kept in the data directory (`tls/cert.pem`, `tls/key.pem`, 0600). Devices pin it: they
//! are given `cert.pem` (or its SHA-256 fingerprint, printed at start) as their only trusted root.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsConfig;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {why}")]
    Read { path: String, why: String },
    #[error("{path}: no certificate in the file")]
    NoCertificate { path: String },
    #[error("cannot make a certificate: {0}")]
    Generate(String),
    #[error("the certificate and key do not fit together: {0}")]
    Config(String),
}

/// What the listener needs, and what to tell the technician.
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub cert_path: PathBuf,
    /// SHA-256 of the leaf certificate (DER), hex with colons.
    pub fingerprint: String,
}

pub fn load(config: &TlsConfig, data_dir: &Path) -> Result<Tls, TlsError> {
    let (cert_path, key_path) = match (&config.cert, &config.key) {
        (Some(c), Some(k)) => (c.clone(), k.clone()),
        _ => generated(data_dir)?,
    };
    let read = |p: &Path, e: rustls_pki_types::pem::Error| TlsError::Read {
        path: p.display().to_string(),
        why: e.to_string(),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|e| read(&cert_path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| read(&cert_path, e))?;
    let leaf = certs.first().ok_or_else(|| TlsError::NoCertificate { path: cert_path.display().to_string() })?;
    let fingerprint = Sha256::digest(leaf.as_ref()).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| read(&key_path, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(server)), cert_path, fingerprint })
}

/// The data directory's own certificate, made on first use for `localhost`, the loopback addresses and
/// this machine's host name, valid ten years.
fn generated(data_dir: &Path) -> Result<(PathBuf, PathBuf), TlsError> {
    let dir = data_dir.join("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let io = |p: &Path, e: std::io::Error| TlsError::Read { path: p.display().to_string(), why: e.to_string() };
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            names.push(host.to_owned());
        }
    }
    let made = rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    write_private(&key, made.key_pair.serialize_pem().as_bytes()).map_err(|e| io(&key, e))?;
    write_private(&cert, made.cert.pem().as_bytes()).map_err(|e| io(&cert, e))?;
    Ok((cert, key))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

//! TLS settings shared by the syslog (RFC 5425) and portal (HTTPS) sinks.
//!
//! Both use rustls with the `ring` provider. Trust comes from a configured CA
//! file when one is given (a hospital's own PKI), else from the system's
//! certificate store (Debian's `ca-certificates`, via `rustls-native-certs`),
//! else from the Mozilla roots compiled in (`webpki-roots`), so a box without
//! `ca-certificates` still verifies public portals.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

/// PEM files of one sink's TLS setup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// CA certificates to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// Client certificate chain (mutual TLS).
    pub cert_file: Option<PathBuf>,
    /// Client private key (mutual TLS).
    pub key_file: Option<PathBuf>,
}

/// A TLS setup problem, naming the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {message}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// rustls refused the setup (e.g. a key that does not match the certificate).
    #[error("TLS setup: {0}")]
    Rustls(#[from] rustls::Error),
}

fn pem_error(path: &Path, message: impl Into<String>) -> TlsError {
    TlsError::Pem {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Every certificate in a PEM file (at least one).
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let iter = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, format!("cannot read certificates: {e}")))?;
    let certs: Vec<_> = iter
        .collect::<Result<_, _>>()
        .map_err(|e| pem_error(path, format!("bad PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(pem_error(path, "no `BEGIN CERTIFICATE` block found"));
    }
    Ok(certs)
}

/// The first private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| pem_error(path, format!("cannot read a private key: {e}")))
}

/// The trust anchors: the CA file, else the system store, else webpki-roots.
/// `None` for the last case (callers that embed webpki-roots themselves).
fn system_or_configured_roots(
    files: &TlsFiles,
) -> Result<Option<Vec<CertificateDer<'static>>>, TlsError> {
    if let Some(ca) = &files.ca_file {
        return Ok(Some(read_certs(ca)?));
    }
    let native = rustls_native_certs::load_native_certs();
    if native.certs.is_empty() {
        tracing::debug!(
            errors = native.errors.len(),
            "no system CA certificates; using the built-in Mozilla roots"
        );
        return Ok(None);
    }
    Ok(Some(native.certs))
}

/// A rustls client configuration for `files` (syslog over TLS).
pub fn client_config(files: &TlsFiles) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    match system_or_configured_roots(files)? {
        Some(certs) => {
            let (added, _ignored) = roots.add_parsable_certificates(certs);
            if added == 0 {
                let path = files.ca_file.clone().unwrap_or_default();
                return Err(pem_error(&path, "no usable CA certificate"));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let config = match (&files.cert_file, &files.key_file) {
        (Some(cert), Some(key)) => {
            builder.with_client_auth_cert(read_certs(cert)?, read_key(key)?)?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The ureq TLS configuration for `files` (the portal).
pub fn ureq_tls(files: &TlsFiles) -> Result<ureq::tls::TlsConfig, TlsError> {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
    let roots = match system_or_configured_roots(files)? {
        Some(certs) => {
            let certs: Vec<Certificate<'static>> = certs
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            RootCerts::new_with_certs(&certs)
        }
        None => RootCerts::WebPki,
    };
    let client = match (&files.cert_file, &files.key_file) {
        (Some(cert), Some(key)) => {
            let chain: Vec<Certificate<'static>> = read_certs(cert)?
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            // Checked with rustls' parser first, for an error naming the file.
            read_key(key)?;
            let pem = std::fs::read(key)
                .map_err(|e| pem_error(key, format!("cannot read a private key: {e}")))?;
            let key = PrivateKey::from_pem(&pem)
                .map_err(|e| pem_error(key, format!("cannot read a private key: {e}")))?;
            Some(ClientCert::new_with_certs(&chain, key))
        }
        _ => None,
    };
    Ok(TlsConfig::builder()
        .root_certs(roots)
        .client_cert(client)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_ca_file_is_named() {
        let files = TlsFiles {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..TlsFiles::default()
        };
        let e = match client_config(&files) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a missing CA file was accepted"),
        };
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }

    #[test]
    fn empty_pem_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("ca.pem");
        std::fs::write(&p, "not a certificate\n").expect("write");
        let e = read_certs(&p).map(|_| ()).expect_err("no certificate");
        assert!(e.to_string().contains("BEGIN CERTIFICATE"), "{e}");
    }

    #[test]
    fn system_roots_load() {
        // Either the system store or the built-in roots: never an error.
        assert!(client_config(&TlsFiles::default()).is_ok());
        assert!(ureq_tls(&TlsFiles::default()).is_ok());
    }
}

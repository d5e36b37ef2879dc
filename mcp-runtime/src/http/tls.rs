//! HTTPS for the endpoint: certificates and keys from PEM files, rustls with the ring
//! provider, HTTP/1.1 and HTTP/2 (ALPN). Behind the `tls` cargo feature.

use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A server certificate chain and its private key, ready to serve HTTPS.
///
/// ```no_run
/// use mcp_runtime::http::TlsConfig;
/// let tls = TlsConfig::from_pem_files("cert.pem", "key.pem").unwrap();
/// # let _ = tls;
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    pub(crate) server: rustls::ServerConfig,
}

/// Why a certificate or key could not be used; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file holds no PEM `CERTIFICATE` block.
    #[error("{path} contains no PEM certificate (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// The file holds no PEM private key.
    #[error("{path} contains no PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key)")]
    NoKey {
        /// The file.
        path: PathBuf,
    },
    /// A PEM block is malformed.
    #[error("{path} is not valid PEM: {message}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the pair (a key that does not match the certificate, say).
    #[error("the certificate in {cert} and the key in {key} cannot be used together: {source}")]
    Rejected {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        source: rustls::Error,
    },
}

impl From<TlsError> for io::Error {
    fn from(error: TlsError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, error)
    }
}

impl TlsConfig {
    /// Reads a certificate chain (leaf first) and a private key (PKCS#8, PKCS#1 or SEC1) from
    /// PEM files.
    pub fn from_pem_files(
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsConfig, TlsError> {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let cert_pem = read(cert)?;
        let key_pem = read(key)?;
        TlsConfig::from_pem(&cert_pem, &key_pem, cert, key)
    }

    fn from_pem(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert: &Path,
        key: &Path,
    ) -> Result<TlsConfig, TlsError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pem {
                path: cert.into(),
                message: e.to_string(),
            })?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate { path: cert.into() });
        }
        let private_key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
            rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey { path: key.into() },
            other => TlsError::Pem {
                path: key.into(),
                message: other.to_string(),
            },
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, private_key))
            .map_err(|source| TlsError::Rejected {
                cert: cert.into(),
                key: key.into(),
                source,
            })?;
        Ok(TlsConfig { server })
    }
}

impl super::StreamableHttp {
    /// Serves the endpoint over HTTPS (HTTP/1.1 and HTTP/2) on `addr` until the process is
    /// stopped.
    ///
    /// ```no_run
    /// use mcp_runtime::http::TlsConfig;
    /// use mcp_runtime::Server;
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let tls = TlsConfig::from_pem_files("cert.pem", "key.pem")?;
    /// Server::new("demo", "1.0.0").into_http().serve_tls("127.0.0.1:8443", tls).await
    /// # }
    /// ```
    pub async fn serve_tls(self, addr: impl ToSocketAddrs, tls: TlsConfig) -> io::Result<()> {
        let listener = TcpListener::bind(addr)?;
        self.listen_tls(listener, tls)?.await
    }

    /// Like [`listen`](Self::listen), over HTTPS.
    pub fn listen_tls(
        self,
        listener: TcpListener,
        tls: TlsConfig,
    ) -> io::Result<actix_web::dev::Server> {
        self.start(listener, super::Encryption::Tls(Box::new(tls.server)))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        (cert.cert.pem(), cert.signing_key.serialize_pem())
    }

    fn load(cert: &str, key: &str) -> Result<TlsConfig, TlsError> {
        TlsConfig::from_pem(
            cert.as_bytes(),
            key.as_bytes(),
            Path::new("c.pem"),
            Path::new("k.pem"),
        )
    }

    #[test]
    fn a_matching_pair_loads() {
        let (cert, key) = pair();
        assert!(load(&cert, &key).is_ok());
    }

    #[test]
    fn every_failure_names_the_file_and_the_problem() {
        let (cert, key) = pair();
        let (other_cert, _) = pair();
        let cases = [
            (
                load("", &key).err().unwrap(),
                "c.pem contains no PEM certificate",
            ),
            (
                load(&key, &key).err().unwrap(),
                "c.pem contains no PEM certificate",
            ),
            (
                load(&cert, "").err().unwrap(),
                "k.pem contains no PEM private key",
            ),
            (
                load(&cert, &cert).err().unwrap(),
                "k.pem contains no PEM private key",
            ),
            (
                load(
                    "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                    &key,
                )
                .err()
                .unwrap(),
                "c.pem is not valid PEM",
            ),
            (
                load(&other_cert, &key).err().unwrap(),
                "cannot be used together",
            ),
        ];
        for (error, expected) in cases {
            assert!(
                error.to_string().contains(expected),
                "{error} should say {expected:?}"
            );
        }
        let missing = TlsConfig::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem")
            .err()
            .unwrap();
        assert!(
            missing
                .to_string()
                .starts_with("cannot read /nonexistent/cert.pem"),
            "{missing}"
        );
    }
}

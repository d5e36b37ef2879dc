//! `private_key_jwt` (RFC 7523): the client proves who it is at the token endpoint with a JWT
//! signed by its private key, instead of a shared secret.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::error::OAuthError;
use super::grant::random_token;

/// The assertion type of a JWT client assertion.
pub(super) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid.
const LIFETIME_SECS: u64 = 300;

/// A private key the client signs its token-endpoint assertions with.
///
/// ```
/// use mcp_runtime::client::oauth::SigningKey;
/// let e = SigningKey::from_pem(b"not a key", "ES256").unwrap_err();
/// assert!(e.to_string().contains("signing key"));
/// assert!(SigningKey::from_pem(b"", "HS999").is_err());
/// ```
#[derive(Clone)]
pub struct SigningKey {
    key: Arc<EncodingKey>,
    algorithm: Algorithm,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A PEM private key (PKCS#8) for `algorithm`: `ES256`, `ES384`, `RS256`..`RS512`,
    /// `PS256`..`PS512` or `EdDSA`.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pem = std::fs::read("client-key.pem")?;
    /// let key = mcp_runtime::client::oauth::SigningKey::from_pem(&pem, "ES256")?;
    /// # drop(key); Ok(()) }
    /// ```
    pub fn from_pem(pem: &[u8], algorithm: &str) -> Result<SigningKey, OAuthError> {
        let invalid = |why: String| OAuthError::InvalidSigningKey(why);
        let algorithm = Algorithm::from_str(algorithm)
            .map_err(|_| invalid(format!("unknown algorithm {algorithm:?}")))?;
        let key = match algorithm {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => EncodingKey::from_rsa_pem(pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
            other => return Err(invalid(format!("{other:?} is not a public-key algorithm"))),
        }
        .map_err(|e| invalid(e.to_string()))?;
        Ok(SigningKey {
            key: Arc::new(key),
            algorithm,
        })
    }

    /// A fresh assertion that `client_id` is calling, for the authorization server `audience`.
    pub(super) fn assertion(&self, client_id: &str, audience: &str) -> Result<String, OAuthError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": random_token(16),
            "iat": now,
            "exp": now + LIFETIME_SECS,
        });
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, &self.key)
            .map_err(|e| OAuthError::InvalidSigningKey(e.to_string()))
    }
}

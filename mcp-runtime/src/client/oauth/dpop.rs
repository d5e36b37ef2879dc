//! DPoP (RFC 9449): tokens bound to a key the client holds. Each request to the token
//! endpoint and to the MCP server carries a fresh proof, a JWT signed with that key naming the
//! method and URL (and, for the MCP server, the hash of the access token); a server that wants
//! a nonce in the proofs says so with `use_dpop_nonce` and a `DPoP-Nonce` header.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Url;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::json;

use super::error::OAuthError;
use super::grant::random_token;

/// A P-256 key made for this connection, and the nonces the servers asked for.
pub(super) struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
    /// The authorization server's latest `DPoP-Nonce`.
    pub(super) token_nonce: Mutex<Option<String>>,
    /// The MCP server's latest `DPoP-Nonce`.
    pub(super) resource_nonce: Mutex<Option<String>>,
}

impl DpopKey {
    pub(super) fn generate() -> Result<DpopKey, OAuthError> {
        let invalid = |e: &dyn std::fmt::Display| OAuthError::InvalidSigningKey(e.to_string());
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|e| invalid(&e))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|e| invalid(&e))?;
        // An uncompressed point: 0x04, then x and y (32 bytes each).
        let point = pair.public_key().as_ref();
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(&point[1..33]),
                y: URL_SAFE_NO_PAD.encode(&point[33..65]),
            }),
        };
        Ok(DpopKey {
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
            token_nonce: Mutex::new(None),
            resource_nonce: Mutex::new(None),
        })
    }

    /// A fresh proof for `method` on `url` (query and fragment left out), bound to
    /// `access_token` when one is presented, carrying `nonce` when the server asked for one.
    pub(super) fn proof(
        &self,
        method: &str,
        url: &Url,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, OAuthError> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = json!({
            "jti": random_token(16),
            "htm": method,
            "htu": htu.as_str(),
            "iat": now,
        });
        if let Some(token) = access_token {
            let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(digest));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| OAuthError::InvalidSigningKey(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};

    #[test]
    fn proofs_are_fresh_signed_and_bound() {
        let key = DpopKey::generate().unwrap();
        let url = Url::parse("http://127.0.0.1:1/mcp?x=1#f").unwrap();
        let proof = key.proof("POST", &url, Some("at"), Some("n1")).unwrap();
        let header = decode_header(&proof).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims =
            decode::<serde_json::Value>(&proof, &DecodingKey::from_jwk(&jwk).unwrap(), &validation)
                .unwrap()
                .claims;
        assert_eq!(claims["htu"], "http://127.0.0.1:1/mcp");
        assert_eq!(claims["htm"], "POST");
        assert_eq!(claims["nonce"], "n1");
        let digest = ring::digest::digest(&ring::digest::SHA256, b"at");
        assert_eq!(claims["ath"], URL_SAFE_NO_PAD.encode(digest));
        let again = key.proof("POST", &url, None, None).unwrap();
        assert_ne!(again, proof);
    }
}

//! [`JwtVerifier`]: JSON Web Tokens signed with a shared secret (HS256) or with keys from a
//! JWKS document (RS256, ES256), given inline or fetched from a URL and cached.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::{AuthError, Identity, TokenVerifier, VerifyFuture};

/// The clock skew tolerated on `exp` and `nbf` by default.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// How long fetched keys are used before they are fetched again, by default.
const DEFAULT_REFRESH: Duration = Duration::from_secs(5 * 60);
/// The least time between two fetches, by default: a token naming an unknown key fetches the
/// keys again (the issuer may have rotated them), but at most this often.
const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(30);
/// The largest JWKS document accepted from a URL.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Verifies JWT access tokens: the signature, `iss` (the issuer this server trusts), `aud`
/// (this server: RFC 8707 resource indicators name it), `exp` and `nbf` (with a small leeway,
/// 30 s by default). The token's `sub` becomes the [`Identity`]'s subject, and `scope`
/// (space-separated) or `scp` (an array) its scopes.
///
/// Keys: a shared secret ([`hs256`](Self::hs256)), or public keys from a JWKS document, inline
/// ([`jwks`](Self::jwks)) or at a URL ([`jwks_url`](Self::jwks_url)). A verifier only accepts
/// the algorithms of its keys, so an HS256 token is never checked against a public key.
///
/// ```
/// use mcp_runtime::auth::JwtVerifier;
/// use std::time::Duration;
///
/// let hs = JwtVerifier::hs256(b"a shared secret of at least 32 bytes!", "https://auth.example.com", "https://mcp.example.com/mcp");
/// let remote = JwtVerifier::jwks_url(
///     "https://auth.example.com/.well-known/jwks.json",
///     "https://auth.example.com",
///     "https://mcp.example.com/mcp",
/// )
/// .refresh_interval(Duration::from_secs(600));
/// # let _ = (hs, remote);
/// ```
pub struct JwtVerifier {
    keys: KeySource,
    issuer: String,
    audience: String,
    leeway: Duration,
}

/// Why a JWKS document cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The document is not a JWK Set.
    #[error("invalid JWKS document: {0}")]
    Parse(#[from] serde_json::Error),
    /// No key of the set is an RSA key or a P-256 EC key.
    #[error("the JWKS document has no usable key (RS256 or ES256 on P-256)")]
    NoUsableKey,
}

enum KeySource {
    Secret(DecodingKey),
    Fixed(Arc<KeySet>),
    Remote(Box<RemoteKeys>),
}

/// The usable public keys of a JWK Set.
struct KeySet {
    keys: Vec<PublicKey>,
}

struct PublicKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

impl KeySet {
    /// The RSA (RS256) and P-256 (ES256) keys of `set`; others, and keys whose `alg` says
    /// otherwise, are skipped.
    fn from_jwks(set: JwkSet) -> Result<KeySet, JwksError> {
        let keys: Vec<PublicKey> = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let algorithm = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                        Algorithm::ES256
                    }
                    _ => return None,
                };
                let declared = jwk.common.key_algorithm.map(|a| format!("{a:?}"));
                if declared.is_some_and(|a| a != format!("{algorithm:?}")) {
                    return None;
                }
                Some(PublicKey {
                    kid: jwk.common.key_id.clone(),
                    algorithm,
                    key: DecodingKey::from_jwk(jwk).ok()?,
                })
            })
            .collect();
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(KeySet { keys })
    }

    fn parse(document: &[u8]) -> Result<KeySet, JwksError> {
        KeySet::from_jwks(serde_json::from_slice(document)?)
    }

    fn knows(&self, kid: Option<&str>) -> bool {
        kid.is_none_or(|kid| self.keys.iter().any(|k| k.kid.as_deref() == Some(kid)))
    }

    /// The key for a token's `kid` and `alg`: the key with that id, or the only key of that
    /// algorithm when the token names none.
    fn find(&self, kid: Option<&str>, algorithm: Algorithm) -> Option<&DecodingKey> {
        let mut candidates = self.keys.iter().filter(|k| k.algorithm == algorithm);
        match kid {
            Some(kid) => candidates.find(|k| k.kid.as_deref() == Some(kid)),
            None => {
                let first = candidates.next();
                candidates.next().is_none().then_some(first).flatten()
            }
        }
        .map(|k| &k.key)
    }
}

/// Keys fetched from a JWKS URL, refreshed every `refresh`, and fetched again early (at most
/// every `min_refetch`) when a token names a key id the cached set lacks.
struct RemoteKeys {
    url: String,
    client: reqwest::Client,
    refresh: Duration,
    min_refetch: Duration,
    cache: Mutex<Cache>,
    /// Held while fetching, so that concurrent requests wait for one fetch.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    fetched_at: Option<Instant>,
    attempted_at: Option<Instant>,
    last_error: Option<String>,
}

impl RemoteKeys {
    /// Whether to fetch before checking a token naming `kid`, given the cache; else the
    /// cached keys (or the last fetch's failure).
    fn cached(&self, kid: Option<&str>) -> (bool, Result<Arc<KeySet>, AuthError>) {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = cache.fetched_at.is_some_and(|t| t.elapsed() < self.refresh);
        let knows = cache.keys.as_ref().is_some_and(|k| k.knows(kid));
        let may_fetch = cache
            .attempted_at
            .is_none_or(|t| t.elapsed() >= self.min_refetch);
        let current = match (&cache.keys, &cache.last_error) {
            (Some(keys), _) => Ok(keys.clone()),
            (None, error) => Err(AuthError::JwksFetch {
                url: self.url.clone(),
                message: error.clone().unwrap_or_else(|| "not fetched yet".into()),
            }),
        };
        (may_fetch && !(fresh && knows), current)
    }

    async fn keys(&self, kid: Option<&str>) -> Result<Arc<KeySet>, AuthError> {
        let (fetch, current) = self.cached(kid);
        if !fetch {
            return current;
        }
        let _one_fetch = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        let (fetch, current) = self.cached(kid);
        if !fetch {
            return current;
        }
        let outcome = self.fetch().await;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.attempted_at = Some(Instant::now());
        match outcome {
            Ok(keys) => {
                let keys = Arc::new(keys);
                cache.keys = Some(keys.clone());
                cache.fetched_at = cache.attempted_at;
                cache.last_error = None;
                Ok(keys)
            }
            // Keys fetched before stay in use until a fetch succeeds.
            Err(message) => match &cache.keys {
                Some(keys) => Ok(keys.clone()),
                None => {
                    cache.last_error = Some(message.clone());
                    Err(AuthError::JwksFetch {
                        url: self.url.clone(),
                        message,
                    })
                }
            },
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let response = self
            .client
            .get(&self.url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP status {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err(format!(
                "the document is larger than {MAX_JWKS_BYTES} bytes"
            ));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if body.len() > MAX_JWKS_BYTES {
            return Err(format!(
                "the document is larger than {MAX_JWKS_BYTES} bytes"
            ));
        }
        KeySet::parse(&body).map_err(|e| e.to_string())
    }
}

impl JwtVerifier {
    fn with_keys(keys: KeySource, issuer: String, audience: String) -> JwtVerifier {
        JwtVerifier {
            keys,
            issuer,
            audience,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Tokens signed with HS256 and a secret shared with the authorization server, issued by
    /// `issuer` for `audience` (this server's resource URL).
    pub fn hs256(
        secret: impl AsRef<[u8]>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> JwtVerifier {
        let key = DecodingKey::from_secret(secret.as_ref());
        JwtVerifier::with_keys(KeySource::Secret(key), issuer.into(), audience.into())
    }

    /// Tokens signed with RS256 or ES256 by one of the keys of a JWKS document (JSON), issued
    /// by `issuer` for `audience`.
    ///
    /// ```
    /// use mcp_runtime::auth::{JwksError, JwtVerifier};
    /// let jwks = r#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1",
    ///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    ///     "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
    /// assert!(JwtVerifier::jwks(jwks, "https://auth.example.com", "https://mcp.example.com/mcp").is_ok());
    /// assert!(matches!(
    ///     JwtVerifier::jwks(r#"{"keys": []}"#, "i", "a"),
    ///     Err(JwksError::NoUsableKey)
    /// ));
    /// ```
    pub fn jwks(
        document: &str,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<JwtVerifier, JwksError> {
        let keys = KeySet::parse(document.as_bytes())?;
        Ok(JwtVerifier::with_keys(
            KeySource::Fixed(Arc::new(keys)),
            issuer.into(),
            audience.into(),
        ))
    }

    /// Tokens signed with RS256 or ES256 by one of the keys published at `url` (a JWKS
    /// document), issued by `issuer` for `audience`. The keys are fetched when first needed,
    /// then again every [`refresh_interval`](Self::refresh_interval), and early when a token
    /// names a key id they lack (at most every
    /// [`min_refetch_interval`](Self::min_refetch_interval)). If a fetch fails, the keys
    /// fetched before stay in use; with none, requests get `503`.
    ///
    /// The default HTTP client speaks plain HTTP only (this crate enables no TLS backend of
    /// reqwest); for an `https` URL, enable one in your own `Cargo.toml` (e.g. reqwest's
    /// `rustls` feature) or pass a client with [`http_client`](Self::http_client).
    pub fn jwks_url(
        url: impl Into<String>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> JwtVerifier {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // Actix workers each run their own runtime: keep no connection across them.
            .pool_max_idle_per_host(0)
            .build()
            .unwrap_or_default();
        let remote = RemoteKeys {
            url: url.into(),
            client,
            refresh: DEFAULT_REFRESH,
            min_refetch: DEFAULT_MIN_REFETCH,
            cache: Mutex::new(Cache::default()),
            fetching: tokio::sync::Mutex::new(()),
        };
        JwtVerifier::with_keys(
            KeySource::Remote(Box::new(remote)),
            issuer.into(),
            audience.into(),
        )
    }

    /// The clock skew tolerated on `exp` and `nbf` (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> JwtVerifier {
        self.leeway = leeway;
        self
    }

    /// How long keys fetched from a JWKS URL are used before being fetched again (default
    /// 5 minutes). No effect on other verifiers.
    pub fn refresh_interval(mut self, interval: Duration) -> JwtVerifier {
        if let KeySource::Remote(remote) = &mut self.keys {
            remote.refresh = interval;
        }
        self
    }

    /// The least time between two fetches of a JWKS URL (default 30 s): bounds the fetches
    /// that tokens naming unknown key ids can cause. No effect on other verifiers.
    pub fn min_refetch_interval(mut self, interval: Duration) -> JwtVerifier {
        if let KeySource::Remote(remote) = &mut self.keys {
            remote.min_refetch = interval;
        }
        self
    }

    /// The HTTP client that fetches a JWKS URL (to add TLS roots, a proxy or timeouts). No
    /// effect on other verifiers.
    pub fn http_client(mut self, client: reqwest::Client) -> JwtVerifier {
        if let KeySource::Remote(remote) = &mut self.keys {
            remote.client = client;
        }
        self
    }

    async fn check(&self, token: &str) -> Result<Identity, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(refusal)?;
        refuse_critical_extensions(token)?;
        let unsupported = || {
            AuthError::Malformed(format!(
                "the token is signed with {:?}, which this server does not accept",
                header.alg
            ))
        };
        let kid = header.kid.as_deref();
        let claims = match &self.keys {
            KeySource::Secret(key) => {
                if header.alg != Algorithm::HS256 {
                    return Err(unsupported());
                }
                self.decode(token, key, header.alg)?
            }
            KeySource::Fixed(keys) => {
                if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
                    return Err(unsupported());
                }
                let key = keys.find(kid, header.alg).ok_or(AuthError::BadSignature)?;
                self.decode(token, key, header.alg)?
            }
            KeySource::Remote(remote) => {
                if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
                    return Err(unsupported());
                }
                let keys = remote.keys(kid).await?;
                let key = keys.find(kid, header.alg).ok_or(AuthError::BadSignature)?;
                self.decode(token, key, header.alg)?
            }
        };
        check_claim_types(&claims)?;
        Identity::from_claims(claims)
    }

    fn decode(
        &self,
        token: &str,
        key: &DecodingKey,
        algorithm: Algorithm,
    ) -> Result<Map<String, Value>, AuthError> {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                // The signature verified, but `jsonwebtoken` could not read a registered
                // claim: say which, when it is one of those whose type is checked here.
                ErrorKind::Json(_) => segment(token, 1)
                    .and_then(|claims| check_claim_types(&claims).err())
                    .unwrap_or_else(|| refusal(error)),
                _ => refusal(error),
            })
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }
}

/// RFC 7515 4.1.11: a token whose header lists extensions in `crit` must be refused unless
/// every one is understood, and this verifier understands none. (`jsonwebtoken`'s `Header`
/// drops the parameter, so the header is read again here.)
fn refuse_critical_extensions(token: &str) -> Result<(), AuthError> {
    let header =
        segment(token, 0).ok_or_else(|| AuthError::Malformed("not a JSON Web Token".into()))?;
    match header.get("crit") {
        None => Ok(()),
        Some(crit) => Err(AuthError::Malformed(format!(
            "the token's header marks extensions critical (`crit`: {crit}), and this server \
             understands none"
        ))),
    }
}

/// Segment `index` of a compact JWT (0: the header, 1: the claims) as a JSON object.
fn segment(token: &str, index: usize) -> Option<Map<String, Value>> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let encoded = token.split('.').nth(index)?;
    let json = URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&json).ok()
}

/// The claims `jsonwebtoken` passes over when they have the wrong type: an `nbf` that is not
/// a number would go unchecked, and an `iss` array containing the trusted issuer would pass.
fn check_claim_types(claims: &Map<String, Value>) -> Result<(), AuthError> {
    if let Some(nbf) = claims.get("nbf").filter(|nbf| !nbf.is_number()) {
        return Err(AuthError::Malformed(format!(
            "the `nbf` claim must be a NumericDate (a number of seconds), not {nbf}"
        )));
    }
    if let Some(iss) = claims.get("iss").filter(|iss| !iss.is_string()) {
        return Err(AuthError::Malformed(format!(
            "the `iss` claim must be one string, not {iss}"
        )));
    }
    Ok(())
}

/// What a failed decoding means for the client.
fn refusal(error: jsonwebtoken::errors::Error) -> AuthError {
    match error.into_kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::Crypto(_) => AuthError::BadSignature,
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "aud" => AuthError::WrongAudience,
            "iss" => AuthError::WrongIssuer,
            _ => AuthError::Malformed(format!("the token has no `{claim}` claim")),
        },
        ErrorKind::Json(e) => AuthError::Malformed(format!("the claims are not valid JSON: {e}")),
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) | ErrorKind::InvalidToken => {
            AuthError::Malformed("not a JSON Web Token".into())
        }
        other => AuthError::Malformed(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const ISS: &str = "https://as.test";
    const AUD: &str = "http://127.0.0.1/mcp";

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    fn mint(claims: Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn good() -> Value {
        json!({"sub": "alice", "iss": ISS, "aud": AUD, "exp": now() + 60, "scope": "a b"})
    }

    fn with(mut claims: Value, key: &str, value: Value) -> Value {
        claims[key] = value;
        claims
    }

    async fn verify(claims: Value) -> Result<Identity, AuthError> {
        JwtVerifier::hs256(SECRET, ISS, AUD)
            .verify(&mint(claims))
            .await
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hs256_checks_every_claim() {
        let alice = verify(good()).await.unwrap();
        assert_eq!(alice.subject(), "alice");
        assert_eq!(alice.scopes(), ["a", "b"]);
        assert_eq!(alice.claim("iss"), Some(&json!(ISS)));

        // Audiences may be an array that names this server.
        let many = with(good(), "aud", json!(["other", AUD]));
        assert!(verify(many).await.is_ok());

        let cases = [
            (with(good(), "exp", json!(now() - 120)), AuthError::Expired),
            (
                with(good(), "nbf", json!(now() + 120)),
                AuthError::NotYetValid,
            ),
            (
                with(good(), "aud", json!("http://elsewhere/mcp")),
                AuthError::WrongAudience,
            ),
            (
                with(good(), "iss", json!("https://evil.test")),
                AuthError::WrongIssuer,
            ),
        ];
        for (claims, expected) in cases {
            assert_eq!(verify(claims.clone()).await, Err(expected), "{claims}");
        }
        for missing in ["exp", "sub"] {
            let mut claims = good();
            claims.as_object_mut().unwrap().remove(missing);
            assert!(
                matches!(verify(claims).await, Err(AuthError::Malformed(_))),
                "{missing}"
            );
        }
        let mut claims = good();
        claims.as_object_mut().unwrap().remove("aud");
        assert_eq!(verify(claims).await, Err(AuthError::WrongAudience));
    }

    /// A token with this header (JSON) and these claims, signed with the test secret.
    fn mint_with_header(header: Value, claims: Value) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(SECRET),
            Algorithm::HS256,
        )
        .unwrap();
        format!("{message}.{signature}")
    }

    fn malformed(result: Result<Identity, AuthError>, naming: &str) {
        match result {
            Err(AuthError::Malformed(message)) => {
                assert!(message.contains(naming), "{message} should name {naming}")
            }
            other => panic!("expected a malformed token naming {naming}, got {other:?}"),
        }
    }

    /// Correctly signed tokens that are odd all the same.
    #[tokio::test(flavor = "current_thread")]
    async fn odd_but_signed_tokens_are_refused() {
        let verifier = JwtVerifier::hs256(SECRET, ISS, AUD);
        // The control: the hand-made signature verifies.
        let plain = json!({"alg": "HS256", "typ": "JWT"});
        assert!(verifier
            .verify(&mint_with_header(plain, good()))
            .await
            .is_ok());

        // Without `sub`, a `client_id` equal to a user's subject must not become that user.
        let mut impostor = good();
        impostor.as_object_mut().unwrap().remove("sub");
        impostor["client_id"] = json!("alice");
        malformed(verify(impostor).await, "`sub`");

        // RFC 7515 4.1.11: an extension marked critical that is not understood is refused.
        let critical = json!({"alg": "HS256", "typ": "JWT", "crit": ["exp-ext"], "exp-ext": 1});
        malformed(
            verifier.verify(&mint_with_header(critical, good())).await,
            "crit",
        );

        // `nbf` of the wrong type is not ignored.
        for nbf in [json!("0"), json!(true), json!(null), json!([1])] {
            malformed(verify(with(good(), "nbf", nbf)).await, "`nbf`");
        }
        // A fractional NumericDate is still a date.
        assert!(verify(with(good(), "nbf", json!(1.5))).await.is_ok());

        // `iss` is one string, not a list that happens to contain ours.
        for iss in [json!([ISS]), json!([ISS, "https://evil.test"])] {
            malformed(verify(with(good(), "iss", iss)).await, "`iss`");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn leeway_tolerates_small_skew_only() {
        let verifier = JwtVerifier::hs256(SECRET, ISS, AUD).leeway(Duration::from_secs(30));
        let just_expired = mint(with(good(), "exp", json!(now() - 5)));
        assert!(verifier.verify(&just_expired).await.is_ok());
        let strict = JwtVerifier::hs256(SECRET, ISS, AUD).leeway(Duration::ZERO);
        assert_eq!(strict.verify(&just_expired).await, Err(AuthError::Expired));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn wrong_secret_and_garbage_are_refused() {
        let other = encode(
            &Header::new(Algorithm::HS256),
            &good(),
            &EncodingKey::from_secret(b"another secret, just as long....."),
        )
        .unwrap();
        let verifier = JwtVerifier::hs256(SECRET, ISS, AUD);
        assert_eq!(verifier.verify(&other).await, Err(AuthError::BadSignature));
        assert!(matches!(
            verifier.verify("not.a.jwt").await,
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            verifier.verify("").await,
            Err(AuthError::Malformed(_))
        ));
        // An HS384 token is refused by its algorithm, before any key is tried.
        let hs384 = encode(
            &Header::new(Algorithm::HS384),
            &good(),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(matches!(
            verifier.verify(&hs384).await,
            Err(AuthError::Malformed(m)) if m.contains("HS384")
        ));
    }

    #[test]
    fn jwks_documents_keep_usable_keys_only() {
        let doc = json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "sym"},
            {"kty": "EC", "crv": "P-256", "kid": "ec",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "crv": "P-256", "kid": "ec-but-rs", "alg": "RS256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        ]});
        let set = KeySet::parse(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.keys.len(), 1);
        assert!(set.knows(Some("ec")) && set.knows(None) && !set.knows(Some("sym")));
        assert!(set.find(Some("ec"), Algorithm::ES256).is_some());
        assert!(set.find(None, Algorithm::ES256).is_some());
        assert!(set.find(Some("ec"), Algorithm::RS256).is_none());
        assert!(set.find(Some("nope"), Algorithm::ES256).is_none());
        assert!(matches!(
            KeySet::parse(b"{\"keys\": 1}"),
            Err(JwksError::Parse(_))
        ));
    }
}

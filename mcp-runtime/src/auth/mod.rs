//! Bearer-token authentication for the HTTP transports: who is calling ([`Identity`]), how a
//! token is checked ([`TokenVerifier`]: [`JwtVerifier`], [`ApiKeyVerifier`] or your own), why
//! one is refused ([`AuthError`]) and where clients learn how to get one
//! ([`ProtectedResource`], RFC 9728).
//!
//! Turn it on with [`StreamableHttp::auth`](crate::http::StreamableHttp::auth): every request to
//! the MCP endpoint (and the legacy HTTP+SSE endpoints) must then carry
//! `Authorization: Bearer <token>`. A missing or bad token is answered `401` with a
//! `WWW-Authenticate` challenge naming the Protected Resource Metadata; a tool whose
//! `#[mcp_tool(scopes = [...])]` the token lacks is hidden from `tools/list` and its calls are
//! answered `403 insufficient_scope`. Tools read the caller with
//! [`Ctx::identity`](crate::Ctx::identity).
//!
//! ```
//! use mcp_runtime::auth::{JwtVerifier, ProtectedResource};
//! use mcp_runtime::{mcp_tool, Ctx, Server};
//!
//! /// Read a file.
//! #[mcp_tool(scopes = ["files:read"])]
//! async fn read_file(ctx: Ctx, path: String) -> String {
//!     let who = ctx.identity().map_or("nobody", |id| id.subject());
//!     format!("{who} reads {path}")
//! }
//!
//! let verifier = JwtVerifier::hs256(
//!     b"a shared secret of at least 32 bytes!",
//!     "https://auth.example.com",
//!     "https://mcp.example.com/mcp",
//! );
//! let http = Server::new("files", "1.0.0")
//!     .tool::<read_file>()
//!     .into_http()
//!     .auth(verifier)
//!     .protected_resource(
//!         ProtectedResource::new("https://mcp.example.com/mcp", "https://auth.example.com")
//!             .scopes_supported(["files:read"]),
//!     );
//! # let _ = http;
//! ```
//!
//! The `auth` cargo feature (on by default) brings [`JwtVerifier`] and its dependencies
//! (`jsonwebtoken`, `reqwest`); the rest of this module is always there, for API keys and
//! verifiers of your own.

mod api_key;
#[cfg(feature = "auth")]
mod jwt;
mod metadata;

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};

pub use self::api_key::ApiKeyVerifier;
#[cfg(feature = "auth")]
pub use self::jwt::{JwksError, JwtVerifier};
pub use self::metadata::ProtectedResource;
pub(crate) use self::metadata::WELL_KNOWN;

/// Who is calling: the subject of a verified token, its scopes and all its claims.
///
/// ```
/// use mcp_runtime::auth::Identity;
/// let alice = Identity::new("alice").with_scopes(["files:read"]);
/// assert_eq!(alice.subject(), "alice");
/// assert!(alice.has_scope("files:read") && !alice.has_scope("files:write"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    subject: String,
    scopes: Vec<String>,
    claims: Map<String, Value>,
}

impl Identity {
    /// An identity with a subject, no scopes and no claims.
    pub fn new(subject: impl Into<String>) -> Identity {
        Identity {
            subject: subject.into(),
            scopes: Vec::new(),
            claims: Map::new(),
        }
    }

    /// The same identity with these scopes (replacing any it had).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Identity
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The same identity with these claims (replacing any it had).
    pub fn with_claims(mut self, claims: Map<String, Value>) -> Identity {
        self.claims = claims;
        self
    }

    /// An identity from the claims of a verified token: the subject is `sub`, which is
    /// required (RFC 9068 2.2; a token issued to a client itself names the client there). A
    /// `client_id` claim never stands in for it, so a client id cannot pass for a user's
    /// subject. Scopes come from `scope` (space-separated) or `scp` (an array, or a
    /// space-separated string).
    ///
    /// ```
    /// use mcp_runtime::auth::Identity;
    /// let claims = serde_json::json!({"sub": "bob", "scp": ["a", "b"], "team": "x"});
    /// let bob = Identity::from_claims(claims.as_object().unwrap().clone()).unwrap();
    /// assert_eq!(bob.scopes(), ["a", "b"]);
    /// assert_eq!(bob.claim("team"), Some(&serde_json::json!("x")));
    /// ```
    pub fn from_claims(claims: Map<String, Value>) -> Result<Identity, AuthError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::Malformed("the token has no `sub` claim".into()))?
            .to_owned();
        let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_owned).collect() };
        let scopes = match (claims.get("scope"), claims.get("scp")) {
            (Some(Value::String(scope)), _) => words(scope),
            (_, Some(Value::String(scp))) => words(scp),
            (_, Some(Value::Array(scp))) => scp
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Identity {
            subject,
            scopes,
            claims,
        })
    }

    /// The subject (`sub`): whom the token was issued for. Sessions belong to it.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The scopes the token grants.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Of `needed`, the scopes this identity lacks (empty when it has them all).
    pub fn missing_scopes<'a>(&self, needed: &[&'a str]) -> Vec<&'a str> {
        needed
            .iter()
            .copied()
            .filter(|s| !self.has_scope(s))
            .collect()
    }

    /// Every claim of the token, as sent (empty for identities not made from a token).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// One claim of the token.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }
}

/// Why a request was not authenticated or not authorized. The HTTP transports turn each into
/// its status and `WWW-Authenticate` challenge in one place: `403 insufficient_scope` for
/// [`InsufficientScope`](Self::InsufficientScope), `503` for
/// [`JwksFetch`](Self::JwksFetch) (the server cannot check tokens right now), `401` for the
/// rest (`error="invalid_token"` when a token was sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("no access token: send it as `Authorization: Bearer <token>`")]
    MissingToken,
    /// The header or the token cannot be read.
    #[error("malformed access token: {0}")]
    Malformed(String),
    /// The token's `exp` has passed.
    #[error("the access token expired")]
    Expired,
    /// The token's `nbf` is still ahead.
    #[error("the access token is not valid yet")]
    NotYetValid,
    /// The signature does not match, or no known key signed the token.
    #[error("the access token's signature does not verify")]
    BadSignature,
    /// The token was issued for another resource (`aud`).
    #[error("the access token was not issued for this server (audience)")]
    WrongAudience,
    /// The token comes from an issuer this server does not trust (`iss`).
    #[error("the access token was issued by an untrusted issuer")]
    WrongIssuer,
    /// The API key is not one of the server's.
    #[error("unknown API key")]
    UnknownApiKey,
    /// The token is valid but lacks scopes the request needs.
    #[error("insufficient scope: this request needs {}", .needed.join(" "))]
    InsufficientScope {
        /// The scopes needed.
        needed: Vec<String>,
    },
    /// The signing keys could not be fetched from the JWKS URL.
    #[error(
        "cannot verify access tokens now: fetching the signing keys from {url} failed: {message}"
    )]
    JwksFetch {
        /// The JWKS URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// The future [`TokenVerifier::verify`] returns. It need not be `Send`: actix-web workers are
/// single-threaded.
pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<Identity, AuthError>> + 'a>>;

/// Checks a bearer token and says whose it is. Implemented by [`JwtVerifier`] and
/// [`ApiKeyVerifier`]; implement it to check tokens another way (token introspection, say).
///
/// ```
/// use mcp_runtime::auth::{AuthError, Identity, TokenVerifier, VerifyFuture};
///
/// /// Accepts tokens of the form `user:<name>`.
/// struct Naive;
///
/// impl TokenVerifier for Naive {
///     fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
///         Box::pin(async move {
///             match token.strip_prefix("user:") {
///                 Some(name) if !name.is_empty() => Ok(Identity::new(name)),
///                 _ => Err(AuthError::BadSignature),
///             }
///         })
///     }
/// }
/// # let _ = mcp_runtime::Server::new("s", "1").into_http().auth(Naive);
/// ```
pub trait TokenVerifier: Send + Sync + 'static {
    /// The identity `token` (the part after `Bearer `) stands for, or why it is refused.
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a>;
}

impl<T: TokenVerifier + ?Sized> TokenVerifier for std::sync::Arc<T> {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        (**self).verify(token)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let a = Identity::from_claims(claims(json!({"sub": "a", "scope": " x  y "}))).unwrap();
        assert_eq!(a.scopes(), ["x", "y"]);
        let b = Identity::from_claims(claims(json!({"sub": "b", "scp": ["x", 3, "z"]}))).unwrap();
        assert_eq!(b.scopes(), ["x", "z"]);
        let c = Identity::from_claims(claims(json!({"sub": "c", "scp": "p q"}))).unwrap();
        assert_eq!(c.scopes(), ["p", "q"]);
        let d = Identity::from_claims(claims(json!({"sub": "svc", "client_id": "x"}))).unwrap();
        assert_eq!((d.subject(), d.scopes().len()), ("svc", 0));
        assert!(matches!(
            Identity::from_claims(claims(json!({"client_id": "svc"}))),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            Identity::from_claims(claims(json!({"sub": ""}))),
            Err(AuthError::Malformed(_))
        ));
        assert_eq!(a.missing_scopes(&["x", "w", "y", "v"]), ["w", "v"]);
    }

    #[test]
    fn insufficient_scope_names_the_scopes() {
        let e = AuthError::InsufficientScope {
            needed: vec!["a".into(), "b".into()],
        };
        assert_eq!(e.to_string(), "insufficient scope: this request needs a b");
    }
}

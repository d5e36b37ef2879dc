//! What can go wrong while obtaining a token.

/// Decodes an endpoint's answer: the JSON of a success, else [`OAuthError::Endpoint`] with the
/// status and the start of the body.
pub(super) fn decode_answer<T: serde::de::DeserializeOwned>(
    url: &str,
    status: reqwest::StatusCode,
    body: &[u8],
) -> Result<T, OAuthError> {
    if !status.is_success() {
        return Err(OAuthError::Endpoint {
            url: url.to_owned(),
            status: status.as_u16(),
            body: String::from_utf8_lossy(body).chars().take(512).collect(),
        });
    }
    serde_json::from_slice(body).map_err(|source| OAuthError::InvalidJson {
        url: url.to_owned(),
        source,
    })
}

/// Every way authorizing with an OAuth 2.1 authorization server can fail.
///
/// ```
/// use mcp_runtime::client::oauth::OAuthError;
/// let e = OAuthError::StateMismatch;
/// assert_eq!(e.to_string(), "the authorization response carries another `state` than the request");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// No protected-resource metadata was found for the server, at the URL its challenge named
    /// nor at the well-known locations.
    #[error("no protected-resource metadata for {resource}")]
    NoResourceMetadata {
        /// The MCP server's URL.
        resource: String,
    },
    /// The protected-resource metadata names another resource than the server's URL.
    #[error("the protected-resource metadata is for {found}, not for {expected}")]
    ResourceMismatch {
        /// The MCP server's URL.
        expected: String,
        /// The `resource` of the metadata.
        found: String,
    },
    /// No authorization-server metadata was found (RFC 8414, nor OpenID discovery).
    #[error("no authorization-server metadata for {issuer}")]
    NoServerMetadata {
        /// The authorization server's issuer URL.
        issuer: String,
    },
    /// The authorization-server metadata names another issuer than the one it was fetched for.
    #[error("the authorization-server metadata names the issuer {found}, not {expected}")]
    IssuerMismatch {
        /// The issuer the metadata was fetched for.
        expected: String,
        /// The `issuer` of the metadata.
        found: String,
    },
    /// The authorization response's `iss` is missing where the server promised it, or names
    /// another issuer (RFC 9207).
    #[error("the authorization response's issuer is {found:?}, expected {expected}")]
    WrongIssuerParameter {
        /// The authorization server's issuer.
        expected: String,
        /// The `iss` parameter, if any.
        found: Option<String>,
    },
    /// The authorization response carries another `state` than the request.
    #[error("the authorization response carries another `state` than the request")]
    StateMismatch,
    /// The authorization server refused the authorization request.
    #[error("the authorization server refused: {error}")]
    Refused {
        /// The `error` code, e.g. `access_denied`.
        error: String,
    },
    /// The client has no identity at the authorization server: no pre-registration, no
    /// client ID metadata document it accepts, and no registration endpoint.
    #[error("no way to identify this client at {issuer}")]
    NoClientIdentity {
        /// The authorization server's issuer.
        issuer: String,
    },
    /// An endpoint answered with an error status.
    #[error("{url} answered HTTP {status}: {body}")]
    Endpoint {
        /// The endpoint.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
    /// An answer was not the JSON its endpoint defines.
    #[error("{url} answered with unexpected JSON: {source}")]
    InvalidJson {
        /// The endpoint.
        url: String,
        /// Why it did not decode.
        #[source]
        source: serde_json::Error,
    },
    /// A URL in the metadata or the challenge is not a valid URL.
    #[error("invalid URL {0:?}")]
    InvalidUrl(String),
    /// The request to an endpoint failed.
    #[error("request to {url} failed: {source}")]
    Transport {
        /// The endpoint.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The [`Authorizer`](super::Authorizer) could not obtain the user's consent.
    #[error("authorization was not obtained: {0}")]
    Authorizer(String),
    /// The [`TokenStore`](super::TokenStore) could not keep the tokens.
    #[error("{0}")]
    TokenStore(#[from] super::TokenStoreError),
    /// A client signing key could not be read or could not sign.
    #[error("invalid signing key: {0}")]
    InvalidSigningKey(String),
    /// The server kept asking for more scope after as many step-ups as allowed.
    #[error("the server still answers insufficient_scope after {0} step-up authorizations")]
    StepUpLimit(usize),
}

//! Bearer-token authentication on the HTTP endpoints: the token comes from the
//! `Authorization` header only (never the query string), the [`TokenVerifier`] says whose it
//! is, and every refusal becomes its status and `WWW-Authenticate` challenge in one place
//! ([`Refusal`]). Protected Resource Metadata is served here too.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::error::HttpError;
use super::{Endpoint, StreamableHttp};
use crate::auth::{AuthError, Identity, ProtectedResource, TokenVerifier, WELL_KNOWN};
use crate::protocol::jsonrpc::encode;
use crate::protocol::{ErrorCode, Request, RequestId, RpcError};

impl StreamableHttp {
    /// Requires a bearer token on every request to the endpoint (and the legacy HTTP+SSE
    /// endpoints), checked by `verifier`: a [`JwtVerifier`](crate::auth::JwtVerifier), an
    /// [`ApiKeyVerifier`](crate::auth::ApiKeyVerifier) or your own [`TokenVerifier`].
    ///
    /// Requests without a valid token get `401` with a `WWW-Authenticate: Bearer` challenge;
    /// sessions belong to the subject that opened them (another subject gets `404`); tools
    /// declared with `#[mcp_tool(scopes = [...])]` are listed and callable only with those
    /// scopes (`403 insufficient_scope` otherwise). Add
    /// [`protected_resource`](Self::protected_resource) so clients can discover where to get
    /// a token.
    ///
    /// ```
    /// use mcp_runtime::auth::{ApiKeyVerifier, Identity};
    /// let http = mcp_runtime::Server::new("s", "1")
    ///     .into_http()
    ///     .auth(ApiKeyVerifier::new().key("k-1f2e3d", Identity::new("ci")));
    /// # let _ = http;
    /// ```
    pub fn auth(self, verifier: impl TokenVerifier) -> StreamableHttp {
        let verifier: Arc<dyn TokenVerifier> = Arc::new(verifier);
        self.reconfigure(|c| c.auth = Some(verifier))
    }

    /// Serves `metadata` (RFC 9728) at `/.well-known/oauth-protected-resource` and at
    /// `/.well-known/oauth-protected-resource<endpoint path>` (e.g. `.../mcp`), and names it
    /// in the `resource_metadata` of every `401` challenge. Its `scopes_supported` are the
    /// challenge's `scope`. Mount with [`configure`](Self::configure) (or use
    /// [`serve`](Self::serve) / [`listen`](Self::listen)) to get these routes.
    ///
    /// ```
    /// use mcp_runtime::auth::{JwtVerifier, ProtectedResource};
    /// let http = mcp_runtime::Server::new("s", "1")
    ///     .into_http()
    ///     .auth(JwtVerifier::hs256(b"a shared secret of at least 32 bytes!", "https://as.example.com", "https://mcp.example.com/mcp"))
    ///     .protected_resource(ProtectedResource::new("https://mcp.example.com/mcp", "https://as.example.com"));
    /// # let _ = http;
    /// ```
    pub fn protected_resource(self, metadata: ProtectedResource) -> StreamableHttp {
        let metadata = Arc::new(metadata);
        self.reconfigure(|c| c.protected_resource = Some(metadata))
    }

    /// The Protected Resource Metadata routes, when there is metadata to serve.
    pub(super) fn configure_auth(&self, cfg: &mut web::ServiceConfig) {
        let config = &self.shared.config;
        let Some(metadata) = &config.protected_resource else {
            return;
        };
        let body = serde_json::to_vec(&**metadata).expect("the metadata serializes");
        let mut paths = vec![WELL_KNOWN.to_owned()];
        let suffix = config.path.trim_end_matches('/');
        if !suffix.is_empty() {
            paths.push(format!("{WELL_KNOWN}{suffix}"));
        }
        let data = web::Data::from(self.shared.clone());
        for path in paths {
            let body = body.clone();
            cfg.service(
                web::resource(path)
                    .app_data(data.clone())
                    .route(
                        web::get().to(move |req: HttpRequest, endpoint: web::Data<Endpoint>| {
                            let body = body.clone();
                            async move {
                                endpoint.config.policy.check(&req)?;
                                Ok::<_, HttpError>(
                                    HttpResponse::Ok()
                                        .content_type("application/json")
                                        .insert_header((header::CACHE_CONTROL, "max-age=3600"))
                                        .body(body),
                                )
                            }
                        }),
                    )
                    .default_service(web::to(|| async {
                        Err::<HttpResponse, _>(HttpError::MethodNotAllowedHere("GET"))
                    })),
            );
        }
    }
}

impl Endpoint {
    /// The caller of `req`: `None` when the endpoint does not authenticate, else the identity
    /// of its bearer token, or the refusal to answer with.
    pub(super) async fn authenticate(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<Arc<Identity>>, HttpError> {
        let Some(verifier) = &self.config.auth else {
            return Ok(None);
        };
        let outcome = match bearer_token(req.headers()) {
            Ok(token) => verifier.verify(token).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(identity) => Ok(Some(Arc::new(identity))),
            Err(error) => {
                let scope = self
                    .config
                    .protected_resource
                    .as_ref()
                    .map(|m| m.scopes().join(" "))
                    .filter(|s| !s.is_empty());
                Err(self.refuse(req, error, scope, None))
            }
        }
    }

    /// `Ok` when `identity` (if the endpoint authenticates) holds every scope `request` needs;
    /// else `403 insufficient_scope` naming them. Without an identity nothing is looked up.
    pub(super) fn authorize(
        &self,
        req: &HttpRequest,
        identity: Option<&Identity>,
        request: &Request,
        id: Option<&RequestId>,
    ) -> Result<(), HttpError> {
        let Some(identity) = identity else {
            return Ok(());
        };
        let needed = self.core.scopes_needed(request);
        if identity.missing_scopes(needed).is_empty() {
            return Ok(());
        }
        let needed: Vec<String> = needed.iter().map(|s| (*s).to_owned()).collect();
        let scope = needed.join(" ");
        let error = AuthError::InsufficientScope { needed };
        Err(self.refuse(req, error, Some(scope), id.cloned()))
    }

    fn refuse(
        &self,
        req: &HttpRequest,
        error: AuthError,
        scope: Option<String>,
        request_id: Option<RequestId>,
    ) -> HttpError {
        HttpError::Auth(Box::new(Refusal {
            error,
            metadata_url: self.metadata_url(req),
            scope,
            request_id,
        }))
    }

    /// The absolute URL of the Protected Resource Metadata: derived from its resource URL, or
    /// from the request's own scheme and host when that is not an absolute URL. `None`
    /// without metadata.
    fn metadata_url(&self, req: &HttpRequest) -> Option<String> {
        let metadata = self.config.protected_resource.as_ref()?;
        metadata.metadata_url().or_else(|| {
            let info = req.connection_info();
            Some(format!(
                "{}://{}{WELL_KNOWN}{}",
                info.scheme(),
                info.host(),
                self.config.path.trim_end_matches('/')
            ))
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header. Nothing else is looked at: a token
/// in the query string is never used.
fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(AuthError::MissingToken);
    };
    if values.next().is_some() {
        return Err(AuthError::Malformed(
            "more than one Authorization header".into(),
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::Malformed("the Authorization header is not ASCII".into()))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Another scheme (Basic, say) carries no bearer token.
        return Err(AuthError::MissingToken);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed("the Bearer token is empty".into()));
    }
    Ok(token)
}

/// A request refused for want of authentication or authorization, with everything its
/// challenge says. The one place an [`AuthError`] becomes an HTTP response.
#[derive(Debug)]
pub(crate) struct Refusal {
    error: AuthError,
    metadata_url: Option<String>,
    scope: Option<String>,
    request_id: Option<RequestId>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = match self.status() {
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
            _ => "Unauthorized",
        };
        write!(f, "{reason}: {}", self.error)
    }
}

impl Refusal {
    pub(crate) fn status(&self) -> StatusCode {
        match self.error {
            AuthError::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            AuthError::JwksFetch { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` value (RFC 6750 §3); none for a server-side failure.
    fn challenge(&self) -> Option<String> {
        let mut params: Vec<(&str, String)> = Vec::new();
        match &self.error {
            AuthError::JwksFetch { .. } => return None,
            AuthError::MissingToken => {}
            AuthError::InsufficientScope { .. } => {
                params.push(("error", "insufficient_scope".into()));
                params.push(("error_description", self.error.to_string()));
            }
            other => {
                params.push(("error", "invalid_token".into()));
                params.push(("error_description", other.to_string()));
            }
        }
        if let Some(scope) = &self.scope {
            params.push(("scope", scope.clone()));
        }
        if let Some(url) = &self.metadata_url {
            params.push(("resource_metadata", url.clone()));
        }
        let params: Vec<String> = params
            .into_iter()
            .map(|(name, value)| format!("{name}=\"{}\"", quotable(&value)))
            .collect();
        Some(if params.is_empty() {
            "Bearer".to_owned()
        } else {
            format!("Bearer {}", params.join(", "))
        })
    }

    pub(crate) fn response(&self) -> HttpResponse {
        let body = encode::error(
            self.request_id.as_ref(),
            &RpcError::new(ErrorCode::SERVER_ERROR, self.to_string()),
        );
        let mut response = HttpResponse::build(self.status());
        response.content_type("application/json");
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        response.body(body)
    }
}

/// `value` with what a quoted auth-param may not hold (`"`, `\`, controls, non-ASCII)
/// replaced, so no client input can break the header apart.
fn quotable(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '"' => '\'',
            ' '..='~' if c != '\\' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn bearer_tokens_come_from_the_header_only() {
        assert_eq!(bearer_token(&headers(&["Bearer abc.def"])), Ok("abc.def"));
        assert_eq!(bearer_token(&headers(&["bearer   xyz "])), Ok("xyz"));
        assert_eq!(bearer_token(&headers(&[])), Err(AuthError::MissingToken));
        assert_eq!(
            bearer_token(&headers(&["Basic dXNlcjpwYXNz"])),
            Err(AuthError::MissingToken)
        );
        assert!(matches!(
            bearer_token(&headers(&["Bearer "])),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(&headers(&["Bearer a", "Bearer b"])),
            Err(AuthError::Malformed(_))
        ));
    }

    fn refusal(error: AuthError, scope: Option<&str>) -> Refusal {
        Refusal {
            error,
            metadata_url: Some("https://h/.well-known/oauth-protected-resource/mcp".into()),
            scope: scope.map(str::to_owned),
            request_id: None,
        }
    }

    #[test]
    fn challenges_follow_rfc_6750() {
        let missing = refusal(AuthError::MissingToken, None);
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            missing.challenge().unwrap(),
            "Bearer resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\""
        );
        let expired = refusal(AuthError::Expired, Some("a b"));
        assert_eq!(
            expired.challenge().unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"the access token expired\", \
             scope=\"a b\", resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\""
        );
        let scope = refusal(
            AuthError::InsufficientScope {
                needed: vec!["files:write".into()],
            },
            Some("files:write"),
        );
        assert_eq!(scope.status(), StatusCode::FORBIDDEN);
        assert!(scope
            .challenge()
            .unwrap()
            .starts_with("Bearer error=\"insufficient_scope\", error_description="));
        let fetch = refusal(
            AuthError::JwksFetch {
                url: "u".into(),
                message: "m".into(),
            },
            None,
        );
        assert_eq!(fetch.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(fetch.challenge(), None);
        let hostile = refusal(AuthError::Malformed("a\"b\\c\r\nd".into()), None);
        let challenge = hostile.challenge().unwrap();
        assert!(
            challenge.contains("malformed access token: a'b?c??d"),
            "{challenge}"
        );
    }
}

//! Finding the authorization server: the `WWW-Authenticate` challenge (RFC 6750), the
//! protected-resource metadata (RFC 9728) and the authorization-server metadata (RFC 8414,
//! and OpenID Connect discovery).

use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::{decode_answer, OAuthError};

/// The parameters of a `Bearer` challenge that matter here.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Challenge {
    pub(super) resource_metadata: Option<String>,
    pub(super) scope: Option<String>,
    pub(super) error: Option<String>,
}

impl Challenge {
    /// Parses a `WWW-Authenticate` value: `Bearer k="v", k2=v2, ...` or the same with
    /// `DPoP` (other schemes ignored).
    pub(super) fn parse(header: &str) -> Challenge {
        let mut challenge = Challenge::default();
        let lower = header.to_ascii_lowercase();
        let scheme = ["bearer", "dpop"]
            .into_iter()
            .filter_map(|s| lower.find(s).map(|at| (at, s.len())))
            .min();
        let Some((start, len)) = scheme else {
            return challenge;
        };
        let mut rest = &header[start + len..];
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            let Some(eq) = rest.find('=') else { break };
            let key = rest[..eq].trim().to_ascii_lowercase();
            rest = &rest[eq + 1..];
            let value = if let Some(quoted) = rest.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                rest = &quoted[end.min(quoted.len())..];
                value
            } else {
                let end = rest.find(',').unwrap_or(rest.len());
                let value = rest[..end].trim().to_owned();
                rest = &rest[end..];
                value
            };
            match key.as_str() {
                "resource_metadata" => challenge.resource_metadata = Some(value),
                "scope" => challenge.scope = Some(value),
                "error" => challenge.error = Some(value),
                _ => {}
            }
        }
        challenge
    }
}

/// Protected-resource metadata (RFC 9728).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ResourceMetadata {
    pub(super) resource: Option<String>,
    #[serde(default)]
    pub(super) authorization_servers: Vec<String>,
    #[serde(default)]
    pub(super) scopes_supported: Option<Vec<String>>,
}

/// Authorization-server metadata (RFC 8414 / OpenID Connect discovery).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ServerMetadata {
    pub(super) issuer: String,
    pub(super) authorization_endpoint: Option<String>,
    pub(super) token_endpoint: Option<String>,
    #[serde(default)]
    pub(super) registration_endpoint: Option<String>,
    #[serde(default)]
    pub(super) scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub(super) grant_types_supported: Option<Vec<String>>,
    #[serde(default)]
    pub(super) token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub(super) client_id_metadata_document_supported: bool,
    #[serde(default)]
    pub(super) authorization_response_iss_parameter_supported: bool,
    #[serde(default)]
    pub(super) dpop_signing_alg_values_supported: Option<Vec<String>>,
}

/// GETs `url` as JSON; `Ok(None)` for a 4xx answer (nothing there).
async fn fetch<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
) -> Result<Option<T>, OAuthError> {
    let transport = |source| OAuthError::Transport {
        url: url.to_string(),
        source,
    };
    let response = http
        .get(url.clone())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    if status.is_client_error() {
        return Ok(None);
    }
    let body = response.bytes().await.map_err(transport)?;
    decode_answer(url.as_str(), status, &body).map(Some)
}

pub(super) fn parse_url(text: &str) -> Result<Url, OAuthError> {
    Url::parse(text).map_err(|_| OAuthError::InvalidUrl(text.to_owned()))
}

/// `origin` + `/.well-known/<name>` + `path` (the path without a trailing slash).
fn well_known(base: &Url, name: &str, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!(
        "/.well-known/{name}{}",
        path.trim_end_matches('/')
    ));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// The server URL without query or fragment, as metadata names it.
fn canonical(url: &str) -> &str {
    url.split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/')
}

/// Finds the protected-resource metadata of `server`: at the URL the challenge names, else
/// path-based, else at the root. Checks that it is about `server`.
pub(super) async fn resource_metadata(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> Result<ResourceMetadata, OAuthError> {
    let mut candidates = Vec::new();
    if let Some(named) = &challenge.resource_metadata {
        candidates.push(parse_url(named)?);
    }
    if server.path() != "/" {
        candidates.push(well_known(
            server,
            "oauth-protected-resource",
            server.path(),
        ));
    }
    candidates.push(well_known(server, "oauth-protected-resource", ""));
    for url in candidates {
        let Some(metadata) = fetch::<ResourceMetadata>(http, &url).await? else {
            continue;
        };
        if let Some(resource) = &metadata.resource {
            let (expected, found) = (canonical(server.as_str()), canonical(resource));
            let covers = expected == found
                || expected
                    .strip_prefix(found)
                    .is_some_and(|rest| rest.starts_with('/'));
            if !covers {
                return Err(OAuthError::ResourceMismatch {
                    expected: server.to_string(),
                    found: resource.clone(),
                });
            }
        }
        return Ok(metadata);
    }
    Err(OAuthError::NoResourceMetadata {
        resource: server.to_string(),
    })
}

/// Finds the metadata of the authorization server `issuer`: RFC 8414 (path inserted after
/// the well-known prefix), then OpenID discovery (path inserted, then appended). Checks that
/// it names `issuer`.
pub(super) async fn server_metadata(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<ServerMetadata, OAuthError> {
    let base = parse_url(issuer)?;
    let path = base.path().trim_end_matches('/').to_owned();
    let mut candidates = vec![
        well_known(&base, "oauth-authorization-server", &path),
        well_known(&base, "openid-configuration", &path),
    ];
    if !path.is_empty() {
        let mut appended = base.clone();
        appended.set_path(&format!("{path}/.well-known/openid-configuration"));
        candidates.push(appended);
    }
    for url in candidates {
        let Some(metadata) = fetch::<ServerMetadata>(http, &url).await? else {
            continue;
        };
        if metadata.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(OAuthError::IssuerMismatch {
                expected: issuer.to_owned(),
                found: metadata.issuer,
            });
        }
        return Ok(metadata);
    }
    Err(OAuthError::NoServerMetadata {
        issuer: issuer.to_owned(),
    })
}

/// The protected-resource metadata of `server` and the metadata of its authorization server.
/// With the 2025-03-26 fallbacks: a server without protected-resource metadata is its own
/// authorization server (at its origin), and an authorization server without metadata has the
/// default endpoints `/authorize`, `/token` and `/register`.
pub(super) async fn locate(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
) -> Result<(ResourceMetadata, ServerMetadata), OAuthError> {
    let origin = server.origin().ascii_serialization();
    let (resource, legacy) = match resource_metadata(http, server, challenge).await {
        Ok(resource) => (resource, false),
        Err(OAuthError::NoResourceMetadata { .. }) => {
            let own = ResourceMetadata {
                authorization_servers: vec![origin.clone()],
                ..ResourceMetadata::default()
            };
            (own, true)
        }
        Err(e) => return Err(e),
    };
    let issuer = resource
        .authorization_servers
        .first()
        .cloned()
        .ok_or_else(|| OAuthError::NoServerMetadata {
            issuer: "(the protected-resource metadata names no authorization server)".into(),
        })?;
    match server_metadata(http, &issuer).await {
        Ok(metadata) => Ok((resource, metadata)),
        Err(OAuthError::NoServerMetadata { .. }) if legacy => {
            let endpoint = |path: &str| Some(format!("{origin}{path}"));
            let metadata = ServerMetadata {
                issuer: origin.clone(),
                authorization_endpoint: endpoint("/authorize"),
                token_endpoint: endpoint("/token"),
                registration_endpoint: endpoint("/register"),
                ..ServerMetadata::default()
            };
            Ok((resource, metadata))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed_with_quotes_and_escapes() {
        let c = Challenge::parse(
            r#"Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp""#,
        );
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.scope.as_deref(), Some("files:read files:write"));
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp")
        );
        let c = Challenge::parse(r#"Basic realm="x", Bearer scope=a, realm="q\"uote""#);
        assert_eq!(c.scope.as_deref(), Some("a"));
        assert_eq!(Challenge::parse("Basic realm=\"x\""), Challenge::default());
    }

    #[test]
    fn well_known_urls_insert_the_path() {
        let server = Url::parse("http://127.0.0.1:9/tenant/mcp?x=1").unwrap();
        assert_eq!(
            well_known(&server, "oauth-protected-resource", server.path()).as_str(),
            "http://127.0.0.1:9/.well-known/oauth-protected-resource/tenant/mcp"
        );
        assert_eq!(
            well_known(&server, "oauth-authorization-server", "").as_str(),
            "http://127.0.0.1:9/.well-known/oauth-authorization-server"
        );
    }
}

//! [`ProtectedResource`]: OAuth 2.0 Protected Resource Metadata (RFC 9728), which tells a
//! client which authorization servers issue tokens for this MCP server.

use serde::Serialize;

/// The well-known path of Protected Resource Metadata (RFC 9728 §3).
pub(crate) const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The Protected Resource Metadata document (RFC 9728) of an MCP server, served as JSON at
/// `/.well-known/oauth-protected-resource` and at the path-suffixed form
/// `/.well-known/oauth-protected-resource/mcp` (after the MCP endpoint's path), and named in
/// the `WWW-Authenticate` challenge of every `401`.
///
/// ```
/// use mcp_runtime::auth::ProtectedResource;
///
/// let prm = ProtectedResource::new("https://mcp.example.com/mcp", "https://auth.example.com")
///     .scopes_supported(["files:read", "files:write"])
///     .resource_name("Example files");
/// assert_eq!(
///     prm.metadata_url().as_deref(),
///     Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
/// );
/// let json = serde_json::to_value(&prm).unwrap();
/// assert_eq!(json["authorization_servers"][0], "https://auth.example.com");
/// assert_eq!(json["bearer_methods_supported"][0], "header");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedResource {
    resource: String,
    authorization_servers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scopes_supported: Vec<String>,
    bearer_methods_supported: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_documentation: Option<String>,
}

impl ProtectedResource {
    /// The metadata of `resource` (this server's canonical URL, e.g.
    /// `https://mcp.example.com/mcp`: the audience its tokens must name) whose tokens come from
    /// `authorization_server` (an issuer URL).
    pub fn new(
        resource: impl Into<String>,
        authorization_server: impl Into<String>,
    ) -> ProtectedResource {
        ProtectedResource {
            resource: resource.into(),
            authorization_servers: vec![authorization_server.into()],
            scopes_supported: Vec::new(),
            bearer_methods_supported: ["header"],
            resource_name: None,
            resource_documentation: None,
        }
    }

    /// Adds another authorization server.
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> ProtectedResource {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// The scopes clients may request (also sent as `scope` in `401` challenges).
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> ProtectedResource
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// A human-readable name of the server.
    pub fn resource_name(mut self, name: impl Into<String>) -> ProtectedResource {
        self.resource_name = Some(name.into());
        self
    }

    /// A URL of human-readable documentation.
    pub fn resource_documentation(mut self, url: impl Into<String>) -> ProtectedResource {
        self.resource_documentation = Some(url.into());
        self
    }

    /// The resource identifier.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The scopes clients may request.
    pub fn scopes(&self) -> &[String] {
        &self.scopes_supported
    }

    /// Where this document is served, derived from the resource URL as RFC 9728 §3.1 says:
    /// the well-known path goes between the host and the resource's path. `None` when the
    /// resource is not an absolute `http(s)` URL.
    pub fn metadata_url(&self) -> Option<String> {
        let (scheme, rest) = self.resource.split_once("://")?;
        if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
            return None;
        }
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return None;
        }
        Some(format!(
            "{scheme}://{authority}{WELL_KNOWN}{}",
            path.trim_end_matches('/')
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls_follow_rfc_9728() {
        let url = |resource: &str| ProtectedResource::new(resource, "https://as").metadata_url();
        assert_eq!(
            url("https://mcp.example.com").as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(
            url("https://mcp.example.com/").as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(
            url("http://127.0.0.1:8000/api/mcp?x=1").as_deref(),
            Some("http://127.0.0.1:8000/.well-known/oauth-protected-resource/api/mcp")
        );
        assert_eq!(url("mcp.example.com/mcp"), None);
        assert_eq!(url("ftp://x/mcp"), None);
        assert_eq!(url("https:///mcp"), None);
    }
}

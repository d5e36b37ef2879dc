//! CORS for browser clients: the allowed origins are the endpoint's `Origin` allow-list, the
//! MCP request headers may be sent and `Mcp-Session-Id` may be read.

use actix_cors::Cors;

use super::security::AllowList;
use super::StreamableHttp;

/// Headers a browser client sends on MCP requests.
const REQUEST_HEADERS: [&str; 8] = [
    "content-type",
    "accept",
    "authorization",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
    "mcp-method",
    "mcp-name",
];

/// Response headers a browser client must be able to read.
const EXPOSED_HEADERS: [&str; 2] = ["mcp-session-id", "www-authenticate"];

impl StreamableHttp {
    /// Answers CORS preflights and adds CORS headers for the origins allowed by
    /// [`allowed_origins`](Self::allowed_origins) (loopback origins by default), when the
    /// endpoint runs its own server ([`serve`](Self::serve), [`listen`](Self::listen)). Off by
    /// default: only browser-based clients need it.
    ///
    /// ```
    /// use mcp_runtime::Server;
    /// let mcp = Server::new("s", "1")
    ///     .into_http()
    ///     .allowed_origins(["https://app.example.com"])
    ///     .cors(true);
    /// # let _ = mcp;
    /// ```
    pub fn cors(self, enabled: bool) -> StreamableHttp {
        self.reconfigure(|c| c.cors = enabled)
    }

    /// The CORS middleware for this endpoint, to wrap your own `App` with when mounting:
    /// `App::new().wrap(mcp.cors_middleware()).configure(|cfg| mcp.configure(cfg))`.
    pub fn cors_middleware(&self) -> Cors {
        let policy = self.shared.config.policy.clone();
        let cors = Cors::default()
            .allowed_methods(["GET", "POST", "DELETE"])
            .allowed_headers(REQUEST_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(3600);
        match &policy.origins {
            AllowList::Any => cors.allow_any_origin(),
            // The same check as the endpoint's own, so CORS and the 403 rule never disagree.
            AllowList::Only(_) | AllowList::Loopback => cors.allowed_origin_fn(move |origin, _| {
                origin
                    .to_str()
                    .is_ok_and(|origin| policy.origin_allowed(origin))
            }),
        }
    }
}

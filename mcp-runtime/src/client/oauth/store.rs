//! Where tokens are kept between requests (and, with a store of your own, between runs).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use futures_util::future::BoxFuture;

/// The tokens an authorization server issued for one MCP server.
///
/// ```
/// let tokens = mcp_runtime::client::oauth::Tokens {
///     access_token: "at".into(), refresh_token: None, scope: Some("files:read".into()), expires_at: None,
/// };
/// assert_eq!(tokens.scope.as_deref(), Some("files:read"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    /// The bearer token sent with each request.
    pub access_token: String,
    /// The token that gets a new access token without the user, if one was issued.
    pub refresh_token: Option<String>,
    /// The scope granted, space-separated, when the server said.
    pub scope: Option<String>,
    /// When the access token expires, when the server said.
    pub expires_at: Option<SystemTime>,
}

/// Keeps tokens by MCP server URL.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use mcp_runtime::client::oauth::{TokenStore, Tokens};
///
/// struct Forgetful;
/// impl TokenStore for Forgetful {
///     fn load(&self, _server: &str) -> BoxFuture<'_, Option<Tokens>> {
///         Box::pin(async { None })
///     }
///     fn save(&self, _server: &str, _tokens: Tokens) -> BoxFuture<'_, ()> {
///         Box::pin(async {})
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The tokens kept for `server`, if any.
    fn load(&self, server: &str) -> BoxFuture<'_, Option<Tokens>>;
    /// Keeps `tokens` for `server`, replacing earlier ones.
    fn save(&self, server: &str, tokens: Tokens) -> BoxFuture<'_, ()>;
}

/// Tokens in this process's memory (the default).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use mcp_runtime::client::oauth::{MemoryTokenStore, TokenStore, Tokens};
/// let store = MemoryTokenStore::default();
/// let tokens = Tokens { access_token: "at".into(), refresh_token: None, scope: None, expires_at: None };
/// store.save("http://127.0.0.1:8000/mcp", tokens.clone()).await;
/// assert_eq!(store.load("http://127.0.0.1:8000/mcp").await, Some(tokens));
/// # });
/// ```
#[derive(Debug, Default)]
pub struct MemoryTokenStore(Mutex<HashMap<String, Tokens>>);

impl TokenStore for MemoryTokenStore {
    fn load(&self, server: &str) -> BoxFuture<'_, Option<Tokens>> {
        let tokens = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(server)
            .cloned();
        Box::pin(async move { tokens })
    }

    fn save(&self, server: &str, tokens: Tokens) -> BoxFuture<'_, ()> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(server.to_owned(), tokens);
        Box::pin(async {})
    }
}

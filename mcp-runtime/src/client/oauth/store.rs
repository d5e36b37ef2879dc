//! Where tokens are kept between requests and, with [`FileTokenStore`], between runs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// The tokens an authorization server issued for one MCP server.
///
/// ```
/// let tokens = mcp_runtime::client::oauth::Tokens {
///     access_token: "at".into(), refresh_token: None, scope: Some("files:read".into()), expires_at: None, token_type: None,
/// };
/// assert_eq!(tokens.scope.as_deref(), Some("files:read"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// The bearer token sent with each request.
    pub access_token: String,
    /// The token that gets a new access token without the user, if one was issued.
    pub refresh_token: Option<String>,
    /// The scope granted, space-separated, when the server said.
    pub scope: Option<String>,
    /// When the access token expires, when the server said.
    pub expires_at: Option<SystemTime>,
    /// `DPoP` for a token bound to the client's DPoP key; `None` or `Bearer` otherwise.
    #[serde(default)]
    pub token_type: Option<String>,
}

/// Why a [`TokenStore`] could not load or save.
///
/// ```
/// use mcp_runtime::client::oauth::TokenStoreError;
/// let e = TokenStoreError::from(std::io::Error::other("disk full"));
/// assert_eq!(e.to_string(), "token store I/O failed: disk full");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenStoreError {
    /// Reading or writing the store failed.
    #[error("token store I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The store's contents are not the JSON it writes.
    #[error("the token store holds invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Keeps tokens by MCP server URL.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use mcp_runtime::client::oauth::{TokenStore, TokenStoreError, Tokens};
///
/// struct Forgetful;
/// impl TokenStore for Forgetful {
///     fn load(&self, _server: &str) -> BoxFuture<'_, Result<Option<Tokens>, TokenStoreError>> {
///         Box::pin(async { Ok(None) })
///     }
///     fn save(&self, _server: &str, _tokens: Tokens) -> BoxFuture<'_, Result<(), TokenStoreError>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The tokens kept for `server`, if any.
    fn load(&self, server: &str) -> BoxFuture<'_, Result<Option<Tokens>, TokenStoreError>>;
    /// Keeps `tokens` for `server`, replacing earlier ones.
    fn save(&self, server: &str, tokens: Tokens) -> BoxFuture<'_, Result<(), TokenStoreError>>;
}

/// Tokens in this process's memory (the default).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use mcp_runtime::client::oauth::{MemoryTokenStore, TokenStore, Tokens};
/// let store = MemoryTokenStore::default();
/// let tokens = Tokens { access_token: "at".into(), refresh_token: None, scope: None, expires_at: None, token_type: None };
/// store.save("http://127.0.0.1:8000/mcp", tokens.clone()).await.unwrap();
/// assert_eq!(store.load("http://127.0.0.1:8000/mcp").await.unwrap(), Some(tokens));
/// # });
/// ```
#[derive(Debug, Default)]
pub struct MemoryTokenStore(Mutex<HashMap<String, Tokens>>);

impl TokenStore for MemoryTokenStore {
    fn load(&self, server: &str) -> BoxFuture<'_, Result<Option<Tokens>, TokenStoreError>> {
        let tokens = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(server)
            .cloned();
        Box::pin(async move { Ok(tokens) })
    }

    fn save(&self, server: &str, tokens: Tokens) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(server.to_owned(), tokens);
        Box::pin(async { Ok(()) })
    }
}

/// Tokens in a JSON file (an object keyed by server URL), readable by its owner only on Unix,
/// so that a command-line client stays signed in between runs.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use mcp_runtime::client::oauth::{FileTokenStore, TokenStore, Tokens};
/// let path = std::env::temp_dir().join(format!("mcp-tokens-doc-{}.json", std::process::id()));
/// let store = FileTokenStore::new(&path);
/// assert_eq!(store.load("http://127.0.0.1:8000/mcp").await.unwrap(), None);
/// let tokens = Tokens { access_token: "at".into(), refresh_token: None, scope: None, expires_at: None, token_type: None };
/// store.save("http://127.0.0.1:8000/mcp", tokens.clone()).await.unwrap();
/// assert_eq!(FileTokenStore::new(&path).load("http://127.0.0.1:8000/mcp").await.unwrap(), Some(tokens));
/// std::fs::remove_file(path).unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    /// One read-modify-write at a time.
    lock: tokio::sync::Mutex<()>,
}

impl FileTokenStore {
    /// A store in the file at `path` (created on the first save).
    ///
    /// ```
    /// let store = mcp_runtime::client::oauth::FileTokenStore::new("/tmp/mcp-tokens.json");
    /// # drop(store);
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> FileTokenStore {
        FileTokenStore {
            path: path.into(),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    fn read(path: &PathBuf) -> Result<HashMap<String, Tokens>, TokenStoreError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(e) => Err(e.into()),
        }
    }

    fn write(path: &PathBuf, all: &HashMap<String, Tokens>) -> Result<(), TokenStoreError> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        file.write_all(&serde_json::to_vec_pretty(all)?)?;
        Ok(())
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self, server: &str) -> BoxFuture<'_, Result<Option<Tokens>, TokenStoreError>> {
        let server = server.to_owned();
        Box::pin(async move {
            let _one = self.lock.lock().await;
            let path = self.path.clone();
            let all = tokio::task::spawn_blocking(move || FileTokenStore::read(&path))
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))??;
            Ok(all.get(&server).cloned())
        })
    }

    fn save(&self, server: &str, tokens: Tokens) -> BoxFuture<'_, Result<(), TokenStoreError>> {
        let server = server.to_owned();
        Box::pin(async move {
            let _one = self.lock.lock().await;
            let path = self.path.clone();
            tokio::task::spawn_blocking(move || {
                let mut all = FileTokenStore::read(&path)?;
                all.insert(server, tokens);
                FileTokenStore::write(&path, &all)
            })
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?
        })
    }
}

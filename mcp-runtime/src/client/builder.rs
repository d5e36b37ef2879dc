//! [`ClientBuilder`]: what to connect to and how, and connecting (choosing the wire).

use std::future::Future;
use std::sync::Arc;

use serde_json::{json, Value};

use super::error::ClientError;
use super::handler::{Ignore, MessageHandler};
use super::legacy::LegacyTransport;
use super::link::{listen_loop, read_loop, Link, Reader};
use super::options::WirePreference;
use super::requests::{self, ElicitRequest, Responders};
use super::routing::Inner;
use super::stdio::StdioTransport;
use super::transport::HttpTransport;
use super::{Client, Wire, DEFAULT_MAX_MESSAGE_BYTES};
use crate::elicit::{CreateMessageRequest, CreateMessageResult, Elicitation, Root};
use crate::protocol::{Implementation, RpcError};

/// Where the builder connects.
pub(super) enum Target {
    Http(String),
    LegacySse(String),
    Stdio(tokio::process::Command),
}

/// Configures a [`Client`] before connecting.
///
/// ```no_run
/// use mcp_runtime::client::Client;
/// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
/// let client = Client::builder("http://127.0.0.1:8000/mcp")
///     .client_info("my-agent", "1.2.0")
///     .on_roots(|| async { Ok(vec![mcp_runtime::elicit::Root { uri: "file:///src".into(), name: None }]) })
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
pub struct ClientBuilder {
    target: Target,
    http: Option<reqwest::Client>,
    client_info: Implementation,
    capabilities: Value,
    handler: Arc<dyn MessageHandler>,
    responders: Responders,
    max_message_bytes: usize,
    wire: WirePreference,
    listen: bool,
    #[cfg(feature = "oauth")]
    oauth: Option<super::oauth::OAuth>,
}

impl ClientBuilder {
    pub(super) fn with_target(target: Target) -> ClientBuilder {
        ClientBuilder {
            target,
            http: None,
            client_info: Implementation::new("mcp-runtime-client", env!("CARGO_PKG_VERSION")),
            capabilities: json!({}),
            handler: Arc::new(Ignore),
            responders: Responders::default(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            wire: WirePreference::Auto,
            listen: false,
            #[cfg(feature = "oauth")]
            oauth: None,
        }
    }

    /// The `clientInfo` sent in `initialize` (default: `mcp-runtime-client` and this crate's
    /// version).
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp")
    ///     .client_info("my-agent", "1.2.0");
    /// # drop(builder);
    /// ```
    pub fn client_info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.client_info = Implementation::new(name, version);
        self
    }

    /// The capabilities declared (default `{}`); the callbacks set with
    /// [`on_elicitation`](Self::on_elicitation), [`on_sampling`](Self::on_sampling) and
    /// [`on_roots`](Self::on_roots) add theirs.
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp")
    ///     .capabilities(serde_json::json!({"experimental": {"my-feature": {}}}));
    /// # drop(builder);
    /// ```
    pub fn capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// The HTTP client to use, to share a connection pool or set timeouts, proxies, TLS. The
    /// default is a fresh `reqwest::Client`.
    ///
    /// ```
    /// let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap();
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp").http_client(http);
    /// # drop(builder);
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The handler of server notifications, in place from the first request on.
    ///
    /// ```
    /// use mcp_runtime::client::{Client, MessageHandler};
    /// struct Quiet;
    /// impl MessageHandler for Quiet {}
    /// let builder = Client::builder("http://127.0.0.1:8000/mcp").handler(Quiet);
    /// # drop(builder);
    /// ```
    pub fn handler(mut self, handler: impl MessageHandler) -> Self {
        self.handler = Arc::new(handler);
        self
    }

    /// The largest JSON body, SSE event or stdio line accepted (default
    /// [`DEFAULT_MAX_MESSAGE_BYTES`]).
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp")
    ///     .max_message_bytes(1024 * 1024);
    /// # drop(builder);
    /// ```
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message_bytes = limit;
        self
    }

    /// Which wire to speak over Streamable HTTP (default [`WirePreference::Auto`]). Stdio and
    /// the legacy HTTP+SSE transport always use the `initialize` handshake.
    ///
    /// ```
    /// use mcp_runtime::client::{Client, WirePreference};
    /// let builder = Client::builder("http://127.0.0.1:8000/mcp").wire(WirePreference::Handshake);
    /// # drop(builder);
    /// ```
    pub fn wire(mut self, wire: WirePreference) -> Self {
        self.wire = wire;
        self
    }

    /// On the Streamable HTTP handshake wire, also opens the session's `GET` stream after
    /// connecting (default off), so that what the server sends outside any request (list
    /// changes, resource updates, logs) reaches the handler. A server without one (`405`, or `404`) is
    /// not an error. Stdio and legacy HTTP+SSE deliver such messages anyway.
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp").listen(true);
    /// # drop(builder);
    /// ```
    pub fn listen(mut self, listen: bool) -> Self {
        self.listen = listen;
        self
    }

    /// Reaches an OAuth-protected server (Streamable HTTP): on a `401` the client obtains a
    /// token as `oauth` says and sends the request again; see [`oauth`](super::oauth).
    ///
    /// ```
    /// use mcp_runtime::client::{oauth::OAuth, Client};
    /// let builder = Client::builder("http://127.0.0.1:8000/mcp")
    ///     .oauth(OAuth::client_credentials("agent-7", "s3cret"));
    /// # drop(builder);
    /// ```
    #[cfg(feature = "oauth")]
    pub fn oauth(mut self, oauth: super::oauth::OAuth) -> Self {
        self.oauth = Some(oauth);
        self
    }

    /// Answers `elicitation/create` with `callback` and declares the `elicitation` (form)
    /// capability.
    ///
    /// ```no_run
    /// use mcp_runtime::client::Client;
    /// use mcp_runtime::elicit::Elicitation;
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = Client::builder("http://127.0.0.1:8000/mcp")
    ///     .on_elicitation(|request| async move {
    ///         println!("the server asks: {}", request.message);
    ///         Ok(Elicitation::Accept(serde_json::json!({"name": "Ada"})))
    ///     })
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_elicitation<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(ElicitRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Elicitation<Value>, RpcError>> + Send + 'static,
    {
        self.responders.elicitation = Some(requests::elicitation(callback));
        self
    }

    /// Answers `sampling/createMessage` with `callback` and declares the `sampling`
    /// capability.
    ///
    /// ```no_run
    /// use mcp_runtime::client::Client;
    /// use mcp_runtime::{Content, elicit::CreateMessageResult, prompt::Role};
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = Client::builder("http://127.0.0.1:8000/mcp")
    ///     .on_sampling(|request| async move {
    ///         Ok(CreateMessageResult {
    ///             role: Role::Assistant,
    ///             content: vec![Content::text(format!("{} messages", request.messages.len()))],
    ///             model: "echo".into(),
    ///             stop_reason: Some("endTurn".into()),
    ///         })
    ///     })
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_sampling<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(CreateMessageRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CreateMessageResult, RpcError>> + Send + 'static,
    {
        self.responders.sampling = Some(requests::sampling(callback));
        self
    }

    /// Answers `roots/list` with `callback` and declares the `roots` capability.
    ///
    /// ```no_run
    /// use mcp_runtime::client::Client;
    /// use mcp_runtime::elicit::Root;
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = Client::builder("http://127.0.0.1:8000/mcp")
    ///     .on_roots(|| async { Ok(vec![Root { uri: "file:///work".into(), name: Some("work".into()) }]) })
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_roots<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Root>, RpcError>> + Send + 'static,
    {
        self.responders.roots = Some(requests::roots(callback));
        self
    }

    /// Connects. Over Streamable HTTP with [`WirePreference::Auto`]: sends `server/discover`
    /// (2026-07-28) and, when the server answers with an error or does not list 2026-07-28,
    /// falls back to `initialize` (2025-11-25), keeping the session id and sending
    /// `notifications/initialized`. Stdio and legacy HTTP+SSE use `initialize` directly.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp").connect().await?;
    /// println!("{}", client.wire());
    /// # Ok(()) }
    /// ```
    pub async fn connect(self) -> Result<Client, ClientError> {
        let mut capabilities = self.capabilities;
        self.responders.declare(&mut capabilities);
        let http = self.http.unwrap_or_default();
        let (link, reader) = match self.target {
            Target::Http(url) => {
                let url = parse_url(&url)?;
                let transport = HttpTransport::new(http, url, self.max_message_bytes);
                #[cfg(feature = "oauth")]
                let transport = match self.oauth {
                    Some(oauth) => transport.with_oauth(oauth),
                    None => transport,
                };
                (Link::Http(transport), None)
            }
            Target::LegacySse(url) => {
                let url = parse_url(&url)?;
                let (transport, replies) =
                    LegacyTransport::connect(http, url, self.max_message_bytes).await?;
                (
                    Link::Legacy(transport),
                    Some(Reader::Legacy(Box::new(replies))),
                )
            }
            Target::Stdio(command) => {
                let (transport, reader) = StdioTransport::spawn(command, self.max_message_bytes)?;
                (Link::Stdio(transport), Some(Reader::Stdio(reader)))
            }
        };
        let inner = Arc::new(Inner::new(
            link,
            self.handler,
            self.responders,
            self.client_info,
            capabilities,
        ));
        if let Some(reader) = reader {
            let task = tokio::spawn(read_loop(reader, Arc::downgrade(&inner)));
            *inner.reader.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        }
        let client = Client { inner };
        let preference = match client.inner.link {
            Link::Http(_) => self.wire,
            _ => WirePreference::Handshake,
        };
        if preference != WirePreference::Handshake {
            match client.discover().await {
                Ok(init) => {
                    client.inner.set_state(Wire::Stateless, init);
                    return Ok(client);
                }
                Err(e @ ClientError::Transport { .. }) => return Err(e),
                Err(e) if preference == WirePreference::Stateless => return Err(e),
                Err(_) => {} // not a 2026 server: fall back
            }
        }
        client.initialize().await?;
        if let (true, Link::Http(http)) = (self.listen, &client.inner.link) {
            if let Some(replies) = http.listen().await? {
                let task = tokio::spawn(listen_loop(replies, Arc::downgrade(&client.inner)));
                *client
                    .inner
                    .reader
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(task);
            }
        }
        Ok(client)
    }
}

fn parse_url(url: &str) -> Result<reqwest::Url, ClientError> {
    reqwest::Url::parse(url).map_err(|e| ClientError::Transport {
        message: format!("invalid URL {url:?}: {e}"),
        source: Some(Box::new(e)),
    })
}

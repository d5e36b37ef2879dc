//! An MCP client over Streamable HTTP (protocol 2026-07-28, falling back to the 2025-11-25
//! handshake), stdio (a child process) and the legacy HTTP+SSE transport (2024-11-05), with
//! live notifications: log messages and progress reach your handler the moment each message
//! arrives, before the call returns its result.
//!
//! ```no_run
//! use mcp_runtime::client::{CallOptions, Client};
//! use mcp_runtime::LoggingLevel;
//! use serde_json::json;
//!
//! # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
//! let client = Client::connect("http://127.0.0.1:8000/mcp").await?;
//! client.on_notification(|n| println!("{} {:?}", n.method, n.params));
//! client.set_log_level(LoggingLevel::Info).await?;
//! for tool in client.list_tools().await? {
//!     println!("{}: {}", tool.name, tool.description.unwrap_or_default());
//! }
//! let sum = client.call_tool("add", json!({"a": 2, "b": 3})).await?;
//! println!("{:?}", sum.content);
//! let options = CallOptions::new().on_progress(|p| println!("{}/{:?}", p.progress, p.total));
//! let result = client
//!     .call_tool_with("process_files", json!({"items": ["a.pdf"]}), options)
//!     .await?;
//! println!("{:?}", result.content);
//! client.close().await?;
//! # Ok(()) }
//! ```
//!
//! The module has two layers. Transports move encoded messages: `transport.rs` (Streamable
//! HTTP: one POST per message, answered with JSON or an SSE stream parsed incrementally by
//! [`SseParser`]), `stdio.rs` (lines on a child's pipes) and `legacy.rs` (POSTs, and one SSE
//! stream for everything the server sends). The protocol layer ([`Client`]) is shared by all
//! three: it numbers requests, matches responses to waiting calls, routes notifications to
//! the [`MessageHandler`] and the calls' progress callbacks, answers server requests, and
//! decodes results.

mod error;
mod handler;
mod legacy;
mod options;
mod requests;
mod sse;
mod stdio;
mod transport;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use self::error::{BoxError, ClientError};
use self::handler::{Ignore, NotificationFn};
pub use self::handler::{LogMessage, MessageHandler, Progress};
use self::legacy::LegacyTransport;
use self::options::OnProgress;
pub use self::options::{CallOptions, Wire, WirePreference};
pub use self::requests::ElicitRequest;
use self::requests::Responders;
pub use self::sse::{SseEvent, SseParser, SseTooLarge};
use self::stdio::{StdioReader, StdioTransport};
use self::transport::{HttpTransport, Replies};
use crate::elicit::{CreateMessageRequest, CreateMessageResult, Elicitation, Root};
use crate::prompt::GetPromptResult;
use crate::protocol::{
    CallToolResult, DecodeError, ErrorCode, Implementation, LoggingLevel, Message, Notification,
    ProtocolVersion, Request, RequestId, RpcError,
};
use crate::resource::ResourceContents;
/// The token that cancels a call ([`CallOptions::cancel_on`]), re-exported from `tokio-util`.
pub use tokio_util::sync::CancellationToken;

/// The protocol revision this client asks for in `initialize`.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V2025_11_25;

/// The stateless protocol revision tried first over Streamable HTTP.
pub const STATELESS_PROTOCOL_VERSION: &str = "2026-07-28";

/// The default limit on one message (a JSON body, an SSE event or a stdio line): 16 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// How many rounds of `input_required` answers one stateless request may take.
const MAX_INPUT_ROUNDS: usize = 16;

/// How many times in a row a closed response stream is resumed without bringing any new
/// event.
const MAX_IDLE_RESUMES: usize = 3;

/// The longest `retry:` delay honoured before resuming a stream.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

/// How long telling the server about a cancellation may take.
const CANCEL_NOTICE_TIMEOUT: Duration = Duration::from_secs(5);

const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// What the server said about itself: its `initialize` answer, or on the stateless wire its
/// `server/discover` answer in the same shape.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The revision the server chose (`2026-07-28` on the stateless wire).
    pub protocol_version: String,
    /// The server's capabilities (`tools`, `logging`, ...), as sent.
    #[serde(default)]
    pub capabilities: Value,
    /// The server's name and version.
    pub server_info: Implementation,
    /// How to use the server, for a model's system prompt.
    #[serde(default)]
    pub instructions: Option<String>,
}

/// A tool as `tools/list` describes it.
///
/// ```
/// let tool: mcp_runtime::client::ToolInfo = serde_json::from_value(serde_json::json!({
///     "name": "add", "inputSchema": {"type": "object"}, "icons": []
/// })).unwrap();
/// assert_eq!(tool.name, "add");
/// assert!(tool.extra.contains_key("icons"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    /// The name to call it by.
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What the tool does.
    #[serde(default)]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default)]
    pub input_schema: Value,
    /// JSON Schema of the structured result, for tools that return one.
    #[serde(default)]
    pub output_schema: Option<Value>,
    /// Behaviour hints (`readOnlyHint`, ...), as sent.
    #[serde(default)]
    pub annotations: Option<Value>,
    /// Any other fields (`icons`, `_meta`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A prompt as `prompts/list` describes it.
///
/// ```
/// let prompt: mcp_runtime::client::PromptInfo = serde_json::from_value(serde_json::json!({
///     "name": "review", "arguments": [{"name": "code", "required": true}]
/// })).unwrap();
/// assert_eq!(prompt.arguments[0].required, Some(true));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptInfo {
    /// The name to get it by.
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What the prompt is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Its arguments.
    #[serde(default)]
    pub arguments: Vec<PromptArgumentInfo>,
    /// Any other fields (`icons`, `_meta`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One argument of a prompt.
///
/// ```
/// let arg: mcp_runtime::client::PromptArgumentInfo =
///     serde_json::from_value(serde_json::json!({"name": "code"})).unwrap();
/// assert_eq!((arg.name.as_str(), arg.required), ("code", None));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgumentInfo {
    /// Its name.
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether `prompts/get` needs it.
    #[serde(default)]
    pub required: Option<bool>,
}

/// A resource as `resources/list` describes it.
///
/// ```
/// let resource: mcp_runtime::client::ResourceInfo = serde_json::from_value(serde_json::json!({
///     "uri": "motto://today", "name": "motto", "mimeType": "text/plain", "size": 12
/// })).unwrap();
/// assert_eq!(resource.mime_type.as_deref(), Some("text/plain"));
/// assert_eq!(resource.extra["size"], 12);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInfo {
    /// Its URI, for `resources/read`.
    pub uri: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What it holds.
    #[serde(default)]
    pub description: Option<String>,
    /// Its MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Any other fields (`size`, `annotations`, `_meta`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A resource template as `resources/templates/list` describes it.
///
/// ```
/// let template: mcp_runtime::client::ResourceTemplateInfo = serde_json::from_value(
///     serde_json::json!({"uriTemplate": "users://{id}/avatar", "name": "avatar"}),
/// ).unwrap();
/// assert_eq!(template.uri_template, "users://{id}/avatar");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplateInfo {
    /// The RFC 6570 URI template.
    pub uri_template: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What its resources hold.
    #[serde(default)]
    pub description: Option<String>,
    /// The MIME type of its resources.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Any other fields, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where the builder connects.
enum Target {
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
}

impl ClientBuilder {
    fn with_target(target: Target) -> ClientBuilder {
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
        }
    }

    /// The `clientInfo` sent in `initialize` (default: `mcp-runtime-client` and this crate's
    /// version).
    pub fn client_info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.client_info = Implementation::new(name, version);
        self
    }

    /// The capabilities declared (default `{}`); the callbacks set with
    /// [`on_elicitation`](Self::on_elicitation), [`on_sampling`](Self::on_sampling) and
    /// [`on_roots`](Self::on_roots) add theirs.
    pub fn capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// The HTTP client to use, to share a connection pool or set timeouts, proxies, TLS. The
    /// default is a fresh `reqwest::Client`.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The handler of server notifications, in place from the first request on.
    pub fn handler(mut self, handler: impl MessageHandler) -> Self {
        self.handler = Arc::new(handler);
        self
    }

    /// The largest JSON body, SSE event or stdio line accepted (default
    /// [`DEFAULT_MAX_MESSAGE_BYTES`]).
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message_bytes = limit;
        self
    }

    /// Which wire to speak over Streamable HTTP (default [`WirePreference::Auto`]). Stdio and
    /// the legacy HTTP+SSE transport always use the `initialize` handshake.
    pub fn wire(mut self, wire: WirePreference) -> Self {
        self.wire = wire;
        self
    }

    /// On the Streamable HTTP handshake wire, also opens the session's `GET` stream after
    /// connecting (default off), so that what the server sends outside any request (list
    /// changes, resource updates, logs) reaches the handler. A server without one (`405`) is
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
    pub async fn connect(self) -> Result<Client, ClientError> {
        let mut capabilities = self.capabilities;
        self.responders.declare(&mut capabilities);
        let http = self.http.unwrap_or_default();
        let (link, reader) = match self.target {
            Target::Http(url) => {
                let url = parse_url(&url)?;
                (
                    Link::Http(HttpTransport::new(http, url, self.max_message_bytes)),
                    None,
                )
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
        let inner = Arc::new(Inner {
            link,
            next_id: AtomicI64::new(0),
            handler: RwLock::new(self.handler),
            calls: Mutex::new(Calls::default()),
            responders: self.responders,
            client_info: self.client_info,
            capabilities,
            state: OnceLock::new(),
            log_level: Mutex::new(None),
            reader: Mutex::new(None),
        });
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

/// The transport under the protocol layer.
enum Link {
    Http(HttpTransport),
    Stdio(StdioTransport),
    Legacy(LegacyTransport),
}

impl Link {
    /// Sends one encoded message. Streamable HTTP returns the messages answering it; the other
    /// transports deliver everything through their reader.
    async fn send(
        &self,
        body: Vec<u8>,
        headers: Vec<(&'static str, HeaderValue)>,
    ) -> Result<Option<Replies>, ClientError> {
        match self {
            Link::Http(http) => http.post(body, headers).await.map(Some),
            Link::Stdio(stdio) => stdio.send(&body).await.map(|()| None),
            Link::Legacy(legacy) => legacy.post(body).await.map(|()| None),
        }
    }
}

/// The shared incoming stream of stdio and legacy HTTP+SSE.
enum Reader {
    Stdio(StdioReader),
    Legacy(Box<Replies>),
}

impl Reader {
    async fn next(&mut self) -> Option<Result<Message, ClientError>> {
        match self {
            Reader::Stdio(stdio) => stdio.next().await,
            Reader::Legacy(replies) => replies.next().await,
        }
    }
}

/// Reads the shared stream until it ends, routing every message; then fails every waiting
/// call (and every later one) with the reason.
async fn read_loop(mut reader: Reader, inner: std::sync::Weak<Inner>) {
    let ended = loop {
        match reader.next().await {
            Some(Ok(message)) => match inner.upgrade() {
                Some(inner) => inner.route(message),
                None => return,
            },
            Some(Err(ClientError::Decode(e))) => break Ended::Decode(e),
            Some(Err(e)) => break Ended::Closed(e.to_string()),
            None => break Ended::Closed("the server closed the stream".into()),
        }
    };
    let Some(inner) = inner.upgrade() else {
        return;
    };
    let ended = match (&inner.link, ended) {
        (Link::Stdio(stdio), Ended::Closed(reason)) => match stdio.exit_status().await {
            Some(status) => Ended::Exited(status),
            None => Ended::Closed(reason),
        },
        (_, ended) => ended,
    };
    inner.end(ended);
}

/// Routes what arrives on the session's `GET` stream until it ends; calls are not affected.
async fn listen_loop(mut replies: Replies, inner: std::sync::Weak<Inner>) {
    while let Some(Ok(message)) = replies.next().await {
        match inner.upgrade() {
            Some(inner) => inner.route(message),
            None => return,
        }
    }
}

/// Why the shared stream is over.
#[derive(Debug, Clone)]
enum Ended {
    Closed(String),
    Exited(String),
    Decode(DecodeError),
}

impl Ended {
    fn error(&self) -> ClientError {
        match self {
            Ended::Closed(reason) => ClientError::Closed(reason.clone()),
            Ended::Exited(status) => ClientError::ProcessExited {
                status: status.clone(),
            },
            Ended::Decode(e) => ClientError::Decode(e.clone()),
        }
    }
}

/// What a waiting call receives.
enum Event {
    Progress(Progress),
    Done(Result<Value, ClientError>),
}

/// The calls waiting for their response, by request id.
#[derive(Default)]
struct Calls {
    waiting: HashMap<i64, mpsc::UnboundedSender<Event>>,
    ended: Option<Ended>,
}

/// What connecting established.
struct Negotiated {
    wire: Wire,
    init: InitializeResult,
}

/// The protocol layer, shared with the reader task and the tasks answering server requests.
struct Inner {
    link: Link,
    next_id: AtomicI64,
    handler: RwLock<Arc<dyn MessageHandler>>,
    calls: Mutex<Calls>,
    responders: Responders,
    client_info: Implementation,
    capabilities: Value,
    state: OnceLock<Negotiated>,
    /// The level asked for with `set_log_level`; sent in `_meta` on the stateless wire.
    log_level: Mutex<Option<LoggingLevel>>,
    reader: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = self
            .reader
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

/// Removes a call from the waiting ones when it is over, however it ends.
struct Waiting<'a> {
    inner: &'a Inner,
    id: i64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.inner.lock_calls().waiting.remove(&self.id);
    }
}

#[derive(Serialize)]
struct WireRequest<'a> {
    jsonrpc: &'static str,
    id: i64,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a Value>,
}

#[derive(Serialize)]
struct WireNotification<'a> {
    jsonrpc: &'static str,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a Value>,
}

#[derive(Serialize)]
struct WireResponse<'a> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<RpcError>,
}

impl Inner {
    fn lock_calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wire(&self) -> Wire {
        self.state.get().map_or(Wire::Handshake, |n| n.wire)
    }

    /// What connecting established; empty before.
    fn init(&self) -> &InitializeResult {
        static NONE: OnceLock<InitializeResult> = OnceLock::new();
        match self.state.get() {
            Some(negotiated) => &negotiated.init,
            None => NONE.get_or_init(|| InitializeResult {
                protocol_version: String::new(),
                capabilities: Value::Null,
                server_info: Implementation::new("", ""),
                instructions: None,
            }),
        }
    }

    fn set_state(&self, wire: Wire, init: InitializeResult) {
        if let Link::Http(http) = &self.link {
            http.set_protocol_version(&init.protocol_version);
        }
        let _ = self.state.set(Negotiated { wire, init });
    }

    fn handler(&self) -> Arc<dyn MessageHandler> {
        self.handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Registers call `id`; fails when the connection is already over.
    fn wait_for(
        &self,
        id: i64,
    ) -> Result<(Waiting<'_>, mpsc::UnboundedReceiver<Event>), ClientError> {
        let mut calls = self.lock_calls();
        if let Some(ended) = &calls.ended {
            return Err(ended.error());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        calls.waiting.insert(id, tx);
        Ok((Waiting { inner: self, id }, rx))
    }

    /// The connection is over: every waiting call, and every later one, fails with `ended`.
    fn end(&self, ended: Ended) {
        let mut calls = self.lock_calls();
        for (_, call) in calls.waiting.drain() {
            let _ = call.send(Event::Done(Err(ended.error())));
        }
        calls.ended.get_or_insert(ended);
    }

    /// Delivers one message from the server: a response to its waiting call; a notification
    /// to the handler (and progress to its call); a request to the matching callback, in a
    /// task of its own, whose answer is sent back.
    fn route(self: &Arc<Self>, message: Message) {
        match message {
            Message::Response(response) => {
                let Some(RequestId::Number(id)) = response.id else {
                    return; // an error about a message the server could not read
                };
                let waiting = self.lock_calls().waiting.remove(&id);
                if let Some(call) = waiting {
                    let _ = call.send(Event::Done(response.outcome.map_err(ClientError::Rpc)));
                }
            }
            Message::Notification(notification) => self.notification(notification),
            Message::Request(request) => {
                let handler = self.handler();
                handler.on_message(&Message::Request(request.clone()));
                let inner = self.clone();
                tokio::spawn(async move { inner.answer(request).await });
            }
        }
    }

    fn notification(&self, notification: Notification) {
        let handler = self.handler();
        let message = Message::Notification(notification);
        handler.on_message(&message);
        let Message::Notification(n) = &message else {
            return;
        };
        if let Some(log) = LogMessage::from_notification(n) {
            handler.on_log(log.level, log.logger.as_deref(), &log.data);
        } else if let Some(p) = Progress::from_notification(n) {
            handler.on_progress(&p.progress_token, p.progress, p.total, p.message.as_deref());
            if let Some(id) = p.progress_token.as_i64() {
                if let Some(call) = self.lock_calls().waiting.get(&id) {
                    let _ = call.send(Event::Progress(p));
                }
            }
        }
    }

    /// Answers a server request with the matching callback.
    async fn answer(&self, request: Request) {
        let params = request.params.unwrap_or_else(|| json!({}));
        let (result, error) = match self.responders.answer(&request.method, params).await {
            Ok(result) => (Some(result), None),
            Err(error) => (None, Some(error)),
        };
        let Ok(body) = serde_json::to_vec(&WireResponse {
            jsonrpc: "2.0",
            id: &request.id,
            result,
            error,
        }) else {
            return;
        };
        // Best effort: the server's request is not what the caller waits for.
        if let Ok(Some(mut replies)) = self.link.send(body, self.headers("", None)).await {
            while let Some(Ok(_)) = replies.next().await {}
        }
    }

    /// The extra HTTP headers of a message on the stateless wire.
    fn headers(&self, method: &str, params: Option<&Value>) -> Vec<(&'static str, HeaderValue)> {
        if self.wire() != Wire::Stateless || method.is_empty() {
            return Vec::new();
        }
        let mut headers = Vec::new();
        if let Ok(value) = HeaderValue::from_str(method) {
            headers.push(("mcp-method", value));
        }
        let name = match method {
            "tools/call" | "prompts/get" => params.and_then(|p| p.get("name")),
            "resources/read" => params.and_then(|p| p.get("uri")),
            _ => None,
        };
        if let Some(name) = name.and_then(Value::as_str) {
            if let Ok(value) = HeaderValue::from_str(&header_text(name)) {
                headers.push(("mcp-name", value));
            }
        }
        headers
    }

    /// Adds the per-request `_meta` fields of the stateless wire.
    fn stateless_meta(&self, params: &mut Value) {
        if !params.is_object() {
            *params = json!({});
        }
        let object = params.as_object_mut().expect("an object");
        let meta = object.entry("_meta").or_insert_with(|| json!({}));
        if !meta.is_object() {
            *meta = json!({});
        }
        let meta = meta.as_object_mut().expect("an object");
        meta.insert(META_VERSION.into(), STATELESS_PROTOCOL_VERSION.into());
        meta.insert(META_CAPABILITIES.into(), self.capabilities.clone());
        meta.insert(
            META_CLIENT_INFO.into(),
            serde_json::to_value(&self.client_info).unwrap_or(Value::Null),
        );
        if let Some(level) = *self.log_level.lock().unwrap_or_else(|e| e.into_inner()) {
            meta.insert(META_LOG_LEVEL.into(), json!(level));
        }
    }
}

/// A header value as the 2026 wire encodes it: as is when it is visible ASCII (and spaces,
/// not at the ends), otherwise `=?base64?<UTF-8 bytes in base64>?=`.
fn header_text(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..0x7F).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ');
    if plain {
        value.to_owned()
    } else {
        format!(
            "=?base64?{}?=",
            crate::resource::base64_encode(value.as_bytes())
        )
    }
}

/// A connection to one MCP server: over Streamable HTTP (one session, or none on the
/// stateless 2026 wire), a child process's stdio, or the legacy HTTP+SSE transport. Any number
/// of calls may run concurrently (share it with an `Arc`).
///
/// ```no_run
/// use mcp_runtime::client::Client;
/// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
/// let client = Client::connect("http://127.0.0.1:8000/mcp").await?;
/// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
/// assert_eq!(result.is_error, None);
/// client.close().await?;
/// # Ok(()) }
/// ```
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Client");
        match &self.inner.link {
            Link::Http(http) => d
                .field("url", &http.url().as_str())
                .field("session_id", &http.session_id()),
            Link::Legacy(legacy) => d.field("endpoint", &legacy.endpoint().as_str()),
            Link::Stdio(_) => d.field("transport", &"stdio"),
        };
        d.field("wire", &self.inner.wire())
            .field("protocol_version", &self.inner.init().protocol_version)
            .field("server", &self.inner.init().server_info.name)
            .finish_non_exhaustive()
    }
}

/// One page of a listing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl Client {
    /// Connects over Streamable HTTP with default settings; see [`ClientBuilder::connect`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = mcp_runtime::client::Client::connect("http://127.0.0.1:8000/mcp").await?;
    /// println!("connected to {} over {}", client.server_info().server_info.name, client.wire());
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: impl Into<String>) -> Result<Client, ClientError> {
        Client::builder(url).connect().await
    }

    /// Starts `command` as a child process and speaks MCP on its stdin and stdout (its stderr
    /// goes to ours). The child is killed when the client is dropped; [`close`](Self::close)
    /// closes its stdin and waits a moment for it to exit first.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let command = tokio::process::Command::new("target/debug/examples/stdio_server");
    /// let client = mcp_runtime::client::Client::connect_stdio(command).await?;
    /// println!("{} tools", client.list_tools().await?.len());
    /// client.close().await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_stdio(command: tokio::process::Command) -> Result<Client, ClientError> {
        Client::builder_stdio(command).connect().await
    }

    /// Connects to a legacy HTTP+SSE endpoint (protocol 2024-11-05): `GET url`, then POSTs to
    /// the endpoint the server names.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = mcp_runtime::client::Client::connect_legacy_sse("http://127.0.0.1:8000/sse").await?;
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_legacy_sse(url: impl Into<String>) -> Result<Client, ClientError> {
        Client::builder_legacy_sse(url).connect().await
    }

    /// A builder for a Streamable HTTP connection to `url`.
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp")
    ///     .client_info("my-agent", "1.0.0");
    /// # drop(builder);
    /// ```
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::with_target(Target::Http(url.into()))
    }

    /// A builder for a stdio connection to a child process started from `command`.
    ///
    /// ```
    /// let command = tokio::process::Command::new("my-mcp-server");
    /// let builder = mcp_runtime::client::Client::builder_stdio(command).client_info("agent", "1");
    /// # drop(builder);
    /// ```
    pub fn builder_stdio(command: tokio::process::Command) -> ClientBuilder {
        ClientBuilder::with_target(Target::Stdio(command))
    }

    /// A builder for a legacy HTTP+SSE connection (2024-11-05) to the SSE endpoint `url`.
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder_legacy_sse("http://127.0.0.1:8000/sse");
    /// # drop(builder);
    /// ```
    pub fn builder_legacy_sse(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::with_target(Target::LegacySse(url.into()))
    }

    /// What the server said about itself (its `initialize` or `server/discover` answer).
    pub fn server_info(&self) -> &InitializeResult {
        self.inner.init()
    }

    /// The protocol revision agreed with the server, e.g. `2025-11-25`, or `2026-07-28` on
    /// the stateless wire.
    pub fn protocol_version(&self) -> &str {
        &self.inner.init().protocol_version
    }

    /// The wire in use: stateless 2026-07-28 or the `initialize` handshake.
    ///
    /// ```no_run
    /// use mcp_runtime::client::{Client, Wire};
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = Client::connect("http://127.0.0.1:8000/mcp").await?;
    /// if client.wire() == Wire::Handshake {
    ///     println!("session {:?}", client.session_id());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn wire(&self) -> Wire {
        self.inner.wire()
    }

    /// The session id the server assigned, if it uses sessions (Streamable HTTP only).
    pub fn session_id(&self) -> Option<&str> {
        match &self.inner.link {
            Link::Http(http) => http.session_id(),
            _ => None,
        }
    }

    /// Replaces the handler of server notifications; see [`MessageHandler`].
    ///
    /// ```no_run
    /// use mcp_runtime::client::{Client, MessageHandler};
    /// use mcp_runtime::LoggingLevel;
    ///
    /// struct Logs;
    /// impl MessageHandler for Logs {
    ///     fn on_log(&self, level: LoggingLevel, _: Option<&str>, data: &serde_json::Value) {
    ///         eprintln!("[{level}] {data}");
    ///     }
    /// }
    /// # async fn run(client: Client) {
    /// client.set_handler(Logs);
    /// # }
    /// ```
    pub fn set_handler(&self, handler: impl MessageHandler) {
        *self
            .inner
            .handler
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::new(handler);
    }

    /// Calls `callback` with every notification the server sends, the moment it arrives
    /// (replacing any handler set before). [`LogMessage::from_notification`] and
    /// [`Progress::from_notification`] decode the common ones.
    ///
    /// ```no_run
    /// use mcp_runtime::client::{Client, LogMessage};
    /// # async fn run(client: Client) {
    /// client.on_notification(|n| {
    ///     if let Some(log) = LogMessage::from_notification(n) {
    ///         println!("[{}] {}", log.level, log.data);
    ///     }
    /// });
    /// # }
    /// ```
    pub fn on_notification(&self, callback: impl Fn(&Notification) + Send + Sync + 'static) {
        self.set_handler(NotificationFn(callback));
    }

    /// Lists every tool, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for tool in client.list_tools().await? {
    ///     println!("{}", tool.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_tools(&self) -> Result<Vec<ToolInfo>, ClientError> {
        self.list_all("tools/list", "tools").await
    }

    /// Lists every prompt, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for prompt in client.list_prompts().await? {
    ///     println!("{} ({} arguments)", prompt.name, prompt.arguments.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_prompts(&self) -> Result<Vec<PromptInfo>, ClientError> {
        self.list_all("prompts/list", "prompts").await
    }

    /// Renders a prompt with `arguments` (an object of strings).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let prompt = client.get_prompt("review", serde_json::json!({"code": "fn main() {}"})).await?;
    /// println!("{} messages", prompt.messages.len());
    /// # Ok(()) }
    /// ```
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<GetPromptResult, ClientError> {
        let params = json!({ "name": name, "arguments": arguments });
        self.request_as("prompts/get", Some(params)).await
    }

    /// Lists every resource, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for resource in client.list_resources().await? {
    ///     println!("{} {}", resource.uri, resource.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_resources(&self) -> Result<Vec<ResourceInfo>, ClientError> {
        self.list_all("resources/list", "resources").await
    }

    /// Lists every resource template, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for template in client.list_resource_templates().await? {
    ///     println!("{}", template.uri_template);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplateInfo>, ClientError> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
    }

    /// Reads a resource: its contents (text or base64 blobs).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for contents in client.read_resource("motto://today").await? {
    ///     println!("{}", contents.text.unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<ResourceContents>, ClientError> {
        #[derive(Deserialize)]
        struct Read {
            contents: Vec<ResourceContents>,
        }
        let read: Read = self
            .request_as("resources/read", Some(json!({ "uri": uri })))
            .await?;
        Ok(read.contents)
    }

    async fn list_all<T: DeserializeOwned>(
        &self,
        method: &str,
        field: &str,
    ) -> Result<Vec<T>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
            let mut page: Page = self.request_as(method, params).await?;
            let list = page.rest.remove(field).unwrap_or(Value::Null);
            items.extend(decode_result::<Vec<T>>(method, list)?);
            match page.next_cursor {
                Some(next) if cursor.as_ref() == Some(&next) => {
                    return Err(ClientError::protocol(format!(
                        "{method} returned the cursor {next:?} it was given: the listing would never end"
                    )));
                }
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// Calls a tool. A tool that ran and failed is `Ok` with `is_error: Some(true)`; `Err` means
    /// the call itself failed (unknown tool, transport, protocol). The arguments are anything
    /// that serializes to a JSON object: `json!({..})`, or a struct of your own.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// use mcp_runtime::Content;
    /// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
    /// assert_eq!(result.content, vec![Content::text("5")]);
    ///
    /// #[derive(serde::Serialize)]
    /// struct Add { a: i64, b: i64 }
    /// let result = client.call_tool("add", Add { a: 2, b: 3 }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<CallToolResult, ClientError> {
        self.call_tool_with(name, arguments, CallOptions::new())
            .await
    }

    /// Calls a tool with [`CallOptions`]: a progress callback (each update handed over as it
    /// arrives; the handler sees them too), a cancellation token, a timeout.
    ///
    /// ```no_run
    /// use mcp_runtime::client::CallOptions;
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let args = serde_json::json!({"items": ["a.pdf", "b.pdf"]});
    /// let options = CallOptions::new().on_progress(|p| {
    ///     println!("{}/{:?} {}", p.progress, p.total, p.message.as_deref().unwrap_or(""));
    /// });
    /// let result = client.call_tool_with("process_files", args, options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_with(
        &self,
        name: &str,
        arguments: impl Serialize,
        mut options: CallOptions<'_>,
    ) -> Result<CallToolResult, ClientError> {
        let arguments = serde_json::to_value(arguments).map_err(ClientError::Arguments)?;
        let params = json!({ "name": name, "arguments": arguments });
        let result = self
            .request_with("tools/call", Some(params), &mut options)
            .await?;
        decode_result("tools/call", result)
    }

    /// Calls a tool with a progress callback; shorthand for [`call_tool_with`](Self::call_tool_with)
    /// and [`CallOptions::on_progress`].
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let args = serde_json::json!({"items": ["a.pdf", "b.pdf"]});
    /// let result = client
    ///     .call_tool_with_progress("process_files", args, |p| println!("{}", p.progress))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: impl Serialize,
        on_progress: impl FnMut(&Progress) + Send,
    ) -> Result<CallToolResult, ClientError> {
        self.call_tool_with(name, arguments, CallOptions::new().on_progress(on_progress))
            .await
    }

    /// Calls a tool and decodes its `structuredContent` (or, for tools without one, the JSON
    /// of its first text block) as `T`. A tool that failed (`isError`) is
    /// [`ClientError::ToolFailed`].
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let sum: i64 = client.call_tool_as("add", serde_json::json!({"a": 2, "b": 3})).await?;
    /// assert_eq!(sum, 5);
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_as<T: DeserializeOwned>(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<T, ClientError> {
        let result = self.call_tool(name, arguments).await?;
        let text = |result: &CallToolResult| {
            result
                .content
                .iter()
                .find_map(|c| match c {
                    crate::Content::Text { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        if result.is_error == Some(true) {
            return Err(ClientError::ToolFailed(text(&result)));
        }
        let value = match result.structured_content {
            Some(value) => value,
            None => serde_json::from_str(&text(&result)).map_err(|source| {
                ClientError::InvalidResult {
                    method: "tools/call".into(),
                    source,
                }
            })?,
        };
        decode_result("tools/call", value)
    }

    /// Sets the lowest level of log messages the server sends: `logging/setLevel` on the
    /// handshake wire; on the stateless wire the level travels in every later request's
    /// `_meta` (without it, a 2026 server sends no log messages at all).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.set_log_level(mcp_runtime::LoggingLevel::Warning).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_log_level(&self, level: LoggingLevel) -> Result<(), ClientError> {
        *self
            .inner
            .log_level
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(level);
        if self.wire() == Wire::Stateless {
            return Ok(());
        }
        self.request("logging/setLevel", Some(json!({ "level": level })))
            .await
            .map(drop)
    }

    /// Checks the server is alive: `ping`, or `server/discover` on the stateless wire (which
    /// has no `ping`).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<(), ClientError> {
        if self.wire() == Wire::Stateless {
            return self.discover().await.map(drop);
        }
        self.request("ping", None).await.map(drop)
    }

    /// Sends any request and returns its raw result; notifications that precede it go to the
    /// handler.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let page = client.request("tools/list", None).await?;
    /// println!("{}", page["tools"]);
    /// # Ok(()) }
    /// ```
    pub async fn request(&self, method: &str, params: Option<Value>) -> Result<Value, ClientError> {
        self.request_with(method, params, &mut CallOptions::new())
            .await
    }

    /// Sends a notification (no answer expected).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let params = serde_json::json!({"requestId": 7, "reason": "user pressed stop"});
    /// client.notify("notifications/cancelled", Some(params)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), ClientError> {
        if let Some(ended) = &self.inner.lock_calls().ended {
            return Err(ended.error());
        }
        let body = serde_json::to_vec(&WireNotification {
            jsonrpc: "2.0",
            method,
            params: params.as_ref(),
        })
        .map_err(|e| ClientError::protocol(format!("could not encode {method}: {e}")))?;
        let headers = self.inner.headers(method, params.as_ref());
        if let Some(mut replies) = self.inner.link.send(body, headers).await? {
            // A server may answer a notification with a body; nothing in it is for us, except
            // messages for the handler.
            while let Some(message) = replies.next().await {
                self.inner.route(message?);
            }
        }
        Ok(())
    }

    /// Ends the connection: `DELETE`s the session (Streamable HTTP), closes the child's stdin
    /// and waits a moment before killing it (stdio), or drops the SSE stream (legacy). Calls
    /// still waiting fail with [`ClientError::Closed`]. Dropping a client without closing it
    /// kills a stdio child and leaves an HTTP session to expire on the server.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.close().await?;
    /// # Ok(()) }
    /// ```
    pub async fn close(self) -> Result<(), ClientError> {
        let result = match &self.inner.link {
            Link::Http(http) if self.wire() == Wire::Handshake => http.delete().await,
            Link::Http(_) => Ok(()),
            Link::Stdio(stdio) => {
                stdio.close().await;
                Ok(())
            }
            Link::Legacy(_) => Ok(()),
        };
        let task = self
            .inner
            .reader
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(task) = task {
            task.abort();
        }
        self.inner
            .end(Ended::Closed("the client closed the connection".into()));
        result
    }

    /// `initialize` and `notifications/initialized`.
    async fn initialize(&self) -> Result<(), ClientError> {
        let (asked, oldest) = match self.inner.link {
            Link::Legacy(_) => (ProtocolVersion::V2024_11_05, ProtocolVersion::V2024_11_05),
            Link::Stdio(_) => (PROTOCOL_VERSION, ProtocolVersion::V2024_11_05),
            Link::Http(_) => (PROTOCOL_VERSION, ProtocolVersion::V2025_03_26),
        };
        let params = json!({
            "protocolVersion": asked.as_str(),
            "capabilities": self.inner.capabilities,
            "clientInfo": self.inner.client_info,
        });
        let init: InitializeResult = self.request_as("initialize", Some(params)).await?;
        ProtocolVersion::parse(&init.protocol_version)
            .filter(|v| *v >= oldest)
            .ok_or_else(|| {
                ClientError::protocol(format!(
                    "the server chose protocol version {:?}, which this client does not speak \
                     over this transport",
                    init.protocol_version
                ))
            })?;
        self.inner.set_state(Wire::Handshake, init);
        self.notify("notifications/initialized", None).await
    }

    /// `server/discover` (2026-07-28), as an [`InitializeResult`]; an error when the server
    /// does not list 2026-07-28 among its versions.
    async fn discover(&self) -> Result<InitializeResult, ClientError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Discover {
            #[serde(default)]
            supported_versions: Vec<String>,
            #[serde(default)]
            capabilities: Value,
            #[serde(default)]
            instructions: Option<String>,
            #[serde(default, rename = "_meta")]
            meta: Map<String, Value>,
        }
        let mut params = json!({});
        self.inner.stateless_meta(&mut params);
        let headers = vec![
            (
                "mcp-protocol-version",
                HeaderValue::from_static(STATELESS_PROTOCOL_VERSION),
            ),
            ("mcp-method", HeaderValue::from_static("server/discover")),
        ];
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let found: Discover = decode_result(
            "server/discover",
            self.exchange(id, "server/discover", Some(&params), headers, &mut None)
                .await?,
        )?;
        if !found
            .supported_versions
            .iter()
            .any(|v| v == STATELESS_PROTOCOL_VERSION)
        {
            return Err(ClientError::protocol(format!(
                "the server does not speak {STATELESS_PROTOCOL_VERSION}; it lists {:?}",
                found.supported_versions
            )));
        }
        let server_info = found
            .meta
            .get(META_SERVER_INFO)
            .and_then(|v| Implementation::deserialize(v).ok())
            .unwrap_or_else(|| Implementation::new("", ""));
        Ok(InitializeResult {
            protocol_version: STATELESS_PROTOCOL_VERSION.into(),
            capabilities: found.capabilities,
            server_info,
            instructions: found.instructions,
        })
    }

    async fn request_as<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Option<Value>,
    ) -> Result<T, ClientError> {
        let result = self.request(method, params).await?;
        decode_result(method, result)
    }

    /// One request with its options, through every `input_required` round of the stateless
    /// wire. Cancellation and timeout drop the exchange (closing its HTTP stream) and tell the
    /// server on the handshake wire.
    async fn request_with(
        &self,
        method: &str,
        params: Option<Value>,
        options: &mut CallOptions<'_>,
    ) -> Result<Value, ClientError> {
        let mut params = params;
        for _ in 0..MAX_INPUT_ROUNDS {
            let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
            let stateless = self.wire() == Wire::Stateless;
            if options.progress.is_some() || stateless {
                let p = params.get_or_insert_with(|| json!({}));
                if options.progress.is_some() {
                    if !p.get("_meta").is_some_and(Value::is_object) {
                        p["_meta"] = json!({});
                    }
                    p["_meta"]["progressToken"] = json!(id);
                }
                if stateless {
                    self.inner.stateless_meta(p);
                }
            }
            let headers = self.inner.headers(method, params.as_ref());
            let cancel = options.cancel.clone();
            let timeout = options.timeout;
            let exchange =
                self.exchange(id, method, params.as_ref(), headers, &mut options.progress);
            let stopped = tokio::select! {
                result = exchange => match result {
                    Ok(result) if stateless && is_input_required(&result) => {
                        params = Some(self.provide_input(params.take(), result).await?);
                        continue;
                    }
                    result => return result,
                },
                () = cancelled(cancel.as_ref()) => ClientError::Cancelled,
                () = sleep(timeout) => ClientError::Timeout(timeout.unwrap_or_default()),
            };
            if !stateless && method != "initialize" {
                let reason = stopped.to_string();
                let notice = self.notify(
                    "notifications/cancelled",
                    Some(json!({ "requestId": id, "reason": reason })),
                );
                let _ = tokio::time::timeout(CANCEL_NOTICE_TIMEOUT, notice).await;
            }
            return Err(stopped);
        }
        Err(ClientError::protocol(format!(
            "{method} still asked for input after {MAX_INPUT_ROUNDS} rounds"
        )))
    }

    /// Answers the `inputRequests` of an `input_required` result and returns the params of the
    /// retry: the original ones with `inputResponses` and the echoed `requestState`.
    async fn provide_input(
        &self,
        params: Option<Value>,
        result: Value,
    ) -> Result<Value, ClientError> {
        let mut params = params.unwrap_or_else(|| json!({}));
        let mut responses = Map::new();
        if let Some(requests) = result.get("inputRequests").and_then(Value::as_object) {
            for (key, request) in requests {
                let method = request.get("method").and_then(Value::as_str).unwrap_or("");
                let request_params = request.get("params").cloned().unwrap_or_else(|| json!({}));
                let answer = self
                    .inner
                    .responders
                    .answer(method, request_params)
                    .await
                    .map_err(|e| {
                        ClientError::protocol(if e.code == ErrorCode::METHOD_NOT_FOUND {
                            format!(
                                "the server asked for input with `{method}`, which this client \
                                 has no callback for (see ClientBuilder::on_elicitation, \
                                 on_sampling, on_roots)"
                            )
                        } else {
                            format!("answering the server's `{method}` failed: {e}")
                        })
                    })?;
                responses.insert(key.clone(), answer);
            }
        }
        params["inputResponses"] = Value::Object(responses);
        match result.get("requestState") {
            Some(state) => params["requestState"] = state.clone(),
            None => {
                if let Some(p) = params.as_object_mut() {
                    p.remove("requestState");
                }
            }
        }
        Ok(params)
    }

    /// Sends request `id` and waits for its response. Over Streamable HTTP this reads the
    /// POST's own answer as it arrives, routing notifications and server requests; the other
    /// transports deliver through the reader task. Progress for this call goes to `progress`
    /// as it arrives.
    async fn exchange(
        &self,
        id: i64,
        method: &str,
        params: Option<&Value>,
        headers: Vec<(&'static str, HeaderValue)>,
        progress: &mut Option<OnProgress<'_>>,
    ) -> Result<Value, ClientError> {
        let (_waiting, mut events) = self.inner.wait_for(id)?;
        let body = serde_json::to_vec(&WireRequest {
            jsonrpc: "2.0",
            id,
            method,
            params,
        })
        .map_err(|e| ClientError::protocol(format!("could not encode {method}: {e}")))?;
        let mut replies = self.inner.link.send(body, headers).await?;
        // Where the POST's event stream (or its latest resumption) can be resumed from.
        let mut resume_from: Option<String> = None;
        let mut idle_resumes = 0;
        loop {
            tokio::select! {
                biased;
                event = events.recv() => match event {
                    Some(Event::Progress(p)) => {
                        if let Some(callback) = progress.as_mut() {
                            callback(&p);
                        }
                    }
                    Some(Event::Done(result)) => return result,
                    None => return Err(ClientError::Closed("the call was dropped".into())),
                },
                message = next_reply(&mut replies) => match message {
                    None => {
                        // The POST's stream ended: deliver what was routed, then give up.
                        while let Ok(event) = events.try_recv() {
                            match event {
                                Event::Progress(p) => {
                                    if let Some(callback) = progress.as_mut() {
                                        callback(&p);
                                    }
                                }
                                Event::Done(result) => return result,
                            }
                        }
                        // A server may close the stream before the response (SSE polling) and
                        // expect a GET with Last-Event-ID to carry on (2025-11-25).
                        let point = replies.as_ref().and_then(Replies::resume_point);
                        let moved = point.as_ref().is_some_and(|(event, _)| resume_from.as_ref() != Some(event));
                        idle_resumes = if moved { 0 } else { idle_resumes + 1 };
                        let retry = point.as_ref().and_then(|(_, retry)| *retry);
                        if let Some((event, _)) = point {
                            resume_from = Some(event);
                        }
                        match (&self.inner.link, &resume_from) {
                            (Link::Http(http), Some(event))
                                if self.wire() == Wire::Handshake && idle_resumes < MAX_IDLE_RESUMES =>
                            {
                                let delay = Duration::from_millis(retry.unwrap_or(0)).min(MAX_RETRY_DELAY);
                                tokio::time::sleep(delay).await;
                                replies = Some(http.resume(event).await?);
                            }
                            _ => return Err(ClientError::StreamEnded(RequestId::Number(id))),
                        }
                    }
                    Some(Err(e)) => return Err(e),
                    Some(Ok(Message::Response(response))) => match response.id {
                        Some(RequestId::Number(n)) if n == id => {
                            return response.outcome.map_err(ClientError::Rpc);
                        }
                        // An error about a request the server could not read: ours.
                        None => {
                            return Err(match response.outcome {
                                Err(error) => ClientError::Rpc(error),
                                Ok(_) => ClientError::protocol("a result without an id"),
                            });
                        }
                        Some(other) => {
                            return Err(ClientError::protocol(format!(
                                "the answer to request {id} carried the response to request {other}"
                            )));
                        }
                    },
                    Some(Ok(message)) => self.inner.route(message),
                },
            }
        }
    }
}

/// The next message of a POST's answer; pending forever when there is none (the other
/// transports answer through the reader task).
async fn next_reply(replies: &mut Option<Replies>) -> Option<Result<Message, ClientError>> {
    match replies {
        Some(replies) => replies.next().await,
        None => std::future::pending().await,
    }
}

async fn cancelled(token: Option<&tokio_util::sync::CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

async fn sleep(timeout: Option<Duration>) {
    match timeout {
        Some(timeout) => tokio::time::sleep(timeout).await,
        None => std::future::pending().await,
    }
}

fn is_input_required(result: &Value) -> bool {
    result.get("resultType").and_then(Value::as_str) == Some("input_required")
}

fn decode_result<T: DeserializeOwned>(method: &str, result: Value) -> Result<T, ClientError> {
    T::deserialize(result).map_err(|source| ClientError::InvalidResult {
        method: method.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A raw HTTP/1.1 server answering every request with the next canned response, written in
    /// the given pieces with a pause between them. Returns its URL.
    async fn canned(responses: Vec<Vec<&'static [u8]>>) -> String {
        canned_recorded(responses).await.0
    }

    /// [`canned`], also returning every request received (head and body, as text).
    async fn canned_recorded(
        responses: Vec<Vec<&'static [u8]>>,
    ) -> (String, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        tokio::spawn(async move {
            for pieces in responses {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head, then as much body as Content-Length says.
                loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        if request.len() >= end + 4 + len {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&request).into_owned());
                for piece in pieces {
                    socket.write_all(piece).await.unwrap();
                    socket.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        });
        (url, seen)
    }

    fn client(url: &str) -> Client {
        Client {
            inner: Arc::new(Inner {
                link: Link::Http(HttpTransport::new(
                    reqwest::Client::new(),
                    reqwest::Url::parse(url).unwrap(),
                    DEFAULT_MAX_MESSAGE_BYTES,
                )),
                next_id: AtomicI64::new(0),
                handler: RwLock::new(Arc::new(Ignore)),
                calls: Mutex::new(Calls::default()),
                responders: Responders::default(),
                client_info: Implementation::new("t", "0"),
                capabilities: json!({}),
                state: OnceLock::new(),
                log_level: Mutex::new(None),
                reader: Mutex::new(None),
            }),
        }
    }

    const SSE_HEAD: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

    fn json_response(status: &str, body: &str) -> Vec<u8> {
        json_response_with(status, "", body)
    }

    fn json_response_with(status: &str, headers: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl MessageHandler for Recorder {
        fn on_log(&self, level: LoggingLevel, logger: Option<&str>, data: &Value) {
            self.0
                .lock()
                .unwrap()
                .push(format!("log {level} {logger:?} {data}"));
        }
        fn on_progress(
            &self,
            token: &Value,
            progress: f64,
            total: Option<f64>,
            message: Option<&str>,
        ) {
            self.0
                .lock()
                .unwrap()
                .push(format!("progress {token} {progress} {total:?} {message:?}"));
        }
    }

    #[tokio::test]
    async fn streamed_notifications_reach_the_handler_and_the_progress_callback() {
        let url = canned(vec![vec![
            SSE_HEAD,
            b"id: s-0\nretry: 1000\ndata: \n\n: keep-alive\n\nid: s-1\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",",
            b"\"params\":{\"level\":\"info\",\"logger\":\"x\",\"data\":\"one\"}}\n\nid: s-2\nevent: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":0,\"progress\":1,\"total\":2,\"message\":\"half\"}}\r\n\r",
            b"\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":99,\"progress\":1}}\n\n",
            b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":0,\n",
            b"data: \"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}\n\n",
        ]])
        .await;
        let client = client(&url);
        let recorder = Arc::new(Recorder::default());
        client.set_handler(recorder.clone());
        let mut seen = Vec::new();
        let result = client
            .call_tool_with_progress("t", json!({}), |p| {
                seen.push((p.progress, p.message.clone()))
            })
            .await
            .unwrap();
        assert_eq!(result.content, vec![crate::Content::text("done")]);
        assert_eq!(seen, vec![(1.0, Some("half".to_owned()))]);
        assert_eq!(
            *recorder.0.lock().unwrap(),
            vec![
                "log info Some(\"x\") \"one\"".to_owned(),
                "progress 0 1 Some(2.0) Some(\"half\")".to_owned(),
                "progress 99 1 None None".to_owned(),
            ]
        );
    }

    #[tokio::test]
    async fn bad_server_output_becomes_typed_errors() {
        let not_found = json_response(
            "404 Not Found",
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}"#,
        );
        let rpc_error = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x"}}"#,
        );
        let garbage = json_response("200 OK", "{not json");
        let wrong_id = json_response("200 OK", r#"{"jsonrpc":"2.0","id":77,"result":{}}"#);
        let bad_result = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":4,"result":{"content":7}}"#,
        );
        let html = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi";
        let leak = |v: Vec<u8>| -> &'static [u8] { Vec::leak(v) };
        let url = canned(vec![
            vec![leak(not_found)],
            vec![leak(rpc_error)],
            vec![leak(garbage)],
            vec![leak(wrong_id)],
            vec![leak(bad_result)],
            vec![html],
            vec![SSE_HEAD, b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":6,\"resu"],
            vec![SSE_HEAD, b"data: [1,2]\n\n"],
        ])
        .await;
        let client = client(&url);
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(e.is_session_expired() && e.rpc_error().is_some(), "{e}");
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(
            matches!(&e, ClientError::Rpc(r) if r.message == "Unknown tool: x"),
            "{e}"
        );
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(matches!(e, ClientError::Decode(_)), "{e}");
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(matches!(e, ClientError::Protocol(_)), "{e}");
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(matches!(e, ClientError::InvalidResult { .. }), "{e}");
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(
            matches!(&e, ClientError::Protocol(m) if m.contains("text/html")),
            "{e}"
        );
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(
            matches!(e, ClientError::StreamEnded(RequestId::Number(6))),
            "{e}"
        );
        let e = client.call_tool("x", json!({})).await.unwrap_err();
        assert!(
            matches!(e, ClientError::Decode(crate::protocol::DecodeError::Batch)),
            "{e}"
        );
    }

    #[tokio::test]
    async fn connection_failures_are_transport_errors() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        drop(listener);
        let e = Client::connect(url).await.unwrap_err();
        assert!(matches!(e, ClientError::Transport { .. }), "{e}");
        let e = Client::connect("not a url").await.unwrap_err();
        assert!(
            e.to_string().starts_with("transport error: invalid URL"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn connect_negotiates_and_keeps_the_session() {
        let init = json_response_with(
            "200 OK",
            "mcp-session-id: abc123\r\n",
            r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","serverInfo":{"name":"s","version":"1"}}}"#,
        );
        let accepted: &[u8] =
            b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let no_discover = json_response(
            "400 Bad Request",
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Bad Request: missing session"}}"#,
        );
        let url = canned(vec![
            vec![Vec::leak(no_discover)],
            vec![Vec::leak(init)],
            vec![accepted],
        ])
        .await;
        let client = Client::connect(url).await.unwrap();
        assert_eq!(client.wire(), Wire::Handshake);
        assert_eq!(client.session_id(), Some("abc123"));
        assert_eq!(client.protocol_version(), "2025-06-18");
        assert_eq!(client.server_info().server_info.name, "s");

        let old = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2024-11-05","serverInfo":{"name":"s","version":"1"}}}"#,
        );
        let url = canned(vec![vec![Vec::leak(old)]]).await;
        let e = Client::builder(url)
            .wire(WirePreference::Handshake)
            .connect()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ClientError::Protocol(m) if m.contains("2024-11-05")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn the_stateless_wire_sends_meta_and_headers_and_answers_input_requests() {
        let discover = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":0,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"ttlMs":0,"cacheScope":"public","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"modern","version":"9"}}}}"#,
        );
        let input_required = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","inputRequests":{"who":{"method":"elicitation/create","params":{"mode":"form","message":"Name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string"}}}}},"where":{"method":"roots/list","params":{}}},"requestState":"st-1"}}"#,
        );
        let done = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":2,"result":{"resultType":"complete","content":[{"type":"text","text":"hi Ada"}]}}"#,
        );
        let (url, seen) = canned_recorded(vec![
            vec![Vec::leak(discover)],
            vec![Vec::leak(input_required)],
            vec![Vec::leak(done)],
        ])
        .await;
        let client = Client::builder(url)
            .on_elicitation(|request| async move {
                assert_eq!(request.message, "Name?");
                Ok(Elicitation::Accept(json!({"name": "Ada"})))
            })
            .on_roots(|| async {
                Ok(vec![Root {
                    uri: "file:///w".into(),
                    name: None,
                }])
            })
            .connect()
            .await
            .unwrap();
        assert_eq!(client.wire(), Wire::Stateless);
        assert_eq!(client.protocol_version(), STATELESS_PROTOCOL_VERSION);
        assert_eq!(client.server_info().server_info.name, "modern");
        assert_eq!(client.session_id(), None);
        client.set_log_level(LoggingLevel::Debug).await.unwrap();
        let result = client.call_tool("héllo", json!({"x": 1})).await.unwrap();
        assert_eq!(result.content, vec![crate::Content::text("hi Ada")]);

        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3, "discover, the call, its retry: {seen:#?}");
        let body = |request: &str| -> Value {
            serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap()
        };
        let head =
            |request: &str| request[..request.find("\r\n\r\n").unwrap()].to_ascii_lowercase();
        assert!(
            head(&seen[0]).contains("mcp-protocol-version: 2026-07-28"),
            "{}",
            seen[0]
        );
        assert!(
            head(&seen[0]).contains("mcp-method: server/discover"),
            "{}",
            seen[0]
        );
        let meta = &body(&seen[0])["params"]["_meta"];
        assert_eq!(meta[META_VERSION], "2026-07-28");
        assert_eq!(
            meta[META_CAPABILITIES],
            json!({"elicitation": {"form": {}}, "roots": {}})
        );
        assert_eq!(meta[META_CLIENT_INFO]["name"], "mcp-runtime-client");

        for request in &seen[1..] {
            let head = head(request);
            assert!(head.contains("mcp-protocol-version: 2026-07-28"), "{head}");
            assert!(head.contains("mcp-method: tools/call"), "{head}");
            // Not plain ASCII: base64 of the UTF-8 bytes (`aMOpbGxv`, lowercased with the head).
            assert!(head.contains("mcp-name: =?base64?amopbgxv?="), "{head}");
            assert!(!head.contains("mcp-session-id"), "{head}");
            let params = &body(request)["params"];
            assert_eq!(params["name"], "héllo");
            assert_eq!(params["_meta"][META_LOG_LEVEL], "debug");
        }
        let first = body(&seen[1]);
        assert!(first["params"].get("inputResponses").is_none());
        let retry = body(&seen[2]);
        assert_ne!(retry["id"], first["id"], "a retry is a new request");
        assert_eq!(retry["params"]["requestState"], "st-1");
        assert_eq!(
            retry["params"]["inputResponses"],
            json!({
                "who": {"action": "accept", "content": {"name": "Ada"}},
                "where": {"roots": [{"uri": "file:///w"}]}
            })
        );
    }

    #[tokio::test]
    async fn input_requests_without_a_callback_are_a_clear_error() {
        let discover = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":0,"result":{"supportedVersions":["2026-07-28"],"capabilities":{}}}"#,
        );
        let input_required = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","inputRequests":{"s":{"method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}}}}"#,
        );
        let url = canned(vec![
            vec![Vec::leak(discover)],
            vec![Vec::leak(input_required)],
        ])
        .await;
        let client = Client::connect(url).await.unwrap();
        let e = client.call_tool("t", json!({})).await.unwrap_err();
        assert!(
            matches!(&e, ClientError::Protocol(m) if m.contains("sampling/createMessage") && m.contains("no callback")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn listen_routes_the_get_stream_to_the_handler() {
        let init = json_response_with(
            "200 OK",
            "mcp-session-id: s1\r\n",
            r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"s","version":"1"}}}"#,
        );
        let accepted: &[u8] =
            b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let (url, seen) = canned_recorded(vec![
            vec![Vec::leak(init)],
            vec![accepted],
            vec![
                SSE_HEAD,
                b"id: g-0\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n",
            ],
        ])
        .await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _client = Client::builder(url)
            .wire(WirePreference::Handshake)
            .listen(true)
            .handler(NotificationFn(move |n: &Notification| {
                let _ = tx.send(n.method.clone());
            }))
            .connect()
            .await
            .unwrap();
        let method = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("the GET stream's notification")
            .unwrap();
        assert_eq!(method, "notifications/tools/list_changed");
        let get = seen.lock().unwrap()[2].to_ascii_lowercase();
        assert!(get.starts_with("get /mcp"), "{get}");
        assert!(get.contains("mcp-session-id: s1"), "{get}");
        assert!(get.contains("accept: text/event-stream"), "{get}");
    }
}

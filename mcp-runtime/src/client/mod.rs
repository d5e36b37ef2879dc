//! A minimal MCP client over Streamable HTTP (protocol revision 2025-11-25), with live
//! notifications: log messages and progress reach your handler the moment each SSE event
//! arrives, before the call returns its result.
//!
//! ```no_run
//! use mcp_runtime::client::Client;
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
//! let result = client
//!     .call_tool_with_progress("process_files", json!({"items": ["a.pdf"]}), |p| {
//!         println!("{}/{}", p.progress, p.total.unwrap_or(0.0))
//!     })
//!     .await?;
//! println!("{:?}", result.content);
//! client.close().await?;
//! # Ok(()) }
//! ```
//!
//! The module has two layers: the transport (`transport.rs`: HTTP requests, headers, the
//! session id, JSON or SSE bodies, parsed incrementally by [`SseParser`]) yields decoded
//! JSON-RPC messages; the protocol layer ([`Client`]) numbers requests, matches responses,
//! routes notifications to the [`MessageHandler`] and decodes results.

mod error;
mod handler;
mod sse;
mod transport;

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub use self::error::{BoxError, ClientError};
use self::handler::{Ignore, NotificationFn};
pub use self::handler::{LogMessage, MessageHandler, Progress};
pub use self::sse::{SseEvent, SseParser, SseTooLarge};
use self::transport::HttpTransport;
use crate::protocol::{
    CallToolResult, Implementation, LoggingLevel, Message, Notification, ProtocolVersion, Request,
    RequestId, RpcError,
};

/// The protocol revision this client asks for.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V2025_11_25;

/// The default limit on one message (a JSON body or an SSE event): 16 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// What the server said about itself in its `initialize` answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The revision the server chose.
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

/// Configures a [`Client`] before connecting.
///
/// ```no_run
/// use mcp_runtime::client::Client;
/// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
/// let client = Client::builder("http://127.0.0.1:8000/mcp")
///     .client_info("my-agent", "1.2.0")
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
pub struct ClientBuilder {
    url: String,
    http: Option<reqwest::Client>,
    client_info: Implementation,
    capabilities: Value,
    handler: Arc<dyn MessageHandler>,
    max_message_bytes: usize,
}

impl ClientBuilder {
    /// The `clientInfo` sent in `initialize` (default: `mcp-runtime-client` and this crate's
    /// version).
    pub fn client_info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.client_info = Implementation::new(name, version);
        self
    }

    /// The capabilities declared in `initialize` (default `{}`).
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

    /// The handler of server notifications, in place from the `initialize` request on.
    pub fn handler(mut self, handler: impl MessageHandler) -> Self {
        self.handler = Arc::new(handler);
        self
    }

    /// The largest JSON body or SSE event accepted (default [`DEFAULT_MAX_MESSAGE_BYTES`]).
    pub fn max_message_bytes(mut self, limit: usize) -> Self {
        self.max_message_bytes = limit;
        self
    }

    /// Connects: sends `initialize`, keeps the session id, checks the protocol revision the
    /// server chose, and sends `notifications/initialized`.
    pub async fn connect(self) -> Result<Client, ClientError> {
        let url = reqwest::Url::parse(&self.url).map_err(|e| ClientError::Transport {
            message: format!("invalid URL {:?}: {e}", self.url),
            source: Some(Box::new(e)),
        })?;
        let http = self.http.unwrap_or_default();
        let transport = HttpTransport::new(http, url, self.max_message_bytes);
        let mut client = Client {
            transport,
            next_id: AtomicI64::new(0),
            handler: RwLock::new(self.handler),
            init: InitializeResult {
                protocol_version: String::new(),
                capabilities: Value::Null,
                server_info: Implementation::new("", ""),
                instructions: None,
            },
            protocol_version: PROTOCOL_VERSION,
        };
        let params = json!({
            "protocolVersion": PROTOCOL_VERSION.as_str(),
            "capabilities": self.capabilities,
            "clientInfo": self.client_info,
        });
        let init: InitializeResult = client.request_as("initialize", Some(params)).await?;
        let version = ProtocolVersion::parse(&init.protocol_version)
            .filter(|v| *v >= ProtocolVersion::V2025_03_26)
            .ok_or_else(|| {
                ClientError::protocol(format!(
                    "the server chose protocol version {:?}, which this client does not speak over \
                     Streamable HTTP",
                    init.protocol_version
                ))
            })?;
        client.transport.set_protocol_version(version.as_str());
        client.protocol_version = version;
        client.init = init;
        client.notify("notifications/initialized", None).await?;
        Ok(client)
    }
}

/// A connection to one MCP server over Streamable HTTP: one session, any number of concurrent
/// calls (share it with an `Arc`).
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
    transport: HttpTransport,
    next_id: AtomicI64,
    handler: RwLock<Arc<dyn MessageHandler>>,
    init: InitializeResult,
    protocol_version: ProtocolVersion,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.transport.url().as_str())
            .field("session_id", &self.transport.session_id())
            .field("protocol_version", &self.protocol_version)
            .field("server", &self.init.server_info.name)
            .finish_non_exhaustive()
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

/// A per-call progress callback.
type OnProgress<'a> = Option<&'a mut (dyn FnMut(&Progress) + Send)>;

impl Client {
    /// Connects with default settings; see [`ClientBuilder::connect`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
    /// let client = mcp_runtime::client::Client::connect("http://127.0.0.1:8000/mcp").await?;
    /// println!("connected to {}", client.server_info().server_info.name);
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: impl Into<String>) -> Result<Client, ClientError> {
        Client::builder(url).connect().await
    }

    /// A builder to configure the client before connecting.
    ///
    /// ```
    /// let builder = mcp_runtime::client::Client::builder("http://127.0.0.1:8000/mcp")
    ///     .client_info("my-agent", "1.0.0");
    /// # drop(builder);
    /// ```
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            http: None,
            client_info: Implementation::new("mcp-runtime-client", env!("CARGO_PKG_VERSION")),
            capabilities: json!({}),
            handler: Arc::new(Ignore),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }

    /// The server's `initialize` answer: its name, version, capabilities and instructions.
    pub fn server_info(&self) -> &InitializeResult {
        &self.init
    }

    /// The protocol revision agreed with the server.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    /// The session id the server assigned, if it uses sessions.
    pub fn session_id(&self) -> Option<&str> {
        self.transport.session_id()
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
        *self.handler.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(handler);
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
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Page {
            tools: Vec<ToolInfo>,
            #[serde(default)]
            next_cursor: Option<String>,
        }
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
            let page: Page = self.request_as("tools/list", params).await?;
            tools.extend(page.tools);
            match page.next_cursor {
                Some(next) if cursor.as_ref() == Some(&next) => {
                    return Err(ClientError::protocol(format!(
                        "tools/list returned the cursor {next:?} it was given: the listing would never end"
                    )));
                }
                Some(next) => cursor = Some(next),
                None => return Ok(tools),
            }
        }
    }

    /// Calls a tool. A tool that ran and failed is `Ok` with `is_error: Some(true)`; `Err` means
    /// the call itself failed (unknown tool, transport, protocol).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// use mcp_runtime::Content;
    /// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
    /// assert_eq!(result.content, vec![Content::text("5")]);
    /// # Ok(()) }
    /// ```
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<CallToolResult, ClientError> {
        self.call(name, arguments, None).await
    }

    /// Calls a tool with a progress token (`_meta.progressToken`), handing each of the call's
    /// progress updates to `on_progress` as it arrives (the handler sees them too).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let args = serde_json::json!({"items": ["a.pdf", "b.pdf"]});
    /// let result = client
    ///     .call_tool_with_progress("process_files", args, |p| {
    ///         println!("{}/{:?} {}", p.progress, p.total, p.message.as_deref().unwrap_or(""));
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: Value,
        mut on_progress: impl FnMut(&Progress) + Send,
    ) -> Result<CallToolResult, ClientError> {
        self.call(name, arguments, Some(&mut on_progress)).await
    }

    async fn call(
        &self,
        name: &str,
        arguments: Value,
        on_progress: OnProgress<'_>,
    ) -> Result<CallToolResult, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut params = json!({ "name": name, "arguments": arguments });
        if on_progress.is_some() {
            params["_meta"] = json!({ "progressToken": id });
        }
        let result = self
            .round_trip(id, "tools/call", Some(&params), on_progress)
            .await?;
        decode_result("tools/call", result)
    }

    /// Sets the lowest level of log messages the server sends (`logging/setLevel`).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.set_log_level(mcp_runtime::LoggingLevel::Warning).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_log_level(&self, level: LoggingLevel) -> Result<(), ClientError> {
        self.request("logging/setLevel", Some(json!({ "level": level })))
            .await
            .map(drop)
    }

    /// Checks the server is alive (`ping`).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<(), ClientError> {
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
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.round_trip(id, method, params.as_ref(), None).await
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
        let body = serde_json::to_vec(&WireNotification {
            jsonrpc: "2.0",
            method,
            params: params.as_ref(),
        })
        .map_err(|e| ClientError::protocol(format!("could not encode {method}: {e}")))?;
        let mut replies = self.transport.post(body).await?;
        // A server may answer a notification with a body; nothing in it is for us, except
        // messages for the handler.
        while let Some(message) = replies.next().await {
            self.incoming(message?, &mut None, None).await;
        }
        Ok(())
    }

    /// Ends the session (`DELETE`). Dropping a client without closing it leaves the session to
    /// expire on the server.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.close().await?;
    /// # Ok(()) }
    /// ```
    pub async fn close(self) -> Result<(), ClientError> {
        self.transport.delete().await
    }

    async fn request_as<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: Option<Value>,
    ) -> Result<T, ClientError> {
        let result = self.request(method, params).await?;
        decode_result(method, result)
    }

    /// Sends request `id` and reads its answer: notifications go to the handler (and progress
    /// for this request to `on_progress`) as they arrive, until the response.
    async fn round_trip(
        &self,
        id: i64,
        method: &str,
        params: Option<&Value>,
        mut on_progress: OnProgress<'_>,
    ) -> Result<Value, ClientError> {
        let body = serde_json::to_vec(&WireRequest {
            jsonrpc: "2.0",
            id,
            method,
            params,
        })
        .map_err(|e| ClientError::protocol(format!("could not encode {method}: {e}")))?;
        let mut replies = self.transport.post(body).await?;
        let token = on_progress.is_some().then(|| Value::from(id));
        while let Some(message) = replies.next().await {
            match message? {
                Message::Response(response) => match response.id {
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
                message => {
                    self.incoming(message, &mut on_progress, token.as_ref())
                        .await
                }
            }
        }
        Err(ClientError::StreamEnded(RequestId::Number(id)))
    }

    /// A notification or request from the server: to the handler (and the call's progress
    /// callback); requests are answered.
    async fn incoming(
        &self,
        message: Message,
        on_progress: &mut OnProgress<'_>,
        token: Option<&Value>,
    ) {
        let handler = self
            .handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        handler.on_message(&message);
        match &message {
            Message::Notification(n) => {
                if let Some(log) = LogMessage::from_notification(n) {
                    handler.on_log(log.level, log.logger.as_deref(), &log.data);
                } else if let Some(p) = Progress::from_notification(n) {
                    handler.on_progress(
                        &p.progress_token,
                        p.progress,
                        p.total,
                        p.message.as_deref(),
                    );
                    if let (Some(callback), Some(token)) = (on_progress.as_mut(), token) {
                        if &p.progress_token == token {
                            callback(&p);
                        }
                    }
                }
            }
            Message::Request(request) => self.answer(request).await,
            Message::Response(_) => {}
        }
    }

    /// Answers a server-initiated request: `ping`; everything else is not supported.
    async fn answer(&self, request: &Request) {
        #[derive(Serialize)]
        struct Answer<'a> {
            jsonrpc: &'static str,
            id: &'a RequestId,
            #[serde(skip_serializing_if = "Option::is_none")]
            result: Option<Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<RpcError>,
        }
        let (result, error) = match request.method.as_str() {
            "ping" => (Some(json!({})), None),
            method => (None, Some(RpcError::method_not_found(method))),
        };
        let Ok(body) = serde_json::to_vec(&Answer {
            jsonrpc: "2.0",
            id: &request.id,
            result,
            error,
        }) else {
            return;
        };
        // Best effort: the server's request is not what the caller waits for.
        if let Ok(mut replies) = self.transport.post(body).await {
            while let Some(Ok(_)) = replies.next().await {}
        }
    }
}

fn decode_result<T: serde::de::DeserializeOwned>(
    method: &str,
    result: Value,
) -> Result<T, ClientError> {
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
                for piece in pieces {
                    socket.write_all(piece).await.unwrap();
                    socket.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        });
        url
    }

    fn client(url: &str) -> Client {
        Client {
            transport: HttpTransport::new(
                reqwest::Client::new(),
                reqwest::Url::parse(url).unwrap(),
                DEFAULT_MAX_MESSAGE_BYTES,
            ),
            next_id: AtomicI64::new(0),
            handler: RwLock::new(Arc::new(Ignore)),
            init: InitializeResult {
                protocol_version: String::new(),
                capabilities: Value::Null,
                server_info: Implementation::new("", ""),
                instructions: None,
            },
            protocol_version: PROTOCOL_VERSION,
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
            r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","serverInfo":{"name":"s","version":"1"}}}"#,
        );
        let accepted: &[u8] =
            b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let url = canned(vec![vec![Vec::leak(init)], vec![accepted]]).await;
        let client = Client::connect(url).await.unwrap();
        assert_eq!(client.session_id(), Some("abc123"));
        assert_eq!(client.protocol_version(), ProtocolVersion::V2025_06_18);
        assert_eq!(client.server_info().server_info.name, "s");

        let old = json_response(
            "200 OK",
            r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2024-11-05","serverInfo":{"name":"s","version":"1"}}}"#,
        );
        let url = canned(vec![vec![Vec::leak(old)]]).await;
        let e = Client::connect(url).await.unwrap_err();
        assert!(
            matches!(&e, ClientError::Protocol(m) if m.contains("2024-11-05")),
            "{e}"
        );
    }
}

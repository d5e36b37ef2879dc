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
//!//!
//! The module has two layers. Transports move encoded messages: `transport.rs` (Streamable
//! HTTP: one POST per message, answered with JSON or an SSE stream parsed incrementally by
//! [`SseParser`]), `stdio.rs` (lines on a child's pipes) and `legacy.rs` (POSTs, and one SSE
//! stream for everything the server sends); `link.rs` puts one of them under the protocol
//! layer. The protocol layer ([`Client`]) is shared by all three: `routing.rs` numbers
//! requests, matches responses to waiting calls, routes notifications to the
//! [`MessageHandler`] and the calls' progress callbacks, and answers server requests;
//! `exchange.rs` carries one request to its response; `handshake.rs` connects (`initialize`
//! or `server/discover`); `stateless.rs` adds what the 2026-07-28 wire asks of each request;
//! `methods.rs` holds the MCP methods; `results.rs` what they decode into.

mod builder;
mod error;
mod exchange;
mod handler;
mod handshake;
mod legacy;
mod link;
mod methods;
#[cfg(feature = "oauth")]
pub mod oauth;
mod options;
mod param_headers;
mod requests;
mod results;
mod routing;
mod sse;
mod stateless;
mod stdio;
#[cfg(test)]
mod tests;
mod transport;

use std::fmt;
use std::sync::Arc;

pub use self::builder::ClientBuilder;
use self::builder::Target;
pub use self::error::{BoxError, ClientError};
use self::handler::NotificationFn;
pub use self::handler::{LogMessage, MessageHandler, Progress};
use self::link::{Ended, Link};
pub use self::options::{CallOptions, Wire, WirePreference};
pub use self::requests::ElicitRequest;
pub use self::results::{
    InitializeResult, PromptArgumentInfo, PromptInfo, ResourceInfo, ResourceTemplateInfo, ToolInfo,
};
use self::routing::Inner;
pub use self::sse::{SseEvent, SseParser, SseTooLarge};
use crate::protocol::{Notification, ProtocolVersion};
/// The token that cancels a call ([`CallOptions::cancel_on`]), re-exported from `tokio-util`.
pub use tokio_util::sync::CancellationToken;

/// The protocol revision this client asks for in `initialize`.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V2025_11_25;

/// The stateless protocol revision tried first over Streamable HTTP.
pub const STATELESS_PROTOCOL_VERSION: &str = ProtocolVersion::V2026_07_28.as_str();

/// The default limit on one message (a JSON body, an SSE event or a stdio line): 16 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

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
}

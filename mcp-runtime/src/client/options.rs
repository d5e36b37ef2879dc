//! Per-call options and the choice of wire.

use std::fmt;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::handler::Progress;

/// A call's progress callback.
pub(super) type OnProgress<'a> = Box<dyn FnMut(&Progress) + Send + 'a>;

/// Options of one call: a progress callback, a cancellation token, a timeout.
///
/// ```no_run
/// use std::time::Duration;
/// use mcp_runtime::client::{CallOptions, Client, ClientError};
/// use tokio_util::sync::CancellationToken;
///
/// # async fn run(client: Client) -> Result<(), ClientError> {
/// let stop = CancellationToken::new();
/// let options = CallOptions::new()
///     .on_progress(|p| println!("{}/{:?}", p.progress, p.total))
///     .cancel_on(stop.clone())
///     .timeout(Duration::from_secs(30));
/// let args = serde_json::json!({"items": ["a.pdf"]});
/// match client.call_tool_with("process_files", args, options).await {
///     Err(ClientError::Cancelled) => println!("stopped"),
///     other => println!("{:?}", other?.content),
/// }
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct CallOptions<'a> {
    pub(super) progress: Option<OnProgress<'a>>,
    pub(super) cancel: Option<CancellationToken>,
    pub(super) timeout: Option<Duration>,
}

impl<'a> CallOptions<'a> {
    /// No progress callback, no cancellation, no timeout.
    ///
    /// ```
    /// let options = mcp_runtime::client::CallOptions::new();
    /// assert_eq!(format!("{options:?}"), "CallOptions { progress: false, cancel: None, timeout: None }");
    /// ```
    pub fn new() -> CallOptions<'a> {
        CallOptions::default()
    }

    /// Asks for progress (`_meta.progressToken`) and hands each update to `callback` as it
    /// arrives. The callback may borrow from the caller.
    ///
    /// ```
    /// let mut updates = Vec::new();
    /// let options = mcp_runtime::client::CallOptions::new().on_progress(|p| updates.push(p.progress));
    /// # drop(options);
    /// ```
    pub fn on_progress(mut self, callback: impl FnMut(&Progress) + Send + 'a) -> CallOptions<'a> {
        self.progress = Some(Box::new(callback));
        self
    }

    /// Cancels the call when `token` is cancelled: the call returns
    /// [`ClientError::Cancelled`](super::ClientError::Cancelled) and the server is told
    /// (`notifications/cancelled`; on the stateless 2026 wire, by closing the response stream).
    ///
    /// ```
    /// use mcp_runtime::client::{CallOptions, CancellationToken};
    /// let stop = CancellationToken::new();
    /// let options = CallOptions::new().cancel_on(stop.clone());
    /// stop.cancel(); // from anywhere: a UI button, a signal handler
    /// # drop(options);
    /// ```
    pub fn cancel_on(mut self, token: CancellationToken) -> CallOptions<'a> {
        self.cancel = Some(token);
        self
    }

    /// Gives up after `timeout`, cancelling the request as [`cancel_on`](Self::cancel_on) does,
    /// with [`ClientError::Timeout`](super::ClientError::Timeout).
    ///
    /// ```
    /// let options = mcp_runtime::client::CallOptions::new()
    ///     .timeout(std::time::Duration::from_secs(30));
    /// # drop(options);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> CallOptions<'a> {
        self.timeout = Some(timeout);
        self
    }
}

impl fmt::Debug for CallOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The wire a connected [`Client`](super::Client) speaks.
///
/// ```
/// use mcp_runtime::client::Wire;
/// assert_eq!(Wire::Stateless.to_string(), "2026-07-28 (stateless)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wire {
    /// Protocol 2026-07-28 over Streamable HTTP: no handshake, no session; every request
    /// carries its version, capabilities and log level in `_meta`.
    Stateless,
    /// The `initialize` handshake of 2024-11-05 .. 2025-11-25 and a session (Streamable HTTP,
    /// stdio or the legacy HTTP+SSE transport); [`Client::protocol_version`](super::Client::protocol_version)
    /// says which revision was agreed.
    Handshake,
}

impl fmt::Display for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Wire::Stateless => "2026-07-28 (stateless)",
            Wire::Handshake => "initialize handshake",
        })
    }
}

/// Which wire [`ClientBuilder::connect`](super::ClientBuilder::connect) uses over Streamable
/// HTTP.
///
/// ```
/// use mcp_runtime::client::{Client, WirePreference};
/// let builder = Client::builder("http://127.0.0.1:8000/mcp").wire(WirePreference::Handshake);
/// # drop(builder);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum WirePreference {
    /// Try 2026-07-28 (`server/discover`) first; fall back to `initialize` when the server
    /// answers with an error. The default.
    #[default]
    Auto,
    /// Only 2026-07-28; connecting fails if the server does not speak it.
    Stateless,
    /// Only the `initialize` handshake (2025-11-25).
    Handshake,
}

//! [`Ctx`]: what a running tool uses to talk back to the client that called it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::protocol::jsonrpc::encode;
use crate::protocol::{Implementation, LoggingLevel, ProtocolVersion, RequestId};
use crate::session::Session;
use crate::state::{MissingState, StateMap};

/// A message produced while serving one request, on its way to the transport.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A notification tied to the request (log, progress), already encoded.
    Notification(Vec<u8>),
    /// The final response, already encoded; nothing follows it.
    Response(Vec<u8>),
}

/// Which log messages reach the client.
pub(crate) enum LogFilter {
    /// 2025 era: the session's level, read at send time so a `logging/setLevel` sent during a
    /// long call takes effect at once.
    Session(Arc<Session>),
    /// A fixed threshold; `None` sends nothing (2026 era without a requested level, or tests).
    Fixed(Option<LoggingLevel>),
}

impl LogFilter {
    fn allows(&self, level: LoggingLevel) -> bool {
        match self {
            LogFilter::Session(session) => session.log_level().is_none_or(|min| level >= min),
            LogFilter::Fixed(min) => min.is_some_and(|min| level >= min),
        }
    }
}

/// Everything the runtime knows about one in-flight request; shared by every clone of its [`Ctx`].
pub(crate) struct CallScope {
    pub(crate) request_id: RequestId,
    pub(crate) progress_token: Option<Value>,
    pub(crate) last_progress: Mutex<Option<f64>>,
    pub(crate) sink: mpsc::Sender<Outgoing>,
    pub(crate) log: LogFilter,
    pub(crate) cancel: CancellationToken,
    /// Set once the response was sent or the call was cancelled: nothing more may go out.
    pub(crate) finished: AtomicBool,
    pub(crate) session: Option<Arc<Session>>,
    pub(crate) protocol_version: ProtocolVersion,
    pub(crate) state: Arc<StateMap>,
}

/// The handle a tool uses to log, report progress, notice cancellation and reach shared state.
///
/// Every notification goes to the stream of the request that started the tool, in order, before
/// the result. Cloning is cheap; clones refer to the same request.
///
/// ```
/// use mcp_runtime::{mcp_tool, Ctx, ToolError};
///
/// /// Count to `n`, reporting progress.
/// #[mcp_tool]
/// async fn count(ctx: Ctx, n: u32) -> Result<String, ToolError> {
///     for i in 1..=n {
///         if ctx.is_cancelled() {
///             return Err(ToolError::msg("cancelled"));
///         }
///         ctx.info(format!("step {i}")).await;
///         ctx.progress(i, n).await;
///     }
///     Ok("done".into())
/// }
/// ```
#[derive(Clone)]
pub struct Ctx {
    scope: Arc<CallScope>,
}

impl Ctx {
    pub(crate) fn new(scope: Arc<CallScope>) -> Ctx {
        Ctx { scope }
    }

    /// A context bound to no client: notifications go nowhere. Useful to call a tool function
    /// directly, in unit tests for example.
    ///
    /// ```
    /// use mcp_runtime::Ctx;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let ctx = Ctx::detached();
    /// ctx.info("nobody hears this").await;
    /// assert!(!ctx.is_cancelled());
    /// # }
    /// ```
    pub fn detached() -> Ctx {
        let (sink, _) = mpsc::channel(1);
        Ctx::new(Arc::new(CallScope {
            request_id: RequestId::Number(0),
            progress_token: None,
            last_progress: Mutex::new(None),
            sink,
            log: LogFilter::Fixed(None),
            cancel: CancellationToken::new(),
            finished: AtomicBool::new(false),
            session: None,
            protocol_version: ProtocolVersion::LATEST,
            state: Arc::new(StateMap::default()),
        }))
    }

    /// Sends a log message at `level` if the client's level lets it through.
    ///
    /// `data` is any serializable value; strings are the common case.
    pub async fn log(&self, level: LoggingLevel, data: impl Serialize) {
        self.send_log(level, None, data).await
    }

    /// Like [`log`](Self::log), naming the logger the message comes from.
    pub async fn log_from(&self, logger: &str, level: LoggingLevel, data: impl Serialize) {
        self.send_log(level, Some(logger), data).await
    }

    /// Logs at `debug`.
    pub async fn debug(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Debug, None, data).await
    }
    /// Logs at `info`.
    pub async fn info(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Info, None, data).await
    }
    /// Logs at `notice`.
    pub async fn notice(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Notice, None, data).await
    }
    /// Logs at `warning`.
    pub async fn warning(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Warning, None, data).await
    }
    /// Logs at `error`.
    pub async fn error(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Error, None, data).await
    }
    /// Logs at `critical`.
    pub async fn critical(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Critical, None, data).await
    }
    /// Logs at `alert`.
    pub async fn alert(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Alert, None, data).await
    }
    /// Logs at `emergency`.
    pub async fn emergency(&self, data: impl Serialize) {
        self.send_log(LoggingLevel::Emergency, None, data).await
    }

    async fn send_log(&self, level: LoggingLevel, logger: Option<&str>, data: impl Serialize) {
        if !self.scope.log.allows(level) || self.is_finished() {
            return;
        }
        #[derive(Serialize)]
        struct Params<'a, D> {
            level: LoggingLevel,
            #[serde(skip_serializing_if = "Option::is_none")]
            logger: Option<&'a str>,
            data: D,
        }
        let bytes = encode::notification(
            "notifications/message",
            Params {
                level,
                logger,
                data,
            },
        );
        self.send(bytes).await;
    }

    /// Reports progress, `done` out of `total`.
    ///
    /// Only sent when the client asked for progress (a `progressToken` on the request), and only
    /// when `done` is greater than the last value reported: progress never goes backwards.
    pub async fn progress(&self, done: impl ProgressValue, total: impl ProgressValue) {
        self.send_progress(done.as_f64(), Some(total.as_f64()), None)
            .await
    }

    /// Like [`progress`](Self::progress), with a message for humans.
    pub async fn progress_message(
        &self,
        done: impl ProgressValue,
        total: impl ProgressValue,
        message: &str,
    ) {
        self.send_progress(done.as_f64(), Some(total.as_f64()), Some(message))
            .await
    }

    /// Reports progress when the total is not known.
    pub async fn progress_unbounded(&self, done: impl ProgressValue, message: Option<&str>) {
        self.send_progress(done.as_f64(), None, message).await
    }

    async fn send_progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.scope.progress_token else {
            return;
        };
        if self.is_finished() || !progress.is_finite() {
            return;
        }
        {
            let mut last = self
                .scope
                .last_progress
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|last| progress <= last) {
                return;
            }
            *last = Some(progress);
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Params<'a> {
            progress_token: &'a Value,
            progress: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            total: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
        }
        let message = message.filter(|_| self.scope.protocol_version.progress_has_message());
        let bytes = encode::notification(
            "notifications/progress",
            Params {
                progress_token: token,
                progress,
                total,
                message,
            },
        );
        self.send(bytes).await;
    }

    async fn send(&self, bytes: Vec<u8>) {
        // A closed stream (the client went away) is not the tool's problem: it keeps running
        // and its notifications are dropped.
        let _ = self.scope.sink.send(Outgoing::Notification(bytes)).await;
    }

    fn is_finished(&self) -> bool {
        self.scope.finished.load(Ordering::Acquire)
    }

    /// Whether the client cancelled this request.
    pub fn is_cancelled(&self) -> bool {
        self.scope.cancel.is_cancelled()
    }

    /// Completes when the client cancels this request.
    ///
    /// The runtime also drops a cancelled tool's future at its next `.await`, so this is for
    /// work that does not yield: blocking threads, child processes, spawned tasks.
    pub async fn cancelled(&self) {
        self.scope.cancel.cancelled().await
    }

    /// A token that fires when the request is cancelled, to hand to spawned work.
    pub fn cancellation_token(&self) -> CancellationToken {
        self.scope.cancel.clone()
    }

    /// The JSON-RPC id of the request being served.
    pub fn request_id(&self) -> &RequestId {
        &self.scope.request_id
    }

    /// The session id, on session-based transports.
    pub fn session_id(&self) -> Option<&str> {
        self.scope.session.as_ref().map(|s| s.id())
    }

    /// The protocol revision agreed with this client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.scope.protocol_version
    }

    /// The client's name and version, as it introduced itself.
    pub fn client_info(&self) -> Option<&Implementation> {
        self.scope.session.as_ref().map(|s| s.client_info())
    }

    /// The capabilities the client declared (`sampling`, `elicitation`, `roots` ...), as sent.
    pub fn client_capabilities(&self) -> Option<&Value> {
        self.scope.session.as_ref().map(|s| s.client_capabilities())
    }

    /// Shared state registered with [`Server::state`](crate::Server::state).
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Ctx, ToolError};
    ///
    /// struct Greeting(String);
    ///
    /// /// Greet with the configured greeting.
    /// #[mcp_tool]
    /// async fn greet(ctx: Ctx, name: String) -> Result<String, ToolError> {
    ///     let greeting = ctx.state::<Greeting>()?;
    ///     Ok(format!("{}, {name}!", greeting.0))
    /// }
    /// ```
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, MissingState> {
        self.scope.state.get::<T>()
    }
}

/// A number usable as a progress value (every primitive integer and float).
pub trait ProgressValue: Copy {
    /// The value as `f64`, as it goes on the wire.
    fn as_f64(self) -> f64;
}

macro_rules! progress_value {
    ($($t:ty),*) => {$(
        impl ProgressValue for $t {
            #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
            fn as_f64(self) -> f64 { self as f64 }
        }
    )*};
}
progress_value!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

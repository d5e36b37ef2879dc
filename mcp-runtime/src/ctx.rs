//! [`Ctx`]: what a running tool uses to talk back to the client that called it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::auth::Identity;
use crate::elicit::{
    ClientRequestError, CreateMessageRequest, CreateMessageResult, ElicitError, Elicitation, Root,
    DEFAULT_CLIENT_TIMEOUT,
};
use crate::peer::{Outgoing, Peer, Session};
use crate::protocol::jsonrpc::encode;
use crate::protocol::{Implementation, LoggingLevel, ProtocolVersion, RequestId};
use crate::state::{MissingState, StateMap};

/// Everything the runtime knows about one in-flight request; shared by every clone of its [`Ctx`].
pub(crate) struct CallScope {
    pub(crate) request_id: RequestId,
    pub(crate) progress_token: Option<Value>,
    pub(crate) last_progress: Mutex<Option<f64>>,
    pub(crate) sink: mpsc::Sender<Outgoing>,
    /// Who the request talks back to: its session, its stateless exchange, or nobody.
    pub(crate) peer: Peer,
    pub(crate) cancel: CancellationToken,
    /// Set once the response was sent or the call was cancelled: nothing more may go out.
    pub(crate) finished: AtomicBool,
    pub(crate) state: Arc<StateMap>,
    /// The authenticated caller, when the transport authenticates.
    pub(crate) identity: Option<Arc<Identity>>,
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
    client_timeout: Duration,
    /// The key the next question is asked under on the stateless wire.
    input_key: Option<Arc<str>>,
}

impl Ctx {
    pub(crate) fn new(scope: Arc<CallScope>) -> Ctx {
        Ctx {
            scope,
            client_timeout: DEFAULT_CLIENT_TIMEOUT,
            input_key: None,
        }
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
            peer: Peer::Detached,
            cancel: CancellationToken::new(),
            finished: AtomicBool::new(false),
            state: Arc::new(StateMap::default()),
            identity: None,
        }))
    }

    /// Who made the request: the identity of its bearer token when the endpoint authenticates
    /// (see [`StreamableHttp::auth`](crate::http::StreamableHttp::auth)), else `None` (also on
    /// stdio).
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Ctx};
    ///
    /// /// Say who is asking.
    /// #[mcp_tool]
    /// async fn whoami(ctx: Ctx) -> String {
    ///     match ctx.identity() {
    ///         Some(id) => format!("{} with scopes {:?}", id.subject(), id.scopes()),
    ///         None => "anonymous".into(),
    ///     }
    /// }
    /// ```
    pub fn identity(&self) -> Option<&Identity> {
        self.scope.identity.as_deref()
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
        if !self.scope.peer.allows_log(level) || self.is_finished() {
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
        let message = message.filter(|_| self.scope.peer.protocol_version().progress_has_message());
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

    /// Ends the stream this request's messages travel on, while the tool goes on running: the
    /// client reconnects (after the `retry` delay the server announced) with `Last-Event-ID`
    /// and receives what was sent meanwhile, then the rest. Long calls use it so that no
    /// connection stays open for minutes through proxies that dislike that (SSE polling,
    /// SEP-1699).
    ///
    /// Only Streamable HTTP sessions that can resume (protocol 2025-11-25 and later) close the
    /// stream; on any other transport this does nothing, and the call carries on as usual.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::{mcp_tool, Ctx};
    ///
    /// /// A long job that does not hold a connection open while it works.
    /// #[mcp_tool]
    /// async fn rebuild(ctx: Ctx) -> String {
    ///     ctx.info("rebuilding").await;
    ///     ctx.close_sse_stream().await;
    ///     tokio::time::sleep(Duration::from_millis(10)).await;
    ///     "rebuilt".into()
    /// }
    /// ```
    pub async fn close_sse_stream(&self) {
        if !self.scope.finished.load(Ordering::Acquire) {
            let _ = self.scope.sink.send(Outgoing::CloseStream).await;
        }
    }

    /// Marks the point from which the call may run as a task: on the 2026 wire, for a tool
    /// declared with `#[mcp_tool(task = "optional")]` (or `"required"`) and a client that takes
    /// tasks, the request is answered here with a task id and the tool runs on; its questions
    /// to the client then wait in the task (`tasks/get` shows them, `tasks/update` answers).
    /// Questions asked before this point travel as an `InputRequiredResult` instead. Such a
    /// call also becomes a task, without this, as soon as the tool waits on anything but the
    /// client. Elsewhere this only yields once.
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Ctx, elicit::Elicitation};
    ///
    /// /// Delete a file after the user confirms, as a task.
    /// #[mcp_tool(task = "optional")]
    /// async fn delete(ctx: Ctx, file: String) -> String {
    ///     ctx.run_as_task().await;
    ///     let form = serde_json::json!({"type": "object", "properties": {"confirm": {"type": "boolean"}}});
    ///     match ctx.elicit_schema(format!("Delete {file}?"), form).await {
    ///         Ok(Elicitation::Accept(_)) => format!("deleted {file}"),
    ///         _ => "kept".into(),
    ///     }
    /// }
    /// ```
    pub async fn run_as_task(&self) {
        // The runtime turns a call into a task when the tool waits: yield once.
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                return std::task::Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        })
        .await
    }

    /// A token that fires when the request is cancelled, to hand to spawned work.
    pub fn cancellation_token(&self) -> CancellationToken {
        self.scope.cancel.clone()
    }

    /// The JSON-RPC id of the request being served.
    pub fn request_id(&self) -> &RequestId {
        &self.scope.request_id
    }

    /// The session id, on session-based transports (`None` for stateless 2026 requests).
    pub fn session_id(&self) -> Option<&str> {
        self.scope.peer.session().map(|s| s.id())
    }

    /// The protocol revision agreed with this client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.scope.peer.protocol_version()
    }

    /// The client's name and version, as it introduced itself (on the 2026 wire, as the
    /// request's `_meta` names it, if it does).
    pub fn client_info(&self) -> Option<&Implementation> {
        self.scope.peer.client_info()
    }

    /// The capabilities the client declared (`sampling`, `elicitation`, `roots` ...), as sent.
    pub fn client_capabilities(&self) -> Option<&Value> {
        self.scope.peer.client_capabilities()
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

/// Asking the client: elicitation, sampling, roots.
///
/// Each method checks the capability the client declared first and fails with
/// [`ClientRequestError::NotSupported`] without sending anything when it is missing. How the
/// question travels is the runtime's choice, not the tool's: on 2025-era sessions it is a
/// server→client request on the call's own stream; on the stateless 2026 wire it is an entry of
/// an `InputRequiredResult` (see [`with_input_key`](Self::with_input_key)), and the tool runs
/// again from the start when the client retries with the answers, so code before a question
/// should not have effects that must happen once.
impl Ctx {
    /// A handle to the same call whose questions to the client wait at most `timeout` for an
    /// answer (default [`DEFAULT_CLIENT_TIMEOUT`](crate::DEFAULT_CLIENT_TIMEOUT)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let ctx = mcp_runtime::Ctx::detached().with_client_timeout(Duration::from_secs(30));
    /// # let _ = ctx;
    /// ```
    pub fn with_client_timeout(&self, timeout: Duration) -> Ctx {
        Ctx {
            scope: self.scope.clone(),
            client_timeout: timeout,
            input_key: self.input_key.clone(),
        }
    }

    /// A handle to the same call whose questions to the client are asked under `key`.
    ///
    /// On the stateless 2026 wire a question travels in an `InputRequiredResult` as an entry
    /// of `inputRequests`, and the client's answer comes back under the same key with the
    /// retried request. Questions are keyed `elicitation-1`, `sampling-2` ... in the order
    /// asked by default; name them when clients or tests expect given keys. On the session
    /// wire the key is not used.
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Ctx, ToolError};
    ///
    /// /// Ask for a name, under the key `user_name`.
    /// #[mcp_tool]
    /// async fn hello(ctx: Ctx) -> Result<String, ToolError> {
    ///     let schema = serde_json::json!({
    ///         "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]
    ///     });
    ///     let answer = ctx.with_input_key("user_name").elicit_schema("Your name?", schema).await?;
    ///     Ok(format!("Hello, {}!", answer.accepted().map_or("stranger".into(), |a| a["name"].to_string())))
    /// }
    /// ```
    pub fn with_input_key(&self, key: &str) -> Ctx {
        Ctx {
            scope: self.scope.clone(),
            client_timeout: self.client_timeout,
            input_key: Some(key.into()),
        }
    }

    /// Asks the user to fill in a form derived from `T` (form-mode elicitation). The schema is
    /// [`elicitation_schema::<T>()`](crate::elicitation_schema); an accepted answer is
    /// deserialized into `T`.
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Ctx, JsonSchema, ToolError, elicit::Elicitation};
    ///
    /// #[derive(serde::Deserialize, JsonSchema)]
    /// struct Contact {
    ///     /// Your name.
    ///     name: String,
    ///     #[schemars(email)]
    ///     email: String,
    /// }
    ///
    /// /// Ask who to contact.
    /// #[mcp_tool]
    /// async fn ask_contact(ctx: Ctx) -> Result<String, ToolError> {
    ///     Ok(match ctx.elicit::<Contact>("Who should we contact?").await? {
    ///         Elicitation::Accept(c) => format!("{} <{}>", c.name, c.email),
    ///         Elicitation::Decline => "declined".into(),
    ///         Elicitation::Cancel => "cancelled".into(),
    ///     })
    /// }
    /// ```
    pub async fn elicit<T>(&self, message: impl Into<String>) -> Result<Elicitation<T>, ElicitError>
    where
        T: DeserializeOwned + schemars::JsonSchema,
    {
        let schema = crate::elicit::elicitation_schema::<T>()?;
        match self.elicit_schema(message, schema).await? {
            Elicitation::Accept(content) => serde_json::from_value(content)
                .map(Elicitation::Accept)
                .map_err(|e| ClientRequestError::InvalidResponse(e.to_string())),
            Elicitation::Decline => Ok(Elicitation::Decline),
            Elicitation::Cancel => Ok(Elicitation::Cancel),
        }
    }

    /// Form-mode elicitation with a hand-written `requestedSchema` (a flat object of
    /// primitive properties); the accepted content is returned as sent.
    ///
    /// ```
    /// # async fn f(ctx: mcp_runtime::Ctx) -> Result<(), mcp_runtime::elicit::ElicitError> {
    /// let schema = serde_json::json!({
    ///     "type": "object",
    ///     "properties": {"size": {"type": "string", "enum": ["S", "M", "L"]}},
    ///     "required": ["size"]
    /// });
    /// if let Some(answer) = ctx.elicit_schema("Which size?", schema).await?.accepted() {
    ///     println!("{}", answer["size"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn elicit_schema(
        &self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Result<Elicitation<Value>, ElicitError> {
        let elicitation = self.declared("elicitation")?;
        let Some(caps) = elicitation.as_object() else {
            return Err(ClientRequestError::NotSupported("elicitation"));
        };
        // `{}` means form only; otherwise the client lists the modes it takes.
        if !(caps.is_empty() || caps.contains_key("form")) {
            return Err(ClientRequestError::NotSupported("form-mode elicitation"));
        }
        if !requested_schema.is_object() {
            return Err(ClientRequestError::InvalidSchema(
                "the requested schema must be an object schema".into(),
            ));
        }
        let mut params = json!({ "message": message.into(), "requestedSchema": requested_schema });
        if self.protocol_version() >= ProtocolVersion::V2025_11_25 {
            params["mode"] = "form".into();
        }
        let result = self.ask_client("elicitation/create", params).await?;
        crate::elicit::parse_elicit_result(result)
    }

    /// URL-mode elicitation (2025-11-25): asks the user to open `url` (for a sign-in, a
    /// payment, anything that must not pass through the client). Only for clients that
    /// declared `elicitation.url`. `Accept(())` means the user agreed to open it.
    ///
    /// ```
    /// # async fn f(ctx: mcp_runtime::Ctx) -> Result<(), mcp_runtime::elicit::ElicitError> {
    /// let answer = ctx
    ///     .elicit_url("Please sign in", "https://example.com/login?s=1", "login-1")
    ///     .await?;
    /// # let _ = answer; Ok(()) }
    /// ```
    pub async fn elicit_url(
        &self,
        message: impl Into<String>,
        url: impl Into<String>,
        elicitation_id: impl Into<String>,
    ) -> Result<Elicitation<()>, ElicitError> {
        let elicitation = self.declared("elicitation")?;
        if elicitation.get("url").is_none() {
            return Err(ClientRequestError::NotSupported("URL-mode elicitation"));
        }
        let params = json!({
            "mode": "url",
            "message": message.into(),
            "url": url.into(),
            "elicitationId": elicitation_id.into(),
        });
        let result = self.ask_client("elicitation/create", params).await?;
        Ok(match crate::elicit::parse_elicit_result(result)? {
            Elicitation::Accept(_) => Elicitation::Accept(()),
            Elicitation::Decline => Elicitation::Decline,
            Elicitation::Cancel => Elicitation::Cancel,
        })
    }

    /// Asks the client's model for a completion (`sampling/createMessage`).
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Ctx, ToolError, elicit::{CreateMessageRequest, SamplingMessage}};
    ///
    /// /// Summarize a text with the client's model.
    /// #[mcp_tool]
    /// async fn summarize(ctx: Ctx, text: String) -> Result<String, ToolError> {
    ///     let request = CreateMessageRequest::new(vec![SamplingMessage::user(text)], 200)
    ///         .system_prompt("Summarize in one sentence.");
    ///     Ok(ctx.sample(request).await?.text())
    /// }
    /// ```
    pub async fn sample(
        &self,
        request: CreateMessageRequest,
    ) -> Result<CreateMessageResult, ClientRequestError> {
        self.declared("sampling")?;
        let params = serde_json::to_value(&request).expect("sampling requests serialize");
        let result = self.ask_client("sampling/createMessage", params).await?;
        serde_json::from_value(result)
            .map_err(|e| ClientRequestError::InvalidResponse(e.to_string()))
    }

    /// The client's roots (`roots/list`).
    ///
    /// ```
    /// # async fn f(ctx: mcp_runtime::Ctx) -> Result<(), mcp_runtime::elicit::ClientRequestError> {
    /// for root in ctx.list_roots().await? {
    ///     println!("{}", root.uri);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_roots(&self) -> Result<Vec<Root>, ClientRequestError> {
        self.declared("roots")?;
        let result = self.ask_client("roots/list", json!({})).await?;
        serde_json::from_value::<crate::elicit::ListRootsResult>(result)
            .map(|r| r.roots)
            .map_err(|e| ClientRequestError::InvalidResponse(e.to_string()))
    }

    /// The client's declaration of `capability`, or why it cannot be asked for it.
    fn declared(&self, capability: &'static str) -> Result<&Value, ClientRequestError> {
        let declared = self
            .scope
            .peer
            .client_capabilities()
            .ok_or(ClientRequestError::NoClient)?
            .get(capability)
            .filter(|c| c.is_object());
        if declared.is_none() {
            if let Peer::Stateless(exchange) = &self.scope.peer {
                exchange.note_missing(capability);
            }
        }
        declared.ok_or(ClientRequestError::NotSupported(capability))
    }

    /// Sends a server→client request on this call's stream and waits for the client's
    /// response, which the transport routes back by id (`ServerCore::response`). Dropping the
    /// future (the call was cancelled) forgets the request; the session ending fails it.
    async fn ask_client(&self, method: &str, params: Value) -> Result<Value, ClientRequestError> {
        if self.is_finished() || self.is_cancelled() {
            return Err(ClientRequestError::CallFinished);
        }
        let session = match &self.scope.peer {
            Peer::Session(session) => session,
            Peer::Detached => return Err(ClientRequestError::NoClient),
            Peer::Stateless(exchange) => {
                // Stateless: the answer came with this request, or the question goes into an
                // `InputRequiredResult` and this call stops here, to be run again with the answer.
                let key = match &self.input_key {
                    Some(key) => key.to_string(),
                    None => exchange.next_key(method),
                };
                if let Some(answer) = exchange.answer(&key) {
                    return Ok(answer);
                }
                if let Some(task) = exchange.task() {
                    // A task parks the question until `tasks/update` answers it.
                    let answer = task.ask(key, method, params);
                    return match tokio::time::timeout(self.client_timeout, answer).await {
                        Err(_) => Err(ClientRequestError::Timeout(self.client_timeout)),
                        Ok(Err(_)) => Err(ClientRequestError::CallFinished),
                        Ok(Ok(answer)) => Ok(answer),
                    };
                }
                exchange.ask(key, method, params);
                return std::future::pending().await;
            }
        };
        let (id, answer) = session
            .begin_client_request()
            .ok_or(ClientRequestError::SessionClosed)?;
        struct Forget<'a>(&'a Session, &'a RequestId);
        impl Drop for Forget<'_> {
            fn drop(&mut self) {
                self.0.end_client_request(self.1);
            }
        }
        let _forget = Forget(session, &id);
        let bytes = serde_json::to_vec(&json!({
            "jsonrpc": "2.0", "id": id, "method": method, "params": params,
        }))
        .expect("JSON values serialize");
        self.scope
            .sink
            .send(Outgoing::Notification(bytes))
            .await
            .map_err(|_| ClientRequestError::Disconnected)?;
        match tokio::time::timeout(self.client_timeout, answer).await {
            Err(_) => Err(ClientRequestError::Timeout(self.client_timeout)),
            Ok(Err(_)) => Err(ClientRequestError::SessionClosed),
            Ok(Ok(Err(error))) => Err(ClientRequestError::Rejected(error)),
            Ok(Ok(Ok(result))) => Ok(result),
        }
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

//! The transport-agnostic core: one decoded message in, its effects and answer out.
//!
//! Transports call [`ServerCore::initialize`] to open a session, then
//! [`ServerCore::request`] / [`ServerCore::notification`] for everything else. Tool calls run as
//! local tasks; their notifications and final response come back on a bounded channel that the
//! transport drains into its stream.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::auth::Identity;
use crate::catalog::Catalog;
use crate::ctx::{CallScope, Ctx, LogFilter, Outgoing};
use crate::modern::Exchange;
use crate::prompt::{CompletionRequest, PromptArguments};
use crate::protocol::jsonrpc::{encode, parse_params};
use crate::protocol::{
    CallToolResult, ErrorCode, Implementation, LoggingLevel, Notification, ProtocolVersion,
    Request, RequestId, Response, RpcError,
};
use crate::server::ServerCore;
use crate::session::{CallRefused, Session};
use crate::tool::Arguments;

/// How many notifications of one call may wait for a slow client before the tool's next
/// `ctx.info(..).await` waits too.
const CALL_CHANNEL_CAPACITY: usize = 64;

/// The answer to a request.
pub(crate) enum Reply {
    /// Answered at once: the encoded response.
    Now(Vec<u8>),
    /// A running tool call: notifications, then the response, arrive on `messages`.
    Call {
        /// Whether the tool may notify before its result (it takes a `Ctx`).
        notifies: bool,
        messages: mpsc::Receiver<Outgoing>,
    },
}

/// A session opened by `initialize`, with the encoded response to send back.
pub(crate) struct Opened {
    pub(crate) session: Arc<Session>,
    pub(crate) response: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializeParams {
    protocol_version: String,
    #[serde(default)]
    capabilities: Value,
    client_info: Implementation,
}

#[derive(Deserialize)]
struct SetLevelParams {
    level: Value,
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Value,
    #[serde(default, rename = "_meta")]
    meta: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct GetPromptParams {
    name: String,
    #[serde(default)]
    arguments: Value,
    #[serde(default, rename = "_meta")]
    meta: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct CompleteParams {
    #[serde(rename = "ref")]
    reference: CompleteRef,
    argument: CompleteArgument,
    #[serde(default)]
    context: CompleteContext,
    #[serde(default, rename = "_meta")]
    meta: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum CompleteRef {
    #[serde(rename = "ref/prompt")]
    Prompt { name: String },
    #[serde(rename = "ref/resource")]
    Resource { uri: String },
}

#[derive(Deserialize)]
struct CompleteArgument {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct UriParams {
    uri: String,
    #[serde(rename = "_meta")]
    meta: Option<Map<String, Value>>,
}

#[derive(Deserialize, Default)]
struct CompleteContext {
    #[serde(default)]
    arguments: HashMap<String, String>,
}

/// What a request served by a local task yields: its `result`, or a JSON-RPC error.
pub(crate) type RequestFuture = Pin<Box<dyn Future<Output = Result<Value, RpcError>>>>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelledParams {
    request_id: RequestId,
}

impl ServerCore {
    /// Handles `initialize`: negotiates a version and opens a session. Errors are encoded
    /// JSON-RPC error responses.
    pub(crate) fn initialize(&self, request: &Request) -> Result<Opened, RpcError> {
        let params: InitializeParams = parse_params(request.params.clone())?;
        let version = ProtocolVersion::negotiate(&params.protocol_version);
        let session = Arc::new(Session::new(
            version,
            params.client_info,
            params.capabilities,
        ));
        // Lists may change at run time (`ServerHandle`), and sessions hear of it on their
        // server stream.
        self.live.track(&session);
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.capabilities(),
            "serverInfo": &self.info,
        });
        if let Some(instructions) = &self.instructions {
            result["instructions"] = Value::String(instructions.clone());
        }
        Ok(Opened {
            response: encode::result(&request.id, result),
            session,
        })
    }

    /// The server's capabilities, the same in both eras: list changes reach 2025 sessions on
    /// their server stream and 2026 `subscriptions/listen` streams that ask for them, and
    /// resource updates reach subscribers of either kind.
    pub(crate) fn capabilities(&self) -> Value {
        let mut capabilities = json!({ "tools": { "listChanged": true }, "logging": {} });
        let catalog = self.catalog();
        if !catalog.prompts.is_empty() {
            capabilities["prompts"] = json!({ "listChanged": true });
        }
        if catalog.completes() {
            capabilities["completions"] = json!({});
        }
        if !catalog.resources.is_empty() {
            capabilities["resources"] = json!({ "subscribe": true, "listChanged": true });
        }
        capabilities
    }

    /// Answers a request that arrived before `initialize` on a connection that will carry one
    /// session (stdio): `ping` is answered, anything else is refused with `-32600`.
    pub(crate) fn request_before_initialize(&self, request: &Request) -> Vec<u8> {
        if request.method == "ping" {
            return encode::result(&request.id, json!({}));
        }
        let error = RpcError::new(
            ErrorCode::INVALID_REQUEST,
            format!(
                "the session is not initialized: send `initialize` before `{}` (only `ping` may precede it)",
                request.method
            ),
        );
        encode::error(Some(&request.id), &error)
    }

    /// Handles a request within a session.
    pub(crate) fn request(&self, session: &Arc<Session>, request: Request) -> Reply {
        self.request_as(session, request, None)
    }

    /// Handles a request within a session, made by `caller` when the transport authenticates:
    /// tools whose scopes the caller lacks are neither listed nor called, and handlers read
    /// the caller with [`Ctx::identity`].
    pub(crate) fn request_as(
        &self,
        session: &Arc<Session>,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Reply {
        let id = request.id.clone();
        let now = |result: Value| Reply::Now(encode::result(&id, result));
        // One snapshot serves the whole request.
        let catalog = self.catalog();
        let c = &*catalog;
        let (prompts, resources) = (!c.prompts.is_empty(), !c.resources.is_empty());
        let reply = match request.method.as_str() {
            "tools/call" => self.call_tool(c, session, request, caller, None),
            "ping" => Ok(now(json!({}))),
            "tools/list" => self.list_tools(c, request.params, caller.as_deref()).map(now),
            "prompts/list" if prompts => self.list_prompts(c, request.params).map(now),
            "prompts/get" if prompts => self.get_prompt(c, session, request, caller, None),
            "completion/complete" if c.completes() => {
                self.complete(c, session, request, caller, None)
            }
            "resources/list" if resources => self.list_resources(c, false, request.params).map(now),
            "resources/templates/list" if resources => {
                self.list_resources(c, true, request.params).map(now)
            }
            "resources/read" if resources => self.read_resource(c, session, request, caller, None),
            "resources/subscribe" if resources => {
                self.subscribe(c, session, request.params, true).map(now)
            }
            "resources/unsubscribe" if resources => {
                self.subscribe(c, session, request.params, false).map(now)
            }
            "logging/setLevel" => set_level(session, request.params).map(now),
            "initialize" => Err(RpcError::new(
                ErrorCode::INVALID_REQUEST,
                "this session is already initialized: `initialize` is sent once per session (over HTTP, send it without a session id to start a new one)",
            )),
            method => Err(RpcError::method_not_found(method)),
        };
        // The one place a refused request becomes an error response.
        reply.unwrap_or_else(|error| Reply::Now(encode::error(Some(&id), &error)))
    }

    /// Handles a notification within a session. Malformed notifications are ignored: they
    /// cannot be answered.
    pub(crate) fn notification(&self, session: &Session, notification: Notification) {
        match notification.method.as_str() {
            "notifications/cancelled" => {
                if let Ok(params) = parse_params::<CancelledParams>(notification.params) {
                    session.cancel_call(&params.request_id);
                }
            }
            "notifications/initialized" => {}
            _ => {}
        }
    }

    /// Handles a client's response to a server→client request (elicitation, sampling, roots):
    /// it goes to the tool waiting on that id. Every transport hands responses here; unknown
    /// ids (late answers, answers to cancelled waits) are ignored.
    pub(crate) fn response(&self, session: &Session, response: Response) {
        session.resolve_client_request(response);
    }

    pub(crate) fn list_tools(
        &self,
        catalog: &Catalog,
        params: Option<Value>,
        caller: Option<&Identity>,
    ) -> Result<Value, RpcError> {
        let definitions: Vec<&Value> = catalog
            .tools
            .iter()
            .filter(|t| caller.is_none_or(|c| c.missing_scopes(t.spec.scopes).is_empty()))
            .map(|t| &t.definition)
            .collect();
        self.page("tools", &definitions, params)
    }

    pub(crate) fn list_prompts(
        &self,
        catalog: &Catalog,
        params: Option<Value>,
    ) -> Result<Value, RpcError> {
        let definitions: Vec<&Value> = catalog.prompts.iter().map(|p| &p.definition).collect();
        self.page("prompts", &definitions, params)
    }

    /// `resources/list` (fixed URIs) or `resources/templates/list`.
    pub(crate) fn list_resources(
        &self,
        catalog: &Catalog,
        templates: bool,
        params: Option<Value>,
    ) -> Result<Value, RpcError> {
        let definitions: Vec<&Value> = catalog
            .resources
            .iter()
            .filter(|r| r.spec.is_template == templates)
            .map(|r| &r.definition)
            .collect();
        let key = if templates {
            "resourceTemplates"
        } else {
            "resources"
        };
        self.page(key, &definitions, params)
    }

    /// `resources/read`: a fixed URI, else the first matching template; none is `-32002` with
    /// `data.uri`. The read runs in a local task, like a prompt.
    pub(crate) fn read_resource(
        &self,
        catalog: &Catalog,
        session: &Arc<Session>,
        request: Request,
        caller: Option<Arc<Identity>>,
        exchange: Option<Arc<Exchange>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let params: UriParams = parse_params(request.params)?;
        let (resource, vars) = catalog
            .find_resource(&params.uri)
            .ok_or_else(|| crate::resource::not_found(&params.uri))?;
        let (read, uses_ctx) = (resource.read, resource.spec.uses_ctx);
        let uri = params.uri;
        self.spawn_request(
            session,
            Origin {
                id,
                meta: params.meta,
                caller,
                exchange,
            },
            uses_ctx,
            RequestKind::Resource,
            move |ctx| {
                let future = read(ctx, uri, vars).into_inner();
                Box::pin(async move { Ok(json!({ "contents": future.await? })) })
            },
        )
    }

    /// `resources/subscribe` (`subscribe`) or `resources/unsubscribe`: per-session bookkeeping.
    /// Subscribing to a URI no resource answers to is `-32002`.
    fn subscribe(
        &self,
        catalog: &Catalog,
        session: &Session,
        params: Option<Value>,
        subscribe: bool,
    ) -> Result<Value, RpcError> {
        let params: UriParams = parse_params(params)?;
        if subscribe {
            if catalog.find_resource(&params.uri).is_none() {
                return Err(crate::resource::not_found(&params.uri));
            }
            session.subscribe(params.uri);
        } else {
            session.unsubscribe(&params.uri);
        }
        Ok(json!({}))
    }

    /// One page of a `*/list` result: `{key: [...], nextCursor?}`. The cursor is the index of
    /// the page's first item.
    fn page(&self, key: &str, items: &[&Value], params: Option<Value>) -> Result<Value, RpcError> {
        let params: ListParams = parse_params(params)?;
        let start = match params.cursor.as_deref() {
            None => 0,
            Some(cursor) => cursor
                .parse::<usize>()
                .ok()
                .filter(|&i| i > 0 && i < items.len())
                .ok_or_else(|| RpcError::invalid_params(format!("invalid cursor {cursor:?}")))?,
        };
        let end = (start + self.page_size).min(items.len());
        let mut result = Map::new();
        result.insert(key.into(), json!(items[start..end]));
        if end < items.len() {
            result.insert("nextCursor".into(), Value::String(end.to_string()));
        }
        Ok(Value::Object(result))
    }

    /// `prompts/get`: unknown prompts and bad arguments are `-32602`; the prompt renders in a
    /// local task, like a tool call (so it can be cancelled, and may notify through its `Ctx`).
    pub(crate) fn get_prompt(
        &self,
        catalog: &Catalog,
        session: &Arc<Session>,
        request: Request,
        caller: Option<Arc<Identity>>,
        exchange: Option<Arc<Exchange>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let params: GetPromptParams = parse_params(request.params)?;
        let prompt = catalog
            .find_prompt(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {}", params.name)))?;
        let args = PromptArguments::from_value(params.arguments)
            .map_err(|e| RpcError::invalid_params(e.to_string()))?;
        let (get, description) = (prompt.get, prompt.spec.description);
        self.spawn_request(
            session,
            Origin {
                id,
                meta: params.meta,
                caller,
                exchange,
            },
            prompt.spec.uses_ctx,
            RequestKind::Prompt,
            move |ctx| {
                let future = get(ctx, args).into_inner();
                Box::pin(async move {
                    let mut result = future.await?;
                    result.description.get_or_insert_with(|| description.into());
                    Ok(serde_json::to_value(result).expect("prompt results serialize"))
                })
            },
        )
    }

    /// `completion/complete`: the completer of a prompt argument, or no values.
    pub(crate) fn complete(
        &self,
        catalog: &Catalog,
        session: &Arc<Session>,
        request: Request,
        caller: Option<Arc<Identity>>,
        exchange: Option<Arc<Exchange>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let answer = |completion: crate::Completion| {
            let result = json!({ "completion": completion });
            Ok(Reply::Now(
                match exchange.as_ref().map(|x| x.finish(Ok(result.clone()))) {
                    None => encode::result(&id, result),
                    Some(Ok(result)) => encode::result(&id, result),
                    Some(Err(error)) => encode::error(Some(&id), &error),
                },
            ))
        };
        let params: CompleteParams = parse_params(request.params)?;
        let wanted = params.argument.name.as_str();
        // The argument (or template variable) named as the completer sees it, and its completer.
        let (argument, complete) = match &params.reference {
            CompleteRef::Prompt { name } => {
                let prompt = catalog
                    .find_prompt(name)
                    .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
                let argument = prompt
                    .spec
                    .arguments
                    .iter()
                    .find(|a| a.name == wanted)
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!(
                            "prompt `{name}` has no argument `{wanted}`"
                        ))
                    })?;
                (argument.name, argument.complete)
            }
            CompleteRef::Resource { uri } => {
                let (resource, template) = catalog
                    .resources
                    .iter()
                    .find_map(|r| {
                        Some((r, r.template.as_ref()?)).filter(|(r, _)| r.spec.uri == uri)
                    })
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!("Unknown resource template: {uri}"))
                    })?;
                let variable = template.variables().find(|v| *v == wanted).ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "resource template `{uri}` has no variable `{wanted}`"
                    ))
                })?;
                let completer = resource
                    .spec
                    .completions
                    .iter()
                    .find(|c| c.variable == variable);
                (variable, completer.and_then(|c| c.complete))
            }
        };
        let Some(complete) = complete else {
            return answer(crate::Completion::default());
        };
        let (value, arguments) = (params.argument.value, params.context.arguments);
        self.spawn_request(
            session,
            Origin {
                id,
                meta: params.meta,
                caller,
                exchange,
            },
            false,
            RequestKind::Completer,
            move |ctx| {
                let future = complete(CompletionRequest {
                    argument,
                    value,
                    arguments,
                    ctx,
                })
                .into_inner();
                Box::pin(async move {
                    let completion = future.await?.capped();
                    Ok(json!({ "completion": completion }))
                })
            },
        )
    }

    /// Runs a request's handler as a local task with a [`Ctx`] of its own: registered as a call
    /// of the session (so `notifications/cancelled` stops it and its id is busy meanwhile), a
    /// panic answered with `-32603`, nothing sent after cancellation.
    fn spawn_request(
        &self,
        session: &Arc<Session>,
        origin: Origin,
        notifies: bool,
        kind: RequestKind,
        start: impl FnOnce(Ctx) -> RequestFuture,
    ) -> Result<Reply, RpcError> {
        let Origin {
            id,
            meta,
            caller,
            exchange,
        } = origin;
        let cancel = CancellationToken::new();
        if let Err(refused) = session.begin_call(&id, cancel.clone(), self.limits.per_session) {
            let code = match refused {
                CallRefused::IdInUse => ErrorCode::INVALID_REQUEST,
                CallRefused::TooMany(_) => ErrorCode::SERVER_ERROR,
            };
            return Err(RpcError::new(code, format!("request {id}: {refused}")));
        }
        let progress_token = meta
            .and_then(|mut meta| meta.remove("progressToken"))
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64());
        let (sink, messages) = mpsc::channel(CALL_CHANNEL_CAPACITY);
        let scope = Arc::new(CallScope {
            request_id: id.clone(),
            progress_token,
            last_progress: Mutex::new(None),
            sink: sink.clone(),
            log: match &exchange {
                Some(exchange) => LogFilter::Fixed(exchange.log_level),
                None => LogFilter::Session(session.clone()),
            },
            cancel: cancel.clone(),
            finished: AtomicBool::new(false),
            session: Some(session.clone()),
            protocol_version: session.protocol_version(),
            state: self.state.clone(),
            identity: caller,
            exchange: exchange.clone(),
        });
        if let Some(exchange) = &exchange {
            let _ = exchange.sink.set(sink.clone());
        }
        let future = start(Ctx::new(scope.clone()));
        let future = match &exchange {
            Some(exchange) => exchange.clone().drive(future),
            None => future,
        };
        let session = session.clone();
        let timeout = self.limits.timeout;
        tokio::task::spawn_local(async move {
            let deadline = async {
                match timeout {
                    Some(timeout) => tokio::time::sleep(timeout).await,
                    None => std::future::pending().await,
                }
            };
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => return finish(&scope, &session, &id),
                result = AssertUnwindSafe(future).catch_unwind() => result,
                _ = deadline => {
                    // Work the handler handed off (threads, spawned tasks) learns through its Ctx.
                    cancel.cancel();
                    let timeout = timeout.unwrap_or_default();
                    Ok(kind.failure(format!(
                        "the {} did not finish within {timeout:?} and was cancelled",
                        kind.noun()
                    )))
                }
            };
            finish(&scope, &session, &id);
            let outcome = outcome.unwrap_or_else(|panic| {
                let message = format!("the {} panicked: {}", kind.noun(), panic_message(&*panic));
                match exchange.as_ref().and_then(|x| x.task()) {
                    // A task reports a crash as a failure of the task, not as a tool error.
                    Some(_) => Err(RpcError::internal(message)),
                    None => kind.failure(message),
                }
            });
            let outcome = match &exchange {
                Some(exchange) => exchange.finish(outcome),
                None => outcome,
            };
            let response = match outcome {
                Ok(result) => encode::result(&id, result),
                Err(error) => encode::error(Some(&id), &error),
            };
            let _ = sink.send(Outgoing::Response(response)).await;
        });
        Ok(Reply::Call { notifies, messages })
    }

    pub(crate) fn call_tool(
        &self,
        catalog: &Catalog,
        session: &Arc<Session>,
        request: Request,
        caller: Option<Arc<Identity>>,
        exchange: Option<Arc<Exchange>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let params: CallParams = parse_params(request.params)?;
        let tool = catalog
            .find_tool(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("Unknown tool: {}", params.name)))?;
        // Transports refuse such calls with their own status first (HTTP 403); this is the
        // rule itself, for every transport.
        if let Some(caller) = &caller {
            let missing = caller.missing_scopes(tool.spec.scopes);
            if !missing.is_empty() {
                return Err(RpcError::invalid_params(format!(
                    "tool `{}` needs the scopes: {}",
                    params.name,
                    missing.join(" ")
                )));
            }
        }
        let args = Arguments::from_value_within(params.arguments, self.limits.argument_values)
            .map_err(|e| RpcError::invalid_params(e.to_string()))?;
        let (call, wraps_output) = (tool.call, tool.wraps_output);
        self.spawn_request(
            session,
            Origin {
                id,
                meta: params.meta,
                caller,
                exchange,
            },
            tool.spec.uses_ctx,
            RequestKind::Tool,
            move |ctx| {
                let future = call(ctx, args).into_inner();
                Box::pin(async move {
                    let mut result = future.await;
                    if wraps_output {
                        crate::tool::wrap_structured(&mut result);
                    }
                    Ok(tool_result_value(result))
                })
            },
        )
    }
}

/// Where a request served by [`ServerCore::spawn_request`] comes from: its id, its `_meta`,
/// the authenticated caller, if any, and for a stateless (2026) request its exchange.
struct Origin {
    id: RequestId,
    meta: Option<Map<String, Value>>,
    caller: Option<Arc<Identity>>,
    exchange: Option<Arc<Exchange>>,
}

/// What kind of handler a request runs; decides how its failures reach the client.
#[derive(Debug, Clone, Copy)]
enum RequestKind {
    Tool,
    Prompt,
    Resource,
    Completer,
}

impl RequestKind {
    fn noun(self) -> &'static str {
        match self {
            RequestKind::Tool => "tool",
            RequestKind::Prompt => "prompt",
            RequestKind::Resource => "resource",
            RequestKind::Completer => "completer",
        }
    }

    /// A timeout or panic: a tool's is an `isError: true` result the model can read (the
    /// 2025-11-25 rule for tool execution errors); any other handler's is `-32603`.
    fn failure(self, message: String) -> Result<Value, RpcError> {
        match self {
            RequestKind::Tool => Ok(tool_result_value(CallToolResult::error(message))),
            _ => Err(RpcError::internal(message)),
        }
    }
}

fn tool_result_value(result: CallToolResult) -> Value {
    serde_json::to_value(result).expect("a CallToolResult always serializes")
}

/// Marks a request served by [`ServerCore::spawn_request`] as over: nothing more goes out.
fn finish(scope: &CallScope, session: &Session, id: &RequestId) {
    scope.finished.store(true, Ordering::Release);
    session.end_call(id);
}

fn set_level(session: &Session, params: Option<Value>) -> Result<Value, RpcError> {
    let params: SetLevelParams = parse_params(params)?;
    let level = params
        .level
        .as_str()
        .ok_or_else(|| RpcError::invalid_params("`level` must be a string"))?
        .parse::<LoggingLevel>()
        .map_err(|e| RpcError::invalid_params(e.to_string()))?;
    session.set_log_level(level);
    Ok(json!({}))
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::protocol::Message;
    use crate::{mcp_tool, Server};

    /// Log twice and report progress twice.
    #[mcp_tool]
    async fn chatty(ctx: Ctx) -> &'static str {
        ctx.debug("one").await;
        ctx.log_from("db", LoggingLevel::Error, json!({"rows": 2}))
            .await;
        ctx.progress(1, 2).await;
        ctx.progress(1, 2).await; // not an increase: dropped
        ctx.progress(2, 2).await;
        "done"
    }

    /// Wait for a long time.
    #[mcp_tool]
    async fn forever(ctx: Ctx) -> &'static str {
        ctx.info("waiting").await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "never"
    }

    /// Send `n` notifications as fast as possible.
    #[mcp_tool]
    async fn flood(ctx: Ctx, n: u32) -> u32 {
        for i in 0..n {
            ctx.info(i).await;
        }
        n
    }

    fn core() -> Arc<ServerCore> {
        Server::new("core-tests", "1")
            .tool::<chatty>()
            .tool::<forever>()
            .tool::<flood>()
            .into_core()
    }

    fn request(id: i64, method: &str, params: Value) -> Request {
        match Message::from_value(json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}))
        {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    fn open(core: &ServerCore) -> Arc<Session> {
        let init = request(
            0,
            "initialize",
            json!({
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}
            }),
        );
        let opened = core.initialize(&init).unwrap();
        let response: Value = serde_json::from_slice(&opened.response).unwrap();
        assert_eq!(response["result"]["protocolVersion"], "2025-06-18");
        opened.session
    }

    async fn drain(reply: Reply) -> Vec<Value> {
        let Reply::Call { mut messages, .. } = reply else {
            panic!("expected a call")
        };
        let mut out = Vec::new();
        while let Some(message) = messages.recv().await {
            let bytes = match message {
                Outgoing::Notification(b) | Outgoing::Response(b) => b,
                Outgoing::CloseStream => continue,
            };
            out.push(serde_json::from_slice(&bytes).unwrap());
        }
        out
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_call_yields_its_notifications_then_its_result() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let call = request(
                    1,
                    "tools/call",
                    json!({"name": "chatty", "_meta": {"progressToken": 5}}),
                );
                let msgs = drain(core.request(&session, call)).await;
                assert_eq!(msgs[0]["params"], json!({"level": "debug", "data": "one"}));
                assert_eq!(
                    msgs[1]["params"],
                    json!({"level": "error", "logger": "db", "data": {"rows": 2}})
                );
                assert_eq!(msgs[2]["params"]["progress"], 1.0);
                assert_eq!(msgs[3]["params"]["progress"], 2.0);
                assert_eq!(msgs[4]["result"]["content"][0]["text"], "done");
                assert_eq!(msgs.len(), 5);

                session.set_log_level(LoggingLevel::Warning);
                let msgs = drain(core.request(
                    &session,
                    request(2, "tools/call", json!({"name": "chatty"})),
                ))
                .await;
                assert_eq!(
                    msgs.len(),
                    2,
                    "debug filtered out, no progress without a token: {msgs:?}"
                );
            })
            .await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn cancellation_drops_the_tool_and_sends_no_response() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let Reply::Call { mut messages, notifies } = core.request(&session, request(7, "tools/call", json!({"name": "forever"}))) else {
                    panic!()
                };
                assert!(notifies);
                assert!(matches!(messages.recv().await, Some(Outgoing::Notification(_))));
                let cancel = Message::from_value(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})).unwrap();
                let Message::Notification(cancel) = cancel else { panic!() };
                core.notification(&session, cancel);
                let end = tokio::time::timeout(Duration::from_secs(1), messages.recv()).await.unwrap();
                assert!(end.is_none(), "no response after cancellation");
                // The id is free again.
                assert!(session
                    .begin_call(&RequestId::Number(7), CancellationToken::new(), 1)
                    .is_ok());
            })
            .await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn duplicate_in_flight_ids_are_refused() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let _running = core.request(
                    &session,
                    request(3, "tools/call", json!({"name": "forever"})),
                );
                let Reply::Now(bytes) = core.request(
                    &session,
                    request(3, "tools/call", json!({"name": "forever"})),
                ) else {
                    panic!()
                };
                let error: Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(error["error"]["code"], -32600);
                session.close();
            })
            .await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_slow_reader_holds_the_tool_back_instead_of_growing_memory() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let Reply::Call { mut messages, .. } = core.request(
                    &session,
                    request(
                        1,
                        "tools/call",
                        json!({"name": "flood", "arguments": {"n": 1000}}),
                    ),
                ) else {
                    panic!()
                };
                // Nobody reads: the tool fills the channel and then waits.
                tokio::time::sleep(Duration::from_millis(50)).await;
                assert_eq!(messages.len(), CALL_CHANNEL_CAPACITY);
                let mut received = 0;
                while let Some(message) = messages.recv().await {
                    received += 1;
                    if let Outgoing::Response(_) = message {
                        break;
                    }
                }
                assert_eq!(received, 1001, "every notification, then the result");
            })
            .await;
    }

    #[test]
    fn simple_methods_answer_at_once() {
        let core = core();
        let session = open(&core);
        let answer = |r: Request| match core.request(&session, r) {
            Reply::Now(bytes) => serde_json::from_slice::<Value>(&bytes).unwrap(),
            Reply::Call { .. } => panic!("not a call"),
        };
        assert_eq!(answer(request(1, "ping", json!({})))["result"], json!({}));
        assert_eq!(
            answer(request(2, "logging/setLevel", json!({"level": "notice"})))["result"],
            json!({})
        );
        assert_eq!(session.log_level(), Some(LoggingLevel::Notice));
        assert_eq!(
            answer(request(3, "logging/setLevel", json!({"level": 3})))["error"]["code"],
            -32602
        );
        assert_eq!(
            answer(request(4, "prompts/list", json!({})))["error"]["code"],
            -32601
        );
        assert_eq!(
            answer(request(5, "tools/call", json!({"name": "nope"})))["error"]["code"],
            -32602
        );
        assert_eq!(
            answer(request(6, "tools/call", json!({})))["error"]["code"],
            -32602
        );
        let list = answer(request(7, "tools/list", json!({})));
        assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 3);
    }

    /// Greet someone.
    #[crate::mcp_prompt]
    async fn greet(
        /// Who.
        #[mcp(complete = names)]
        name: String,
        /// How often.
        times: Option<u8>,
    ) -> String {
        format!("Hello {name} x{}", times.unwrap_or(1))
    }

    /// Panics.
    #[crate::mcp_prompt]
    async fn broken() -> String {
        panic!("oops")
    }

    fn names(prefix: &str) -> crate::Completion {
        crate::Completion::matching(["ada", "alan", "grace"], prefix)
    }

    fn prompt_core() -> Arc<ServerCore> {
        Server::new("core-tests", "1")
            .prompt::<greet>()
            .prompt::<broken>()
            .into_core()
    }

    async fn answer_of(reply: Reply) -> Value {
        match reply {
            Reply::Now(bytes) => serde_json::from_slice(&bytes).unwrap(),
            call => drain(call).await.pop().unwrap(),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn prompts_and_completions_in_process() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = prompt_core();
                let init = request(
                    0,
                    "initialize",
                    json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}),
                );
                let opened = core.initialize(&init).unwrap();
                let response: Value = serde_json::from_slice(&opened.response).unwrap();
                let caps = &response["result"]["capabilities"];
                assert_eq!(caps["prompts"], json!({"listChanged": true}));
                assert_eq!(caps["completions"], json!({}));
                let session = opened.session;

                let got = answer_of(core.request(
                    &session,
                    request(1, "prompts/get", json!({"name": "greet", "arguments": {"name": "Ada", "times": "2"}})),
                ))
                .await;
                assert_eq!(got["result"]["description"], "Greet someone.");
                assert_eq!(got["result"]["messages"][0]["content"]["text"], "Hello Ada x2");

                let got = answer_of(core.request(
                    &session,
                    request(2, "prompts/get", json!({"name": "greet", "arguments": {"name": "Ada", "times": "-1"}})),
                ))
                .await;
                assert_eq!(got["error"]["code"], -32602);
                assert!(got["error"]["message"].as_str().unwrap().contains("`times`"));

                let got = answer_of(core.request(&session, request(3, "prompts/get", json!({"name": "broken"})))).await;
                assert_eq!(got["error"]["code"], -32603);
                assert_eq!(got["error"]["message"], "the prompt panicked: oops");

                let got = answer_of(core.request(
                    &session,
                    request(4, "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "a"}})),
                ))
                .await;
                assert_eq!(got["result"]["completion"]["values"], json!(["ada", "alan"]));

                let got = answer_of(core.request(
                    &session,
                    request(5, "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "times", "value": ""}})),
                ))
                .await;
                assert_eq!(got["result"], json!({"completion": {"values": []}}));
            })
            .await;
    }
}

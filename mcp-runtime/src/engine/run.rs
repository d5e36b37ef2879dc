//! Running a request's handler (a tool, prompt, resource read or completer) as a local task with
//! a [`Ctx`] of its own: bounded by the call limits, cancellable, a panic contained to the call.

use std::any::Any;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::dispatch::Reply;
use super::ServerCore;
use crate::auth::Identity;
use crate::catalog::Catalog;
use crate::ctx::{CallScope, Ctx};
use crate::peer::Outgoing;
use crate::peer::RequestFuture;
use crate::peer::{CallRefused, CancelOnDrop, Peer};
use crate::prompt::{CompletionRequest, PromptArguments};
use crate::protocol::jsonrpc::parse_params;
use crate::protocol::{CallToolResult, ErrorCode, Request, RequestId, Response, RpcError};
use crate::tool::Arguments;

/// How many notifications of one call may wait for a slow client before the tool's next
/// `ctx.info(..).await` waits too.
pub(super) const CALL_CHANNEL_CAPACITY: usize = 64;

#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Value,
}

/// A request's params without `_meta`, and its `_meta`.
type SplitParams = (Option<Value>, Option<Map<String, Value>>);

/// Splits `params._meta` (an object or absent) from the rest of a request's params. Moved out
/// as it is: deserializing it with the rest would rebuild it, and on the stateless wire it is
/// the biggest part of a request.
fn take_meta(params: Option<Value>) -> Result<SplitParams, RpcError> {
    match params {
        Some(Value::Object(mut params)) => {
            let meta = match params.swap_remove("_meta") {
                Some(Value::Object(meta)) => Some(meta),
                None | Some(Value::Null) => None,
                Some(_) => {
                    return Err(RpcError::invalid_params(
                        "invalid params: `_meta` must be an object",
                    ))
                }
            };
            Ok((Some(Value::Object(params)), meta))
        }
        other => Ok((other, None)),
    }
}

#[derive(Deserialize)]
struct GetPromptParams {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct CompleteParams {
    #[serde(rename = "ref")]
    reference: CompleteRef,
    argument: CompleteArgument,
    #[serde(default)]
    context: CompleteContext,
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
pub(super) struct UriParams {
    pub(super) uri: String,
}

#[derive(Deserialize, Default)]
struct CompleteContext {
    #[serde(default)]
    arguments: HashMap<String, String>,
}

/// Where a request served by [`ServerCore::spawn_request`] comes from: its id, its `_meta`,
/// the authenticated caller, if any, and for a stateless (2026) request its exchange.
struct Origin {
    id: RequestId,
    meta: Option<Map<String, Value>>,
    caller: Option<Arc<Identity>>,
}

impl ServerCore {
    /// `resources/read`: a fixed URI, else the first matching template; none is `-32002` with
    /// `data.uri`. The read runs in a local task, like a prompt.
    pub(crate) fn read_resource(
        &self,
        catalog: &Catalog,
        peer: &Peer,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let (params, meta) = take_meta(request.params)?;
        let params: UriParams = parse_params(params)?;
        let (resource, vars) = catalog
            .find_resource(&params.uri)
            .ok_or_else(|| crate::resource::not_found(&params.uri))?;
        let (read, uses_ctx) = (resource.read, resource.spec.uses_ctx());
        let uri = params.uri;
        self.spawn_request(
            peer,
            Origin { id, meta, caller },
            uses_ctx,
            RequestKind::Resource,
            move |ctx| {
                let future = read(ctx, uri, vars).into_inner();
                Box::pin(async move { Ok(json!({ "contents": future.await? })) })
            },
        )
    }

    /// `prompts/get`: unknown prompts and bad arguments are `-32602`; the prompt renders in a
    /// local task, like a tool call (so it can be cancelled, and may notify through its `Ctx`).
    pub(crate) fn get_prompt(
        &self,
        catalog: &Catalog,
        peer: &Peer,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let (params, meta) = take_meta(request.params)?;
        let params: GetPromptParams = parse_params(params)?;
        let prompt = catalog
            .find_prompt(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {}", params.name)))?;
        let args = PromptArguments::from_value(params.arguments)
            .map_err(|e| RpcError::invalid_params(e.to_string()))?;
        let (get, description) = (prompt.get, prompt.spec.description());
        self.spawn_request(
            peer,
            Origin { id, meta, caller },
            prompt.spec.uses_ctx(),
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
        peer: &Peer,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let answer = |completion: crate::prompt::Completion| {
            let result = json!({ "completion": completion });
            Ok(Reply::Now(Response::new(
                id.clone(),
                peer.finish(Ok(result)),
            )))
        };
        let (params, meta) = take_meta(request.params)?;
        let params: CompleteParams = parse_params(params)?;
        let wanted = params.argument.name.as_str();
        // The argument (or template variable) named as the completer sees it, and its completer.
        let (argument, complete) = match &params.reference {
            CompleteRef::Prompt { name } => {
                let prompt = catalog
                    .find_prompt(name)
                    .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
                let argument = prompt
                    .spec
                    .arguments()
                    .iter()
                    .find(|a| a.name() == wanted)
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!(
                            "prompt `{name}` has no argument `{wanted}`"
                        ))
                    })?;
                (argument.name(), argument.completer())
            }
            CompleteRef::Resource { uri } => {
                let (resource, template) = catalog
                    .resources
                    .iter()
                    .find_map(|r| {
                        Some((r, r.template.as_ref()?)).filter(|(r, _)| r.spec.uri() == uri)
                    })
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!("Unknown resource template: {uri}"))
                    })?;
                let variable = template.variables().find(|v| *v == wanted).ok_or_else(|| {
                    RpcError::invalid_params(format!(
                        "resource template `{uri}` has no variable `{wanted}`"
                    ))
                })?;
                (variable, resource.spec.completer(variable))
            }
        };
        let Some(complete) = complete else {
            return answer(crate::prompt::Completion::default());
        };
        let (value, arguments) = (params.argument.value, params.context.arguments);
        self.spawn_request(
            peer,
            Origin { id, meta, caller },
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
        peer: &Peer,
        origin: Origin,
        notifies: bool,
        kind: RequestKind,
        start: impl FnOnce(Ctx) -> RequestFuture,
    ) -> Result<Reply, RpcError> {
        let Origin { id, meta, caller } = origin;
        let cancel = match peer {
            Peer::Session(session) => {
                let cancel = CancellationToken::new();
                let limit = self.limits.per_session;
                if let Err(refused) = session.begin_call(&id, cancel.clone(), limit) {
                    let code = match refused {
                        CallRefused::IdInUse => ErrorCode::INVALID_REQUEST,
                        CallRefused::TooMany(_) => ErrorCode::SERVER_ERROR,
                    };
                    return Err(RpcError::new(code, format!("request {id}: {refused}")));
                }
                cancel
            }
            // One request, one handler: the exchange's token is the call's.
            Peer::Stateless(exchange) => exchange.cancel.clone(),
            Peer::Detached => CancellationToken::new(),
        };
        let progress_token = meta
            .and_then(|mut meta| meta.remove("progressToken"))
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64());
        let (sink, messages) = mpsc::channel(CALL_CHANNEL_CAPACITY);
        let scope = Arc::new(CallScope {
            request_id: id.clone(),
            progress_token,
            last_progress: Mutex::new(None),
            sink: sink.clone(),
            peer: peer.clone(),
            cancel: cancel.clone(),
            finished: AtomicBool::new(false),
            state: self.state.clone(),
            identity: caller,
        });
        let future = start(Ctx::new(scope.clone()));
        let future = match peer {
            Peer::Stateless(exchange) => {
                let _ = exchange.sink.set(sink.clone());
                exchange.clone().drive(future)
            }
            Peer::Session(_) | Peer::Detached => future,
        };
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
                _ = cancel.cancelled() => return finish(&scope),
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
            finish(&scope);
            let outcome = outcome.unwrap_or_else(|panic| {
                let message = format!("the {} panicked: {}", kind.noun(), panic_message(&*panic));
                match &scope.peer {
                    // A task reports a crash as a failure of the task, not as a tool error.
                    Peer::Stateless(exchange) if exchange.task().is_some() => {
                        Err(RpcError::internal(message))
                    }
                    _ => kind.failure(message),
                }
            });
            let response = Response::new(id, scope.peer.finish(outcome));
            let _ = sink.send(Outgoing::Response(response)).await;
        });
        let cancel_on_drop = CancelOnDrop(match peer {
            Peer::Stateless(exchange) => Some(exchange.clone()),
            Peer::Session(_) | Peer::Detached => None,
        });
        Ok(Reply::Call {
            notifies,
            messages,
            cancel_on_drop,
        })
    }

    pub(crate) fn call_tool(
        &self,
        catalog: &Catalog,
        peer: &Peer,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Result<Reply, RpcError> {
        let id = request.id;
        let (params, meta) = take_meta(request.params)?;
        let params: CallParams = parse_params(params)?;
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
        let (call, wraps_output) = (tool.call.clone(), tool.wraps_output);
        self.spawn_request(
            peer,
            Origin { id, meta, caller },
            tool.spec.uses_ctx,
            RequestKind::Tool,
            move |ctx| {
                let future = call.invoke(ctx, args).into_inner();
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
fn finish(scope: &CallScope) {
    scope.finished.store(true, Ordering::Release);
    if let Peer::Session(session) = &scope.peer {
        session.end_call(&scope.request_id);
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

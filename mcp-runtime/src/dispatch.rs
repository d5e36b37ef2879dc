//! The transport-agnostic core: one decoded message in, its effects and answer out.
//!
//! Transports call [`ServerCore::initialize`] to open a session, then
//! [`ServerCore::request`] / [`ServerCore::notification`] for everything else. Tool calls run as
//! local tasks; their notifications and final response come back on a bounded channel that the
//! transport drains into its stream.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ctx::{CallScope, Ctx, LogFilter, Outgoing};
use crate::protocol::jsonrpc::{encode, parse_params};
use crate::protocol::{
    CallToolResult, ErrorCode, Implementation, LoggingLevel, Notification, ProtocolVersion,
    Request, RequestId, RpcError,
};
use crate::server::ServerCore;
use crate::session::Session;
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
        let session = Arc::new(Session::new(version, params.client_info, params.capabilities));
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": { "tools": { "listChanged": false }, "logging": {} },
            "serverInfo": &self.info,
        });
        if let Some(instructions) = &self.instructions {
            result["instructions"] = Value::String(instructions.clone());
        }
        Ok(Opened { response: encode::result(&request.id, result), session })
    }

    /// Handles a request within a session.
    pub(crate) fn request(&self, session: &Arc<Session>, request: Request) -> Reply {
        let id = request.id.clone();
        let outcome = match request.method.as_str() {
            "tools/call" => return self.call_tool(session, request),
            "ping" => Ok(json!({})),
            "tools/list" => self.list_tools(request.params),
            "logging/setLevel" => set_level(session, request.params),
            "initialize" => Err(RpcError::new(
                ErrorCode::INVALID_REQUEST,
                "this session is already initialized; send `initialize` without a session id to start a new one",
            )),
            method => Err(RpcError::method_not_found(method)),
        };
        Reply::Now(match outcome {
            Ok(result) => encode::result(&id, result),
            Err(error) => encode::error(Some(&id), &error),
        })
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

    fn list_tools(&self, params: Option<Value>) -> Result<Value, RpcError> {
        let params: ListParams = parse_params(params)?;
        let start = match params.cursor.as_deref() {
            None => 0,
            Some(cursor) => cursor
                .parse::<usize>()
                .ok()
                .filter(|&i| i > 0 && i < self.tools.len())
                .ok_or_else(|| RpcError::invalid_params(format!("invalid cursor {cursor:?}")))?,
        };
        let end = (start + self.page_size).min(self.tools.len());
        let tools: Vec<&Value> = self.tools[start..end].iter().map(|t| &t.definition).collect();
        let mut result = json!({ "tools": tools });
        if end < self.tools.len() {
            result["nextCursor"] = Value::String(end.to_string());
        }
        Ok(result)
    }

    fn call_tool(&self, session: &Arc<Session>, request: Request) -> Reply {
        let id = request.id;
        let params: CallParams = match parse_params(request.params) {
            Ok(params) => params,
            Err(error) => return Reply::Now(encode::error(Some(&id), &error)),
        };
        let Some(tool) = self.find_tool(&params.name) else {
            let error = RpcError::invalid_params(format!("Unknown tool: {}", params.name));
            return Reply::Now(encode::error(Some(&id), &error));
        };
        let args = match Arguments::from_value(params.arguments) {
            Ok(args) => args,
            Err(e) => return Reply::Now(encode::error(Some(&id), &RpcError::invalid_params(e.to_string()))),
        };
        let cancel = CancellationToken::new();
        if !session.begin_call(&id, cancel.clone()) {
            let error = RpcError::new(
                ErrorCode::INVALID_REQUEST,
                format!("request id {id} is already in use by a running call"),
            );
            return Reply::Now(encode::error(Some(&id), &error));
        }
        let progress_token = params
            .meta
            .and_then(|mut meta| meta.remove("progressToken"))
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64());
        let (sink, messages) = mpsc::channel(CALL_CHANNEL_CAPACITY);
        let scope = Arc::new(CallScope {
            request_id: id.clone(),
            progress_token,
            last_progress: Mutex::new(None),
            sink: sink.clone(),
            log: LogFilter::Session(session.clone()),
            cancel: cancel.clone(),
            finished: AtomicBool::new(false),
            session: Some(session.clone()),
            protocol_version: session.protocol_version(),
            state: self.state.clone(),
        });
        let future = (tool.call)(Ctx::new(scope.clone()), args).into_inner();
        let session = session.clone();
        tokio::task::spawn_local(async move {
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                result = AssertUnwindSafe(future).catch_unwind() => Some(result),
            };
            scope.finished.store(true, Ordering::Release);
            session.end_call(&id);
            let result = match outcome {
                // Cancelled: the spec says to send no response.
                None => return,
                Some(Ok(result)) => result,
                Some(Err(panic)) => CallToolResult::error(format!(
                    "the tool panicked: {}",
                    panic_message(&*panic)
                )),
            };
            let _ = sink.send(Outgoing::Response(encode::result(&id, result))).await;
        });
        Reply::Call { notifies: tool.spec.uses_ctx, messages }
    }
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

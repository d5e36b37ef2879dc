//! The stateless 2026-07-28 wire on the same endpoint as the session era.
//!
//! A POST whose request names a protocol revision in `params._meta` (or whose
//! `MCP-Protocol-Version` header names one that is not a session-era revision, without a
//! session id) is served here, without a session: its `_meta` and headers are checked, the
//! core serves it with a per-request context, and the answer is JSON, or an SSE stream when the
//! handler notifies before its result. Closing that stream cancels the handler; nothing is
//! recorded for resumption. `initialize` stays the way into a session.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::error::HttpError;
use super::request::{SESSION_HEADER, VERSION_HEADER};
use super::{sse, sse_response, Endpoint};
use crate::auth::Identity;
use crate::engine::Reply;
use crate::engine::ServerCore;
use crate::peer::CancelOnDrop;
use crate::peer::Outgoing;
use crate::protocol::headers::{named_field, METHOD_HEADER, NAME_HEADER};
use crate::protocol::jsonrpc::encode;
use crate::protocol::meta::{self, RequestMeta, StatelessError};
use crate::protocol::{ErrorCode, Message, ProtocolVersion, Request, RequestId};

/// How long a stateless call may stay quiet before its answer becomes an SSE stream: quick
/// calls answer with plain JSON; slower ones get a stream whose keep-alives reveal a client
/// that hung up.
const JSON_WINDOW: Duration = Duration::from_millis(100);

/// The most time between two writes on a stateless call's stream: a client that closed the
/// stream (how it cancels on this wire) is noticed at the second failed write, so within about
/// twice this.
const CANCEL_PROBE: Duration = Duration::from_secs(1);

/// Whether a request without a session names a revision that has none: a 2026 client's.
pub(super) fn sessionless_new_version(headers: &HeaderMap) -> bool {
    let version_header = headers
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    headers.get(SESSION_HEADER).is_none()
        && version_header.is_some_and(|v| ProtocolVersion::parse(v).is_none())
}

/// Whether `message` is for the stateless wire rather than a session.
pub(super) fn is_stateless(headers: &HeaderMap, message: &Message) -> bool {
    let sessionless_new_version = sessionless_new_version(headers);
    match message {
        Message::Request(request) => {
            meta::names_version(request.params.as_ref()) || sessionless_new_version
        }
        Message::Notification(_) => sessionless_new_version,
        Message::Response(_) => false,
    }
}

/// Serves one stateless request.
pub(super) async fn post(
    endpoint: &Endpoint,
    req: &HttpRequest,
    request: Request,
    caller: Option<Arc<Identity>>,
) -> Result<HttpResponse, HttpError> {
    let id = request.id.clone();
    let meta = match check(req.headers(), &request, &endpoint.core) {
        Ok(meta) => meta,
        Err(refusal) => return Ok(refuse(&refusal, &id)),
    };
    endpoint.authorize(req, caller.as_deref(), &request, Some(&id))?;
    if endpoint.shutdown.is_draining() {
        return Err(HttpError::ShuttingDown(Some(id)));
    }
    if request.method == "subscriptions/listen" {
        return Ok(match endpoint.core.listen(&request) {
            Ok((ack, notifications)) => {
                sse_response().streaming(listen_stream(endpoint, ack, notifications))
            }
            Err(refusal) => refuse(&refusal, &id),
        });
    }
    let (reply, guard) = match endpoint.core.stateless_request(meta, request, caller) {
        Ok(served) => served,
        Err(refusal) => return Ok(refuse(&refusal, &id)),
    };
    match reply {
        Reply::Now(json) => Ok(json_response(json)),
        Reply::Call { mut messages, .. } => {
            // The first message decides the shape: a quick result alone is plain JSON (with
            // the status its error calls for); a notification first, or a call still quiet
            // after `JSON_WINDOW`, opens an SSE stream. The stream's keep-alives are what lets
            // the server notice a client that hung up, since that is how it cancels.
            let first = tokio::time::timeout(JSON_WINDOW, async {
                loop {
                    match messages.recv().await {
                        // Nothing to resume on this wire: the stream stays open.
                        Some(Outgoing::CloseStream) => continue,
                        other => return other,
                    }
                }
            })
            .await;
            let first = match first {
                Ok(Some(Outgoing::Response(json))) => return Ok(json_response(json)),
                Ok(None) => return Ok(HttpResponse::Accepted().finish()),
                Ok(Some(Outgoing::Notification(first))) => Some(first),
                Ok(Some(Outgoing::CloseStream)) | Err(_) => None,
            };
            let probe = endpoint.config.keep_alive.min(CANCEL_PROBE);
            let body = StatelessStream {
                first,
                messages: Some(messages),
                keep_alive: sse::keep_alive_ticker(probe),
                _guard: guard,
            };
            Ok(sse_response().streaming(body))
        }
    }
}

/// Checks `_meta` and the headers that must repeat the body, in the order the refusals are
/// specified: missing fields (`-32602`), the version header (`-32020`), the version itself
/// (`-32022`), then `Mcp-Method` / `Mcp-Name` and a tool's `Mcp-Param-*` (`-32020`).
fn check(
    headers: &HeaderMap,
    request: &Request,
    core: &ServerCore,
) -> Result<RequestMeta, StatelessError> {
    let meta = RequestMeta::from_params(request.params.as_ref())?;
    expect_header(headers, VERSION_HEADER, &meta.requested)?;
    let meta = meta.check_version()?;
    expect_header(headers, METHOD_HEADER, &request.method)?;
    let Some(named) = named_field(&request.method) else {
        return Ok(meta);
    };
    if let Some(name) = request
        .params
        .as_ref()
        .and_then(|p| p.get(named))
        .and_then(Value::as_str)
    {
        expect_header(headers, NAME_HEADER, name)?;
        if request.method == "tools/call" {
            check_param_headers(headers, request, core, name)?;
        }
    }
    Ok(meta)
}

/// The `Mcp-Param-<name>` header of each `x-mcp-header` parameter of the tool must repeat its
/// argument: both present and equal (numbers compared as numbers), or both absent.
fn check_param_headers(
    headers: &HeaderMap,
    request: &Request,
    core: &ServerCore,
    tool: &str,
) -> Result<(), StatelessError> {
    let catalog = core.catalog();
    let Some(properties) = catalog
        .find_tool(tool)
        .and_then(|t| t.definition.get("inputSchema"))
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    let arguments = request.params.as_ref().and_then(|p| p.get("arguments"));
    for (param, schema) in properties {
        let Some(header) = schema.get("x-mcp-header").and_then(Value::as_str) else {
            continue;
        };
        let name = format!("mcp-param-{}", header.to_ascii_lowercase());
        let argument = arguments
            .and_then(|a| a.get(param))
            .filter(|v| !v.is_null());
        match (argument, headers.get(name.as_str())) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(StatelessError::HeaderMismatch(format!(
                    "the Mcp-Param-{header} header is required: it repeats the argument `{param}`"
                )))
            }
            (None, Some(_)) => {
                return Err(StatelessError::HeaderMismatch(format!(
                    "the Mcp-Param-{header} header is sent but the argument `{param}` is not"
                )))
            }
            (Some(argument), Some(raw)) => {
                let value = meta::decode_header_value(raw.as_bytes()).ok_or_else(|| {
                    StatelessError::HeaderMismatch(format!(
                        "the Mcp-Param-{header} header is not a valid value (base64 values are \
                         sent as =?base64?...?=)"
                    ))
                })?;
                if !repeats(argument, &value) {
                    return Err(StatelessError::HeaderMismatch(format!(
                        "the Mcp-Param-{header} header is {value:?} but the argument `{param}` is {argument}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Whether a header value repeats an argument: strings exactly, numbers numerically, booleans
/// as `true`/`false`.
fn repeats(argument: &Value, header: &str) -> bool {
    match argument {
        Value::String(text) => text == header,
        Value::Number(number) => header.parse::<f64>().ok() == number.as_f64(),
        Value::Bool(flag) => header == if *flag { "true" } else { "false" },
        _ => false,
    }
}

/// The header `name` must be present and, trimmed and decoded, equal `body` exactly.
fn expect_header(headers: &HeaderMap, name: &str, body: &str) -> Result<(), StatelessError> {
    let Some(raw) = headers.get(name) else {
        return Err(StatelessError::HeaderMismatch(format!(
            "the {name} header is required and must be {body:?}"
        )));
    };
    match meta::decode_header_value(raw.as_bytes()) {
        Some(value) if value == body => Ok(()),
        Some(value) => Err(StatelessError::HeaderMismatch(format!(
            "the {name} header is {value:?} but the body says {body:?}"
        ))),
        None => Err(StatelessError::HeaderMismatch(format!(
            "the {name} header is not a valid value (base64 values are sent as =?base64?...?=)"
        ))),
    }
}

/// The HTTP status of a JSON-RPC error on this wire: the 2026 refusals are `400`, an unknown
/// method `404`; everything else is an ordinary response (`200`).
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        meta::HEADER_MISMATCH
        | meta::MISSING_REQUIRED_CLIENT_CAPABILITY
        | meta::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// A refusal on the wire: `400` (`404` for a method this revision does not have), with a
/// JSON-RPC error carrying the request's id.
fn refuse(refusal: &StatelessError, id: &RequestId) -> HttpResponse {
    let error = refusal.to_rpc_error();
    let status = match refusal {
        StatelessError::MethodNotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    HttpResponse::build(status)
        .content_type("application/json")
        .body(encode::error(Some(id), &error))
}

/// A response body sent as JSON, with the status its error code calls for.
fn json_response(body: Vec<u8>) -> HttpResponse {
    #[derive(Deserialize)]
    struct Probe {
        error: Option<ErrorProbe>,
    }
    #[derive(Deserialize)]
    struct ErrorProbe {
        code: i64,
    }
    let status = serde_json::from_slice::<Probe>(&body)
        .ok()
        .and_then(|p| p.error)
        .and_then(|e| i32::try_from(e.code).ok())
        .map_or(StatusCode::OK, |code| status_of(ErrorCode(code)));
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}

/// A `subscriptions/listen` stream: the acknowledgement, then the notifications the client
/// asked for (each tagged with its subscription id) and keep-alive comments, until the client
/// closes it or the server shuts down.
fn listen_stream(
    endpoint: &Endpoint,
    ack: Vec<u8>,
    notifications: mpsc::Receiver<Bytes>,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static {
    let ack = futures_util::stream::once(std::future::ready(Ok(sse::named_event("message", &ack))));
    let state = (
        sse::keep_alive_ticker(endpoint.config.keep_alive),
        endpoint.shutdown.draining(),
        notifications,
    );
    let rest = futures_util::stream::unfold(
        state,
        |(mut ticker, draining, mut notifications)| async move {
            let event = tokio::select! {
                _ = draining.cancelled() => return None,
                message = notifications.recv() => sse::named_event("message", &message?),
                _ = ticker.tick() => Bytes::from_static(sse::KEEP_ALIVE),
            };
            Some((Ok(event), (ticker, draining, notifications)))
        },
    );
    ack.chain(rest)
}

/// The SSE body of a stateless call: its notifications, then its response, with keep-alive
/// comments while the call is quiet (a client that hung up is noticed at the next write).
/// Dropping it (the client closed the stream) cancels the call.
struct StatelessStream {
    first: Option<Vec<u8>>,
    /// `None` once the response went out.
    messages: Option<mpsc::Receiver<Outgoing>>,
    keep_alive: tokio::time::Interval,
    _guard: CancelOnDrop,
}

impl Stream for StatelessStream {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(sse::named_event("message", &first))));
        }
        loop {
            let Some(messages) = self.messages.as_mut() else {
                return Poll::Ready(None);
            };
            match messages.poll_recv(cx) {
                Poll::Pending => {
                    return match self.keep_alive.poll_tick(cx) {
                        Poll::Ready(_) => {
                            Poll::Ready(Some(Ok(Bytes::from_static(sse::KEEP_ALIVE))))
                        }
                        Poll::Pending => Poll::Pending,
                    }
                }
                Poll::Ready(None) => {
                    self.messages = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Outgoing::CloseStream)) => continue,
                Poll::Ready(Some(Outgoing::Notification(json))) => {
                    return Poll::Ready(Some(Ok(sse::named_event("message", &json))))
                }
                Poll::Ready(Some(Outgoing::Response(json))) => {
                    self.messages = None;
                    return Poll::Ready(Some(Ok(sse::named_event("message", &json))));
                }
            }
        }
    }
}

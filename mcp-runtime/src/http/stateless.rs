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
use tokio::sync::mpsc;

use super::error::HttpError;
use super::request::{METHOD_HEADER, NAME_HEADER, SESSION_HEADER, VERSION_HEADER};
use super::{sse, sse_response, Endpoint};
use crate::auth::Identity;
use crate::engine::stateless::HeaderView;
use crate::engine::{Era, Reply};
use crate::peer::{CancelOnDrop, Outgoing};
use crate::protocol::headers as meta_headers;
use crate::protocol::meta;
use crate::protocol::{ErrorCode, Message, ProtocolVersion, Request, Response};

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
    let meta = match endpoint
        .core
        .check_stateless(&Headers(req.headers()), &request)
    {
        Ok(meta) => meta,
        Err(refusal) => return Ok(respond(&refusal, StatusCode::BAD_REQUEST)),
    };
    endpoint.authorize(req, caller.as_deref(), &request, Some(&id))?;
    if endpoint.shutdown.is_draining() {
        return Err(HttpError::ShuttingDown(Some(id)));
    }
    match endpoint
        .core
        .request(Era::Stateless(&meta), request, caller)
    {
        Reply::Now(response) => Ok(respond(&response, StatusCode::OK)),
        Reply::Refused(refusal) => Ok(respond(&refusal, StatusCode::BAD_REQUEST)),
        Reply::Listen { ack, notifications } => {
            Ok(sse_response().streaming(listen_stream(endpoint, ack, notifications)))
        }
        Reply::Call {
            mut messages,
            cancel_on_drop,
            ..
        } => {
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
                Ok(Some(Outgoing::Response(response))) => {
                    return Ok(respond(&response, StatusCode::OK))
                }
                Ok(None) => return Ok(HttpResponse::Accepted().finish()),
                Ok(Some(Outgoing::Notification(first))) => Some(first),
                Ok(Some(Outgoing::CloseStream)) | Err(_) => None,
            };
            let probe = endpoint.config.keep_alive.min(CANCEL_PROBE);
            let body = StatelessStream {
                first,
                messages: Some(messages),
                keep_alive: sse::keep_alive_ticker(probe),
                bursts: sse::Bursts::new(),
                _guard: cancel_on_drop,
            };
            Ok(sse_response().streaming(body))
        }
    }
}

/// The request's headers, as the engine's stateless checks read them.
struct Headers<'a>(&'a HeaderMap);

impl HeaderView for Headers<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        let value = match name {
            meta_headers::VERSION_HEADER => self.0.get(VERSION_HEADER),
            meta_headers::METHOD_HEADER => self.0.get(METHOD_HEADER),
            meta_headers::NAME_HEADER => self.0.get(NAME_HEADER),
            other => self.0.get(other),
        };
        value.map(|value| value.as_bytes())
    }
}

/// A response as JSON, with its HTTP status. A refusal (`floor` `400`) is `404` for a method
/// this revision does not have and `400` otherwise; an answer (`floor` `200`) keeps `200`
/// unless its error is one of the 2026 refusal codes (a handler that needed a capability the
/// request did not declare: `-32021`), which are `400` wherever they arise.
fn respond(response: &Response, floor: StatusCode) -> HttpResponse {
    let status = match response.error_code() {
        Some(ErrorCode::METHOD_NOT_FOUND) if floor != StatusCode::OK => StatusCode::NOT_FOUND,
        Some(
            meta::HEADER_MISMATCH
            | meta::MISSING_REQUIRED_CLIENT_CAPABILITY
            | meta::UNSUPPORTED_PROTOCOL_VERSION,
        ) => StatusCode::BAD_REQUEST,
        _ => floor,
    };
    HttpResponse::build(status)
        .content_type("application/json")
        .body(response.encode())
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
    bursts: sse::Bursts,
    _guard: CancelOnDrop,
}

impl Stream for StatelessStream {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(sse::named_event("message", &first))));
        }
        if self.bursts.pause(cx) {
            return Poll::Pending;
        }
        loop {
            let Some(messages) = self.messages.as_mut() else {
                return Poll::Ready(None);
            };
            match messages.poll_recv(cx) {
                Poll::Pending => {
                    self.bursts.idle();
                    return match self.keep_alive.poll_tick(cx) {
                        Poll::Ready(_) => {
                            Poll::Ready(Some(Ok(Bytes::from_static(sse::KEEP_ALIVE))))
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
                Poll::Ready(None) => {
                    self.messages = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Outgoing::CloseStream)) => continue,
                Poll::Ready(Some(Outgoing::Notification(json))) => {
                    self.bursts.message();
                    return Poll::Ready(Some(Ok(sse::named_event("message", &json))));
                }
                Poll::Ready(Some(Outgoing::Response(response))) => {
                    self.messages = None;
                    let json = response.encode();
                    return Poll::Ready(Some(Ok(sse::named_event("message", &json))));
                }
            }
        }
    }
}

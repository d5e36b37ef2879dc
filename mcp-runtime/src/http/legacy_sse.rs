//! The legacy HTTP+SSE transport (MCP 2024-11-05), served beside Streamable HTTP for clients
//! that have not moved on yet.
//!
//! `GET /sse` opens a *connection*: an SSE stream whose first event (`endpoint`) names the URI
//! to POST to, `/messages?sessionId=<id>`. Every message the server sends on that connection,
//! responses included, is a `message` event on the stream; every `POST` is answered `202` at
//! once. `initialize` binds a core [`Session`] to the connection; closing the stream ends both.
//!
//! Only transport work happens here: protocol decisions are the core's (`dispatch.rs`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use actix_web::{web, HttpRequest, HttpResponse};

use super::error::HttpError;
use super::request::Accepts;
use super::{sse, sse_response, Endpoint};
use crate::engine::{Received, Reply};
use crate::peer::Outgoing;
use crate::peer::{Session, TooManySessions};
use crate::protocol::jsonrpc::encode;
use crate::protocol::{ErrorCode, Message, RequestId, RpcError};

/// How many encoded messages may wait for a slow client on one connection before senders (the
/// calls' forwarders, `POST`s answered at once) wait too.
const CONNECTION_CHANNEL_CAPACITY: usize = 64;

/// The open connections of one endpoint, by id.
#[derive(Default)]
pub(super) struct Connections {
    open: RwLock<HashMap<Arc<str>, Arc<Connection>>>,
}

/// One open SSE stream and the session `initialize` bound to it.
struct Connection {
    /// Encoded JSON-RPC messages on their way to the stream.
    outbox: mpsc::Sender<Vec<u8>>,
    session: OnceLock<Arc<Session>>,
    /// The subject that opened the stream, when the endpoint authenticates; only it may post.
    owner: Option<String>,
}

impl Connections {
    /// Registers a new connection of `owner`; refused when `max` are already open.
    fn open(
        &self,
        max: usize,
        owner: Option<String>,
    ) -> Result<(Arc<str>, mpsc::Receiver<Vec<u8>>), TooManySessions> {
        let (outbox, inbox) = mpsc::channel(CONNECTION_CHANNEL_CAPACITY);
        let connection = Arc::new(Connection {
            outbox,
            session: OnceLock::new(),
            owner,
        });
        let mut open = self.open.write().unwrap_or_else(|e| e.into_inner());
        if open.len() >= max {
            return Err(TooManySessions(max));
        }
        let id: Arc<str> = crate::peer::new_session_id().into();
        open.insert(id.clone(), connection);
        Ok((id, inbox))
    }

    fn get(&self, id: &str) -> Option<Arc<Connection>> {
        self.open
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Forgets a connection and ends its session: its calls are cancelled.
    fn close(&self, id: &str) {
        let removed = self
            .open
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        if let Some(session) = removed.as_ref().and_then(|c| c.session.get()) {
            session.close();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.open.read().unwrap().len()
    }
}

impl Connection {
    /// Queues one message for the stream, waiting while the client is slow to read. Fails when
    /// the stream is gone.
    async fn deliver(&self, json: Vec<u8>, id: Option<&RequestId>) -> Result<(), HttpError> {
        self.outbox
            .send(json)
            .await
            .map_err(|_| HttpError::UnknownConnection(id.cloned()))
    }
}

/// `GET <sse path>`: opens a connection and streams its messages.
pub(super) async fn open(
    req: HttpRequest,
    endpoint: web::Data<Endpoint>,
) -> Result<HttpResponse, HttpError> {
    let endpoint = endpoint.into_inner();
    endpoint.config.policy.check(&req)?;
    let caller = endpoint.authenticate(&req).await?;
    if !Accepts::from_headers(req.headers()).sse {
        return Err(HttpError::NotAcceptable("text/event-stream"));
    }
    let config = &endpoint.config;
    let owner = caller.map(|c| c.subject().to_owned());
    let (id, inbox) = endpoint
        .legacy
        .open(config.max_sessions, owner)
        .map_err(HttpError::TooManySessions)?;
    // The same mount prefix as this request (e.g. `/api` under `web::scope("/api")`).
    let prefix = req
        .path()
        .strip_suffix(config.legacy_sse_path.as_str())
        .unwrap_or("");
    let uri = format!("{prefix}{}?sessionId={id}", config.legacy_messages_path);
    let keep_alive = config.keep_alive;
    let guard = OpenConnection { endpoint, id };
    Ok(sse_response().streaming(connection_stream(
        sse::named_event("endpoint", uri.as_bytes()),
        inbox,
        keep_alive,
        guard,
    )))
}

/// `POST <messages path>?sessionId=<id>`: one client message for a connection; answered `202`,
/// with any response on the connection's stream.
pub(super) async fn post(
    req: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<Endpoint>,
) -> Result<HttpResponse, HttpError> {
    let endpoint = endpoint.into_inner();
    let (caller, message) = endpoint
        .message(&req, payload, std::future::ready(Ok(())))
        .await?;
    let request_id = match &message {
        Message::Request(request) => Some(request.id.clone()),
        _ => None,
    };
    let id = connection_id(req.query_string())
        .ok_or_else(|| HttpError::MissingConnection(request_id.clone()))?;
    // Another subject's connection is "not found", so its existence does not leak.
    let connection = endpoint
        .legacy
        .get(id)
        .filter(|c| c.owner.as_deref() == caller.as_deref().map(|c| c.subject()))
        .ok_or_else(|| HttpError::UnknownConnection(request_id.clone()))?;
    let core = &endpoint.core;

    if let (Message::Request(request), Some(_)) = (&message, connection.session.get()) {
        endpoint.authorize(&req, caller.as_deref(), request, request_id.as_ref())?;
    }
    match core.receive(connection.session.get(), message, caller) {
        Received::Nothing => {}
        Received::Opened(opened) => {
            // A concurrent `initialize` may have won: the first one binds.
            let answer = match connection.session.set(opened.session.clone()) {
                Ok(()) => {
                    opened.session.stream_into(connection.outbox.clone());
                    opened.response.encode()
                }
                Err(_) => already_initialized(request_id.as_ref()),
            };
            connection.deliver(answer, request_id.as_ref()).await?;
        }
        Received::Reply(Reply::Now(answer) | Reply::Refused(answer)) => {
            connection
                .deliver(answer.encode(), request_id.as_ref())
                .await?;
        }
        Received::Reply(Reply::Call { messages, .. }) => {
            tokio::task::spawn_local(forward(messages, connection.outbox.clone()));
        }
        Received::Reply(Reply::Listen { .. }) => {
            unreachable!("subscriptions/listen is a method of the stateless wire only")
        }
    }
    Ok(HttpResponse::Accepted().finish())
}

fn already_initialized(id: Option<&RequestId>) -> Vec<u8> {
    let error = RpcError::new(
        ErrorCode::INVALID_REQUEST,
        "this connection is already initialized; open a new SSE stream to start a new session",
    );
    encode::error(id, &error)
}

/// The connection id of `?sessionId=<id>` (the TypeScript SDK's name) or `?session_id=<id>`
/// (the Python SDK's). Ids are hex, so no percent-decoding is needed to match one.
fn connection_id(query: &str) -> Option<&str> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name == "sessionId" || name == "session_id")
            .then_some(value)
            .filter(|v| !v.is_empty())
    })
}

/// Moves one call's notifications, then its response, onto the connection's stream, in order.
/// Stops when the response is through or the stream is gone (the call is cancelled then).
async fn forward(mut messages: mpsc::Receiver<Outgoing>, outbox: mpsc::Sender<Vec<u8>>) {
    while let Some(message) = messages.recv().await {
        let (json, last) = match message {
            Outgoing::Notification(json) => (json, false),
            Outgoing::Response(response) => (response.encode(), true),
            // The connection's one stream carries every call; 2024-11-05 has no resumption.
            Outgoing::CloseStream => continue,
        };
        if outbox.send(json).await.is_err() || last {
            return;
        }
    }
}

/// Keeps a connection registered while its stream lives; closes it when the stream is dropped
/// (the client went away, or the server stops).
struct OpenConnection {
    endpoint: Arc<Endpoint>,
    id: Arc<str>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.endpoint.legacy.close(&self.id);
    }
}

/// The body of `GET /sse`: the `endpoint` event, then each message as a `message` event, with
/// keep-alive comments while idle. A client that went away shows up as a failed write, at the
/// latest at the next keep-alive; the stream is then dropped, and the connection with it.
fn connection_stream(
    endpoint_event: Bytes,
    inbox: mpsc::Receiver<Vec<u8>>,
    keep_alive: Duration,
    guard: OpenConnection,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let state = ConnectionStream {
        first: Some(endpoint_event),
        inbox,
        ticker: sse::keep_alive_ticker(keep_alive),
        _guard: guard,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if let Some(first) = st.first.take() {
            return Some((Ok(first), st));
        }
        let event = tokio::select! {
            message = st.inbox.recv() => sse::named_event("message", &message?),
            _ = st.ticker.tick() => Bytes::from_static(sse::KEEP_ALIVE),
        };
        Some((Ok(event), st))
    })
}

struct ConnectionStream {
    first: Option<Bytes>,
    inbox: mpsc::Receiver<Vec<u8>>,
    ticker: tokio::time::Interval,
    _guard: OpenConnection,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Response;

    #[test]
    fn connection_ids_come_from_either_query_name() {
        assert_eq!(connection_id("sessionId=ab12"), Some("ab12"));
        assert_eq!(connection_id("x=1&session_id=cd"), Some("cd"));
        assert_eq!(connection_id("sessionId="), None);
        assert_eq!(connection_id("sessionid=ab"), None);
        assert_eq!(connection_id(""), None);
    }

    #[test]
    fn connections_are_bounded_and_closing_ends_the_session() {
        let connections = Connections::default();
        let (a, _inbox_a) = connections.open(2, None).unwrap();
        let (_b, _inbox_b) = connections.open(2, None).unwrap();
        assert!(connections.open(2, None).is_err());
        let session = Arc::new(Session::new(
            crate::protocol::ProtocolVersion::LATEST,
            crate::protocol::Implementation::new("t", "1"),
            serde_json::Value::Null,
        ));
        assert!(connections
            .get(&a)
            .unwrap()
            .session
            .set(session.clone())
            .is_ok());
        connections.close(&a);
        assert!(connections.get(&a).is_none());
        assert!(session.closed().is_cancelled());
        assert_eq!(connections.len(), 1);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_forwarded_call_keeps_its_order_and_stops_after_the_response() {
        let (sink, messages) = mpsc::channel(4);
        let (outbox, mut inbox) = mpsc::channel(1);
        let forwarding = tokio::spawn(forward(messages, outbox));
        sink.send(Outgoing::Notification(b"1".to_vec()))
            .await
            .unwrap();
        sink.send(Outgoing::Notification(b"2".to_vec()))
            .await
            .unwrap();
        let response = Response::new(RequestId::Number(3), Ok(3.into()));
        sink.send(Outgoing::Response(response.clone()))
            .await
            .unwrap();
        for expected in [b"1".to_vec(), b"2".to_vec(), response.encode()] {
            assert_eq!(inbox.recv().await.unwrap(), expected);
        }
        forwarding.await.unwrap();
        assert!(inbox.recv().await.is_none(), "nothing after the response");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unread_stream_holds_the_call_back() {
        let (sink, messages) = mpsc::channel(2);
        let (outbox, mut inbox) = mpsc::channel(1);
        tokio::spawn(forward(messages, outbox));
        let mut sent = 0;
        while sink.try_send(Outgoing::Notification(b"n".to_vec())).is_ok() {
            sent += 1;
            tokio::task::yield_now().await;
            assert!(sent < 100, "the call's sends never block");
        }
        // One in the connection's channel, one held by the forwarder, two in the call's.
        assert_eq!(sent, 4);
        assert!(inbox.recv().await.is_some());
    }
}

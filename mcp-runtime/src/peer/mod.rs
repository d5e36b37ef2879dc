//! Who a request talks back to: a 2025 [`Session`], the [`Exchange`] of one stateless 2026
//! request, or a [`Task`](self::task::Task) a stateless call became; and the messages that go to them.
//!
//! Nothing here knows about tools or transports: the core creates peers, a tool's
//! [`Ctx`](crate::Ctx) talks through them, and transports drain what they send.

mod exchange;
mod session;
mod task;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

pub(crate) use self::exchange::{complete, stateless_error, verify, CancelOnDrop, Exchange};
pub(crate) use self::session::{
    new_session_id, CallRefused, LiveSessions, Session, SessionRefused, TooManyFromAddress,
    TooManySessions,
};
pub(crate) use self::task::{TaskStore, TASKS_EXTENSION};
use crate::protocol::{Implementation, LoggingLevel, ProtocolVersion, Response, RpcError};

/// A message produced while serving one request, on its way to the transport.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A notification tied to the request (log, progress), or a server→client request made
    /// on the request's behalf (elicitation, sampling, roots), already encoded.
    Notification(Vec<u8>),
    /// The final response; nothing follows it. Transports encode it (and, over HTTP, may
    /// choose a status from its error).
    Response(Response),
    /// The tool asks the transport to end the request's stream now, the call going on: the
    /// client comes back for the rest (SSE polling, SEP-1699). Transports that cannot resume
    /// a stream ignore it.
    CloseStream,
}

/// What a request served by a local task yields: its `result`, or a JSON-RPC error.
pub(crate) type RequestFuture = Pin<Box<dyn Future<Output = Result<Value, RpcError>>>>;

/// Who a request talks back to: the one thing a running handler's [`Ctx`](crate::Ctx) needs to
/// know about its client. The era differences a handler could see live here, as data.
#[derive(Clone)]
pub(crate) enum Peer {
    /// A session of the 2025 era: its level comes from `logging/setLevel`; questions to the
    /// client go out on the call's stream and their answers come back through the session.
    Session(Arc<Session>),
    /// One request of the stateless 2026 wire: its `_meta` says everything; questions become
    /// an `InputRequiredResult` (or wait in a task).
    Stateless(Arc<Exchange>),
    /// Nobody listens ([`Ctx::detached`](crate::Ctx::detached)).
    Detached,
}

impl Peer {
    /// Whether a log message at `level` reaches the client: the session's level, read at send
    /// time so a `logging/setLevel` during a long call takes effect at once; on the stateless
    /// wire the level the request asked for, and nothing when it asked for none.
    pub(crate) fn allows_log(&self, level: LoggingLevel) -> bool {
        match self {
            Peer::Session(session) => session.log_level().is_none_or(|min| level >= min),
            Peer::Stateless(exchange) => exchange.log_level.is_some_and(|min| level >= min),
            Peer::Detached => false,
        }
    }

    /// The protocol revision the client speaks.
    pub(crate) fn protocol_version(&self) -> ProtocolVersion {
        match self {
            Peer::Session(session) => session.protocol_version(),
            Peer::Stateless(exchange) => exchange.version,
            Peer::Detached => ProtocolVersion::LATEST,
        }
    }

    /// The session, in the 2025 era.
    pub(crate) fn session(&self) -> Option<&Arc<Session>> {
        match self {
            Peer::Session(session) => Some(session),
            _ => None,
        }
    }

    /// The client's name and version, as it introduced itself.
    pub(crate) fn client_info(&self) -> Option<&Implementation> {
        match self {
            Peer::Session(session) => Some(session.client_info()),
            Peer::Stateless(exchange) => exchange.client_info.as_ref(),
            Peer::Detached => None,
        }
    }

    /// The capabilities the client declared, as sent.
    pub(crate) fn client_capabilities(&self) -> Option<&Value> {
        match self {
            Peer::Session(session) => Some(session.client_capabilities()),
            Peer::Stateless(exchange) => Some(&exchange.capabilities),
            Peer::Detached => None,
        }
    }

    /// The one exit of every answer: a session's goes out as the handler gave it; a stateless
    /// one is decorated (`resultType`, caching hints, the server's identity) and its errors
    /// take their 2026 codes.
    pub(crate) fn finish(&self, outcome: Result<Value, RpcError>) -> Result<Value, RpcError> {
        match self {
            Peer::Stateless(exchange) => exchange.finish(outcome),
            Peer::Session(_) | Peer::Detached => outcome,
        }
    }
}

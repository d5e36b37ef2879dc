//! Who a request talks back to: a 2025 [`Session`], the [`Exchange`] of one stateless 2026
//! request, or a [`Task`] a stateless call became; and the messages that go to them.
//!
//! Nothing here knows about tools or transports: the core creates peers, a tool's
//! [`Ctx`](crate::Ctx) talks through them, and transports drain what they send.

mod exchange;
mod session;
mod task;

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

pub(crate) use self::exchange::{complete, stateless_error, verify, CancelOnDrop, Exchange};
pub(crate) use self::session::{
    new_session_id, CallRefused, Session, SessionStore, TooManySessions,
};
pub(crate) use self::task::{TaskStore, TASKS_EXTENSION};
use crate::protocol::RpcError;

/// A message produced while serving one request, on its way to the transport.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A notification tied to the request (log, progress), or a server→client request made
    /// on the request's behalf (elicitation, sampling, roots), already encoded.
    Notification(Vec<u8>),
    /// The final response, already encoded; nothing follows it.
    Response(Vec<u8>),
    /// The tool asks the transport to end the request's stream now, the call going on: the
    /// client comes back for the rest (SSE polling, SEP-1699). Transports that cannot resume
    /// a stream ignore it.
    CloseStream,
}

/// What a request served by a local task yields: its `result`, or a JSON-RPC error.
pub(crate) type RequestFuture = Pin<Box<dyn Future<Output = Result<Value, RpcError>>>>;

//! The transport under the protocol layer, and the tasks reading what the server sends outside
//! a POST's own answer (the shared stream of stdio and legacy HTTP+SSE, the session's `GET`).

use std::sync::Weak;

use reqwest::header::{HeaderName, HeaderValue};

use super::error::ClientError;
use super::legacy::LegacyTransport;
use super::routing::Inner;
use super::stdio::{StdioReader, StdioTransport};
use super::transport::{HttpTransport, Replies};
use crate::protocol::{DecodeError, Message};

/// The HTTP headers a message adds to the usual ones (Streamable HTTP only).
pub(super) type ExtraHeaders = Vec<(HeaderName, HeaderValue)>;

/// The transport under the protocol layer.
pub(super) enum Link {
    Http(HttpTransport),
    Stdio(StdioTransport),
    Legacy(LegacyTransport),
}

impl Link {
    /// Sends one encoded message. Streamable HTTP returns the messages answering it; the other
    /// transports deliver everything through their reader.
    pub(super) async fn send(
        &self,
        body: Vec<u8>,
        headers: ExtraHeaders,
    ) -> Result<Option<Replies>, ClientError> {
        match self {
            Link::Http(http) => http.post(body, headers).await.map(Some),
            Link::Stdio(stdio) => stdio.send(&body).await.map(|()| None),
            Link::Legacy(legacy) => legacy.post(body).await.map(|()| None),
        }
    }
}

/// The shared incoming stream of stdio and legacy HTTP+SSE.
pub(super) enum Reader {
    Stdio(StdioReader),
    Legacy(Box<Replies>),
}

impl Reader {
    pub(super) async fn next(&mut self) -> Option<Result<Message, ClientError>> {
        match self {
            Reader::Stdio(stdio) => stdio.next().await,
            Reader::Legacy(replies) => replies.next().await,
        }
    }
}

/// Reads the shared stream until it ends, routing every message; then fails every waiting
/// call (and every later one) with the reason.
pub(super) async fn read_loop(mut reader: Reader, inner: Weak<Inner>) {
    let ended = loop {
        match reader.next().await {
            Some(Ok(message)) => match inner.upgrade() {
                Some(inner) => inner.route(message),
                None => return,
            },
            Some(Err(ClientError::Decode(e))) => break Ended::Decode(e),
            Some(Err(e)) => break Ended::Closed(e.to_string()),
            None => break Ended::Closed("the server closed the stream".into()),
        }
    };
    let Some(inner) = inner.upgrade() else {
        return;
    };
    let ended = match (&inner.link, ended) {
        (Link::Stdio(stdio), Ended::Closed(reason)) => match stdio.exit_status().await {
            Some(status) => Ended::Exited(status),
            None => Ended::Closed(reason),
        },
        (_, ended) => ended,
    };
    inner.end(ended);
}

/// Routes what arrives on the session's `GET` stream until it ends; calls are not affected.
pub(super) async fn listen_loop(mut replies: Replies, inner: Weak<Inner>) {
    while let Some(Ok(message)) = replies.next().await {
        match inner.upgrade() {
            Some(inner) => inner.route(message),
            None => return,
        }
    }
}

/// Why the shared stream is over.
#[derive(Debug, Clone)]
pub(super) enum Ended {
    Closed(String),
    Exited(String),
    Decode(DecodeError),
}

impl Ended {
    pub(super) fn error(&self) -> ClientError {
        match self {
            Ended::Closed(reason) => ClientError::Closed(reason.clone()),
            Ended::Exited(status) => ClientError::ProcessExited {
                status: status.clone(),
            },
            Ended::Decode(e) => ClientError::Decode(e.clone()),
        }
    }
}

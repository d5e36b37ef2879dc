//! What can go wrong talking to a server, as one typed enum.

use std::error::Error as StdError;
use std::fmt;

use crate::protocol::{DecodeError, RequestId, RpcError};

/// A boxed error from a transport's underlying library.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Every way a [`Client`](super::Client) call can fail. Bad server output becomes one of these;
/// the client never panics on it.
///
/// ```
/// use mcp_runtime::client::ClientError;
/// use mcp_runtime::protocol::{ErrorCode, RpcError};
///
/// let e = ClientError::Rpc(RpcError::new(ErrorCode::INVALID_PARAMS, "Unknown tool: nope"));
/// assert_eq!(e.rpc_error().unwrap().code, ErrorCode::INVALID_PARAMS);
/// assert_eq!(e.to_string(), "the server answered with an error: Unknown tool: nope (-32602)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server refused the HTTP request: a non-success status, with the JSON-RPC error of
    /// the body when it had one (MCP servers put one there) and the body text otherwise.
    #[error("HTTP {status}{}", HttpDetail(.error, .body))]
    Http {
        /// The status code, e.g. 404.
        status: u16,
        /// The JSON-RPC error carried by the body, if the body was one.
        error: Option<Box<RpcError>>,
        /// The body (truncated) when it was not a JSON-RPC error.
        body: String,
    },
    /// The server answered the request with a JSON-RPC error.
    #[error("the server answered with an error: {0}")]
    Rpc(RpcError),
    /// The connection failed: refused, reset, timed out, or the body broke off.
    #[error("transport error: {message}")]
    Transport {
        /// What failed, with the chain of causes.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A message from the server is not valid JSON-RPC. On stdio and the legacy HTTP+SSE
    /// transport, where every message shares one stream, it also ends the connection: calls in
    /// flight and later calls fail with it.
    #[error("invalid message from the server: {0}")]
    Decode(#[from] DecodeError),
    /// The server broke the protocol: wrong content type, missing session id, an answer to
    /// another request, an unsupported protocol version, an oversized event ...
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A result did not have the shape its method defines.
    #[error("unexpected result for `{method}`: {source}")]
    InvalidResult {
        /// The request's method.
        method: String,
        /// Why it did not decode.
        #[source]
        source: serde_json::Error,
    },
    /// Obtaining a token for a protected server failed.
    #[cfg(feature = "oauth")]
    #[error("authorization failed: {0}")]
    Authorization(#[from] super::oauth::OAuthError),
    /// The response stream ended before the response to the request arrived.
    #[error("the server's stream ended before the response to request {0}")]
    StreamEnded(RequestId),
    /// The connection to the server is gone (stdio pipes or the legacy SSE stream closed, or
    /// [`close`](super::Client::close) was called): calls in flight and later calls fail with
    /// this.
    #[error("the connection to the server is closed: {0}")]
    Closed(String),
    /// The stdio server process exited; calls in flight and later calls fail with this.
    #[error("the server process exited ({status})")]
    ProcessExited {
        /// The exit status as the OS reports it, e.g. `exit status: 3`, or `unknown`.
        status: String,
    },
    /// No response within the time given by [`CallOptions::timeout`](super::CallOptions::timeout);
    /// the request was cancelled.
    #[error("no response within {0:?}; the request was cancelled")]
    Timeout(std::time::Duration),
    /// The tool ran and reported a failure (`isError: true`), with the text it gave; from
    /// [`call_tool_as`](super::Client::call_tool_as), which has no result to return.
    #[error("the tool failed: {0}")]
    ToolFailed(String),
    /// The call was cancelled through its [`CallOptions::cancel_on`](super::CallOptions::cancel_on)
    /// token.
    #[error("the request was cancelled")]
    Cancelled,
    /// The tool arguments given did not serialize to JSON.
    #[error("the tool arguments do not serialize to JSON: {0}")]
    Arguments(serde_json::Error),
}

impl ClientError {
    /// A transport failure, keeping the underlying error as the source and its whole chain of
    /// causes in the message.
    ///
    /// ```
    /// use mcp_runtime::client::ClientError;
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    /// assert_eq!(ClientError::transport(io).to_string(), "transport error: refused");
    /// ```
    pub fn transport(error: impl Into<BoxError>) -> ClientError {
        let error = error.into();
        let mut message = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            let text = c.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = c.source();
        }
        ClientError::Transport {
            message,
            source: Some(error),
        }
    }

    /// The JSON-RPC error behind this failure, from a JSON-RPC error response or from the body
    /// of an HTTP error.
    ///
    /// ```
    /// use mcp_runtime::client::ClientError;
    /// let e = ClientError::Protocol("bad".into());
    /// assert!(e.rpc_error().is_none());
    /// ```
    pub fn rpc_error(&self) -> Option<&RpcError> {
        match self {
            ClientError::Rpc(error) => Some(error),
            ClientError::Http { error, .. } => error.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when the server refused the request at the HTTP level.
    ///
    /// ```
    /// use mcp_runtime::client::ClientError;
    /// let e = ClientError::Http { status: 404, error: None, body: String::new() };
    /// assert_eq!(e.http_status(), Some(404));
    /// ```
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the server no longer knows the session (HTTP 404 to a request that carried a
    /// session id): the cure is to connect again.
    ///
    /// ```
    /// use mcp_runtime::client::ClientError;
    /// assert!(ClientError::Http { status: 404, error: None, body: String::new() }.is_session_expired());
    /// ```
    pub fn is_session_expired(&self) -> bool {
        self.http_status() == Some(404)
    }

    /// Builds an [`Http`](ClientError::Http) error from a status and the bytes of the body.
    pub(crate) fn from_http(status: u16, body: &[u8]) -> ClientError {
        #[derive(serde::Deserialize)]
        struct Body {
            error: RpcError,
        }
        match serde_json::from_slice::<Body>(body) {
            Ok(Body { error }) => ClientError::Http {
                status,
                error: Some(Box::new(error)),
                body: String::new(),
            },
            Err(_) => {
                let mut text = String::from_utf8_lossy(body).into_owned();
                if text.len() > 512 {
                    let mut cut = 512;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                    text.push('…');
                }
                ClientError::Http {
                    status,
                    error: None,
                    body: text,
                }
            }
        }
    }

    /// A protocol error for an unexpected message.
    pub(crate) fn protocol(message: impl Into<String>) -> ClientError {
        ClientError::Protocol(message.into())
    }
}

impl From<RpcError> for ClientError {
    fn from(error: RpcError) -> ClientError {
        ClientError::Rpc(error)
    }
}

/// Formats the detail after `HTTP <status>`.
struct HttpDetail<'a>(&'a Option<Box<RpcError>>, &'a String);

impl fmt::Display for HttpDetail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1.trim()) {
            (Some(error), _) => write!(f, ": {error}"),
            (None, "") => Ok(()),
            (None, body) => write!(f, ": {body}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ErrorCode;

    #[test]
    fn http_errors_keep_the_json_rpc_error_of_the_body() {
        let body =
            br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}"#;
        let e = ClientError::from_http(404, body);
        assert_eq!(e.http_status(), Some(404));
        assert!(e.is_session_expired());
        assert_eq!(e.rpc_error().unwrap().code, ErrorCode(-32001));
        assert_eq!(e.to_string(), "HTTP 404: Session not found (-32001)");
    }

    #[test]
    fn http_errors_without_json_keep_a_truncated_body() {
        let e = ClientError::from_http(502, b"Bad Gateway\n");
        assert_eq!(e.to_string(), "HTTP 502: Bad Gateway");
        assert!(e.rpc_error().is_none());
        assert_eq!(ClientError::from_http(500, b"").to_string(), "HTTP 500");
        let long = "é".repeat(1000);
        let ClientError::Http { body, .. } = ClientError::from_http(500, long.as_bytes()) else {
            panic!("an HTTP error")
        };
        assert!(body.len() <= 512 + '…'.len_utf8() && body.ends_with('…'));
    }

    #[test]
    fn transport_errors_name_every_cause() {
        #[derive(Debug, thiserror::Error)]
        #[error("error sending request")]
        struct Outer(#[source] std::io::Error);
        let e = ClientError::transport(Outer(std::io::Error::other("connection reset")));
        assert_eq!(
            e.to_string(),
            "transport error: error sending request: connection reset"
        );
        assert!(StdError::source(&e).is_some());
    }

    #[test]
    fn other_variants_display_what_happened() {
        let e: ClientError = crate::protocol::Message::from_slice(b"{")
            .unwrap_err()
            .into();
        assert!(
            e.to_string()
                .starts_with("invalid message from the server: parse error"),
            "{e}"
        );
        assert_eq!(
            ClientError::StreamEnded(RequestId::Number(3)).to_string(),
            "the server's stream ended before the response to request 3"
        );
        let source = serde_json::from_str::<u8>("\"x\"").unwrap_err();
        let e = ClientError::InvalidResult {
            method: "tools/list".into(),
            source,
        };
        assert!(
            e.to_string()
                .starts_with("unexpected result for `tools/list`: "),
            "{e}"
        );
    }
}

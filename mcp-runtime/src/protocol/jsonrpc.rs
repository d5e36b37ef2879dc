//! JSON-RPC 2.0 framing: decoding untrusted bytes into a [`Message`], and the outgoing shapes.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON-RPC request id: a string or an integer, never `null`. The original JSON type is kept
/// so that responses echo it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(Arc<str>),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl RequestId {
    fn from_value(v: Value) -> Result<RequestId, DecodeError> {
        match v {
            Value::String(s) => Ok(RequestId::String(s.into())),
            Value::Number(n) => n
                .as_i64()
                .map(RequestId::Number)
                .ok_or(DecodeError::Invalid("`id` must be an integer or a string")),
            Value::Null => Err(DecodeError::Invalid("`id` must not be null")),
            _ => Err(DecodeError::Invalid("`id` must be an integer or a string")),
        }
    }
}

/// A request: it has an id and expects exactly one response.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The id the response must echo.
    pub id: RequestId,
    /// The method name, e.g. `tools/call`.
    pub method: String,
    /// `params`, when present (always an object or an array on the wire).
    pub params: Option<Value>,
}

/// A notification: no id, never answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method name, e.g. `notifications/cancelled`.
    pub method: String,
    /// `params`, when present.
    pub params: Option<Value>,
}

/// A response to a request: the peer's answer to one we sent, or ours to one we received.
///
/// ```
/// use mcp_runtime::protocol::{RequestId, Response, RpcError};
/// let ok = Response::new(RequestId::Number(1), Ok(serde_json::json!({})));
/// assert_eq!(ok.encode(), br#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
/// let refused = Response::new(RequestId::Number(2), Err(RpcError::invalid_params("bad")));
/// assert!(refused.outcome.is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The id of the request this answers (`None` only for errors about unreadable requests).
    pub id: Option<RequestId>,
    /// `Ok(result)` or `Err(error)`.
    pub outcome: Result<Value, RpcError>,
}

impl Response {
    /// The answer to the request `id`.
    pub fn new(id: RequestId, outcome: Result<Value, RpcError>) -> Response {
        Response {
            id: Some(id),
            outcome,
        }
    }

    /// The JSON-RPC bytes of this response.
    pub fn encode(&self) -> Vec<u8> {
        match (&self.outcome, &self.id) {
            (Ok(result), Some(id)) => encode::result(id, result),
            (Ok(_), None) => encode::error(
                None,
                &RpcError::internal("a result without the id of its request"),
            ),
            (Err(error), id) => encode::error(id.as_ref(), error),
        }
    }

    /// The error code, when this is an error response.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.outcome.as_ref().err().map(|e| e.code)
    }
}

/// One decoded JSON-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response (result or error).
    Response(Response),
}

/// Why bytes are not a JSON-RPC message. Maps to `-32700` (not JSON) or `-32600` (not JSON-RPC).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes are not JSON.
    #[error("parse error: {0}")]
    Parse(String),
    /// JSON, but not a JSON-RPC 2.0 message.
    #[error("invalid request: {0}")]
    Invalid(&'static str),
    /// A JSON array: batches are not accepted on this transport.
    #[error("invalid request: JSON-RPC batches are not supported; send one message per request")]
    Batch,
}

impl DecodeError {
    /// The JSON-RPC error this decode failure is reported as.
    pub fn to_rpc_error(&self) -> RpcError {
        let code = match self {
            DecodeError::Parse(_) => ErrorCode::PARSE_ERROR,
            DecodeError::Invalid(_) | DecodeError::Batch => ErrorCode::INVALID_REQUEST,
        };
        RpcError::new(code, self.to_string())
    }
}

impl Message {
    /// Decodes one message from untrusted bytes. Never panics; every failure says what was wrong.
    ///
    /// ```
    /// use mcp_runtime::protocol::Message;
    /// let m = Message::from_slice(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
    /// assert!(matches!(m, Message::Request(r) if r.method == "ping"));
    /// assert!(Message::from_slice(b"{").is_err());
    /// ```
    pub fn from_slice(bytes: &[u8]) -> Result<Message, DecodeError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| DecodeError::Parse(e.to_string()))?;
        Message::from_value(value)
    }

    /// Classifies an already-parsed JSON value.
    pub fn from_value(value: Value) -> Result<Message, DecodeError> {
        let mut obj = match value {
            Value::Object(obj) => obj,
            Value::Array(_) => return Err(DecodeError::Batch),
            _ => {
                return Err(DecodeError::Invalid(
                    "a JSON-RPC message must be a JSON object",
                ))
            }
        };
        match obj.remove("jsonrpc") {
            Some(Value::String(s)) if s == "2.0" => {}
            Some(_) => return Err(DecodeError::Invalid("`jsonrpc` must be \"2.0\"")),
            None => return Err(DecodeError::Invalid("missing `jsonrpc: \"2.0\"`")),
        }
        let id = obj.remove("id");
        if let Some(method) = obj.remove("method") {
            let Value::String(method) = method else {
                return Err(DecodeError::Invalid("`method` must be a string"));
            };
            let params = match obj.remove("params") {
                None => None,
                Some(p @ (Value::Object(_) | Value::Array(_))) => Some(p),
                Some(_) => {
                    return Err(DecodeError::Invalid(
                        "`params` must be an object or an array",
                    ))
                }
            };
            return Ok(match id {
                None => Message::Notification(Notification { method, params }),
                Some(id) => Message::Request(Request {
                    id: RequestId::from_value(id)?,
                    method,
                    params,
                }),
            });
        }
        let id = match id {
            None => {
                return Err(DecodeError::Invalid(
                    "a message needs `method`, `result` or `error`",
                ))
            }
            Some(Value::Null) => None,
            Some(id) => Some(RequestId::from_value(id)?),
        };
        match (obj.remove("result"), obj.remove("error")) {
            (Some(result), None) => match id {
                Some(id) => Ok(Message::Response(Response {
                    id: Some(id),
                    outcome: Ok(result),
                })),
                None => Err(DecodeError::Invalid(
                    "a result must carry the request's `id`",
                )),
            },
            (None, Some(error)) => {
                let error: RpcError = serde_json::from_value(error)
                    .map_err(|_| DecodeError::Invalid("`error` must be {code, message, data?}"))?;
                Ok(Message::Response(Response {
                    id,
                    outcome: Err(error),
                }))
            }
            (Some(_), Some(_)) => Err(DecodeError::Invalid(
                "a response has `result` or `error`, not both",
            )),
            (None, None) => Err(DecodeError::Invalid(
                "a message needs `method`, `result` or `error`",
            )),
        }
    }
}

/// A JSON-RPC error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub i32);

impl ErrorCode {
    /// Invalid JSON.
    pub const PARSE_ERROR: ErrorCode = ErrorCode(-32700);
    /// Not a valid JSON-RPC request.
    pub const INVALID_REQUEST: ErrorCode = ErrorCode(-32600);
    /// Unknown method, or a method of a capability the server does not have.
    pub const METHOD_NOT_FOUND: ErrorCode = ErrorCode(-32601);
    /// Bad params: unknown tool, invalid cursor, invalid level.
    pub const INVALID_PARAMS: ErrorCode = ErrorCode(-32602);
    /// `resources/read` of a URI no resource answers to (2025 era; the 2026 revision uses
    /// [`INVALID_PARAMS`](Self::INVALID_PARAMS)).
    pub const RESOURCE_NOT_FOUND: ErrorCode = ErrorCode(-32002);
    /// A fault inside the server.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(-32603);
    /// Transport-level failures (session not found, wrong headers), as the reference SDKs use it.
    pub const SERVER_ERROR: ErrorCode = ErrorCode(-32000);
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} ({})", code.0)]
pub struct RpcError {
    /// The code.
    pub code: ErrorCode,
    /// A one-line description for humans.
    pub message: String,
    /// Extra machine-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// `-32602 Invalid params`.
    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError::new(ErrorCode::INVALID_PARAMS, message)
    }

    /// `-32601 Method not found`.
    pub fn method_not_found(method: &str) -> RpcError {
        RpcError::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// `-32603 Internal error`.
    pub fn internal(message: impl Into<String>) -> RpcError {
        RpcError::new(ErrorCode::INTERNAL_ERROR, message)
    }
}

#[derive(Serialize)]
struct WireResult<'a, T: Serialize> {
    jsonrpc: &'static str,
    id: &'a RequestId,
    result: T,
}

#[derive(Serialize)]
struct WireError<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RequestId>,
    error: &'a RpcError,
}

#[derive(Serialize)]
struct WireNotification<'a, T: Serialize> {
    jsonrpc: &'static str,
    method: &'a str,
    params: T,
}

/// What the client sends (unused by a server-only build).
#[cfg_attr(not(feature = "client"), allow(dead_code))]
#[derive(Serialize)]
struct WireRequest<'a> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a Value>,
}

/// Encoders for outgoing messages, straight to bytes (no intermediate `Value`).
pub(crate) mod encode {
    use super::*;

    pub(crate) fn result<T: Serialize>(id: &RequestId, result: T) -> Vec<u8> {
        match serde_json::to_vec(&WireResult {
            jsonrpc: "2.0",
            id,
            result,
        }) {
            Ok(bytes) => bytes,
            // A result type whose Serialize impl fails (a map with non-string keys, say) is a
            // server bug; the peer still gets an answer to its request.
            Err(e) => error(
                Some(id),
                &RpcError::internal(format!("could not encode result: {e}")),
            ),
        }
    }

    pub(crate) fn error(id: Option<&RequestId>, error: &RpcError) -> Vec<u8> {
        serde_json::to_vec(&WireError {
            jsonrpc: "2.0",
            id,
            error,
        })
        .expect("an RpcError always serializes")
    }

    /// A request with `id`, or a notification without one; `params` is left out when `None`.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn request(id: Option<&RequestId>, method: &str, params: Option<&Value>) -> Vec<u8> {
        serde_json::to_vec(&WireRequest {
            jsonrpc: "2.0",
            id,
            method,
            params,
        })
        .expect("a JSON value always serializes")
    }

    pub(crate) fn notification<T: Serialize>(method: &str, params: T) -> Vec<u8> {
        serde_json::to_vec(&WireNotification {
            jsonrpc: "2.0",
            method,
            params,
        })
        .expect("notification params always serialize")
    }
}

/// Reads a JSON object's params into a typed struct, as `-32602` on failure.
pub(crate) fn parse_params<T: serde::de::DeserializeOwned>(
    params: Option<Value>,
) -> Result<T, RpcError> {
    let value = params.unwrap_or_else(|| Value::Object(Map::new()));
    serde_json::from_value(value)
        .map_err(|e| RpcError::invalid_params(format!("invalid params: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(v: Value) -> Result<Message, DecodeError> {
        Message::from_slice(&serde_json::to_vec(&v).unwrap())
    }

    #[test]
    fn requests_keep_their_id_type() {
        let Message::Request(r) = decode(json!({"jsonrpc":"2.0","id":"a","method":"m"})).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.id, RequestId::String("a".into()));
        let Message::Request(r) = decode(json!({"jsonrpc":"2.0","id":7,"method":"m"})).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.id, RequestId::Number(7));
        assert_eq!(
            encode::result(&r.id, json!({})),
            br#"{"jsonrpc":"2.0","id":7,"result":{}}"#
        );
        assert_eq!(
            encode::request(Some(&r.id), "ping", None),
            br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#
        );
        assert_eq!(
            encode::request(None, "n", Some(&json!({"a": 1}))),
            br#"{"jsonrpc":"2.0","method":"n","params":{"a":1}}"#
        );
    }

    #[test]
    fn notifications_responses_and_errors() {
        assert!(matches!(
            decode(json!({"jsonrpc":"2.0","method":"notifications/initialized"})),
            Ok(Message::Notification(_))
        ));
        assert!(matches!(
            decode(json!({"jsonrpc":"2.0","id":1,"result":{}})),
            Ok(Message::Response(Response { outcome: Ok(_), .. }))
        ));
        assert!(matches!(
            decode(json!({"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}})),
            Ok(Message::Response(Response {
                id: None,
                outcome: Err(_)
            }))
        ));
    }

    #[test]
    fn rejects_every_malformed_shape_with_a_reason() {
        let cases = [
            json!([]),
            json!(1),
            json!("x"),
            json!({"id":1,"method":"m"}),
            json!({"jsonrpc":"1.0","id":1,"method":"m"}),
            json!({"jsonrpc":"2.0","id":null,"method":"m"}),
            json!({"jsonrpc":"2.0","id":1.5,"method":"m"}),
            json!({"jsonrpc":"2.0","id":{},"method":"m"}),
            json!({"jsonrpc":"2.0","id":1,"method":5}),
            json!({"jsonrpc":"2.0","id":1,"method":"m","params":3}),
            json!({"jsonrpc":"2.0","id":1}),
            json!({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":""}}),
            json!({"jsonrpc":"2.0","id":1,"error":"bad"}),
            json!({"jsonrpc":"2.0","result":{}}),
        ];
        for case in cases {
            let err = decode(case.clone()).expect_err(&case.to_string());
            assert_eq!(
                err.to_rpc_error().code,
                ErrorCode::INVALID_REQUEST,
                "{case}"
            );
        }
        assert_eq!(
            Message::from_slice(b"{\"jsonrpc\":")
                .unwrap_err()
                .to_rpc_error()
                .code,
            ErrorCode::PARSE_ERROR
        );
    }
}

//! Transport-level refusals: each is an HTTP status plus a JSON-RPC error body, since 2026-era
//! clients decide how to fall back from the body of a 4xx.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use super::auth::Refusal;
use crate::peer::{SessionRefused, TooManyFromAddress, TooManySessions};
use crate::protocol::jsonrpc::encode;
use crate::protocol::{DecodeError, ErrorCode, RequestId, RpcError};
use crate::store::{ReplayError, StoreError};

/// `-32001`: the session id is unknown or ended (the code the TypeScript SDK uses).
const SESSION_NOT_FOUND: ErrorCode = ErrorCode(-32001);

/// Why the transport refused a request before it reached the protocol core.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("Forbidden: {0}")]
    Forbidden(String),
    #[error("Bad Request: the request names no host (no Host header, no authority in the request target)")]
    MissingHost,
    #[error("Not Acceptable: the client must accept {0}")]
    NotAcceptable(&'static str),
    #[error("Unsupported Media Type: the body must be application/json")]
    UnsupportedMediaType,
    #[error("Payload Too Large: the body exceeds {0} bytes")]
    PayloadTooLarge(usize),
    #[error("Request Timeout: the body did not arrive within {} ms; send it whole and promptly", .0.as_millis())]
    BodyTimeout(std::time::Duration),
    #[error("Bad Request: could not read the body: {0}")]
    BodyRead(String),
    #[error("{0}")]
    Decode(DecodeError),
    #[error(
        "Bad Request: missing Mcp-Session-Id header; send `initialize` first to open a session"
    )]
    MissingSession(Option<RequestId>),
    #[error(
        "Session not found: it expired or was terminated; send `initialize` to start a new one"
    )]
    UnknownSession(Option<RequestId>),
    #[error("Bad Request: unsupported MCP-Protocol-Version {0:?}; supported: 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25")]
    BadProtocolVersion(String, Option<RequestId>),
    #[error("Conflict: a GET stream is already open for this session")]
    StreamAlreadyOpen,
    #[error("Bad Request: Last-Event-ID {0:?} is not an event id this server issues (`<stream>-<number>`)")]
    BadLastEventId(String),
    #[error("Bad Request: Last-Event-ID names stream {0}, which this session never had")]
    UnknownStream(u64),
    #[error(
        "Gone: {0}; the missed messages cannot be replayed, so the request must be sent again"
    )]
    EventsGone(ReplayError),
    /// A store the request needs could not be reached: retry shortly.
    #[error("Service Unavailable: {0}; retry shortly")]
    StoreUnavailable(StoreError),
    #[error("Method Not Allowed: use POST, GET or DELETE")]
    MethodNotAllowed,
    /// A legacy HTTP+SSE endpoint asked with another method than its one (`GET` or `POST`).
    #[error("Method Not Allowed: use {0}")]
    MethodNotAllowedHere(&'static str),
    #[error("Bad Request: missing sessionId query parameter; open the SSE stream (GET) first and POST to the URI its `endpoint` event names")]
    MissingConnection(Option<RequestId>),
    #[error("Session not found: no open SSE stream has this sessionId (it was closed or never existed); open the SSE stream again")]
    UnknownConnection(Option<RequestId>),
    #[error("Service Unavailable: {0}")]
    TooManySessions(TooManySessions),
    #[error("Too Many Requests: {0}")]
    TooManyFromAddress(TooManyFromAddress),
    #[error("Service Unavailable: the server is shutting down; retry against another instance")]
    ShuttingDown(Option<RequestId>),
    /// No valid bearer token, or not the scopes the request needs.
    #[error("{0}")]
    Auth(Box<Refusal>),
}

impl HttpError {
    fn code(&self) -> ErrorCode {
        match self {
            HttpError::Decode(e) => e.to_rpc_error().code,
            HttpError::UnknownSession(_) | HttpError::UnknownConnection(_) => SESSION_NOT_FOUND,
            HttpError::BodyRead(_) => ErrorCode::PARSE_ERROR,
            _ => ErrorCode::SERVER_ERROR,
        }
    }

    fn request_id(&self) -> Option<&RequestId> {
        match self {
            HttpError::MissingSession(id)
            | HttpError::UnknownSession(id)
            | HttpError::MissingConnection(id)
            | HttpError::UnknownConnection(id)
            | HttpError::BadProtocolVersion(_, id)
            | HttpError::ShuttingDown(id) => id.as_ref(),
            _ => None,
        }
    }
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            HttpError::Forbidden(_) => StatusCode::FORBIDDEN,
            HttpError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            HttpError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            HttpError::BodyRead(_)
            | HttpError::MissingHost
            | HttpError::Decode(_)
            | HttpError::MissingSession(_)
            | HttpError::MissingConnection(_)
            | HttpError::BadProtocolVersion(..)
            | HttpError::BadLastEventId(_)
            | HttpError::UnknownStream(_) => StatusCode::BAD_REQUEST,
            HttpError::EventsGone(_) => StatusCode::GONE,
            HttpError::UnknownSession(_) | HttpError::UnknownConnection(_) => StatusCode::NOT_FOUND,
            HttpError::StreamAlreadyOpen => StatusCode::CONFLICT,
            HttpError::MethodNotAllowed | HttpError::MethodNotAllowedHere(_) => {
                StatusCode::METHOD_NOT_ALLOWED
            }
            HttpError::TooManySessions(_)
            | HttpError::ShuttingDown(_)
            | HttpError::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::TooManyFromAddress(_) => StatusCode::TOO_MANY_REQUESTS,
            HttpError::Auth(refusal) => refusal.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let HttpError::Auth(refusal) = self {
            return refusal.response();
        }
        let body = encode::error(
            self.request_id(),
            &RpcError::new(self.code(), self.to_string()),
        );
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/json");
        match self {
            HttpError::MethodNotAllowed => {
                response.insert_header((header::ALLOW, "GET, POST, DELETE"));
            }
            HttpError::MethodNotAllowedHere(allow) => {
                response.insert_header((header::ALLOW, *allow));
            }
            HttpError::StoreUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        response.body(body)
    }
}

impl From<SessionRefused> for HttpError {
    fn from(refused: SessionRefused) -> HttpError {
        match refused {
            SessionRefused::Total(total) => HttpError::TooManySessions(total),
            SessionRefused::PerAddress(per_address) => HttpError::TooManyFromAddress(per_address),
        }
    }
}

impl From<DecodeError> for HttpError {
    fn from(e: DecodeError) -> HttpError {
        HttpError::Decode(e)
    }
}

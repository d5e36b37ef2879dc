//! What a request must look like before its body is read: `Accept`, `Content-Type`, size,
//! session id and protocol-version headers.

use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::http::Version;
use actix_web::{web, HttpRequest};
use std::time::Duration;

use bytes::BytesMut;
use futures_util::StreamExt;

use super::error::HttpError;
use crate::protocol::{ProtocolVersion, RequestId};

use crate::protocol::headers;

// The MCP headers as names parsed once: a lookup by `&str` parses the name on every request,
// and allocates for a name outside HTTP's standard set.
pub(crate) const SESSION_HEADER: HeaderName = HeaderName::from_static(headers::SESSION_HEADER);
pub(crate) const VERSION_HEADER: HeaderName = HeaderName::from_static(headers::VERSION_HEADER);
pub(crate) const METHOD_HEADER: HeaderName = HeaderName::from_static(headers::METHOD_HEADER);
pub(crate) const NAME_HEADER: HeaderName = HeaderName::from_static(headers::NAME_HEADER);
const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// Which response media types an `Accept` header admits. Parsed as media ranges, so order,
/// parameters, case and wildcards do not matter; `q=0` excludes a range.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepts {
    pub(crate) json: bool,
    pub(crate) sse: bool,
}

impl Accepts {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Accepts {
        let mut accepts = Accepts::default();
        for value in headers.get_all(header::ACCEPT) {
            let Ok(value) = value.to_str() else { continue };
            for range in value.split(',') {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                if refused {
                    continue;
                }
                let is = |name: &str| media.eq_ignore_ascii_case(name);
                if is("*/*") {
                    accepts.json = true;
                    accepts.sse = true;
                } else if is("application/json") || is("application/*") {
                    accepts.json = true;
                } else if is("text/event-stream") || is("text/*") {
                    accepts.sse = true;
                }
            }
        }
        accepts
    }
}

/// POST bodies must be `application/json` (parameters such as `charset` are fine).
pub(crate) fn require_json_body(headers: &HeaderMap) -> Result<(), HttpError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(HttpError::UnsupportedMediaType)
    }
}

/// Reads the body, refusing more than `limit` bytes without buffering them, and a body that
/// has not arrived whole within `timeout` (actix-web only times the headers out).
pub(crate) async fn read_body(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: usize,
    timeout: Duration,
) -> Result<BytesMut, HttpError> {
    tokio::time::timeout(timeout, read_body_untimed(headers, payload, limit))
        .await
        .unwrap_or(Err(HttpError::BodyTimeout(timeout)))
}

async fn read_body_untimed(
    headers: &HeaderMap,
    mut payload: web::Payload,
    limit: usize,
) -> Result<BytesMut, HttpError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(HttpError::PayloadTooLarge(limit));
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| HttpError::BodyRead(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(HttpError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `refusal`, after reading what is left of the body it leaves unused (at most `limit`
/// bytes, for at most `timeout`) when the request came over HTTP/2. There a response that leaves the request body
/// unread is followed by a reset of the stream, which can overtake the response and hide it
/// from the client (a `401` challenge lost that way breaks OAuth discovery). HTTP/1 closes
/// the connection after such a response instead, so nothing is read there.
pub(crate) async fn refuse_unread(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    timeout: Duration,
    refusal: HttpError,
) -> HttpError {
    if req.version() == Version::HTTP_2 {
        let drain = async {
            let mut seen = 0;
            while let Some(Ok(chunk)) = payload.next().await {
                seen += chunk.len();
                if seen > limit {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(timeout, drain).await;
    }
    refusal
}

/// The session id header, if present and readable.
pub(crate) fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `Last-Event-ID` of a reconnecting client, split into stream and event number; `None` when
/// absent (a fresh stream is asked for).
pub(crate) fn last_event_id(headers: &HeaderMap) -> Result<Option<(u64, u64)>, HttpError> {
    let Some(value) = headers.get(LAST_EVENT_ID) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let bad = || HttpError::BadLastEventId(String::from_utf8_lossy(value.as_bytes()).into_owned());
    let (stream, seq) = text.split_once('-').ok_or_else(bad)?;
    match (stream.parse(), seq.parse()) {
        (Ok(stream), Ok(seq)) => Ok(Some((stream, seq))),
        _ => Err(bad()),
    }
}

/// `MCP-Protocol-Version`, when sent, must name a served revision. Membership, not equality
/// with the negotiated version: clients are seen sending older values on newer sessions.
pub(crate) fn check_protocol_version(
    headers: &HeaderMap,
    id: Option<&RequestId>,
) -> Result<(), HttpError> {
    for value in headers.get_all(VERSION_HEADER) {
        let text = value.to_str().unwrap_or("").trim();
        if ProtocolVersion::parse(text).is_none() {
            return Err(HttpError::BadProtocolVersion(text.to_owned(), id.cloned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn accept_is_parsed_as_media_ranges() {
        let a = |v| Accepts::from_headers(&headers(&[("accept", v)]));
        assert_eq!(
            a("application/json, text/event-stream"),
            Accepts {
                json: true,
                sse: true
            }
        );
        assert_eq!(
            a("TEXT/EVENT-STREAM;q=0.9 ,application/json;charset=utf-8"),
            Accepts {
                json: true,
                sse: true
            }
        );
        assert_eq!(
            a("*/*"),
            Accepts {
                json: true,
                sse: true
            }
        );
        assert_eq!(
            a("application/json"),
            Accepts {
                json: true,
                sse: false
            }
        );
        assert_eq!(
            a("text/event-stream, application/json;q=0"),
            Accepts {
                json: false,
                sse: true
            }
        );
        assert_eq!(Accepts::from_headers(&HeaderMap::new()), Accepts::default());
        let split = headers(&[
            ("accept", "application/json"),
            ("accept", "text/event-stream"),
        ]);
        assert_eq!(
            Accepts::from_headers(&split),
            Accepts {
                json: true,
                sse: true
            }
        );
    }

    #[test]
    fn content_type_must_be_json() {
        assert!(require_json_body(&headers(&[("content-type", "application/json")])).is_ok());
        assert!(require_json_body(&headers(&[(
            "content-type",
            "Application/JSON; charset=utf-8"
        )]))
        .is_ok());
        assert!(require_json_body(&headers(&[("content-type", "text/plain")])).is_err());
        assert!(require_json_body(&HeaderMap::new()).is_err());
    }

    #[test]
    fn protocol_version_header_is_checked_for_membership() {
        assert!(check_protocol_version(&HeaderMap::new(), None).is_ok());
        assert!(
            check_protocol_version(&headers(&[("mcp-protocol-version", "2025-03-26")]), None)
                .is_ok()
        );
        assert!(
            check_protocol_version(&headers(&[("mcp-protocol-version", "2030-01-01")]), None)
                .is_err()
        );
    }
}

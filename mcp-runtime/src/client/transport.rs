//! The Streamable HTTP transport (2025 era): one POST per client message, answered with
//! `202 Accepted`, one JSON message, or an SSE stream of messages; DELETE ends the session.
//!
//! This layer knows HTTP (headers, status codes, content types, the session id) and nothing
//! about JSON-RPC ids or MCP methods: it turns bytes out into [`Replies`], a sequence of
//! decoded messages read as they arrive. The protocol layer in `mod.rs` sits on top.

use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Response, StatusCode, Url};

use super::error::ClientError;
use super::link::ExtraHeaders;
use super::sse::SseParser;
use crate::protocol::headers::{SESSION_HEADER, VERSION_HEADER};
use crate::protocol::Message;

/// How much of an error body is read to find its JSON-RPC error.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// One Streamable HTTP endpoint and the session held with it.
#[derive(Debug)]
pub(crate) struct HttpTransport {
    http: reqwest::Client,
    url: Url,
    /// Set from the first response that carries `Mcp-Session-Id` (the `initialize` answer).
    session_id: OnceLock<HeaderValue>,
    /// Sent as `MCP-Protocol-Version` once negotiated.
    protocol_version: OnceLock<HeaderValue>,
    max_message_bytes: usize,
    /// Obtains and refreshes tokens for a protected server.
    #[cfg(feature = "oauth")]
    oauth: Option<std::sync::Arc<super::oauth::Session>>,
}

impl HttpTransport {
    pub(crate) fn new(http: reqwest::Client, url: Url, max_message_bytes: usize) -> HttpTransport {
        HttpTransport {
            http,
            url,
            session_id: OnceLock::new(),
            protocol_version: OnceLock::new(),
            max_message_bytes,
            #[cfg(feature = "oauth")]
            oauth: None,
        }
    }

    /// Authorizes requests with tokens obtained as `oauth` says.
    #[cfg(feature = "oauth")]
    pub(crate) fn with_oauth(mut self, oauth: super::oauth::OAuth) -> HttpTransport {
        let session = super::oauth::Session::new(oauth, self.url.clone());
        self.oauth = Some(std::sync::Arc::new(session));
        self
    }

    /// The credentials of a `method` request (`Authorization`, and `DPoP` for DPoP-bound
    /// tokens), and the access token among them, when the connection uses OAuth.
    async fn credentials(&self, method: &str) -> (Option<String>, ExtraHeaders) {
        #[cfg(feature = "oauth")]
        if let Some(oauth) = &self.oauth {
            return oauth.credentials(method, &self.url).await;
        }
        let _ = method;
        (None, Vec::new())
    }

    /// Adds the session id, the protocol version and the credentials of a `method` request.
    async fn authorized(
        &self,
        request: reqwest::RequestBuilder,
        method: &str,
    ) -> reqwest::RequestBuilder {
        let mut request = self.with_session(request);
        for (name, value) in self.credentials(method).await.1 {
            request = request.header(name, value);
        }
        request
    }

    /// Whether a refused response was answered by the OAuth layer (a new token, a larger
    /// scope, a DPoP nonce), so that the request is worth sending again.
    #[cfg(feature = "oauth")]
    async fn reauthorized(
        &self,
        response: &Response,
        sent: Option<&str>,
        attempts: &mut super::oauth::Attempts,
    ) -> Result<bool, ClientError> {
        match &self.oauth {
            Some(oauth) => Ok(oauth.answer(&self.http, response, sent, attempts).await?),
            None => Ok(false),
        }
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn session_id(&self) -> Option<&str> {
        self.session_id.get().and_then(|v| v.to_str().ok())
    }

    /// Sends `MCP-Protocol-Version: <version>` on every later request.
    pub(crate) fn set_protocol_version(&self, version: &str) {
        let Ok(version) = HeaderValue::from_str(version) else {
            return;
        };
        let _ = self.protocol_version.set(version);
    }

    fn with_session(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(id) = self.session_id.get() {
            request = request.header(SESSION_HEADER, id.clone());
        }
        if let Some(version) = self.protocol_version.get() {
            request = request.header(VERSION_HEADER, version.clone());
        }
        request
    }

    /// Sends one POST; returns the response and the access token it carried.
    async fn send_post(
        &self,
        body: &Bytes,
        headers: &ExtraHeaders,
    ) -> Result<(Response, Option<String>), ClientError> {
        let mut request = self.http.post(self.url.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = self
            .with_session(request)
            .header(
                ACCEPT,
                HeaderValue::from_static("application/json, text/event-stream"),
            )
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body.clone());
        let (token, credentials) = self.credentials("POST").await;
        let mut request = request;
        for (name, value) in credentials {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(ClientError::transport)?;
        Ok((response, token))
    }

    /// POSTs one encoded JSON-RPC message, with `headers` besides the usual ones, and returns
    /// the start of the answer; its messages are read with [`Replies::next`] as they arrive.
    pub(crate) async fn post(
        &self,
        body: Vec<u8>,
        headers: ExtraHeaders,
    ) -> Result<Replies, ClientError> {
        let body = Bytes::from(body);
        let (response, sent) = self.send_post(&body, &headers).await?;
        #[cfg(feature = "oauth")]
        let response = {
            let (mut response, mut sent) = (response, sent);
            let mut attempts = super::oauth::Attempts::default();
            while self
                .reauthorized(&response, sent.as_deref(), &mut attempts)
                .await?
            {
                (response, sent) = self.send_post(&body, &headers).await?;
            }
            response
        };
        #[cfg(not(feature = "oauth"))]
        drop(sent);
        if self.session_id.get().is_none() {
            if let Some(id) = response.headers().get(SESSION_HEADER) {
                if id.is_empty() || !id.as_bytes().iter().all(|b| (0x21..=0x7E).contains(b)) {
                    return Err(ClientError::protocol(
                        "the server sent an Mcp-Session-Id that is not visible ASCII",
                    ));
                }
                let _ = self.session_id.set(id.clone());
            }
        }
        let status = response.status();
        if status == StatusCode::ACCEPTED {
            return Ok(Replies::Accepted);
        }
        if !status.is_success() {
            return Err(error_response(response).await);
        }
        let media = media_type(&response);
        match media.as_str() {
            "application/json" => Ok(Replies::Json(Some(response), self.max_message_bytes)),
            "text/event-stream" => Ok(Replies::sse(response, SseParser::new(self.max_message_bytes))),
            "" if response.content_length() == Some(0) => Ok(Replies::Accepted),
            other => Err(ClientError::protocol(format!(
                "HTTP {status} with Content-Type {other:?}; expected application/json or text/event-stream"
            ))),
        }
    }

    /// Opens the session's `GET` stream, on which the server sends what belongs to no request
    /// (list changes, resource updates, logs). `None` when the server offers none (`405`, or
    /// `404` from servers that route no `GET` to the endpoint).
    pub(crate) async fn listen(&self) -> Result<Option<Replies>, ClientError> {
        let request = self
            .http
            .get(self.url.clone())
            .header(ACCEPT, HeaderValue::from_static("text/event-stream"));
        let response = self
            .authorized(request, "GET")
            .await
            .send()
            .await
            .map_err(ClientError::transport)?;
        let status = response.status();
        if status == StatusCode::METHOD_NOT_ALLOWED || status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(error_response(response).await);
        }
        match media_type(&response).as_str() {
            "text/event-stream" => Ok(Some(Replies::sse(
                response,
                SseParser::new(self.max_message_bytes),
            ))),
            other => Err(ClientError::protocol(format!(
                "GET answered with Content-Type {other:?}; expected text/event-stream"
            ))),
        }
    }

    /// Resumes an event stream the server closed before the response: `GET` with
    /// `Last-Event-ID`, answered with the events sent since, then the rest.
    pub(crate) async fn resume(&self, last_event_id: &str) -> Result<Replies, ClientError> {
        let id = HeaderValue::from_str(last_event_id).map_err(|_| {
            ClientError::protocol(format!(
                "the event id {last_event_id:?} cannot be sent back as Last-Event-ID"
            ))
        })?;
        let request = self
            .http
            .get(self.url.clone())
            .header(ACCEPT, HeaderValue::from_static("text/event-stream"))
            .header("last-event-id", id);
        let response = self
            .authorized(request, "GET")
            .await
            .send()
            .await
            .map_err(ClientError::transport)?;
        if !response.status().is_success() {
            return Err(error_response(response).await);
        }
        match media_type(&response).as_str() {
            "text/event-stream" => Ok(Replies::sse(
                response,
                SseParser::new(self.max_message_bytes),
            )),
            other => Err(ClientError::protocol(format!(
                "resuming answered with Content-Type {other:?}; expected text/event-stream"
            ))),
        }
    }

    /// Ends the session with `DELETE`. A server that does not let clients end sessions (405)
    /// or no longer knows the session (404) is not an error.
    pub(crate) async fn delete(&self) -> Result<(), ClientError> {
        if self.session_id.get().is_none() {
            return Ok(());
        }
        let request = self
            .authorized(self.http.delete(self.url.clone()), "DELETE")
            .await;
        let response = request.send().await.map_err(ClientError::transport)?;
        let status = response.status();
        if status.is_success()
            || status == StatusCode::METHOD_NOT_ALLOWED
            || status == StatusCode::NOT_FOUND
        {
            return Ok(());
        }
        Err(error_response(response).await)
    }
}

/// The media type of a response, lowercase, without parameters.
pub(super) fn media_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Reads (a bounded prefix of) an error response's body into a [`ClientError::Http`].
pub(super) async fn error_response(mut response: Response) -> ClientError {
    let status = response.status().as_u16();
    let mut body = BytesMut::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_ERROR_BODY {
            break;
        }
    }
    ClientError::from_http(status, &body)
}

/// The messages answering one POST, read as they arrive.
#[derive(Debug)]
pub(crate) enum Replies {
    /// `202 Accepted`: no messages.
    Accepted,
    /// One JSON message (the body), not yet read; `None` once taken. Plus the size limit.
    Json(Option<Response>, usize),
    /// An SSE stream, parsed chunk by chunk.
    Sse {
        response: Response,
        parser: SseParser,
        ended: bool,
    },
}

impl Replies {
    /// The messages of an event stream, read with `parser` (which may hold events already).
    pub(super) fn sse(response: Response, parser: SseParser) -> Replies {
        Replies::Sse {
            response,
            parser,
            ended: false,
        }
    }

    /// Where an event stream can be resumed from: the last event id seen, and the `retry:`
    /// delay the server asked for. `None` for other answers and streams without ids.
    pub(crate) fn resume_point(&self) -> Option<(String, Option<u64>)> {
        match self {
            Replies::Sse { parser, .. } => parser
                .last_event_id()
                .filter(|id| !id.is_empty())
                .map(|id| (id.to_owned(), parser.retry_ms())),
            _ => None,
        }
    }

    /// The next message; `None` when the answer is complete. Each SSE event is decoded as soon
    /// as its last byte arrives; events of other types than `message`, and events without data
    /// (priming events), are skipped.
    pub(crate) async fn next(&mut self) -> Option<Result<Message, ClientError>> {
        match self {
            Replies::Accepted => None,
            Replies::Json(response, limit) => {
                let response = response.take()?;
                Some(match read_limited(response, *limit).await {
                    Ok(body) => Message::from_slice(&body).map_err(ClientError::from),
                    Err(e) => Err(e),
                })
            }
            Replies::Sse {
                response,
                parser,
                ended,
            } => loop {
                if let Some(event) = parser.next_event() {
                    if event.event != "message" || event.data.is_empty() {
                        continue; // priming events, and event types MCP does not define
                    }
                    return Some(
                        Message::from_slice(event.data.as_bytes()).map_err(ClientError::from),
                    );
                }
                if *ended {
                    return None;
                }
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        if let Err(e) = parser.feed(&chunk) {
                            *ended = true;
                            return Some(Err(ClientError::protocol(e.to_string())));
                        }
                    }
                    Ok(None) => {
                        *ended = true;
                        // A final event without its blank line is dropped, as in browsers.
                        return None;
                    }
                    Err(e) => {
                        *ended = true;
                        return Some(Err(ClientError::transport(e)));
                    }
                }
            },
        }
    }
}

/// Reads a whole (JSON) body, refusing more than `limit` bytes. A body that arrives in one
/// chunk (the usual case) is not copied.
async fn read_limited(mut response: Response, limit: usize) -> Result<Bytes, ClientError> {
    let too_large = || ClientError::protocol(format!("a response body exceeds {limit} bytes"));
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(ClientError::transport)? {
        if first.as_ref().map_or(0, Bytes::len) + body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        match first.take() {
            None if body.is_empty() => first = Some(chunk),
            Some(earlier) => {
                body.extend_from_slice(&earlier);
                body.extend_from_slice(&chunk);
            }
            None => body.extend_from_slice(&chunk),
        }
    }
    Ok(first.unwrap_or_else(|| body.freeze()))
}

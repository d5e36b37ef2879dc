//! The HTTP+SSE transport of 2024-11-05, client side: `GET` the SSE endpoint, wait for the
//! `endpoint` event naming where to POST, then POST every message there; responses and
//! notifications all arrive on the one SSE stream.

use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Url;

use super::error::ClientError;
use super::sse::SseParser;
use super::transport::{error_response, media_type, Replies};

/// How long the server has to send the `endpoint` event.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where messages are POSTed.
#[derive(Debug)]
pub(crate) struct LegacyTransport {
    http: reqwest::Client,
    endpoint: Url,
}

impl LegacyTransport {
    /// Opens the SSE stream at `url` and reads up to the `endpoint` event. Returns the
    /// transport and the rest of the stream.
    pub(crate) async fn connect(
        http: reqwest::Client,
        url: Url,
        max_message_bytes: usize,
    ) -> Result<(LegacyTransport, Replies), ClientError> {
        let response = http
            .get(url.clone())
            .header(ACCEPT, HeaderValue::from_static("text/event-stream"))
            .send()
            .await
            .map_err(ClientError::transport)?;
        if !response.status().is_success() {
            return Err(error_response(response).await);
        }
        let media = media_type(&response);
        if media != "text/event-stream" {
            return Err(ClientError::protocol(format!(
                "GET {url} answered with Content-Type {media:?}; expected text/event-stream"
            )));
        }
        let mut response = response;
        let mut parser = SseParser::new(max_message_bytes);
        let endpoint = tokio::time::timeout(ENDPOINT_TIMEOUT, async {
            loop {
                while let Some(event) = parser.next_event() {
                    if event.event == "endpoint" {
                        return Ok(event.data);
                    }
                }
                match response.chunk().await.map_err(ClientError::transport)? {
                    Some(chunk) => parser
                        .feed(&chunk)
                        .map_err(|e| ClientError::protocol(e.to_string()))?,
                    None => {
                        return Err(ClientError::Closed(
                            "the SSE stream ended before the endpoint event".into(),
                        ))
                    }
                }
            }
        })
        .await
        .map_err(|_| ClientError::Timeout(ENDPOINT_TIMEOUT))??;
        let endpoint = url.join(endpoint.trim()).map_err(|e| {
            ClientError::protocol(format!("the endpoint event {endpoint:?} is not a URI: {e}"))
        })?;
        if endpoint.origin() != url.origin() {
            return Err(ClientError::protocol(format!(
                "the endpoint {endpoint} is not on the origin of {url}"
            )));
        }
        Ok((
            LegacyTransport { http, endpoint },
            Replies::sse(response, parser),
        ))
    }

    /// POSTs one message; the answer comes on the SSE stream.
    pub(crate) async fn post(&self, body: Vec<u8>) -> Result<(), ClientError> {
        let response = self
            .http
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await
            .map_err(ClientError::transport)?;
        if !response.status().is_success() {
            return Err(error_response(response).await);
        }
        Ok(())
    }

    /// The URL messages are POSTed to.
    pub(crate) fn endpoint(&self) -> &Url {
        &self.endpoint
    }
}

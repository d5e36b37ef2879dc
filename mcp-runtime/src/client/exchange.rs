//! One request from start to finish: sending it, reading its answer as it arrives (resuming a
//! stream the server closed early), delivering progress, and stopping on cancellation or timeout.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use super::error::ClientError;
use super::link::{ExtraHeaders, Link};
use super::options::{CallOptions, OnProgress};
use super::routing::Event;
use super::stateless::is_input_required;
use super::transport::Replies;
use super::{Client, Wire};
use crate::protocol::jsonrpc::encode;
use crate::protocol::{Message, RequestId};

/// How many rounds of `input_required` answers one stateless request may take.
const MAX_INPUT_ROUNDS: usize = 16;

/// How many times in a row a closed response stream is resumed without bringing any new
/// event.
const MAX_IDLE_RESUMES: usize = 3;

/// The longest `retry:` delay honoured before resuming a stream.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

/// How long telling the server about a cancellation may take.
const CANCEL_NOTICE_TIMEOUT: Duration = Duration::from_secs(5);

impl Client {
    /// One request with its options, through every `input_required` round of the stateless
    /// wire. Cancellation and timeout drop the exchange (closing its HTTP stream) and tell the
    /// server on the handshake wire.
    pub(super) async fn request_with(
        &self,
        method: &str,
        params: Option<Value>,
        options: &mut CallOptions<'_>,
    ) -> Result<Value, ClientError> {
        let mut params = params;
        for _ in 0..MAX_INPUT_ROUNDS {
            let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
            let stateless = self.wire() == Wire::Stateless;
            if options.progress.is_some() || stateless {
                let p = params.get_or_insert_with(|| json!({}));
                if options.progress.is_some() {
                    if !p.get("_meta").is_some_and(Value::is_object) {
                        p["_meta"] = json!({});
                    }
                    p["_meta"]["progressToken"] = json!(id);
                }
                if stateless {
                    self.inner.stateless_meta(p);
                }
            }
            let headers = self.inner.headers(method, params.as_ref());
            let cancel = options.cancel.clone();
            let timeout = options.timeout;
            let exchange =
                self.exchange(id, method, params.as_ref(), headers, &mut options.progress);
            let stopped = tokio::select! {
                result = exchange => match result {
                    Ok(result) if stateless && is_input_required(&result) => {
                        params = Some(self.provide_input(params.take(), result).await?);
                        continue;
                    }
                    result => return result,
                },
                () = cancelled(cancel.as_ref()) => ClientError::Cancelled,
                () = sleep(timeout) => ClientError::Timeout(timeout.unwrap_or_default()),
            };
            if !stateless && method != "initialize" {
                let reason = stopped.to_string();
                let notice = self.notify(
                    "notifications/cancelled",
                    Some(json!({ "requestId": id, "reason": reason })),
                );
                let _ = tokio::time::timeout(CANCEL_NOTICE_TIMEOUT, notice).await;
            }
            return Err(stopped);
        }
        Err(ClientError::protocol(format!(
            "{method} still asked for input after {MAX_INPUT_ROUNDS} rounds"
        )))
    }

    /// Sends request `id` and waits for its response. Over Streamable HTTP this reads the
    /// POST's own answer as it arrives, routing notifications and server requests; the other
    /// transports deliver through the reader task. Progress for this call goes to `progress`
    /// as it arrives.
    pub(super) async fn exchange(
        &self,
        id: i64,
        method: &str,
        params: Option<&Value>,
        headers: ExtraHeaders,
        progress: &mut Option<OnProgress<'_>>,
    ) -> Result<Value, ClientError> {
        let (_waiting, mut events) = self.inner.wait_for(id)?;
        let body = encode::request(Some(&RequestId::Number(id)), method, params);
        let mut replies = self.inner.link.send(body, headers).await?;
        // Where the POST's event stream (or its latest resumption) can be resumed from.
        let mut resume_from: Option<String> = None;
        let mut idle_resumes = 0;
        loop {
            tokio::select! {
                biased;
                event = events.recv() => match event {
                    Some(Event::Progress(p)) => {
                        if let Some(callback) = progress.as_mut() {
                            callback(&p);
                        }
                    }
                    Some(Event::Done(result)) => return result,
                    None => return Err(ClientError::Closed("the call was dropped".into())),
                },
                message = next_reply(&mut replies) => match message {
                    None => {
                        // The POST's stream ended: deliver what was routed, then give up.
                        while let Ok(event) = events.try_recv() {
                            match event {
                                Event::Progress(p) => {
                                    if let Some(callback) = progress.as_mut() {
                                        callback(&p);
                                    }
                                }
                                Event::Done(result) => return result,
                            }
                        }
                        // A server may close the stream before the response (SSE polling) and
                        // expect a GET with Last-Event-ID to carry on (2025-11-25).
                        let point = replies.as_ref().and_then(Replies::resume_point);
                        let moved = point.as_ref().is_some_and(|(event, _)| resume_from.as_ref() != Some(event));
                        idle_resumes = if moved { 0 } else { idle_resumes + 1 };
                        let retry = point.as_ref().and_then(|(_, retry)| *retry);
                        if let Some((event, _)) = point {
                            resume_from = Some(event);
                        }
                        match (&self.inner.link, &resume_from) {
                            (Link::Http(http), Some(event))
                                if self.wire() == Wire::Handshake && idle_resumes < MAX_IDLE_RESUMES =>
                            {
                                let delay = Duration::from_millis(retry.unwrap_or(0)).min(MAX_RETRY_DELAY);
                                tokio::time::sleep(delay).await;
                                replies = Some(http.resume(event).await?);
                            }
                            _ => return Err(ClientError::StreamEnded(RequestId::Number(id))),
                        }
                    }
                    Some(Err(e)) => return Err(e),
                    Some(Ok(Message::Response(response))) => match response.id {
                        Some(RequestId::Number(n)) if n == id => {
                            return response.outcome.map_err(ClientError::Rpc);
                        }
                        // An error about a request the server could not read: ours.
                        None => {
                            return Err(match response.outcome {
                                Err(error) => ClientError::Rpc(error),
                                Ok(_) => ClientError::protocol("a result without an id"),
                            });
                        }
                        Some(other) => {
                            return Err(ClientError::protocol(format!(
                                "the answer to request {id} carried the response to request {other}"
                            )));
                        }
                    },
                    Some(Ok(message)) => self.inner.route(message),
                },
            }
        }
    }
}

/// The next message of a POST's answer; pending forever when there is none (the other
/// transports answer through the reader task).
async fn next_reply(replies: &mut Option<Replies>) -> Option<Result<Message, ClientError>> {
    match replies {
        Some(replies) => replies.next().await,
        None => std::future::pending().await,
    }
}

async fn cancelled(token: Option<&tokio_util::sync::CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

async fn sleep(timeout: Option<Duration>) {
    match timeout {
        Some(timeout) => tokio::time::sleep(timeout).await,
        None => std::future::pending().await,
    }
}

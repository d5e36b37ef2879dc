//! [`Exchange`]: the peer of one stateless 2026-07-28 request.
//!
//! A stateless request carries its revision, the client's capabilities and its log level in
//! `params._meta` ([`RequestMeta`](crate::protocol::meta::RequestMeta)). It is served by the same handlers as a session's request:
//! the only difference is the per-request [`Exchange`] the handler's [`Ctx`](crate::Ctx) is
//! bound to, which
//! - holds the log level the request asked for (none: no log messages at all),
//! - turns `ctx.elicit`, `ctx.sample` and `ctx.list_roots` into an `InputRequiredResult`
//!   (multi-round-trip requests): the first time, the question is recorded and the handler is
//!   stopped; the client retries with `inputResponses` (and the `requestState` it was given)
//!   and the handler runs again, now finding the answers,
//! - decorates the result: `resultType`, the server's identity in `_meta`, and caching hints on
//!   lists and reads,
//! - for a task-supporting tool called by a client that takes tasks, turns the call into a
//!   task ([`Task`]) when the tool first waits on anything but the client.
//!
//! `requestState` carries the answers of earlier rounds, signed with HMAC-SHA256 under the current
//! key of the server's [`KeyRing`] (random per process unless
//! [`Server::request_state_key`](crate::Server::request_state_key) or
//! [`Server::request_state_keys`](crate::Server::request_state_keys) sets one; opened with any
//! key of the ring), so a client
//! cannot forge answers it never gave for a round, nor move state from one tool to another.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::task::{Task, TaskStore};
use super::{Outgoing, RequestFuture};
use crate::protocol::meta::{self, CacheScope, StatelessError};
use crate::protocol::{
    Implementation, LoggingLevel, ProtocolVersion, RequestId, Response, RpcError,
};
use crate::store::{KeyCache, RequestStateKeys};

/// What a stateless request's handler shares with the runtime: its log level, the client's
/// answers to earlier questions, and the questions it asks now.
pub(crate) struct Exchange {
    pub(crate) log_level: Option<LoggingLevel>,
    /// The client as the request's `_meta` names it.
    pub(crate) client_info: Option<Implementation>,
    /// The request the answers belong to (`tools/call:<name>` ...), bound into `requestState`.
    pub(crate) binding: String,
    /// The answers the client gave, this round and (through `requestState`) earlier ones.
    pub(crate) responses: Map<String, Value>,
    /// The answers the handler read: what the next `requestState` carries.
    pub(crate) used: Mutex<Map<String, Value>>,
    /// The questions asked this round, by key: `{method, params}`.
    pub(crate) asked: Mutex<Map<String, Value>>,
    pub(crate) next_key: AtomicUsize,
    /// A capability the handler needed but the request did not declare.
    pub(crate) missing: Mutex<Option<&'static str>>,
    /// Caching hints for this request's result, when it is a cacheable one.
    pub(crate) cache: Option<(u64, CacheScope)>,
    pub(crate) server_info: Arc<Value>,
    pub(crate) keys: Arc<KeyCache>,
    /// The revision the request names.
    pub(crate) version: ProtocolVersion,
    /// The client capabilities the request declares.
    pub(crate) capabilities: Value,
    /// Cancels the handler (the client closed the request's stream, or `tasks/cancel`).
    pub(crate) cancel: CancellationToken,
    pub(crate) request_id: RequestId,
    /// Whether the handler may become a task: a task-supporting tool, and a client that
    /// takes tasks.
    pub(crate) may_become_task: AtomicBool,
    pub(crate) tasks: Arc<TaskStore>,
    /// Set once the call became a task: it runs on, answered through `tasks/*`.
    pub(crate) task: OnceLock<Arc<Task>>,
    /// Where the call's response goes (set when the handler starts).
    pub(crate) sink: OnceLock<mpsc::Sender<Outgoing>>,
}

/// The signed content of a `requestState`.
#[derive(Serialize, Deserialize)]
pub(crate) struct RequestState {
    /// The request it belongs to.
    pub(crate) b: String,
    /// The answers of earlier rounds.
    pub(crate) r: Map<String, Value>,
    /// Issued at, in seconds since the Unix epoch.
    pub(crate) t: u64,
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Exchange {
    /// The key of the next question a handler asks without naming one: numbered in the order
    /// asked, which a handler re-run with the same answers repeats.
    pub(crate) fn next_key(&self, method: &str) -> String {
        let n = self.next_key.fetch_add(1, Ordering::Relaxed) + 1;
        let kind = method.split('/').next().unwrap_or(method);
        format!("{kind}-{n}")
    }

    /// The client's answer to the question `key`, if it gave one.
    pub(crate) fn answer(&self, key: &str) -> Option<Value> {
        let answer = self.responses.get(key)?.clone();
        lock(&self.used).insert(key.to_owned(), answer.clone());
        Some(answer)
    }

    /// Records a question for the client; the handler stops at its next suspension and the
    /// request is answered with an `InputRequiredResult`.
    pub(crate) fn ask(&self, key: String, method: &str, params: Value) {
        lock(&self.asked).insert(key, json!({ "method": method, "params": params }));
    }

    /// Notes that the handler needed `capability`, which the request did not declare.
    pub(crate) fn note_missing(&self, capability: &'static str) {
        lock(&self.missing).get_or_insert(capability);
    }

    fn has_asked(&self) -> bool {
        !lock(&self.asked).is_empty()
    }

    /// The task the call became, if it did.
    pub(crate) fn task(&self) -> Option<&Arc<Task>> {
        self.task.get()
    }

    /// Turns the call into a task: the task is stored, and its `CreateTaskResult` answers the
    /// request while the handler runs on. When the response cannot go out now (the stream is
    /// full of notifications), the call stays as it is and the next wait tries again; when the
    /// store is full, the call answers with its result as if tasks were not taken.
    fn become_task(&self) {
        let Some(sink) = self.sink.get() else {
            return;
        };
        let Ok(permit) = sink.try_reserve() else {
            return;
        };
        let Some(task) = self.tasks.create(self.cancel.clone()) else {
            self.may_become_task.store(false, Ordering::Relaxed);
            return;
        };
        permit.send(Outgoing::Response(Response::new(
            self.request_id.clone(),
            Ok(task.created()),
        )));
        let _ = self.task.set(task);
    }

    /// Runs a handler until it finishes or stops to wait for an answer the client has not
    /// given yet; the latter becomes an `InputRequiredResult`.
    pub(crate) fn drive(self: Arc<Self>, mut future: RequestFuture) -> RequestFuture {
        Box::pin(async move {
            let outcome = std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
                Poll::Ready(result) => Poll::Ready(Some(result)),
                Poll::Pending if self.task().is_some() => Poll::Pending,
                Poll::Pending if self.has_asked() => Poll::Ready(None),
                // The handler waits on something else than the client: with a client that
                // takes tasks, this is where the call becomes one.
                Poll::Pending => {
                    if self.may_become_task.load(Ordering::Relaxed) {
                        self.become_task();
                    }
                    Poll::Pending
                }
            })
            .await;
            match outcome {
                Some(result) => result,
                None => self.input_required().await,
            }
        })
    }

    async fn input_required(&self) -> Result<Value, RpcError> {
        let keys = self.keys.sealing().await.map_err(|error| {
            RpcError::new(
                crate::protocol::ErrorCode::INTERNAL_ERROR,
                format!("requestState cannot be sealed: {error}"),
            )
        })?;
        let state = RequestState {
            b: self.binding.clone(),
            r: lock(&self.used).clone(),
            t: now_secs(),
        };
        Ok(json!({
            "resultType": "input_required",
            "inputRequests": Value::Object(lock(&self.asked).clone()),
            "requestState": sign(keys.sealing(), &state),
        }))
    }

    /// The final form of a handler's outcome on the stateless wire: `resultType`, caching
    /// hints, the server's identity; a failure after asking for an undeclared capability is
    /// `-32021`, a missing resource `-32602`.
    pub(crate) fn finish(&self, outcome: Result<Value, RpcError>) -> Result<Value, RpcError> {
        let outcome = self.finish_result(outcome);
        if let Some(task) = self.task() {
            task.finish(&outcome);
        }
        outcome
    }

    fn finish_result(&self, outcome: Result<Value, RpcError>) -> Result<Value, RpcError> {
        let failed = match &outcome {
            Ok(value) => value.get("isError") == Some(&Value::Bool(true)),
            Err(_) => true,
        };
        if let (true, Some(capability)) = (failed, *lock(&self.missing)) {
            return Err(StatelessError::missing(capability).to_rpc_error());
        }
        match outcome {
            Ok(value) if value.get("resultType").is_some() => Ok(value),
            Ok(value) => Ok(complete(value, self.cache, &self.server_info)),
            Err(error) => Err(stateless_error(error)),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// `<payload>.<tag>`, both base64url: the JSON of `state`, and its HMAC-SHA256.
pub(crate) fn sign(key: &hmac::Key, state: &RequestState) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).expect("state serializes"));
    let tag = hmac::sign(key, payload.as_bytes());
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The answers a `requestState` carries, if it is intact, this request's and fresh.
pub(crate) fn verify(
    keys: &RequestStateKeys,
    state: &str,
    binding: &str,
    max_age: Duration,
) -> Result<Map<String, Value>, StatelessError> {
    let invalid = |why: &str| StatelessError::InvalidInput(format!("requestState {why}"));
    let (payload, tag) = state
        .split_once('.')
        .ok_or_else(|| invalid("is malformed"))?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| invalid("is malformed"))?;
    if !keys
        .opening()
        .any(|key| hmac::verify(key, payload.as_bytes(), &tag).is_ok())
    {
        return Err(invalid("failed its integrity check"));
    }
    let state: RequestState = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| invalid("is malformed"))?;
    if state.b != binding {
        return Err(invalid("belongs to another request"));
    }
    if now_secs().saturating_sub(state.t) > max_age.as_secs() {
        return Err(invalid("has expired; send the request again without it"));
    }
    Ok(state.r)
}

/// A complete result: `resultType`, caching hints when given, the server's identity in `_meta`.
pub(crate) fn complete(
    mut value: Value,
    cache: Option<(u64, CacheScope)>,
    server_info: &Value,
) -> Value {
    let Some(result) = value.as_object_mut() else {
        return value;
    };
    result.insert("resultType".into(), "complete".into());
    if let Some((ttl, scope)) = cache {
        result.insert("ttlMs".into(), ttl.into());
        result.insert("cacheScope".into(), scope.as_str().into());
    }
    let meta = result
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        meta.insert(meta::SERVER_INFO_KEY.into(), server_info.clone());
    }
    value
}

/// Errors whose code changed in 2026: a missing resource is `-32602` (with `data.uri`).
pub(crate) fn stateless_error(mut error: RpcError) -> RpcError {
    if error.code == crate::protocol::ErrorCode::RESOURCE_NOT_FOUND {
        error.code = crate::protocol::ErrorCode::INVALID_PARAMS;
    }
    error
}

/// Cancels a stateless request's handler when dropped: the transport holds it for as long as
/// the client listens, since closing the response stream is how a 2026 client cancels.
/// A call that became a task runs on: only `tasks/cancel` stops it.
pub(crate) struct CancelOnDrop(pub(crate) Option<Arc<Exchange>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        // The request's own context: closing it cancels the call, if it still runs.
        if let Some(exchange) = &self.0 {
            if exchange.task().is_none() {
                exchange.cancel.cancel();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_state_is_bound_signed_and_expires() {
        let key = RequestStateKeys::new(b"k");
        let mut answers = Map::new();
        answers.insert("a".into(), json!({"action": "accept"}));
        let state = RequestState {
            b: "tools/call:x".into(),
            r: answers.clone(),
            t: now_secs(),
        };
        let signed = sign(key.sealing(), &state);
        let hour = Duration::from_secs(3600);
        assert_eq!(
            verify(&key, &signed, "tools/call:x", hour).unwrap(),
            answers
        );
        assert!(
            verify(&key, &signed, "tools/call:y", hour).is_err(),
            "other tool"
        );
        assert!(verify(&key, &format!("{signed}-TAMPERED"), "tools/call:x", hour).is_err());
        let other = RequestStateKeys::new(b"other");
        assert!(
            verify(&other, &signed, "tools/call:x", hour).is_err(),
            "other key"
        );
        // Rotated: the ring that took a new key still opens what the old one sealed.
        let rotated = RequestStateKeys::new(b"other").with_previous(b"k");
        assert!(verify(&rotated, &signed, "tools/call:x", hour).is_ok());
        let old = sign(key.sealing(), &RequestState { t: 0, ..state });
        assert!(verify(&key, &old, "tools/call:x", hour).is_err(), "expired");
    }
}

//! The stateless 2026-07-28 revision in the core, beside the session era.
//!
//! A stateless request carries its revision, the client's capabilities and its log level in
//! `params._meta` ([`RequestMeta`]). It is served by the same handlers as a session's request:
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
//!   task (`tasks.rs`) when the tool first waits on anything but the client.
//!
//! `requestState` carries the answers of earlier rounds, signed with HMAC-SHA256 under a key of
//! the server's (random per process unless [`Server::request_state_key`] sets one), so a client
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

use bytes::Bytes;

use crate::auth::Identity;
use crate::catalog::ListenFilter;
use crate::ctx::Outgoing;
use crate::dispatch::{Reply, RequestFuture};
use crate::protocol::jsonrpc::encode;
use crate::protocol::meta::{self, RequestMeta, StatelessError};
use crate::protocol::{Implementation, LoggingLevel, Request, RequestId, RpcError};
use crate::server::{Server, ServerCore};
use crate::session::Session;
use crate::tasks::{self, Task, TaskStore};
use crate::tool::TaskSupport;

/// Who may reuse a cached list or read result (`cacheScope` of 2026-era results).
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::{CacheScope, Server};
///
/// let server = Server::new("demo", "1.0.0").cache_hints(Duration::from_secs(60), CacheScope::Public);
/// # let _ = server;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheScope {
    /// Any client may reuse it: the result is the same for everyone.
    Public,
    /// Only the same authorization context may reuse it (results vary per caller).
    #[default]
    Private,
}

impl CacheScope {
    fn as_str(self) -> &'static str {
        match self {
            CacheScope::Public => "public",
            CacheScope::Private => "private",
        }
    }
}

/// The settings of the stateless revision, held by the server.
#[derive(Clone)]
pub(crate) struct StatelessConfig {
    ttl: Duration,
    cache_scope: CacheScope,
    state_key: hmac::Key,
    state_max_age: Duration,
    /// The tasks of the tasks extension, shared by every worker.
    pub(crate) tasks: Arc<TaskStore>,
}

impl Default for StatelessConfig {
    fn default() -> Self {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides random bytes");
        StatelessConfig {
            ttl: Duration::ZERO,
            cache_scope: CacheScope::Private,
            state_key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
            state_max_age: Duration::from_secs(3600),
            tasks: Arc::default(),
        }
    }
}

/// Settings of the stateless 2026-07-28 revision, served beside the session era.
impl Server {
    /// The caching hints (`ttlMs`, `cacheScope`) of 2026-era `server/discover`, list and
    /// `resources/read` results. Default: `ttlMs: 0` (clients revalidate every time) and
    /// `private`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::{CacheScope, Server};
    ///
    /// let server = Server::new("demo", "1.0.0").cache_hints(Duration::from_secs(300), CacheScope::Public);
    /// # let _ = server;
    /// ```
    pub fn cache_hints(mut self, ttl: Duration, scope: CacheScope) -> Server {
        self.stateless.ttl = ttl;
        self.stateless.cache_scope = scope;
        self
    }

    /// The secret `requestState` is signed with (HMAC-SHA256). Default: 32 random bytes per
    /// process, so a retry must reach the same process; give every instance behind a load
    /// balancer the same secret (at least 32 bytes) to let retries land anywhere.
    ///
    /// ```
    /// let server = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .request_state_key(b"a shared secret of at least 32 bytes!!");
    /// # let _ = server;
    /// ```
    pub fn request_state_key(mut self, secret: &[u8]) -> Server {
        self.stateless.state_key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        self
    }

    /// How long a `requestState` stays valid after it was issued (default one hour).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let server = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .request_state_max_age(Duration::from_secs(600));
    /// # let _ = server;
    /// ```
    pub fn request_state_max_age(mut self, age: Duration) -> Server {
        self.stateless.state_max_age = age;
        self
    }
}

/// What a stateless request's handler shares with the runtime: its log level, the client's
/// answers to earlier questions, and the questions it asks now.
pub(crate) struct Exchange {
    pub(crate) log_level: Option<LoggingLevel>,
    /// The client as the request's `_meta` names it.
    pub(crate) client_info: Option<Implementation>,
    /// The request the answers belong to (`tools/call:<name>` ...), bound into `requestState`.
    binding: String,
    /// The answers the client gave, this round and (through `requestState`) earlier ones.
    responses: Map<String, Value>,
    /// The answers the handler read: what the next `requestState` carries.
    used: Mutex<Map<String, Value>>,
    /// The questions asked this round, by key: `{method, params}`.
    asked: Mutex<Map<String, Value>>,
    next_key: AtomicUsize,
    /// A capability the handler needed but the request did not declare.
    missing: Mutex<Option<&'static str>>,
    /// Caching hints for this request's result, when it is a cacheable one.
    cache: Option<(u64, CacheScope)>,
    server_info: Value,
    state_key: hmac::Key,
    /// The request's own context (closing it cancels the handler).
    context: Arc<Session>,
    request_id: RequestId,
    /// Whether the handler may become a task: a task-supporting tool, and a client that
    /// takes tasks.
    may_become_task: AtomicBool,
    tasks: Arc<TaskStore>,
    /// Set once the call became a task: it runs on, answered through `tasks/*`.
    task: OnceLock<Arc<Task>>,
    /// Where the call's response goes (set when the handler starts).
    pub(crate) sink: OnceLock<mpsc::Sender<Outgoing>>,
}

/// The signed content of a `requestState`.
#[derive(Serialize, Deserialize)]
struct RequestState {
    /// The request it belongs to.
    b: String,
    /// The answers of earlier rounds.
    r: Map<String, Value>,
    /// Issued at, in seconds since the Unix epoch.
    t: u64,
}

fn now_secs() -> u64 {
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
        let Some(task) = self.tasks.create(self.context.clone()) else {
            self.may_become_task.store(false, Ordering::Relaxed);
            return;
        };
        permit.send(Outgoing::Response(encode::result(
            &self.request_id,
            task.created(),
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
                None => Ok(self.input_required()),
            }
        })
    }

    fn input_required(&self) -> Value {
        let state = RequestState {
            b: self.binding.clone(),
            r: lock(&self.used).clone(),
            t: now_secs(),
        };
        json!({
            "resultType": "input_required",
            "inputRequests": Value::Object(lock(&self.asked).clone()),
            "requestState": sign(&self.state_key, &state),
        })
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
fn sign(key: &hmac::Key, state: &RequestState) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).expect("state serializes"));
    let tag = hmac::sign(key, payload.as_bytes());
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The answers a `requestState` carries, if it is intact, this request's and fresh.
fn verify(
    key: &hmac::Key,
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
    hmac::verify(key, payload.as_bytes(), &tag)
        .map_err(|_| invalid("failed its integrity check"))?;
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
fn complete(mut value: Value, cache: Option<(u64, CacheScope)>, server_info: &Value) -> Value {
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
fn stateless_error(mut error: RpcError) -> RpcError {
    if error.code == crate::resource::RESOURCE_NOT_FOUND {
        error.code = crate::protocol::ErrorCode::INVALID_PARAMS;
    }
    error
}

impl ServerCore {
    /// The `server/discover` result (before decoration).
    fn discover(&self) -> Value {
        let mut capabilities = self.capabilities();
        if self
            .catalog()
            .tools
            .iter()
            .any(|t| t.spec.task != TaskSupport::Forbidden)
        {
            capabilities["extensions"] = json!({ tasks::TASKS_EXTENSION: {} });
        }
        let mut result = json!({
            "supportedVersions": meta::supported_versions(),
            "capabilities": capabilities,
        });
        if let Some(instructions) = &self.instructions {
            result["instructions"] = Value::String(instructions.clone());
        }
        result
    }

    fn cache_hints(&self) -> (u64, CacheScope) {
        let ttl = u64::try_from(self.stateless.ttl.as_millis()).unwrap_or(u64::MAX);
        (ttl, self.stateless.cache_scope)
    }

    /// Serves one stateless request whose `_meta` was validated. Methods the revision does not
    /// have (or this server does not serve) are refused; a handler's own refusal (an unknown
    /// tool, bad arguments) is an ordinary JSON-RPC error response.
    pub(crate) fn stateless_request(
        &self,
        meta: RequestMeta,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Result<(Reply, CancelOnDrop), StatelessError> {
        let id = request.id.clone();
        let server_info = serde_json::to_value(&self.info).expect("server info serializes");
        let now = |result: Result<Value, RpcError>, cache: bool| {
            let cache = cache.then(|| self.cache_hints());
            Reply::Now(match result {
                Ok(value) => encode::result(&id, complete(value, cache, &server_info)),
                Err(error) => encode::error(Some(&id), &stateless_error(error)),
            })
        };
        let catalog = self.catalog();
        let (prompts, resources) = (!catalog.prompts.is_empty(), !catalog.resources.is_empty());
        let method = request.method.as_str();
        let params = || request.params.clone();
        let listed = match method {
            "server/discover" => Some(Ok(self.discover())),
            "tools/list" => Some(self.list_tools(&catalog, params(), caller.as_deref())),
            "prompts/list" if prompts => Some(self.list_prompts(&catalog, params())),
            "resources/list" if resources => Some(self.list_resources(&catalog, false, params())),
            "resources/templates/list" if resources => {
                Some(self.list_resources(&catalog, true, params()))
            }
            _ => None,
        };
        if let Some(listed) = listed {
            return Ok((now(listed, true), CancelOnDrop(None)));
        }
        let takes_tasks = catalog
            .tools
            .iter()
            .any(|t| t.spec.task != TaskSupport::Forbidden);
        if takes_tasks && matches!(method, "tasks/get" | "tasks/update" | "tasks/cancel") {
            return Ok((self.tasks_request(&meta, request)?, CancelOnDrop(None)));
        }
        let handler = match method {
            "tools/call" => Handler::Tool,
            "prompts/get" if prompts => Handler::Prompt,
            "resources/read" if resources => Handler::Resource,
            "completion/complete" if catalog.completes() => Handler::Completion,
            _ => return Err(StatelessError::MethodNotFound(request.method)),
        };
        let session = Arc::new(Session::new(
            meta.version,
            meta.client_info
                .clone()
                .unwrap_or_else(|| Implementation::new("unknown", "")),
            meta.capabilities.clone(),
        ));
        let exchange =
            Arc::new(self.exchange(&request, &meta, handler, server_info.clone(), &session)?);
        let guard = CancelOnDrop(Some(exchange.clone()));
        let reply = match handler {
            Handler::Tool => self.call_tool(&catalog, &session, request, caller, Some(exchange)),
            Handler::Prompt => self.get_prompt(&catalog, &session, request, caller, Some(exchange)),
            Handler::Resource => {
                self.read_resource(&catalog, &session, request, caller, Some(exchange))
            }
            Handler::Completion => {
                self.complete(&catalog, &session, request, caller, Some(exchange))
            }
        };
        let reply = reply.unwrap_or_else(|error| now(Err(error), false));
        Ok((reply, guard))
    }

    /// `subscriptions/listen`: the acknowledgement that opens the stream, and the receiver of
    /// the stream's notifications. The acknowledgement names the notification types honoured:
    /// those the client asked for that this server's capabilities announce.
    pub(crate) fn listen(
        &self,
        request: &Request,
    ) -> Result<(Vec<u8>, mpsc::Receiver<Bytes>), StatelessError> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", default)]
        struct Filter {
            tools_list_changed: bool,
            prompts_list_changed: bool,
            resources_list_changed: bool,
            resource_subscriptions: Vec<String>,
        }
        let filter = request
            .params
            .as_ref()
            .and_then(|p| p.get("notifications"))
            .ok_or_else(|| {
                StatelessError::InvalidInput("subscriptions/listen needs `notifications`".into())
            })
            .and_then(|n| {
                Filter::deserialize(n)
                    .map_err(|e| StatelessError::InvalidInput(format!("notifications: {e}")))
            })?;
        let capabilities = self.capabilities();
        let announces = |kind: &str, flag: &str| capabilities[kind][flag] == true;
        let mut honoured = Map::new();
        let mut heard = ListenFilter::default();
        for (asked, kind, key, hear) in [
            (
                filter.tools_list_changed,
                "tools",
                "toolsListChanged",
                &mut heard.tools,
            ),
            (
                filter.prompts_list_changed,
                "prompts",
                "promptsListChanged",
                &mut heard.prompts,
            ),
            (
                filter.resources_list_changed,
                "resources",
                "resourcesListChanged",
                &mut heard.resources,
            ),
        ] {
            if asked && announces(kind, "listChanged") {
                honoured.insert(key.into(), true.into());
                *hear = true;
            }
        }
        if !filter.resource_subscriptions.is_empty() && announces("resources", "subscribe") {
            honoured.insert(
                "resourceSubscriptions".into(),
                json!(filter.resource_subscriptions),
            );
            heard.resource_uris = filter.resource_subscriptions;
        }
        let subscription = serde_json::to_value(&request.id).unwrap_or(Value::Null);
        let ack = encode::notification(
            "notifications/subscriptions/acknowledged",
            json!({
                "notifications": honoured,
                "_meta": { meta::SUBSCRIPTION_ID_KEY: subscription },
            }),
        );
        Ok((ack, self.live.listen(heard, subscription)))
    }

    /// The exchange of a request served by a handler: the answers it carries (checked), and
    /// where its questions and result go.
    fn exchange(
        &self,
        request: &Request,
        meta: &RequestMeta,
        handler: Handler,
        server_info: Value,
        context: &Arc<Session>,
    ) -> Result<Exchange, StatelessError> {
        let params = request.params.as_ref();
        let target = params
            .and_then(|p| p.get("name").or_else(|| p.get("uri")))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let task_support = match handler {
            Handler::Tool => self
                .catalog()
                .find_tool(target)
                .map_or(TaskSupport::Forbidden, |t| t.spec.task),
            _ => TaskSupport::Forbidden,
        };
        let takes_tasks = tasks::negotiated(meta);
        if task_support == TaskSupport::Required && !takes_tasks {
            return Err(tasks::missing_extension());
        }
        let binding = format!("{}:{target}", request.method);
        let mut responses = match params.and_then(|p| p.get("inputResponses")) {
            None => Map::new(),
            Some(Value::Object(given)) => {
                if let Some((key, _)) = given.iter().find(|(_, answer)| !answer.is_object()) {
                    return Err(StatelessError::InvalidInput(format!(
                        "inputResponses[{key:?}] must be an object (the result of the request asked for)"
                    )));
                }
                given.clone()
            }
            Some(_) => {
                return Err(StatelessError::InvalidInput(
                    "inputResponses must be an object keyed by the inputRequests' keys".into(),
                ))
            }
        };
        if handler == Handler::Completion && !responses.is_empty() {
            return Err(StatelessError::InvalidInput(
                "completion/complete takes no inputResponses".into(),
            ));
        }
        match params.and_then(|p| p.get("requestState")) {
            None | Some(Value::Null) => {}
            Some(Value::String(state)) => {
                let config = &self.stateless;
                for (key, answer) in
                    verify(&config.state_key, state, &binding, config.state_max_age)?
                {
                    responses.entry(key).or_insert(answer);
                }
            }
            Some(_) => {
                return Err(StatelessError::InvalidInput(
                    "requestState must be the string the server sent".into(),
                ))
            }
        }
        Ok(Exchange {
            log_level: meta.log_level,
            client_info: meta.client_info.clone(),
            binding,
            responses,
            used: Mutex::default(),
            asked: Mutex::default(),
            next_key: AtomicUsize::new(0),
            missing: Mutex::default(),
            cache: (handler == Handler::Resource).then(|| self.cache_hints()),
            server_info,
            state_key: self.stateless.state_key.clone(),
            context: context.clone(),
            request_id: request.id.clone(),
            may_become_task: AtomicBool::new(takes_tasks && task_support != TaskSupport::Forbidden),
            tasks: self.stateless.tasks.clone(),
            task: OnceLock::new(),
            sink: OnceLock::new(),
        })
    }
}

/// Cancels a stateless request's handler when dropped: the transport holds it for as long as
/// the client listens, since closing the response stream is how a 2026 client cancels.
/// A call that became a task runs on: only `tasks/cancel` stops it.
pub(crate) struct CancelOnDrop(Option<Arc<Exchange>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        // The request's own context: closing it cancels the call, if it still runs.
        if let Some(exchange) = &self.0 {
            if exchange.task().is_none() {
                exchange.context.close();
            }
        }
    }
}

/// The handlers a stateless request may reach through an [`Exchange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handler {
    Tool,
    Prompt,
    Resource,
    Completion,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_state_is_bound_signed_and_expires() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let mut answers = Map::new();
        answers.insert("a".into(), json!({"action": "accept"}));
        let state = RequestState {
            b: "tools/call:x".into(),
            r: answers.clone(),
            t: now_secs(),
        };
        let signed = sign(&key, &state);
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
        let other = hmac::Key::new(hmac::HMAC_SHA256, b"other");
        assert!(
            verify(&other, &signed, "tools/call:x", hour).is_err(),
            "other key"
        );
        let old = sign(&key, &RequestState { t: 0, ..state });
        assert!(verify(&key, &old, "tools/call:x", hour).is_err(), "expired");
    }
}

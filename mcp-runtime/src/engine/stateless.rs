//! The stateless 2026-07-28 revision in the core: `server/discover`, `subscriptions/listen`,
//! and the [`Exchange`] each handled request runs with.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use ring::hmac;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::dispatch::Reply;
use super::{tasks, ServerCore};
use crate::auth::Identity;
use crate::catalog::ListenFilter;
use crate::peer::{complete, stateless_error, verify, CancelOnDrop, Exchange, Session, TaskStore};
use crate::protocol::jsonrpc::encode;
use crate::protocol::meta::{self, CacheScope, RequestMeta, StatelessError};
use crate::protocol::{Implementation, Request, RpcError};
use crate::tool::TaskSupport;

/// The settings of the stateless revision, held by the server.
#[derive(Clone)]
pub(crate) struct StatelessConfig {
    pub(crate) ttl: Duration,
    pub(crate) cache_scope: CacheScope,
    pub(crate) state_key: hmac::Key,
    pub(crate) state_max_age: Duration,
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
            capabilities["extensions"] = json!({ crate::peer::TASKS_EXTENSION: {} });
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

/// The handlers a stateless request may reach through an [`Exchange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handler {
    Tool,
    Prompt,
    Resource,
    Completion,
}

//! The stateless 2026-07-28 revision in the core: `server/discover`, `subscriptions/listen`,
//! and the [`Exchange`] each handled request runs with.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::store::{InMemoryKeyRing, KeyCache};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::dispatch::Reply;
use super::{tasks, ServerCore};
use crate::catalog::{Catalog, ListenFilter, ParamHeader};
use crate::peer::{verify, Exchange, TaskStore};
use crate::protocol::headers::{named_field, METHOD_HEADER, NAME_HEADER, VERSION_HEADER};
use crate::protocol::jsonrpc::encode;
use crate::protocol::meta::{self, CacheScope, RequestMeta, StatelessError};
use crate::protocol::{Request, RequestId, Response};
use crate::tool::TaskSupport;

/// The settings of the stateless revision, held by the server.
#[derive(Clone)]
pub(crate) struct StatelessConfig {
    pub(crate) ttl: Duration,
    pub(crate) cache_scope: CacheScope,
    /// The keys `requestState` is sealed and opened with.
    pub(crate) keys: Arc<KeyCache>,
    pub(crate) state_max_age: Duration,
    /// The tasks of the tasks extension, shared by every worker.
    pub(crate) tasks: Arc<TaskStore>,
}

impl Default for StatelessConfig {
    fn default() -> Self {
        StatelessConfig {
            ttl: Duration::ZERO,
            cache_scope: CacheScope::Private,
            keys: Arc::new(KeyCache::new(Arc::new(InMemoryKeyRing::default()))),
            state_max_age: Duration::from_secs(3600),
            tasks: Arc::default(),
        }
    }
}

impl ServerCore {
    /// The `server/discover` result (before decoration).
    pub(super) fn discover(&self) -> Value {
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

    pub(super) fn cache_hints(&self) -> (u64, CacheScope) {
        let ttl = u64::try_from(self.stateless.ttl.as_millis()).unwrap_or(u64::MAX);
        (ttl, self.stateless.cache_scope)
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
    pub(super) fn exchange(
        &self,
        catalog: &Catalog,
        request: &Request,
        meta: &RequestMeta,
        handler: Handler,
    ) -> Result<Exchange, StatelessError> {
        let params = request.params.as_ref();
        let target = params
            .and_then(|p| p.get("name").or_else(|| p.get("uri")))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let task_support = match handler {
            Handler::Tool => catalog
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
                let keys = config.keys.opening().map_err(|error| {
                    StatelessError::Unavailable(format!(
                        "requestState cannot be checked now: {error}"
                    ))
                })?;
                for (key, answer) in verify(&keys, state, &binding, config.state_max_age)? {
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
            version: meta.version,
            capabilities: meta.capabilities.clone(),
            cancel: CancellationToken::new(),
            binding,
            responses,
            used: Mutex::default(),
            asked: Mutex::default(),
            next_key: AtomicUsize::new(0),
            missing: Mutex::default(),
            cache: (handler == Handler::Resource).then(|| self.cache_hints()),
            server_info: self.server_info.clone(),
            keys: self.stateless.keys.clone(),
            request_id: request.id.clone(),
            may_become_task: AtomicBool::new(takes_tasks && task_support != TaskSupport::Forbidden),
            tasks: self.stateless.tasks.clone(),
            task: OnceLock::new(),
            sink: OnceLock::new(),
        })
    }
}

/// The request's headers, as the stateless checks need them: each transport that has headers
/// implements it over its own header map.
pub(crate) trait HeaderView {
    /// The raw value of the header `name` (lower-case), if the request has it.
    fn header(&self, name: &str) -> Option<&[u8]>;
}

impl ServerCore {
    /// The checks of a stateless request before it is served: its `_meta`, and the headers that
    /// must repeat its body (`x-mcp-header` parameters included). A refusal is the response
    /// to send, with a `4xx` where the transport has statuses.
    pub(crate) fn check_stateless(
        &self,
        headers: &impl HeaderView,
        request: &Request,
    ) -> Result<RequestMeta, Box<Response>> {
        check(headers, request, &self.catalog()).map_err(|refusal| {
            Box::new(Response::new(
                request.id.clone(),
                Err(refusal.to_rpc_error()),
            ))
        })
    }
}

/// Checks `_meta` and the headers that must repeat the body, in the order the refusals are
/// specified: missing fields (`-32602`), the version header (`-32020`), the version itself
/// (`-32022`), then `Mcp-Method` / `Mcp-Name` and a tool's `Mcp-Param-*` (`-32020`).
fn check(
    headers: &impl HeaderView,
    request: &Request,
    catalog: &Catalog,
) -> Result<RequestMeta, StatelessError> {
    let meta = RequestMeta::from_params(request.params.as_ref())?;
    expect_header(headers, VERSION_HEADER, &meta.requested)?;
    let meta = meta.check_version()?;
    expect_header(headers, METHOD_HEADER, &request.method)?;
    let Some(named) = named_field(&request.method) else {
        return Ok(meta);
    };
    if let Some(name) = request
        .params
        .as_ref()
        .and_then(|p| p.get(named))
        .and_then(Value::as_str)
    {
        expect_header(headers, NAME_HEADER, name)?;
        if request.method == "tools/call" {
            check_param_headers(headers, request, catalog, name)?;
        }
    }
    Ok(meta)
}

/// The `Mcp-Param-<name>` header of each `x-mcp-header` parameter of the tool must repeat its
/// argument: both present and equal (numbers compared as numbers), or both absent.
fn check_param_headers(
    headers: &impl HeaderView,
    request: &Request,
    catalog: &Catalog,
    tool: &str,
) -> Result<(), StatelessError> {
    let Some(tool) = catalog.find_tool(tool) else {
        return Ok(());
    };
    let arguments = request.params.as_ref().and_then(|p| p.get("arguments"));
    for ParamHeader {
        param,
        header,
        lookup,
    } in tool.param_headers.iter()
    {
        let argument = arguments
            .and_then(|a| a.get(param))
            .filter(|v| !v.is_null());
        match (argument, headers.header(lookup)) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(StatelessError::HeaderMismatch(format!(
                    "the Mcp-Param-{header} header is required: it repeats the argument `{param}`"
                )))
            }
            (None, Some(_)) => {
                return Err(StatelessError::HeaderMismatch(format!(
                    "the Mcp-Param-{header} header is sent but the argument `{param}` is not"
                )))
            }
            (Some(argument), Some(raw)) => {
                let value = meta::decode_header_value(raw).ok_or_else(|| {
                    StatelessError::HeaderMismatch(format!(
                        "the Mcp-Param-{header} header is not a valid value (base64 values are \
                         sent as =?base64?...?=)"
                    ))
                })?;
                if !repeats(argument, &value) {
                    return Err(StatelessError::HeaderMismatch(format!(
                        "the Mcp-Param-{header} header is {value:?} but the argument `{param}` is {argument}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Whether a header value repeats an argument: strings exactly, numbers numerically, booleans
/// as `true`/`false`.
fn repeats(argument: &Value, header: &str) -> bool {
    match argument {
        Value::String(text) => text == header,
        Value::Number(number) => header.parse::<f64>().ok() == number.as_f64(),
        Value::Bool(flag) => header == if *flag { "true" } else { "false" },
        _ => false,
    }
}

/// The header `name` must be present and, trimmed and decoded, equal `body` exactly.
fn expect_header(headers: &impl HeaderView, name: &str, body: &str) -> Result<(), StatelessError> {
    let Some(raw) = headers.header(name) else {
        return Err(StatelessError::HeaderMismatch(format!(
            "the {name} header is required and must be {body:?}"
        )));
    };
    match meta::decode_header_value(raw) {
        Some(value) if value == body => Ok(()),
        Some(value) => Err(StatelessError::HeaderMismatch(format!(
            "the {name} header is {value:?} but the body says {body:?}"
        ))),
        None => Err(StatelessError::HeaderMismatch(format!(
            "the {name} header is not a valid value (base64 values are sent as =?base64?...?=)"
        ))),
    }
}

/// A refusal of the stateless wire, before the request is served: `-32601` for a method the
/// revision does not have, the 2026 codes for `_meta` and header mismatches.
pub(super) fn refuse(id: RequestId, refusal: &StatelessError) -> Reply {
    Reply::Refused(Response::new(id, Err(refusal.to_rpc_error())))
}

/// The handlers a request may reach (through an [`Exchange`] on the stateless wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Handler {
    Tool,
    Prompt,
    Resource,
    Completion,
}

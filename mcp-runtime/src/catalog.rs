//! What a server offers (tools, prompts, resources) and how it changes while the server runs.
//!
//! The [`Catalog`] is an immutable snapshot: every request reads the one current when it
//! arrived, so a list is never torn by a concurrent change. A [`ServerHandle`] replaces the
//! snapshot (copy, change, swap) and tells every session that can hear it:
//! `notifications/{tools,prompts,resources}/list_changed`, and
//! `notifications/resources/updated` for the sessions subscribed to a changed resource.

use std::borrow::{Borrow, Cow};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, RwLock, Weak};

use bytes::Bytes;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::ctx::Ctx;
use crate::peer::Session;
use crate::prompt::{self, Prompt, PromptArguments, PromptFuture, PromptSpec};
use crate::protocol::meta::SUBSCRIPTION_ID_KEY;
use crate::resource::{self, Resource, ResourceFuture, ResourceSpec, TemplateVars, UriTemplate};
use crate::tool::{self, DynamicTool, RegistrationError, TaskSupport, Tool, ToolCall};

/// A tool as the dispatcher holds it, whichever way it was declared (`#[mcp_tool]` or a
/// [`DynamicTool`]): what the request path reads of it, its `tools/list` entry and its entry
/// point. Not generic, so the dispatch code is compiled once, not once per tool.
pub(crate) struct RegisteredTool {
    pub(crate) spec: ToolRules,
    pub(crate) definition: Value,
    /// Structured results are wrapped as `{"result": ...}` to match the output schema.
    pub(crate) wraps_output: bool,
    pub(crate) call: ToolCall,
    /// The parameters whose value a 2026 request repeats in an `Mcp-Param-*` header
    /// (`x-mcp-header` in the input schema), read from the definition once.
    pub(crate) param_headers: Box<[ParamHeader]>,
}

/// A parameter declared with `x-mcp-header`: its argument must also be sent as a header.
pub(crate) struct ParamHeader {
    /// The argument's name.
    pub(crate) param: String,
    /// The header's name as the schema spells it, after `Mcp-Param-`.
    pub(crate) header: String,
    /// `mcp-param-<header>`, lower-case: the name to look up.
    pub(crate) lookup: String,
}

impl ParamHeader {
    fn of(definition: &Value) -> Box<[ParamHeader]> {
        let Some(properties) = definition
            .get("inputSchema")
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
        else {
            return Box::default();
        };
        properties
            .iter()
            .filter_map(|(param, schema)| {
                let header = schema.get("x-mcp-header")?.as_str()?;
                Some(ParamHeader {
                    param: param.clone(),
                    header: header.to_owned(),
                    lookup: format!("mcp-param-{}", header.to_ascii_lowercase()),
                })
            })
            .collect()
    }
}

/// What serving a call needs to know of a tool, beyond its definition.
pub(crate) struct ToolRules {
    /// The wire name: borrowed from a `#[mcp_tool]`'s spec, owned for a dynamic tool.
    pub(crate) name: Cow<'static, str>,
    /// Whether the tool may send notifications while it runs (always, for a dynamic tool).
    pub(crate) uses_ctx: bool,
    /// The OAuth scopes a caller needs (none, for a dynamic tool).
    pub(crate) scopes: &'static [&'static str],
    pub(crate) task: TaskSupport,
}

/// A prompt as the dispatcher holds it: its `prompts/list` entry and its entry point.
pub(crate) struct RegisteredPrompt {
    pub(crate) spec: PromptSpec,
    pub(crate) definition: Value,
    pub(crate) get: fn(Ctx, PromptArguments) -> PromptFuture,
}

/// A resource or resource template as the dispatcher holds it: its list entry, its parsed
/// template (for templates) and its entry point.
pub(crate) struct RegisteredResource {
    pub(crate) spec: ResourceSpec,
    pub(crate) definition: Value,
    pub(crate) template: Option<UriTemplate>,
    pub(crate) read: fn(Ctx, String, TemplateVars) -> ResourceFuture,
}

/// One snapshot of what the server offers. Cloning copies only pointers.
#[derive(Clone, Default)]
pub(crate) struct Catalog {
    pub(crate) tools: Vec<Arc<RegisteredTool>>,
    tool_index: HashMap<Cow<'static, str>, usize>,
    pub(crate) prompts: Vec<Arc<RegisteredPrompt>>,
    prompt_index: HashMap<&'static str, usize>,
    pub(crate) resources: Vec<Arc<RegisteredResource>>,
}

impl Catalog {
    pub(crate) fn find_tool(&self, name: &str) -> Option<&Arc<RegisteredTool>> {
        self.tool_index.get(name).map(|&i| &self.tools[i])
    }

    /// Whether `completion/complete` has anything to complete: prompt arguments, or the
    /// variables of resource templates.
    /// Whether some tool takes the tasks extension (`task = "optional" | "required"`).
    pub(crate) fn takes_tasks(&self) -> bool {
        self.tools
            .iter()
            .any(|t| t.spec.task != crate::tool::TaskSupport::Forbidden)
    }

    pub(crate) fn completes(&self) -> bool {
        !self.prompts.is_empty() || self.resources.iter().any(|r| r.template.is_some())
    }

    pub(crate) fn find_prompt(&self, name: &str) -> Option<&Arc<RegisteredPrompt>> {
        self.prompt_index.get(name).map(|&i| &self.prompts[i])
    }

    /// The resource answering `uri`: a fixed URI first, then the templates in registration
    /// order, with the template's variables.
    pub(crate) fn find_resource(
        &self,
        uri: &str,
    ) -> Option<(&Arc<RegisteredResource>, TemplateVars)> {
        let fixed = self
            .resources
            .iter()
            .find(|r| r.template.is_none() && r.spec.uri() == uri);
        if let Some(resource) = fixed {
            return Some((resource, TemplateVars::default()));
        }
        self.resources.iter().find_map(|r| {
            let vars = r.template.as_ref()?.match_uri(uri)?;
            Some((r, vars))
        })
    }

    fn add_tool<T: Tool>(&mut self) -> Result<(), RegistrationError> {
        let spec = T::SPEC;
        check_new_name("tool", spec.name, &self.tool_index)?;
        let (definition, wraps_output) = tool::definition(&spec)?;
        self.push_tool(RegisteredTool {
            spec: ToolRules {
                name: Cow::Borrowed(spec.name),
                uses_ctx: spec.uses_ctx,
                scopes: spec.scopes,
                task: spec.task,
            },
            definition,
            wraps_output,
            call: ToolCall::Static(T::call),
            param_headers: Box::default(),
        });
        Ok(())
    }

    fn add_dynamic_tool(&mut self, tool: DynamicTool) -> Result<(), RegistrationError> {
        check_new_name("tool", tool.name(), &self.tool_index)?;
        let parts = tool.into_parts()?;
        self.push_tool(RegisteredTool {
            spec: ToolRules {
                name: Cow::Owned(parts.name),
                uses_ctx: true,
                scopes: &[],
                task: parts.task,
            },
            definition: parts.definition,
            wraps_output: false,
            call: parts.call,
            param_headers: Box::default(),
        });
        Ok(())
    }

    fn push_tool(&mut self, mut tool: RegisteredTool) {
        tool.param_headers = ParamHeader::of(&tool.definition);
        self.tool_index
            .insert(tool.spec.name.clone(), self.tools.len());
        self.tools.push(Arc::new(tool));
    }

    fn remove_tool(&mut self, name: &str) -> bool {
        let before = self.tools.len();
        self.tools.retain(|t| t.spec.name != name);
        self.tool_index = index(&self.tools, |t| t.spec.name.clone());
        self.tools.len() != before
    }

    fn add_prompt<P: Prompt>(&mut self) -> Result<(), RegistrationError> {
        let spec = P::SPEC;
        check_new_name("prompt", spec.name(), &self.prompt_index)?;
        self.prompt_index.insert(spec.name(), self.prompts.len());
        self.prompts.push(Arc::new(RegisteredPrompt {
            definition: prompt::definition(&spec),
            spec,
            get: P::get,
        }));
        Ok(())
    }

    fn remove_prompt(&mut self, name: &str) -> bool {
        let before = self.prompts.len();
        self.prompts.retain(|p| p.spec.name() != name);
        self.prompt_index = index(&self.prompts, |p| p.spec.name());
        self.prompts.len() != before
    }

    fn add_resource<R: Resource>(&mut self) -> Result<(), RegistrationError> {
        let spec = R::SPEC;
        if self.resources.iter().any(|r| r.spec.uri() == spec.uri()) {
            return Err(RegistrationError::Duplicate {
                kind: "resource",
                name: spec.uri().into(),
            });
        }
        let template = if spec.is_template() {
            let template =
                UriTemplate::parse(spec.uri()).map_err(|e| RegistrationError::UriTemplate {
                    resource: spec.name().into(),
                    problem: e.to_string(),
                })?;
            Some(template)
        } else {
            None
        };
        self.resources.push(Arc::new(RegisteredResource {
            definition: resource::definition(&spec),
            template,
            spec,
            read: R::read,
        }));
        Ok(())
    }

    fn remove_resource(&mut self, uri: &str) -> bool {
        let before = self.resources.len();
        self.resources.retain(|r| r.spec.uri() != uri);
        self.resources.len() != before
    }
}

/// Tool and prompt names: valid, and not taken yet.
fn check_new_name<K: Borrow<str> + Eq + Hash>(
    kind: &'static str,
    name: &str,
    taken: &HashMap<K, usize>,
) -> Result<(), RegistrationError> {
    if !tool::is_valid_tool_name(name) {
        return Err(RegistrationError::InvalidName {
            kind,
            name: name.into(),
        });
    }
    if taken.contains_key(name) {
        return Err(RegistrationError::Duplicate {
            kind,
            name: name.into(),
        });
    }
    Ok(())
}

fn index<T, K: Eq + Hash>(items: &[Arc<T>], name: impl Fn(&T) -> K) -> HashMap<K, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, t)| (name(t), i))
        .collect()
}

/// Which list a change touched.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Tools,
    Prompts,
    Resources,
}

impl Kind {
    fn notification(self) -> &'static str {
        match self {
            Kind::Tools => "notifications/tools/list_changed",
            Kind::Prompts => "notifications/prompts/list_changed",
            Kind::Resources => "notifications/resources/list_changed",
        }
    }
}

/// The current catalog and who to tell when it changes (2025 sessions, 2026 listen
/// streams); shared by the server's core and every [`ServerHandle`].
#[derive(Default)]
pub(crate) struct Registry {
    catalog: RwLock<Arc<Catalog>>,
    sessions: Mutex<Vec<Weak<Session>>>,
    listeners: Mutex<Vec<Listener>>,
}

/// What a `subscriptions/listen` stream (2026-07-28) asked to hear.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ListenFilter {
    pub(crate) tools: bool,
    pub(crate) prompts: bool,
    pub(crate) resources: bool,
    /// URIs whose `notifications/resources/updated` the stream wants.
    pub(crate) resource_uris: Vec<String>,
}

/// An open listen stream: its filter, the id that tags each of its notifications, and where
/// they go. Dropped from the list once the stream is gone.
struct Listener {
    filter: ListenFilter,
    subscription: Value,
    sender: mpsc::Sender<Bytes>,
}

impl Listener {
    fn wants(&self, kind: Kind) -> bool {
        match kind {
            Kind::Tools => self.filter.tools,
            Kind::Prompts => self.filter.prompts,
            Kind::Resources => self.filter.resources,
        }
    }

    /// Sends `method` tagged with this stream's subscription id; `false` if the stream is gone
    /// or too far behind (the message is dropped: it only says "look again").
    fn send(&self, method: &str, mut params: Map<String, Value>) -> bool {
        params.insert(
            "_meta".into(),
            json!({ SUBSCRIPTION_ID_KEY: self.subscription }),
        );
        self.sender
            .try_send(notification(method, Some(Value::Object(params))))
            .is_ok()
    }
}

/// How many notifications may wait for a slow listen stream.
const LISTEN_CAPACITY: usize = 64;

impl Registry {
    /// The catalog as it is now; requests hold on to it for their whole run.
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Remembers a new session, to notify it of changes; sessions that ended are forgotten
    /// here too, so the list stays as long as the live sessions.
    pub(crate) fn track(&self, session: &Arc<Session>) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if sessions.len() >= 64 && sessions.len().is_power_of_two() {
            sessions.retain(|s| s.upgrade().is_some_and(|s| !s.closed().is_cancelled()));
        }
        sessions.push(Arc::downgrade(session));
    }

    /// Registers a listen stream; its notifications arrive on the receiver.
    pub(crate) fn listen(
        &self,
        filter: ListenFilter,
        subscription: Value,
    ) -> mpsc::Receiver<Bytes> {
        let (sender, receiver) = mpsc::channel(LISTEN_CAPACITY);
        let mut listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
        listeners.retain(|l| !l.sender.is_closed());
        listeners.push(Listener {
            filter,
            subscription,
            sender,
        });
        receiver
    }

    /// Calls `send` for every open listen stream, forgetting closed ones.
    fn each_listener(&self, mut send: impl FnMut(&Listener)) {
        let mut listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
        listeners.retain(|l| !l.sender.is_closed());
        listeners.iter().for_each(&mut send);
    }

    fn sessions(&self) -> Vec<Arc<Session>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let mut live = Vec::with_capacity(sessions.len());
        sessions.retain(|s| match s.upgrade() {
            Some(s) if !s.closed().is_cancelled() => {
                live.push(s);
                true
            }
            _ => false,
        });
        live
    }

    fn change<T>(
        &self,
        kind: Kind,
        edit: impl FnOnce(&mut Catalog) -> Result<T, RegistrationError>,
        changed: impl FnOnce(&T) -> bool,
    ) -> Result<T, RegistrationError> {
        let out = {
            let mut current = self.catalog.write().unwrap_or_else(|e| e.into_inner());
            let mut next = Catalog::clone(&current);
            let out = edit(&mut next)?;
            if !changed(&out) {
                return Ok(out);
            }
            *current = Arc::new(next);
            out
        };
        let message = notification(kind.notification(), None);
        for session in self.sessions() {
            session.notify(message.clone());
        }
        self.each_listener(|listener| {
            if listener.wants(kind) {
                listener.send(kind.notification(), Map::new());
            }
        });
        Ok(out)
    }
}

fn notification(method: &str, params: Option<Value>) -> Bytes {
    let message = match params {
        Some(params) => json!({"jsonrpc": "2.0", "method": method, "params": params}),
        None => json!({"jsonrpc": "2.0", "method": method}),
    };
    Bytes::from(serde_json::to_vec(&message).expect("a notification serializes"))
}

/// Changes what a running server offers, and tells its clients.
///
/// Get one from [`Server::handle`](crate::Server::handle) before serving; it is cheap to clone
/// and can be moved anywhere (a background task watching files, an admin endpoint). Each
/// change is seen by requests that arrive after it, and sessions with an open server stream
/// (the `GET` stream over HTTP, stdout over stdio) receive the matching
/// `notifications/*/list_changed`.
///
/// ```
/// use mcp_runtime::{mcp_tool, Server};
///
/// /// Add two integers.
/// #[mcp_tool]
/// async fn add(a: i64, b: i64) -> i64 { a + b }
///
/// /// Multiply two integers.
/// #[mcp_tool]
/// async fn mul(a: i64, b: i64) -> i64 { a * b }
///
/// let server = Server::new("calc", "1").tool::<add>();
/// let handle = server.handle();
/// // ... serve `server` ..., then later, while it runs:
/// handle.add_tool::<mul>().unwrap();
/// assert!(handle.remove_tool("add"));
/// assert_eq!(server.tool_names().collect::<Vec<_>>(), ["mul"]);
/// ```
#[derive(Clone)]
pub struct ServerHandle {
    live: Arc<Registry>,
}

impl ServerHandle {
    pub(crate) fn new(live: Arc<Registry>) -> ServerHandle {
        ServerHandle { live }
    }

    /// Adds a tool declared with `#[mcp_tool]`; clients are told the tool list changed.
    pub fn add_tool<T: Tool>(&self) -> Result<(), RegistrationError> {
        self.live
            .change(Kind::Tools, |c| c.add_tool::<T>(), |_| true)
    }

    /// Adds a tool described and implemented at run time; clients are told the tool list
    /// changed. Fails, changing nothing, if the name is invalid or taken, or a schema is not an
    /// object schema.
    ///
    /// ```
    /// use mcp_runtime::{tool::DynamicTool, RegistrationError, Server};
    /// use serde_json::{json, Value};
    ///
    /// let server = Server::new("plugins", "1");
    /// let handle = server.handle();
    /// // ... serve `server` ..., then, when a plugin announces a tool:
    /// let upper = DynamicTool::new(
    ///     "upper",
    ///     json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
    ///     |_ctx, args: Value| async move { args["text"].as_str().unwrap_or_default().to_uppercase() },
    /// )
    /// .description("Upper-case a text.");
    /// handle.add_dynamic_tool(upper.clone()).unwrap();
    /// assert!(matches!(
    ///     handle.add_dynamic_tool(upper),
    ///     Err(RegistrationError::Duplicate { .. })
    /// ));
    /// assert_eq!(server.tool_names().collect::<Vec<_>>(), ["upper"]);
    /// // and when it goes away:
    /// assert!(handle.remove_tool("upper"));
    /// ```
    pub fn add_dynamic_tool(&self, tool: DynamicTool) -> Result<(), RegistrationError> {
        self.live
            .change(Kind::Tools, |c| c.add_dynamic_tool(tool), |_| true)
    }

    /// Removes the tool named `name` (declared with `#[mcp_tool]` or added as a
    /// [`DynamicTool`]); `false` if there was none. Calls already running finish.
    pub fn remove_tool(&self, name: &str) -> bool {
        let removed =
            self.live
                .change(Kind::Tools, |c| Ok(c.remove_tool(name)), |removed| *removed);
        removed.unwrap_or(false)
    }

    /// Adds a prompt declared with `#[mcp_prompt]`; clients are told the prompt list changed.
    ///
    /// Sessions learn that the server has prompts at `initialize`: register one before serving
    /// if prompts may come and go, so that every session can use them.
    pub fn add_prompt<P: Prompt>(&self) -> Result<(), RegistrationError> {
        self.live
            .change(Kind::Prompts, |c| c.add_prompt::<P>(), |_| true)
    }

    /// Removes the prompt named `name`; `false` if there was none.
    pub fn remove_prompt(&self, name: &str) -> bool {
        let removed = self
            .live
            .change(Kind::Prompts, |c| Ok(c.remove_prompt(name)), |r| *r);
        removed.unwrap_or(false)
    }

    /// Adds a resource or template declared with `#[mcp_resource]`; clients are told the
    /// resource list changed. As with prompts, register one before serving if resources may
    /// come and go.
    pub fn add_resource<R: Resource>(&self) -> Result<(), RegistrationError> {
        self.live
            .change(Kind::Resources, |c| c.add_resource::<R>(), |_| true)
    }

    /// Removes the resource (or template) with this URI; `false` if there was none.
    pub fn remove_resource(&self, uri: &str) -> bool {
        let removed = self
            .live
            .change(Kind::Resources, |c| Ok(c.remove_resource(uri)), |r| *r);
        removed.unwrap_or(false)
    }

    /// Tells the sessions subscribed to `uri` (`resources/subscribe`), and the 2026 listen
    /// streams that asked for it, that its contents changed
    /// (`notifications/resources/updated`); returns how many were told.
    ///
    /// ```
    /// # let server = mcp_runtime::Server::new("s", "1");
    /// let handle = server.handle();
    /// // after writing the file behind `file:///notes.txt`:
    /// handle.resource_updated("file:///notes.txt");
    /// ```
    pub fn resource_updated(&self, uri: &str) -> usize {
        const UPDATED: &str = "notifications/resources/updated";
        let message = notification(UPDATED, Some(json!({ "uri": uri })));
        let mut told = self
            .live
            .sessions()
            .into_iter()
            .filter(|s| s.is_subscribed(uri))
            .filter(|s| s.notify(message.clone()))
            .count();
        self.live.each_listener(|listener| {
            if listener.filter.resource_uris.iter().any(|u| u == uri) {
                let mut params = Map::new();
                params.insert("uri".into(), uri.into());
                told += usize::from(listener.send(UPDATED, params));
            }
        });
        told
    }
}

//! [`Server`]: the builder a user fills with tools and state, frozen into the shared core.

use std::io;
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::catalog::{Registry, ServerHandle};
use crate::engine::{CallLimits, ServerCore};
use crate::http::StreamableHttp;
use crate::prompt::Prompt;
use crate::protocol::{CacheScope, Icon, Implementation};
use crate::resource::Resource;
use crate::state::StateMap;
use crate::stdio::StdioTransport;
use crate::tool::{DynamicTool, RegistrationError, Tool};

/// An MCP server: its identity, its tools and the state they share.
///
/// Build it, then serve it over a transport, e.g. [`Server::serve`] for Streamable HTTP.
///
/// ```
/// use mcp_runtime::{mcp_tool, Server};
///
/// /// Add two integers.
/// #[mcp_tool]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// let server = Server::new("calculator", "1.0.0")
///     .instructions("Use `add` for sums.")
///     .tool::<add>();
/// assert_eq!(server.tool_names().collect::<Vec<_>>(), ["add"]);
/// ```
pub struct Server {
    info: Implementation,
    instructions: Option<String>,
    /// The tools, prompts and resources, shared with every [`ServerHandle`].
    live: Arc<Registry>,
    state: StateMap,
    page_size: usize,
    limits: CallLimits,
    /// Settings of the stateless 2026 revision .
    pub(crate) stateless: crate::engine::StatelessConfig,
}

impl Server {
    /// A server with a name and version (sent as `serverInfo`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Server {
        Server {
            info: Implementation::new(name, version),
            instructions: None,
            live: Arc::default(),
            state: StateMap::default(),
            page_size: 100,
            limits: CallLimits::default(),
            stateless: crate::engine::StatelessConfig::default(),
        }
    }

    /// A display name for the server.
    pub fn title(mut self, title: impl Into<String>) -> Server {
        self.info.title = Some(title.into());
        self
    }

    /// An icon for the server (sent in `serverInfo.icons`); call once per icon.
    ///
    /// ```
    /// use mcp_runtime::{Server, protocol::Icon};
    /// let server = Server::new("s", "1")
    ///     .icon(Icon::new("https://example.com/logo.svg").mime_type("image/svg+xml"))
    ///     .website_url("https://example.com");
    /// # let _ = server;
    /// ```
    pub fn icon(mut self, icon: Icon) -> Server {
        let icons = self
            .info
            .extra
            .entry("icons")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(icons) = icons {
            icons.push(icon.to_json());
        }
        self
    }

    /// The server's website (sent in `serverInfo.websiteUrl`).
    pub fn website_url(mut self, url: impl Into<String>) -> Server {
        self.info
            .extra
            .insert("websiteUrl".into(), Value::String(url.into()));
        self
    }

    /// Instructions for the model on how to use this server, sent in the `initialize` result.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Server {
        self.instructions = Some(instructions.into());
        self
    }

    /// Registers a tool declared with `#[mcp_tool]`.
    ///
    /// # Panics
    /// If a tool with the same name is already registered: tool names are unique per server.
    pub fn tool<T: Tool>(self) -> Server {
        if let Err(error) = self.handle().add_tool::<T>() {
            panic!("{error}");
        }
        self
    }

    /// Registers a tool described and implemented at run time (see [`DynamicTool`]), beside
    /// the `#[mcp_tool]` ones. Unlike [`tool`](Self::tool), whose mistakes are programming
    /// errors, a dynamic tool comes from data (a plugin's manifest, an OpenAPI document), so a
    /// bad name, a taken name or a schema that is not an object schema is an error to handle.
    ///
    /// ```
    /// use mcp_runtime::{tool::DynamicTool, RegistrationError, Server};
    /// use serde_json::{json, Value};
    ///
    /// # fn main() -> Result<(), RegistrationError> {
    /// // Say these came from a plugin's manifest.
    /// let (name, description) = ("reverse", "Reverse a text.");
    /// let schema = json!({"type": "object", "properties": {"text": {"type": "string"}}});
    ///
    /// let reverse = DynamicTool::new(name, schema, |_ctx, args: Value| async move {
    ///     args["text"].as_str().unwrap_or_default().chars().rev().collect::<String>()
    /// })
    /// .description(description);
    /// let server = Server::new("plugins", "1").dynamic_tool(reverse)?;
    /// assert_eq!(server.tool_names().collect::<Vec<_>>(), ["reverse"]);
    ///
    /// let bad = DynamicTool::new("no spaces allowed", json!({"type": "object"}), |_, _| async { "" });
    /// assert!(matches!(server.dynamic_tool(bad), Err(RegistrationError::InvalidName { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn dynamic_tool(self, tool: DynamicTool) -> Result<Server, RegistrationError> {
        self.handle().add_dynamic_tool(tool)?;
        Ok(self)
    }

    /// Registers a prompt declared with `#[mcp_prompt]`. Registering any prompt makes the
    /// server advertise the `prompts` and `completions` capabilities.
    ///
    /// ```
    /// use mcp_runtime::{mcp_prompt, Server};
    ///
    /// /// Greet someone.
    /// #[mcp_prompt]
    /// async fn greet(
    ///     /// Who to greet.
    ///     name: String,
    /// ) -> String {
    ///     format!("Say hello to {name}.")
    /// }
    ///
    /// let server = Server::new("s", "1").prompt::<greet>();
    /// assert_eq!(server.prompt_names().collect::<Vec<_>>(), ["greet"]);
    /// ```
    ///
    /// # Panics
    /// If a prompt with the same name is already registered: prompt names are unique per server.
    pub fn prompt<P: Prompt>(self) -> Server {
        if let Err(error) = self.handle().add_prompt::<P>() {
            panic!("{error}");
        }
        self
    }

    /// Registers a resource or resource template declared with `#[mcp_resource]`. Registering
    /// any makes the server advertise the `resources` capability (with `subscribe`).
    ///
    /// ```
    /// use mcp_runtime::{mcp_resource, Server};
    ///
    /// /// A user's profile.
    /// #[mcp_resource(uri_template = "users://{id}/profile", mime_type = "application/json")]
    /// async fn profile(id: u32) -> String {
    ///     format!(r#"{{"id": {id}}}"#)
    /// }
    ///
    /// let server = Server::new("s", "1").resource::<profile>();
    /// assert_eq!(server.resource_uris().collect::<Vec<_>>(), ["users://{id}/profile"]);
    /// ```
    ///
    /// # Panics
    /// If a resource with the same URI (or template) is already registered, or the template is
    /// not a valid level-1 URI template (the macro checks both of these at compile time).
    pub fn resource<R: Resource>(self) -> Server {
        if let Err(error) = self.handle().add_resource::<R>() {
            panic!("{error}");
        }
        self
    }

    /// A handle to add and remove tools, prompts and resources while the server runs, and to
    /// report resource changes to subscribers; see [`ServerHandle`].
    pub fn handle(&self) -> ServerHandle {
        ServerHandle::new(self.live.clone())
    }

    /// Registers shared state that tools read with [`Ctx::state`](crate::Ctx::state); one value per type.
    ///
    /// ```
    /// use mcp_runtime::Server;
    /// struct Db { url: String }
    /// let server = Server::new("s", "1").state(Db { url: "postgres://".into() });
    /// # let _ = server;
    /// ```
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Server {
        self.state.insert(value);
        self
    }

    /// How many tools one `tools/list` page holds (default 100).
    pub fn page_size(mut self, page_size: usize) -> Server {
        self.page_size = page_size.max(1);
        self
    }

    /// How long one tool call may run (default 30 minutes). A call that takes longer is
    /// cancelled (its future dropped, its `Ctx` cancellation fired) and the client gets an
    /// `isError: true` result saying so.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = mcp_runtime::Server::new("s", "1").call_timeout(Duration::from_secs(30));
    /// # let _ = server;
    /// ```
    pub fn call_timeout(mut self, timeout: Duration) -> Server {
        self.limits.timeout = Some(timeout);
        self
    }

    /// Lets tool calls run as long as they like.
    pub fn no_call_timeout(mut self) -> Server {
        self.limits.timeout = None;
        self
    }

    /// How many tool calls one session may run at once (default 64); more get a JSON-RPC error
    /// until one finishes.
    pub fn max_calls_per_session(mut self, max: usize) -> Server {
        self.limits.per_session = max.max(1);
        self
    }

    /// How many JSON values (every array element, object member and scalar, nested ones
    /// included) the arguments of one tool call may hold (default 100,000). Decoded, each
    /// costs far more than its bytes on the wire (a 4 MiB body of empty strings decodes to
    /// about 40 MiB), so this bounds what one call holds while its tool runs. A call beyond it
    /// is refused before the tool starts, with `-32602` naming the limit.
    ///
    /// ```
    /// let server = mcp_runtime::Server::new("s", "1").max_argument_values(10_000);
    /// # let _ = server;
    /// ```
    pub fn max_argument_values(mut self, max: usize) -> Server {
        self.limits.argument_values = max.max(1);
        self
    }

    /// The names of the registered tools (`#[mcp_tool]` and dynamic ones), in registration
    /// order.
    pub fn tool_names(&self) -> impl Iterator<Item = String> {
        let catalog = self.live.catalog();
        let names: Vec<_> = catalog
            .tools
            .iter()
            .map(|t| t.spec.name.clone().into_owned())
            .collect();
        names.into_iter()
    }

    /// The names of the registered prompts, in registration order.
    pub fn prompt_names(&self) -> impl Iterator<Item = &'static str> {
        let catalog = self.live.catalog();
        let names: Vec<_> = catalog.prompts.iter().map(|p| p.spec.name()).collect();
        names.into_iter()
    }

    /// The URIs (and URI templates) of the registered resources, in registration order.
    pub fn resource_uris(&self) -> impl Iterator<Item = &'static str> {
        let catalog = self.live.catalog();
        let uris: Vec<_> = catalog.resources.iter().map(|r| r.spec.uri()).collect();
        uris.into_iter()
    }

    /// The `prompts/list` entries of the registered prompts, as sent to clients.
    pub fn prompt_definitions(&self) -> impl Iterator<Item = Value> {
        let catalog = self.live.catalog();
        let definitions: Vec<_> = catalog
            .prompts
            .iter()
            .map(|p| p.definition.clone())
            .collect();
        definitions.into_iter()
    }

    /// The `tools/list` entries of the registered tools, as sent to clients.
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Server};
    /// /// Echo a message.
    /// #[mcp_tool]
    /// async fn echo(message: String) -> String { message }
    ///
    /// let server = Server::new("s", "1").tool::<echo>();
    /// let def = server.tool_definitions().next().unwrap();
    /// assert_eq!(def["inputSchema"]["required"][0], "message");
    /// ```
    pub fn tool_definitions(&self) -> impl Iterator<Item = Value> {
        let catalog = self.live.catalog();
        let definitions: Vec<_> = catalog.tools.iter().map(|t| t.definition.clone()).collect();
        definitions.into_iter()
    }

    /// The caching hints (`ttlMs`, `cacheScope`) of 2026-era `server/discover`, list and
    /// `resources/read` results. Default: `ttlMs: 0` (clients revalidate every time) and
    /// `private`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::{protocol::CacheScope, Server};
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
    pub fn request_state_key(self, secret: &[u8]) -> Server {
        let keys = crate::store::RequestStateKeys::new(secret);
        self.request_state_keys(Arc::new(crate::store::InMemoryKeyRing::new(keys)))
    }

    /// Where the keys `requestState` is sealed and opened with come from (default: an
    /// [`InMemoryKeyRing`](crate::store::InMemoryKeyRing) with one random key). A ring with
    /// previous keys lets a key be rotated without failing requests under way.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_runtime::store::{InMemoryKeyRing, RequestStateKeys};
    ///
    /// let keys = RequestStateKeys::new(b"this month's shared secret, 32 bytes+")
    ///     .with_previous(b"last month's shared secret, 32 bytes+");
    /// let server = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .request_state_keys(Arc::new(InMemoryKeyRing::new(keys)));
    /// # let _ = server;
    /// ```
    pub fn request_state_keys(mut self, ring: Arc<dyn crate::store::KeyRing>) -> Server {
        self.stateless.keys = Arc::new(crate::store::KeyCache::new(ring));
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

    /// The Streamable HTTP endpoint for this server, to configure and mount.
    pub fn into_http(self) -> StreamableHttp {
        StreamableHttp::new(self.into_core())
    }

    /// Serves this server over Streamable HTTP at `/mcp` on `addr` until the process is stopped.
    ///
    /// Only loopback addresses are accepted with the default settings; see
    /// [`StreamableHttp::allowed_hosts`](crate::http::StreamableHttp::allowed_hosts) to serve beyond this machine.
    pub async fn serve(self, addr: impl ToSocketAddrs) -> io::Result<()> {
        self.into_http().serve(addr).await
    }

    /// The stdio transport for this server, to configure before serving.
    ///
    /// ```
    /// use mcp_runtime::Server;
    /// let stdio = Server::new("demo", "1.0.0").into_stdio().max_line_bytes(1 << 20);
    /// # let _ = stdio;
    /// ```
    pub fn into_stdio(self) -> StdioTransport {
        StdioTransport::new(self.into_core())
    }

    /// Serves this server on stdin/stdout until stdin ends; see the [module docs](crate::stdio).
    ///
    /// Works on any tokio runtime: tool calls run in a `LocalSet` of their own.
    ///
    /// ```no_run
    /// use mcp_runtime::{mcp_tool, Server};
    ///
    /// /// Add two integers.
    /// #[mcp_tool]
    /// async fn add(a: i64, b: i64) -> i64 { a + b }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     Server::new("demo", "1.0.0").tool::<add>().serve_stdio().await
    /// }
    /// ```
    pub async fn serve_stdio(self) -> io::Result<()> {
        self.into_stdio().serve().await
    }

    pub(crate) fn into_core(self) -> Arc<ServerCore> {
        Arc::new(ServerCore {
            server_info: Arc::new(
                serde_json::to_value(&self.info).expect("server info serializes"),
            ),
            info: self.info,
            instructions: self.instructions,
            live: self.live,
            state: Arc::new(self.state),
            page_size: self.page_size,
            limits: self.limits,
            stateless: self.stateless,
        })
    }
}

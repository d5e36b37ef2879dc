//! The transport-agnostic core: one decoded message in, its effects and answer out.
//!
//! Transports call [`ServerCore::initialize`] to open a session, then
//! [`ServerCore::request`] / [`ServerCore::notification`] for everything else. Tool calls run as
//! local tasks; their notifications and final response come back on a bounded channel that the
//! transport drains into its stream.

use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::run::UriParams;
use super::stateless::{refuse, Handler};
use super::ServerCore;
use crate::auth::Identity;
use crate::catalog::Catalog;
use crate::peer::{complete, stateless_error, CancelOnDrop, Outgoing, Peer, Session};
use crate::protocol::jsonrpc::parse_params;
use crate::protocol::meta::{RequestMeta, StatelessError};
use crate::protocol::{
    ErrorCode, Implementation, LoggingLevel, Notification, ProtocolVersion, Request, RequestId,
    Response, RpcError,
};

/// The answer to a request, typed: transports encode it and pick their own statuses.
pub(crate) enum Reply {
    /// Answered at once.
    Now(Response),
    /// Refused before it was served (the stateless wire's `_meta` and header checks, a method
    /// its revision does not have): over HTTP a `4xx`, where `Now` is a `200`.
    Refused(Response),
    /// A running handler: its notifications, then its response, arrive on `messages`.
    Call {
        /// Whether the handler may notify before its result (it takes a `Ctx`).
        notifies: bool,
        messages: mpsc::Receiver<Outgoing>,
        /// Cancels a stateless handler when dropped: closing its stream is how a 2026 client
        /// cancels. The transport holds it for as long as the client listens.
        cancel_on_drop: CancelOnDrop,
    },
    /// `subscriptions/listen` was accepted: the acknowledgement, then the notifications the
    /// client asked for, until it closes the stream.
    Listen {
        ack: Vec<u8>,
        notifications: mpsc::Receiver<Bytes>,
    },
}

/// A session opened by `initialize`, with the response to send back.
pub(crate) struct Opened {
    pub(crate) session: Arc<Session>,
    pub(crate) response: Response,
}

/// Where a request is served. The eras share one method table; which methods exist and how
/// answers leave (the stateless wire decorates results) are what differ.
#[derive(Clone, Copy)]
pub(crate) enum Era<'a> {
    /// Within a 2025 session.
    Session(&'a Arc<Session>),
    /// On the stateless 2026 wire, with the request's checked `_meta`.
    Stateless(&'a RequestMeta),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializeParams {
    protocol_version: String,
    #[serde(default)]
    capabilities: Value,
    client_info: Implementation,
}

#[derive(Deserialize)]
struct SetLevelParams {
    level: Value,
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelledParams {
    request_id: RequestId,
}

impl ServerCore {
    /// Handles `initialize`: negotiates a version and opens a session. Errors are encoded
    /// JSON-RPC error responses.
    pub(crate) fn initialize(&self, request: &Request) -> Result<Opened, RpcError> {
        let params: InitializeParams = parse_params(request.params.clone())?;
        let version = ProtocolVersion::negotiate(&params.protocol_version);
        let session = Arc::new(Session::new(
            version,
            params.client_info,
            params.capabilities,
        ));
        // Lists may change at run time (`ServerHandle`), and sessions hear of it on their
        // server stream.
        self.live.track(&session);
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.capabilities(),
            "serverInfo": &self.info,
        });
        if let Some(instructions) = &self.instructions {
            result["instructions"] = Value::String(instructions.clone());
        }
        Ok(Opened {
            response: Response::new(request.id.clone(), Ok(result)),
            session,
        })
    }

    /// The server's capabilities, the same in both eras: list changes reach 2025 sessions on
    /// their server stream and 2026 `subscriptions/listen` streams that ask for them, and
    /// resource updates reach subscribers of either kind.
    pub(crate) fn capabilities(&self) -> Value {
        let mut capabilities = json!({ "tools": { "listChanged": true }, "logging": {} });
        let catalog = self.catalog();
        if !catalog.prompts.is_empty() {
            capabilities["prompts"] = json!({ "listChanged": true });
        }
        if catalog.completes() {
            capabilities["completions"] = json!({});
        }
        if !catalog.resources.is_empty() {
            capabilities["resources"] = json!({ "subscribe": true, "listChanged": true });
        }
        capabilities
    }

    /// Answers a request that arrived before `initialize` on a connection that will carry one
    /// session (stdio): `ping` is answered, anything else is refused with `-32600`.
    pub(crate) fn request_before_initialize(&self, request: &Request) -> Response {
        if request.method == "ping" {
            return Response::new(request.id.clone(), Ok(json!({})));
        }
        let error = RpcError::new(
            ErrorCode::INVALID_REQUEST,
            format!(
                "the session is not initialized: send `initialize` before `{}` (only `ping` may precede it)",
                request.method
            ),
        );
        Response::new(request.id.clone(), Err(error))
    }

    /// The one method table, for both eras: a request in, its typed reply out. Tools whose
    /// scopes `caller` lacks are neither listed nor called; handlers read the caller with
    /// [`Ctx::identity`](crate::Ctx::identity).
    pub(crate) fn request(
        &self,
        era: Era<'_>,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Reply {
        // One snapshot serves the whole request.
        let catalog = self.catalog();
        let c = &*catalog;
        let (prompts, resources) = (!c.prompts.is_empty(), !c.resources.is_empty());
        let id = request.id.clone();
        // Answered at once; a cacheable answer carries the caching hints on the stateless wire.
        let (outcome, cacheable) = match (request.method.as_str(), era) {
            ("tools/call", _) => return self.handle(c, era, Handler::Tool, request, caller),
            ("tools/list", _) => (self.list_tools(c, request.params, caller.as_deref()), true),
            ("prompts/get", _) if prompts => {
                return self.handle(c, era, Handler::Prompt, request, caller)
            }
            ("prompts/list", _) if prompts => (self.list_prompts(c, request.params), true),
            ("completion/complete", _) if c.completes() => {
                return self.handle(c, era, Handler::Completion, request, caller)
            }
            ("resources/read", _) if resources => {
                return self.handle(c, era, Handler::Resource, request, caller)
            }
            ("resources/list", _) if resources => {
                (self.list_resources(c, false, request.params), true)
            }
            ("resources/templates/list", _) if resources => {
                (self.list_resources(c, true, request.params), true)
            }
            // The session era's own methods.
            ("ping", Era::Session(_)) => (Ok(json!({})), false),
            ("resources/subscribe", Era::Session(session)) if resources => {
                (self.subscribe(c, session, request.params, true), false)
            }
            ("resources/unsubscribe", Era::Session(session)) if resources => {
                (self.subscribe(c, session, request.params, false), false)
            }
            ("logging/setLevel", Era::Session(session)) => {
                (set_level(session, request.params), false)
            }
            ("initialize", Era::Session(_)) => (
                Err(RpcError::new(
                    ErrorCode::INVALID_REQUEST,
                    "this session is already initialized: `initialize` is sent once per session (over HTTP, send it without a session id to start a new one)",
                )),
                false,
            ),
            (method, Era::Session(_)) => (Err(RpcError::method_not_found(method)), false),
            // The stateless era's own methods.
            ("server/discover", Era::Stateless(_)) => (Ok(self.discover()), true),
            ("subscriptions/listen", Era::Stateless(_)) => {
                return match self.listen(&request) {
                    Ok((ack, notifications)) => Reply::Listen { ack, notifications },
                    Err(refusal) => refuse(id, &refusal),
                }
            }
            ("tasks/get" | "tasks/update" | "tasks/cancel", Era::Stateless(meta))
                if c.takes_tasks() =>
            {
                return self.tasks_request(meta, request)
            }
            (_, Era::Stateless(_)) => {
                return refuse(id, &StatelessError::MethodNotFound(request.method))
            }
        };
        Reply::Now(Response::new(id, self.exit(era, outcome, cacheable)))
    }

    /// A request served by a handler (a tool, prompt, resource or completer), with the peer of
    /// its era: the session, or a new exchange (whose `_meta`, answers and `requestState` may
    /// refuse it first).
    fn handle(
        &self,
        catalog: &Catalog,
        era: Era<'_>,
        handler: Handler,
        request: Request,
        caller: Option<Arc<Identity>>,
    ) -> Reply {
        let peer = match era {
            Era::Session(session) => Peer::Session(session.clone()),
            Era::Stateless(meta) => match self.exchange(catalog, &request, meta, handler) {
                Ok(exchange) => Peer::Stateless(Arc::new(exchange)),
                Err(refusal) => return refuse(request.id, &refusal),
            },
        };
        let id = request.id.clone();
        let reply = match handler {
            Handler::Tool => self.call_tool(catalog, &peer, request, caller),
            Handler::Prompt => self.get_prompt(catalog, &peer, request, caller),
            Handler::Resource => self.read_resource(catalog, &peer, request, caller),
            Handler::Completion => self.complete(catalog, &peer, request, caller),
        };
        // A handler's own refusal (an unknown tool, bad arguments) is an ordinary response.
        reply.unwrap_or_else(|error| Reply::Now(Response::new(id, peer.finish(Err(error)))))
    }

    /// How an answer given at once leaves: as it is in a session; on the stateless wire with
    /// `resultType`, the server's identity and (for lists and discovery) caching hints, errors
    /// with their 2026 codes.
    fn exit(
        &self,
        era: Era<'_>,
        outcome: Result<Value, RpcError>,
        cacheable: bool,
    ) -> Result<Value, RpcError> {
        match era {
            Era::Session(_) => outcome,
            Era::Stateless(_) => {
                let cache = cacheable.then(|| self.cache_hints());
                outcome
                    .map(|value| complete(value, cache, &self.server_info))
                    .map_err(stateless_error)
            }
        }
    }

    /// Handles a notification within a session. Malformed notifications are ignored: they
    /// cannot be answered.
    pub(crate) fn notification(&self, session: &Session, notification: Notification) {
        match notification.method.as_str() {
            "notifications/cancelled" => {
                if let Ok(params) = parse_params::<CancelledParams>(notification.params) {
                    session.cancel_call(&params.request_id);
                }
            }
            "notifications/initialized" => {}
            _ => {}
        }
    }

    /// Handles a client's response to a server→client request (elicitation, sampling, roots):
    /// it goes to the tool waiting on that id. Every transport hands responses here; unknown
    /// ids (late answers, answers to cancelled waits) are ignored.
    pub(crate) fn response(&self, session: &Session, response: Response) {
        session.resolve_client_request(response);
    }

    pub(crate) fn list_tools(
        &self,
        catalog: &Catalog,
        params: Option<Value>,
        caller: Option<&Identity>,
    ) -> Result<Value, RpcError> {
        let definitions: Vec<&Value> = catalog
            .tools
            .iter()
            .filter(|t| caller.is_none_or(|c| c.missing_scopes(t.spec.scopes).is_empty()))
            .map(|t| &t.definition)
            .collect();
        self.page("tools", &definitions, params)
    }

    pub(crate) fn list_prompts(
        &self,
        catalog: &Catalog,
        params: Option<Value>,
    ) -> Result<Value, RpcError> {
        let definitions: Vec<&Value> = catalog.prompts.iter().map(|p| &p.definition).collect();
        self.page("prompts", &definitions, params)
    }

    /// `resources/list` (fixed URIs) or `resources/templates/list`.
    pub(crate) fn list_resources(
        &self,
        catalog: &Catalog,
        templates: bool,
        params: Option<Value>,
    ) -> Result<Value, RpcError> {
        let definitions: Vec<&Value> = catalog
            .resources
            .iter()
            .filter(|r| r.spec.is_template == templates)
            .map(|r| &r.definition)
            .collect();
        let key = if templates {
            "resourceTemplates"
        } else {
            "resources"
        };
        self.page(key, &definitions, params)
    }

    /// `resources/subscribe` (`subscribe`) or `resources/unsubscribe`: per-session bookkeeping.
    /// Subscribing to a URI no resource answers to is `-32002`.
    fn subscribe(
        &self,
        catalog: &Catalog,
        session: &Session,
        params: Option<Value>,
        subscribe: bool,
    ) -> Result<Value, RpcError> {
        let params: UriParams = parse_params(params)?;
        if subscribe {
            if catalog.find_resource(&params.uri).is_none() {
                return Err(crate::resource::not_found(&params.uri));
            }
            session.subscribe(params.uri);
        } else {
            session.unsubscribe(&params.uri);
        }
        Ok(json!({}))
    }

    /// One page of a `*/list` result: `{key: [...], nextCursor?}`. The cursor is the index of
    /// the page's first item.
    fn page(&self, key: &str, items: &[&Value], params: Option<Value>) -> Result<Value, RpcError> {
        let params: ListParams = parse_params(params)?;
        let start = match params.cursor.as_deref() {
            None => 0,
            Some(cursor) => cursor
                .parse::<usize>()
                .ok()
                .filter(|&i| i > 0 && i < items.len())
                .ok_or_else(|| RpcError::invalid_params(format!("invalid cursor {cursor:?}")))?,
        };
        let end = (start + self.page_size).min(items.len());
        let mut result = Map::new();
        result.insert(key.into(), json!(items[start..end]));
        if end < items.len() {
            result.insert("nextCursor".into(), Value::String(end.to_string()));
        }
        Ok(Value::Object(result))
    }
}

fn set_level(session: &Session, params: Option<Value>) -> Result<Value, RpcError> {
    let params: SetLevelParams = parse_params(params)?;
    let level = params
        .level
        .as_str()
        .ok_or_else(|| RpcError::invalid_params("`level` must be a string"))?
        .parse::<LoggingLevel>()
        .map_err(|e| RpcError::invalid_params(e.to_string()))?;
    session.set_log_level(level);
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::engine::run::CALL_CHANNEL_CAPACITY;
    use crate::protocol::Message;
    use crate::Ctx;
    use crate::{mcp_tool, Server};
    use tokio_util::sync::CancellationToken;

    /// Log twice and report progress twice.
    #[mcp_tool]
    async fn chatty(ctx: Ctx) -> &'static str {
        ctx.debug("one").await;
        ctx.log_from("db", LoggingLevel::Error, json!({"rows": 2}))
            .await;
        ctx.progress(1, 2).await;
        ctx.progress(1, 2).await; // not an increase: dropped
        ctx.progress(2, 2).await;
        "done"
    }

    /// Wait for a long time.
    #[mcp_tool]
    async fn forever(ctx: Ctx) -> &'static str {
        ctx.info("waiting").await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "never"
    }

    /// Send `n` notifications as fast as possible.
    #[mcp_tool]
    async fn flood(ctx: Ctx, n: u32) -> u32 {
        for i in 0..n {
            ctx.info(i).await;
        }
        n
    }

    fn core() -> Arc<ServerCore> {
        Server::new("core-tests", "1")
            .tool::<chatty>()
            .tool::<forever>()
            .tool::<flood>()
            .into_core()
    }

    fn serve(core: &ServerCore, session: &Arc<Session>, request: Request) -> Reply {
        core.request(Era::Session(session), request, None)
    }

    fn request(id: i64, method: &str, params: Value) -> Request {
        match Message::from_value(json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}))
        {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    fn open(core: &ServerCore) -> Arc<Session> {
        let init = request(
            0,
            "initialize",
            json!({
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}
            }),
        );
        let opened = core.initialize(&init).unwrap();
        let response: Value = serde_json::from_slice(&opened.response.encode()).unwrap();
        assert_eq!(response["result"]["protocolVersion"], "2025-06-18");
        opened.session
    }

    async fn drain(reply: Reply) -> Vec<Value> {
        let Reply::Call { mut messages, .. } = reply else {
            panic!("expected a call")
        };
        let mut out = Vec::new();
        while let Some(message) = messages.recv().await {
            let bytes = match message {
                Outgoing::Notification(b) => b,
                Outgoing::Response(r) => r.encode(),
                Outgoing::CloseStream => continue,
            };
            out.push(serde_json::from_slice(&bytes).unwrap());
        }
        out
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_call_yields_its_notifications_then_its_result() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let call = request(
                    1,
                    "tools/call",
                    json!({"name": "chatty", "_meta": {"progressToken": 5}}),
                );
                let msgs = drain(serve(&core, &session, call)).await;
                assert_eq!(msgs[0]["params"], json!({"level": "debug", "data": "one"}));
                assert_eq!(
                    msgs[1]["params"],
                    json!({"level": "error", "logger": "db", "data": {"rows": 2}})
                );
                assert_eq!(msgs[2]["params"]["progress"], 1.0);
                assert_eq!(msgs[3]["params"]["progress"], 2.0);
                assert_eq!(msgs[4]["result"]["content"][0]["text"], "done");
                assert_eq!(msgs.len(), 5);

                session.set_log_level(LoggingLevel::Warning);
                let msgs = drain(serve(
                    &core,
                    &session,
                    request(2, "tools/call", json!({"name": "chatty"})),
                ))
                .await;
                assert_eq!(
                    msgs.len(),
                    2,
                    "debug filtered out, no progress without a token: {msgs:?}"
                );
            })
            .await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn cancellation_drops_the_tool_and_sends_no_response() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let Reply::Call { mut messages, notifies, .. } = serve(&core, &session, request(7, "tools/call", json!({"name": "forever"}))) else {
                    panic!()
                };
                assert!(notifies);
                assert!(matches!(messages.recv().await, Some(Outgoing::Notification(_))));
                let cancel = Message::from_value(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})).unwrap();
                let Message::Notification(cancel) = cancel else { panic!() };
                core.notification(&session, cancel);
                let end = tokio::time::timeout(Duration::from_secs(1), messages.recv()).await.unwrap();
                assert!(end.is_none(), "no response after cancellation");
                // The id is free again.
                assert!(session
                    .begin_call(&RequestId::Number(7), CancellationToken::new(), 1)
                    .is_ok());
            })
            .await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn duplicate_in_flight_ids_are_refused() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let _running = serve(
                    &core,
                    &session,
                    request(3, "tools/call", json!({"name": "forever"})),
                );
                let Reply::Now(response) = serve(
                    &core,
                    &session,
                    request(3, "tools/call", json!({"name": "forever"})),
                ) else {
                    panic!()
                };
                let error: Value = serde_json::from_slice(&response.encode()).unwrap();
                assert_eq!(error["error"]["code"], -32600);
                session.close();
            })
            .await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_slow_reader_holds_the_tool_back_instead_of_growing_memory() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = core();
                let session = open(&core);
                let Reply::Call { mut messages, .. } = serve(
                    &core,
                    &session,
                    request(
                        1,
                        "tools/call",
                        json!({"name": "flood", "arguments": {"n": 1000}}),
                    ),
                ) else {
                    panic!()
                };
                // Nobody reads: the tool fills the channel and then waits.
                tokio::time::sleep(Duration::from_millis(50)).await;
                assert_eq!(messages.len(), CALL_CHANNEL_CAPACITY);
                let mut received = 0;
                while let Some(message) = messages.recv().await {
                    received += 1;
                    if let Outgoing::Response(_) = message {
                        break;
                    }
                }
                assert_eq!(received, 1001, "every notification, then the result");
            })
            .await;
    }

    #[test]
    fn simple_methods_answer_at_once() {
        let core = core();
        let session = open(&core);
        let answer = |r: Request| match serve(&core, &session, r) {
            Reply::Now(response) => serde_json::from_slice::<Value>(&response.encode()).unwrap(),
            _ => panic!("not an answer"),
        };
        assert_eq!(answer(request(1, "ping", json!({})))["result"], json!({}));
        assert_eq!(
            answer(request(2, "logging/setLevel", json!({"level": "notice"})))["result"],
            json!({})
        );
        assert_eq!(session.log_level(), Some(LoggingLevel::Notice));
        assert_eq!(
            answer(request(3, "logging/setLevel", json!({"level": 3})))["error"]["code"],
            -32602
        );
        assert_eq!(
            answer(request(4, "prompts/list", json!({})))["error"]["code"],
            -32601
        );
        assert_eq!(
            answer(request(5, "tools/call", json!({"name": "nope"})))["error"]["code"],
            -32602
        );
        assert_eq!(
            answer(request(6, "tools/call", json!({})))["error"]["code"],
            -32602
        );
        let list = answer(request(7, "tools/list", json!({})));
        assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 3);
    }

    /// Greet someone.
    #[crate::mcp_prompt]
    async fn greet(
        /// Who.
        #[mcp(complete = names)]
        name: String,
        /// How often.
        times: Option<u8>,
    ) -> String {
        format!("Hello {name} x{}", times.unwrap_or(1))
    }

    /// Panics.
    #[crate::mcp_prompt]
    async fn broken() -> String {
        panic!("oops")
    }

    fn names(prefix: &str) -> crate::prompt::Completion {
        crate::prompt::Completion::matching(["ada", "alan", "grace"], prefix)
    }

    fn prompt_core() -> Arc<ServerCore> {
        Server::new("core-tests", "1")
            .prompt::<greet>()
            .prompt::<broken>()
            .into_core()
    }

    async fn answer_of(reply: Reply) -> Value {
        match reply {
            Reply::Now(response) => serde_json::from_slice(&response.encode()).unwrap(),
            call => drain(call).await.pop().unwrap(),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn prompts_and_completions_in_process() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let core = prompt_core();
                let init = request(
                    0,
                    "initialize",
                    json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}),
                );
                let opened = core.initialize(&init).unwrap();
                let response: Value = serde_json::from_slice(&opened.response.encode()).unwrap();
                let caps = &response["result"]["capabilities"];
                assert_eq!(caps["prompts"], json!({"listChanged": true}));
                assert_eq!(caps["completions"], json!({}));
                let session = opened.session;

                let got = answer_of(serve(&core, &session,
                    request(1, "prompts/get", json!({"name": "greet", "arguments": {"name": "Ada", "times": "2"}})),
                ))
                .await;
                assert_eq!(got["result"]["description"], "Greet someone.");
                assert_eq!(got["result"]["messages"][0]["content"]["text"], "Hello Ada x2");

                let got = answer_of(serve(&core, &session,
                    request(2, "prompts/get", json!({"name": "greet", "arguments": {"name": "Ada", "times": "-1"}})),
                ))
                .await;
                assert_eq!(got["error"]["code"], -32602);
                assert!(got["error"]["message"].as_str().unwrap().contains("`times`"));

                let got = answer_of(serve(&core, &session, request(3, "prompts/get", json!({"name": "broken"})))).await;
                assert_eq!(got["error"]["code"], -32603);
                assert_eq!(got["error"]["message"], "the prompt panicked: oops");

                let got = answer_of(serve(&core, &session,
                    request(4, "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "a"}})),
                ))
                .await;
                assert_eq!(got["result"]["completion"]["values"], json!(["ada", "alan"]));

                let got = answer_of(serve(&core, &session,
                    request(5, "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "times", "value": ""}})),
                ))
                .await;
                assert_eq!(got["result"], json!({"completion": {"values": []}}));
            })
            .await;
    }
}

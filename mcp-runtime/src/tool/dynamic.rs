//! Tools learned at run time: [`DynamicTool`], a name, a JSON input schema and an async
//! closure (a description, an output schema and annotations optional), registered beside the `#[mcp_tool]` ones with
//! [`Server::dynamic_tool`](crate::Server::dynamic_tool) or, while the server runs,
//! [`ServerHandle::add_dynamic_tool`](crate::ServerHandle::add_dynamic_tool).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{validate, Arguments, RegistrationError, TaskSupport, ToolFuture};
use crate::ctx::Ctx;
use crate::protocol::{CallToolResult, ToolAnnotations};
use crate::result::IntoToolResult;

/// A tool described and implemented at run time: what a proxy, a plugin host or an OpenAPI
/// bridge offers once it has learned its tools.
///
/// It is listed (`tools/list`) and called (`tools/call`) exactly like a `#[mcp_tool]` tool, in
/// both protocol eras, and its [`Ctx`] logs, reports progress and asks the client like theirs.
/// The handler receives the call's `arguments` object as JSON (`{}` when the client sent
/// none), already checked against the input schema: arguments that do not match get an
/// `isError: true` result naming the argument, as a `#[mcp_tool]` tool's undecodable ones do,
/// and the handler is not called (which keywords are checked: see
/// [`DynamicTool::new`]). Decode them with `serde_json::from_value` or read the fields you
/// need. The handler returns anything a tool may return
/// ([`IntoToolResult`]): text, [`Json`](crate::Json), a [`CallToolResult`](crate::CallToolResult),
/// or a `Result` whose error becomes an `isError: true` result.
///
/// The name and schemas are checked when the tool is registered, which fails with a
/// [`RegistrationError`] rather than panicking.
///
/// ```
/// use mcp_runtime::{tool::DynamicTool, Ctx, Server, ToolError};
/// use serde_json::{json, Value};
///
/// # fn main() -> Result<(), mcp_runtime::RegistrationError> {
/// let shout = DynamicTool::new(
///     "shout",
///     json!({
///         "type": "object",
///         "properties": {"message": {"type": "string"}},
///         "required": ["message"]
///     }),
///     |ctx: Ctx, args: Value| async move {
///         let message = args["message"]
///             .as_str()
///             .ok_or_else(|| ToolError::msg("`message` must be a string"))?;
///         ctx.info(format!("shouting {} characters", message.len())).await;
///         Ok::<_, ToolError>(message.to_uppercase())
///     },
/// )
/// .description("Repeat a message in capitals.")
/// .title("Shout");
///
/// let server = Server::new("proxy", "1.0.0").dynamic_tool(shout)?;
/// assert_eq!(server.tool_names().collect::<Vec<_>>(), ["shout"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct DynamicTool {
    name: String,
    title: Option<String>,
    description: Option<String>,
    input_schema: Value,
    output_schema: Option<Value>,
    annotations: ToolAnnotations,
    task: TaskSupport,
    handler: Arc<dyn StartCall>,
}

impl DynamicTool {
    /// A tool named `name` (1-128 characters of `[A-Za-z0-9_.-]`, unique on its server)
    /// whose arguments follow `input_schema` (a JSON Schema object with `"type": "object"`),
    /// answered by `handler`. Both are checked when the tool is registered.
    ///
    /// Before `handler` runs, the arguments are checked against `input_schema`: the keywords
    /// that say what a value may be (`type`, `enum`, `const`, `properties`, `required`,
    /// `additionalProperties`, `items`, `prefixItems`, the `min*`/`max*` bounds, `multipleOf`,
    /// `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not`, and local `$ref`s); `pattern`, `format`
    /// and keywords the check does not know accept any value.
    ///
    /// `handler` is called once per call; the future it returns runs on the server's worker
    /// like any tool's, so it need not be `Send`.
    ///
    /// ```
    /// use mcp_runtime::tool::DynamicTool;
    /// use serde_json::{json, Value};
    ///
    /// let double = DynamicTool::new(
    ///     "double",
    ///     json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}),
    ///     // `n` is there and an integer: the schema was checked first.
    ///     |_ctx, args: Value| async move { (args["n"].as_i64().unwrap_or_default() * 2).to_string() },
    /// );
    /// assert_eq!(double.name(), "double");
    /// ```
    pub fn new<F, Fut>(name: impl Into<String>, input_schema: Value, handler: F) -> DynamicTool
    where
        F: Fn(Ctx, Value) -> Fut + Send + Sync + 'static,
        Fut: Future + 'static,
        Fut::Output: IntoToolResult,
    {
        DynamicTool {
            name: name.into(),
            title: None,
            description: None,
            input_schema,
            output_schema: None,
            annotations: ToolAnnotations::default(),
            task: TaskSupport::Forbidden,
            handler: Arc::new(Handler(handler)),
        }
    }

    /// What the tool does, for the model (`description` in `tools/list`; none by default).
    ///
    /// ```
    /// # use mcp_runtime::tool::DynamicTool;
    /// let tool = DynamicTool::new("now", serde_json::json!({"type": "object"}), |_, _| async { "noon" })
    ///     .description("The time of day.");
    /// # let _ = tool;
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> DynamicTool {
        self.description = Some(description.into());
        self
    }

    /// A display name for the tool.
    ///
    /// ```
    /// # use mcp_runtime::tool::DynamicTool;
    /// let tool = DynamicTool::new("t", serde_json::json!({"type": "object"}), |_, _| async { "ok" })
    ///     .title("The Tool");
    /// # let _ = tool;
    /// ```
    pub fn title(mut self, title: impl Into<String>) -> DynamicTool {
        self.title = Some(title.into());
        self
    }

    /// The `outputSchema` of the tool's structured results: a JSON Schema object with
    /// `"type": "object"`. Return the value with [`Json`](crate::Json) (or a
    /// [`CallToolResult`](crate::CallToolResult) with `structured_content`) so that results
    /// carry `structuredContent`.
    ///
    /// ```
    /// use mcp_runtime::{tool::DynamicTool, Json};
    /// use serde_json::{json, Value};
    ///
    /// let sum = DynamicTool::new(
    ///     "sum",
    ///     json!({"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "number"}}}}),
    ///     |_, args: Value| async move {
    ///         let total: f64 = args["xs"].as_array().into_iter().flatten().filter_map(Value::as_f64).sum();
    ///         Json(json!({"total": total}))
    ///     },
    /// )
    /// .output_schema(json!({"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}));
    /// # let _ = sum;
    /// ```
    pub fn output_schema(mut self, schema: Value) -> DynamicTool {
        self.output_schema = Some(schema);
        self
    }

    /// Behaviour hints for clients.
    ///
    /// ```
    /// use mcp_runtime::{protocol::ToolAnnotations, tool::DynamicTool};
    /// let hints = ToolAnnotations { read_only_hint: Some(true), ..ToolAnnotations::default() };
    /// let tool = DynamicTool::new("look", serde_json::json!({"type": "object"}), |_, _| async { "a room" })
    ///     .annotations(hints);
    /// # let _ = tool;
    /// ```
    pub fn annotations(mut self, annotations: ToolAnnotations) -> DynamicTool {
        self.annotations = annotations;
        self
    }

    /// Whether calls may run as tasks of the 2026 tasks extension (default
    /// [`TaskSupport::Forbidden`]); see [`TaskSupport`] and [`Ctx::run_as_task`].
    ///
    /// ```
    /// use mcp_runtime::tool::{DynamicTool, TaskSupport};
    /// let tool = DynamicTool::new("reindex", serde_json::json!({"type": "object"}), |ctx, _| async move {
    ///     ctx.run_as_task().await;
    ///     "reindexed"
    /// })
    /// .task(TaskSupport::Optional);
    /// # let _ = tool;
    /// ```
    pub fn task(mut self, task: TaskSupport) -> DynamicTool {
        self.task = task;
        self
    }

    /// The tool's name.
    ///
    /// ```
    /// # use mcp_runtime::tool::DynamicTool;
    /// let tool = DynamicTool::new("t", serde_json::json!({"type": "object"}), |_, _| async { "ok" });
    /// assert_eq!(tool.name(), "t");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes the tool apart for the catalog: its checked `tools/list` entry, and the rest.
    pub(crate) fn into_parts(self) -> Result<DynamicParts, RegistrationError> {
        let mut tool = Map::new();
        tool.insert("name".into(), self.name.clone().into());
        if let Some(title) = self.title {
            tool.insert("title".into(), title.into());
        }
        if let Some(description) = self.description {
            tool.insert("description".into(), description.into());
        }
        let input = super::checked_input_schema(&self.name, self.input_schema)?;
        tool.insert("inputSchema".into(), input.clone());
        if let Some(output) = self.output_schema {
            let output = checked_output_schema(&self.name, output)?;
            tool.insert("outputSchema".into(), output);
        }
        if !self.annotations.is_empty() {
            tool.insert(
                "annotations".into(),
                serde_json::to_value(self.annotations).expect("annotations serialize"),
            );
        }
        Ok(DynamicParts {
            name: self.name,
            definition: Value::Object(tool),
            task: self.task,
            call: ToolCall::Dynamic(Arc::new(DynamicCall {
                input_schema: input,
                handler: self.handler,
            })),
        })
    }
}

impl fmt::Debug for DynamicTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicTool")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("description", &self.description)
            .field("input_schema", &self.input_schema)
            .field("output_schema", &self.output_schema)
            .field("annotations", &self.annotations)
            .field("task", &self.task)
            .finish_non_exhaustive()
    }
}

/// A [`DynamicTool`] as the catalog keeps it.
pub(crate) struct DynamicParts {
    pub(crate) name: String,
    pub(crate) definition: Value,
    pub(crate) task: TaskSupport,
    pub(crate) call: ToolCall,
}

/// An output schema given at run time: MCP requires an object schema.
fn checked_output_schema(tool: &str, schema: Value) -> Result<Value, RegistrationError> {
    if super::is_object_schema(&schema) {
        Ok(schema)
    } else {
        Err(RegistrationError::OutputSchema {
            tool: tool.into(),
            schema,
        })
    }
}

/// How the catalog starts a tool call, for both kinds of tool.
///
/// A `#[mcp_tool]` tool is a plain function pointer, copied for each call as before (no
/// reference count to touch, nothing allocated); a [`DynamicTool`]'s closure is shared, and
/// each call holds it by one reference count until it finishes.
#[derive(Clone)]
pub(crate) enum ToolCall {
    /// The `call` of a [`Tool`](super::Tool) implementation.
    Static(fn(Ctx, Arguments) -> ToolFuture),
    /// A closure given at run time, and the schema its arguments are checked against.
    Dynamic(Arc<DynamicCall>),
}

/// A [`DynamicTool`]'s entry point as the catalog keeps it.
pub(crate) struct DynamicCall {
    input_schema: Value,
    handler: Arc<dyn StartCall>,
}

impl ToolCall {
    /// The future of one call. Nothing of the tool's own code runs before it is polled, so a
    /// panic in a handler is caught where the call runs, like a panic in a tool body.
    pub(crate) fn invoke(self, ctx: Ctx, args: Arguments) -> ToolFuture {
        match self {
            ToolCall::Static(call) => call(ctx, args),
            ToolCall::Dynamic(call) => {
                let args = args.into_value();
                match validate::check(&call.input_schema, &args) {
                    Ok(()) => call.handler.clone().start(ctx, args),
                    Err(e) => ToolFuture(Box::pin(std::future::ready(CallToolResult::error(
                        e.to_string(),
                    )))),
                }
            }
        }
    }
}

/// A dynamic tool's handler, with its output type erased.
pub(crate) trait StartCall: Send + Sync {
    /// Runs the handler inside the returned future, which keeps the handler alive.
    fn start(self: Arc<Self>, ctx: Ctx, args: Value) -> ToolFuture;
}

struct Handler<F>(F);

impl<F, Fut> StartCall for Handler<F>
where
    F: Fn(Ctx, Value) -> Fut + Send + Sync + 'static,
    Fut: Future + 'static,
    Fut::Output: IntoToolResult,
{
    fn start(self: Arc<Self>, ctx: Ctx, args: Value) -> ToolFuture {
        ToolFuture(Box::pin(async move {
            (self.0)(ctx, args).await.into_tool_result()
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;
    use crate::{CallToolResult, Json, ToolError};

    fn object() -> Value {
        json!({"type": "object", "properties": {"a": {"type": "integer"}}})
    }

    fn echo() -> DynamicTool {
        DynamicTool::new("echo", object(), |_, args: Value| async move {
            args.to_string()
        })
        .description("Echo the arguments.")
    }

    async fn run(call: ToolCall, args: Value) -> CallToolResult {
        let args = Arguments::from_value(args).unwrap();
        call.invoke(Ctx::detached(), args).into_inner().await
    }

    #[test]
    fn the_definition_holds_what_was_given_and_nothing_else() {
        let parts = echo()
            .title("Echo")
            .output_schema(json!({"type": "object"}))
            .annotations(ToolAnnotations {
                idempotent_hint: Some(true),
                ..ToolAnnotations::default()
            })
            .task(TaskSupport::Optional)
            .into_parts()
            .unwrap();
        assert_eq!(
            parts.definition,
            json!({
                "name": "echo",
                "title": "Echo",
                "description": "Echo the arguments.",
                "inputSchema": object(),
                "outputSchema": {"type": "object"},
                "annotations": {"idempotentHint": true}
            })
        );
        assert_eq!(parts.name, "echo");
        assert_eq!(parts.task, TaskSupport::Optional);
        let plain = DynamicTool::new("p", object(), |_, _| async { "" })
            .into_parts()
            .unwrap()
            .definition;
        assert_eq!(
            plain.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["name", "inputSchema"]
        );
    }

    #[test]
    fn schemas_that_are_not_object_schemas_are_refused() {
        for bad in [json!({"type": "string"}), json!([]), json!({})] {
            let tool = DynamicTool::new("t", bad.clone(), |_, _| async { "" });
            assert_eq!(
                tool.into_parts().err(),
                Some(RegistrationError::InputSchema {
                    tool: "t".into(),
                    schema: bad.clone()
                })
            );
            let tool = echo().output_schema(bad.clone());
            assert_eq!(
                tool.into_parts().err(),
                Some(RegistrationError::OutputSchema {
                    tool: "echo".into(),
                    schema: bad
                })
            );
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_call_gets_the_arguments_as_json_and_returns_any_tool_result() {
        let call = echo().into_parts().unwrap().call;
        let result = run(call.clone(), json!({"a": 1})).await;
        assert_eq!(result.content[0], crate::Content::text(r#"{"a":1}"#));
        assert_eq!(
            run(call.clone(), Value::Null).await.content[0],
            crate::Content::text("{}")
        );
        let refused = run(call, json!({"a": "one"})).await;
        assert_eq!(refused.is_error, Some(true));
        assert_eq!(
            refused.content[0],
            crate::Content::text("invalid value for argument `a`: expected integer, got a string")
        );

        let failing = DynamicTool::new("f", object(), |_, _| async {
            Err::<String, _>(ToolError::msg("no luck"))
        });
        let result = run(failing.into_parts().unwrap().call, json!({})).await;
        assert_eq!(result.is_error, Some(true));
        assert_eq!(result.content[0], crate::Content::text("no luck"));

        let structured = DynamicTool::new("s", object(), |_, args: Value| async move {
            Json(json!({"doubled": args["a"].as_i64().unwrap_or(0) * 2}))
        });
        let result = run(structured.into_parts().unwrap().call, json!({"a": 21})).await;
        assert_eq!(result.structured_content, Some(json!({"doubled": 42})));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_handler_runs_only_when_the_call_is_polled() {
        let started = Arc::new(AtomicUsize::new(0));
        let seen = started.clone();
        let tool = DynamicTool::new("count", object(), move |_, _| {
            seen.fetch_add(1, Ordering::SeqCst);
            async { "counted" }
        });
        let call = tool.into_parts().unwrap().call;
        let future = call
            .clone()
            .invoke(Ctx::detached(), Arguments::default())
            .into_inner();
        assert_eq!(started.load(Ordering::SeqCst), 0, "not before it is polled");
        assert_eq!(future.await.content[0], crate::Content::text("counted"));
        assert_eq!(started.load(Ordering::SeqCst), 1);
    }
}

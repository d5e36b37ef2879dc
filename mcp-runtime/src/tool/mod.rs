//! What a tool is to the runtime: a static description ([`ToolSpec`]) and a call function, or
//! a [`DynamicTool`] described and implemented at run time.
//!
//! `#[mcp_tool]` implements [`Tool`] for a unit-like struct named after the function. A server
//! that learns its tools while it runs (a proxy, a plugin host, an OpenAPI bridge) builds
//! [`DynamicTool`]s from a name, a JSON input schema and an async closure instead, and
//! registers them with [`Server::dynamic_tool`](crate::Server::dynamic_tool) or
//! [`ServerHandle::add_dynamic_tool`](crate::ServerHandle::add_dynamic_tool).

use std::future::Future;
use std::pin::Pin;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::ctx::Ctx;
pub use crate::ctx::ProgressValue;
use crate::protocol::CallToolResult;
pub use crate::result::IntoToolResult;
pub use crate::state::MissingState;

mod dynamic;
mod spec;
mod validate;
pub use dynamic::DynamicTool;
pub(crate) use dynamic::ToolCall;
pub use spec::{ParamSpec, ToolSpec};

/// A tool the server can list and call. Implemented by `#[mcp_tool]`.
///
/// ```
/// use mcp_runtime::{mcp_tool, tool::Tool};
///
/// /// Say hello.
/// #[mcp_tool]
/// async fn hello(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// assert_eq!(<hello as Tool>::SPEC.name(), "hello");
/// ```
pub trait Tool: 'static {
    /// Name, description, parameters and schemas.
    const SPEC: ToolSpec;

    /// Decodes the arguments and runs the tool. The future need not be `Send`.
    fn call(ctx: Ctx, args: Arguments) -> ToolFuture;
}

/// Whether a tool's calls may run as tasks (the `io.modelcontextprotocol/tasks` extension of
/// the 2026 wire): answered at once with a task id, polled with `tasks/get`, cancelled with
/// `tasks/cancel`. Set with `#[mcp_tool(task = "optional")]` or `task = "required"`.
///
/// ```
/// use mcp_runtime::{mcp_tool, Ctx, tool::{Tool, TaskSupport}};
///
/// /// Rebuild the index; takes minutes.
/// #[mcp_tool(task = "optional")]
/// async fn reindex(ctx: Ctx) -> &'static str {
///     ctx.run_as_task().await;
///     "reindexed"
/// }
/// assert_eq!(<reindex as Tool>::SPEC.task(), TaskSupport::Optional);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSupport {
    /// Calls always answer with their result (the default).
    #[default]
    Forbidden,
    /// A call from a client that takes tasks becomes a task once the tool waits on anything
    /// but a question to the client (or calls [`Ctx::run_as_task`]); other clients wait for
    /// the result.
    Optional,
    /// On the 2026 wire, only clients that take tasks may call the tool (others get `-32021`);
    /// 2025 sessions call it like any tool.
    Required,
}

/// The future a tool call runs as. Not `Send`: actix-web workers are single-threaded.
pub struct ToolFuture(Pin<Box<dyn Future<Output = CallToolResult>>>);

impl ToolFuture {
    /// Wraps a tool body whose argument decoding may fail.
    pub fn new<F, R>(body: F) -> ToolFuture
    where
        F: Future<Output = Result<R, ArgumentError>> + 'static,
        R: IntoToolResult,
    {
        ToolFuture(Box::pin(async move {
            match body.await {
                Ok(value) => value.into_tool_result(),
                Err(e) => CallToolResult::error(e.to_string()),
            }
        }))
    }

    pub(crate) fn into_inner(self) -> Pin<Box<dyn Future<Output = CallToolResult>>> {
        self.0
    }
}

/// The `arguments` object of a `tools/call`, taken apart parameter by parameter so that a
/// decoding failure names the parameter.
///
/// ```
/// use mcp_runtime::tool::Arguments;
/// let mut args = Arguments::from_value(serde_json::json!({"a": 1})).unwrap();
/// assert_eq!(args.take::<i64>("a").unwrap(), 1);
/// assert_eq!(args.take::<Option<i64>>("b").unwrap(), None);
/// assert!(args.take::<i64>("c").unwrap_err().to_string().contains("`c`"));
/// ```
#[derive(Debug, Default)]
pub struct Arguments(Map<String, Value>);

impl Arguments {
    /// Arguments from a JSON value: an object, or `null` for none. Anything else is an error.
    pub fn from_value(value: Value) -> Result<Arguments, ArgumentError> {
        match value {
            Value::Object(map) => Ok(Arguments(map)),
            Value::Null => Ok(Arguments::default()),
            _ => Err(ArgumentError::NotAnObject),
        }
    }

    /// Like [`from_value`](Self::from_value), refusing arguments that hold more than `limit`
    /// JSON values (see [`Server::max_argument_values`](crate::Server::max_argument_values)).
    ///
    /// ```
    /// use mcp_runtime::{tool::{ArgumentError, Arguments}};
    /// let many = serde_json::json!({"items": ["", "", ""]});
    /// assert!(Arguments::from_value_within(many.clone(), 4).is_ok());
    /// assert!(matches!(
    ///     Arguments::from_value_within(many, 3),
    ///     Err(ArgumentError::TooManyValues { limit: 3 })
    /// ));
    /// ```
    pub fn from_value_within(value: Value, limit: usize) -> Result<Arguments, ArgumentError> {
        let mut budget = limit;
        if !within(&value, &mut budget) {
            return Err(ArgumentError::TooManyValues { limit });
        }
        Arguments::from_value(value)
    }

    /// The arguments as a JSON object, for a [`DynamicTool`]'s handler.
    pub(crate) fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// Removes and decodes one argument. A missing argument decodes as `null`, so `Option<T>`
    /// parameters are optional and everything else reports it as missing.
    pub fn take<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T, ArgumentError> {
        match self.0.remove(name) {
            Some(value) => decode(name, value),
            None => serde_json::from_value(Value::Null).map_err(|_| ArgumentError::Missing(name)),
        }
    }

    /// Like [`take`](Self::take), with a default for a missing (or `null`) argument.
    pub fn take_or_else<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        default: impl FnOnce() -> T,
    ) -> Result<T, ArgumentError> {
        match self.0.remove(name) {
            Some(Value::Null) | None => Ok(default()),
            Some(value) => decode(name, value),
        }
    }
}

/// Whether the values inside `value` (not counting `value` itself) fit in `budget`, which
/// they use up; stops counting as soon as they do not.
fn within(value: &Value, budget: &mut usize) -> bool {
    let count = |child: &Value| match budget.checked_sub(1) {
        Some(left) => {
            *budget = left;
            within(child, budget)
        }
        None => false,
    };
    match value {
        Value::Array(items) => items.iter().all(count),
        Value::Object(members) => members.values().all(count),
        _ => true,
    }
}

fn decode<T: DeserializeOwned>(name: &'static str, value: Value) -> Result<T, ArgumentError> {
    serde_json::from_value(value).map_err(|source| ArgumentError::Invalid { name, source })
}

/// Why a tool's arguments could not be decoded. Reported to the client as an `isError` result.
#[derive(Debug, thiserror::Error)]
pub enum ArgumentError {
    /// `arguments` was not a JSON object.
    #[error("invalid arguments: expected a JSON object")]
    NotAnObject,
    /// The arguments hold more JSON values than the server decodes for one call.
    #[error("the arguments hold more than {limit} JSON values, the most this server accepts for one call (max_argument_values)")]
    TooManyValues {
        /// The server's limit.
        limit: usize,
    },
    /// A required argument is absent.
    #[error("missing required argument `{0}`")]
    Missing(&'static str),
    /// An argument has the wrong shape.
    #[error("invalid value for argument `{name}`: {source}")]
    Invalid {
        /// The parameter name.
        name: &'static str,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A property the input schema of a [`DynamicTool`] requires is absent.
    #[error("missing required argument `{path}`")]
    MissingProperty {
        /// Where: `name`, or `outer.inner` for a property of an object argument.
        path: String,
    },
    /// A value does not match the input schema of a [`DynamicTool`].
    #[error("invalid value for argument `{path}`: {problem}")]
    Mismatch {
        /// Where: `name`, `outer.inner`, `items[2]`, or `arguments` for the whole object.
        path: String,
        /// What the schema expected.
        problem: String,
    },
}

/// The schema of one parameter type, as `#[mcp_tool]` refers to it.
pub fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The settings every schema in this runtime is generated with: JSON Schema 2020-12, and
/// `Option<T>` as plain `T` (optionality is expressed by `required`, since several clients
/// reject `["T", "null"]` type arrays).
pub(crate) fn schema_generator() -> SchemaGenerator {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.meta_schema = None;
    settings.into_generator()
}

/// Builds the `inputSchema` object for a parameter list.
pub(crate) fn input_schema(params: &[ParamSpec]) -> Value {
    let mut generator = schema_generator();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in params {
        let mut schema = (param.schema)(&mut generator).to_value();
        if !param.description.is_empty() {
            if let Value::Bool(true) = schema {
                schema = Value::Object(Map::new());
            }
            if let Value::Object(obj) = &mut schema {
                obj.insert(
                    "description".into(),
                    Value::String(param.description.into()),
                );
            }
        }
        if let (Some(header), Value::Object(obj)) = (param.header, &mut schema) {
            obj.insert("x-mcp-header".into(), Value::String(header.into()));
        }
        properties.insert(param.name.into(), schema);
        if param.required {
            required.push(Value::String(param.name.into()));
        }
    }
    let mut root = Map::new();
    root.insert("type".into(), "object".into());
    root.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        root.insert("required".into(), Value::Array(required));
    }
    let defs = generator.take_definitions(true);
    if !defs.is_empty() {
        root.insert("$defs".into(), Value::Object(defs));
    }
    let mut root = Value::Object(root);
    strip_optional_nulls(&mut root);
    root
}

/// Rewrites every optional property (one not in its object's `required`) from "T or null" to
/// plain `T`: `{"type": ["string", "null"]}` becomes `{"type": "string"}`, and an `anyOf` with a
/// `{"type": "null"}` branch loses that branch. Absence already says "no value", and several
/// clients reject type arrays.
pub(crate) fn strip_optional_nulls(schema: &mut Value) {
    let Value::Object(obj) = schema else { return };
    let required: Vec<String> = match obj.get("required") {
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            if !required.iter().any(|r| r == name) {
                strip_null(prop);
            }
        }
    }
    for (key, child) in obj.iter_mut() {
        match key.as_str() {
            "properties" | "$defs" | "definitions" | "patternProperties" => {
                if let Value::Object(children) = child {
                    children.values_mut().for_each(strip_optional_nulls);
                }
            }
            "items" | "additionalProperties" | "not" | "if" | "then" | "else" => {
                strip_optional_nulls(child)
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Value::Array(children) = child {
                    children.iter_mut().for_each(strip_optional_nulls);
                }
            }
            _ => {}
        }
    }
}

fn strip_null(schema: &mut Value) {
    let Value::Object(obj) = schema else { return };
    if let Some(Value::Array(types)) = obj.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.pop().expect("one element");
            obj.insert("type".into(), only);
        }
    }
    let is_null = |s: &Value| {
        s.get("type").is_some_and(|t| t == "null") && s.as_object().is_some_and(|o| o.len() == 1)
    };
    if let Some(Value::Array(branches)) = obj.get_mut("anyOf") {
        if branches.iter().any(is_null) {
            branches.retain(|b| !is_null(b));
            if branches.len() == 1 {
                let only = branches.pop().expect("one element");
                obj.remove("anyOf");
                if let Value::Object(inner) = only {
                    for (k, v) in inner {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
    if obj.get("const").is_some_and(Value::is_null) {
        obj.remove("const");
    }
}

/// An `outputSchema`, and whether it wraps the value as `{"result": ...}`.
pub(crate) struct OutputSchema {
    pub(crate) schema: Value,
    /// The return type's values are not always objects, which 2025-era clients require of
    /// `structuredContent`: the schema describes `{"result": value}` and results are wrapped
    /// to match before they are sent.
    pub(crate) wrapped: bool,
}

/// Builds the `outputSchema`, if the return type has one.
pub(crate) fn output_schema(spec: &ToolSpec) -> Option<OutputSchema> {
    let mut generator = schema_generator();
    let schema = (spec.output_schema)(&mut generator)?.to_value();
    let mut defs = generator.take_definitions(true);
    let schema = inline_root_ref(schema, &mut defs);
    let mut wrapped = false;
    let mut root = match schema {
        Value::Object(mut obj) if always_object(&obj, &defs, 0) => {
            // An enum of object variants is an object too: say so at the root, as 2025-era
            // clients require `type: object` there.
            obj.entry("type").or_insert_with(|| "object".into());
            obj
        }
        other => {
            wrapped = true;
            let mut wrapped = Map::new();
            wrapped.insert("type".into(), "object".into());
            let mut props = Map::new();
            props.insert("result".into(), other);
            wrapped.insert("properties".into(), Value::Object(props));
            wrapped.insert("required".into(), Value::Array(vec!["result".into()]));
            wrapped
        }
    };
    root.remove("$schema");
    root.remove("title");
    if !defs.is_empty() {
        root.insert("$defs".into(), Value::Object(defs));
    }
    Some(OutputSchema {
        schema: Value::Object(root),
        wrapped,
    })
}

/// Wraps a result's `structuredContent` as `{"result": value}`, for tools whose output schema
/// is wrapped.
pub(crate) fn wrap_structured(result: &mut CallToolResult) {
    if let Some(value) = result.structured_content.take() {
        let mut wrapped = Map::new();
        wrapped.insert("result".into(), value);
        result.structured_content = Some(Value::Object(wrapped));
    }
}

/// Whether every value valid against `schema` is a JSON object: `type: object`, or a
/// `oneOf`/`anyOf` whose branches all are (following `$ref`s into `defs`, to a small depth).
fn always_object(schema: &Map<String, Value>, defs: &Map<String, Value>, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    if let Some(kind) = schema.get("type") {
        return kind == "object";
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return target
            .strip_prefix("#/$defs/")
            .and_then(|name| defs.get(name))
            .and_then(Value::as_object)
            .is_some_and(|d| always_object(d, defs, depth + 1));
    }
    ["oneOf", "anyOf"].iter().any(|key| {
        schema
            .get(*key)
            .and_then(Value::as_array)
            .is_some_and(|branches| {
                !branches.is_empty()
                    && branches.iter().all(|b| {
                        b.as_object()
                            .is_some_and(|b| always_object(b, defs, depth + 1))
                    })
            })
    })
}

/// Replaces a root schema that is only a `$ref` into `$defs` (how schemars refers to named
/// structs and enums) with the definition it points to, so that an object type is seen as one
/// and not wrapped in `{"result": ...}` (the value of `Json<T>` is sent unwrapped when it is an
/// object). The definition stays in `defs` only if something still refers to it (a recursive
/// type).
fn inline_root_ref(schema: Value, defs: &mut Map<String, Value>) -> Value {
    let name = match schema.as_object() {
        Some(obj) if obj.len() == 1 => obj.get("$ref").and_then(Value::as_str),
        _ => None,
    };
    let Some(name) = name
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .map(str::to_owned)
    else {
        return schema;
    };
    let Some(definition) = defs.remove(&name) else {
        return schema;
    };
    let reference = format!("#/$defs/{name}");
    if refers_to(&definition, &reference) || defs.values().any(|d| refers_to(d, &reference)) {
        defs.insert(name, definition.clone());
    }
    definition
}

/// Whether `schema` contains `{"$ref": reference}` anywhere.
fn refers_to(schema: &Value, reference: &str) -> bool {
    match schema {
        Value::Object(obj) => {
            obj.get("$ref").is_some_and(|r| r == reference)
                || obj.values().any(|v| refers_to(v, reference))
        }
        Value::Array(items) => items.iter().any(|v| refers_to(v, reference)),
        _ => false,
    }
}

/// Why a tool, prompt or resource was not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// Tool and prompt names are 1-128 characters of `[A-Za-z0-9_.-]`.
    #[error("invalid {kind} name {name:?}: use 1-128 characters of [A-Za-z0-9_.-]")]
    InvalidName {
        /// `"tool"` or `"prompt"`.
        kind: &'static str,
        /// The name given.
        name: String,
    },
    /// Names (URIs for resources) are unique per server.
    #[error("a {kind} named {name:?} is already registered on this server")]
    Duplicate {
        /// `"tool"`, `"prompt"` or `"resource"`.
        kind: &'static str,
        /// The name or URI given.
        name: String,
    },
    /// A tool's hand-written input schema (`input_schema = f`, or a [`DynamicTool`]'s) is not
    /// an object schema.
    #[error("tool {tool:?}: the input schema must be a JSON object schema with \"type\": \"object\", got {schema}")]
    InputSchema {
        /// The tool.
        tool: String,
        /// The schema given.
        schema: Value,
    },
    /// A [`DynamicTool`]'s output schema is not an object schema.
    #[error("tool {tool:?}: the output schema must be a JSON object schema with \"type\": \"object\", got {schema}")]
    OutputSchema {
        /// The tool.
        tool: String,
        /// The schema given.
        schema: Value,
    },
    /// A resource's URI template does not parse.
    #[error("resource `{resource}`: {problem}")]
    UriTemplate {
        /// The resource.
        resource: String,
        /// What is wrong with the template.
        problem: String,
    },
}

/// The `Tool` object of `tools/list`, built once at registration, and whether structured
/// results must be wrapped to match its output schema.
pub(crate) fn definition(spec: &ToolSpec) -> Result<(Value, bool), RegistrationError> {
    let mut tool = Map::new();
    tool.insert("name".into(), spec.name.into());
    if let Some(title) = spec.title {
        tool.insert("title".into(), title.into());
    }
    tool.insert("description".into(), spec.description.into());
    let input = match spec.input_schema {
        Some(schema) => checked_input_schema(spec.name, schema())?,
        None => input_schema(spec.params),
    };
    tool.insert("inputSchema".into(), input);
    let mut wraps_output = false;
    if let Some(output) = output_schema(spec) {
        tool.insert("outputSchema".into(), output.schema);
        wraps_output = output.wrapped;
    }
    if !spec.annotations.is_empty() {
        tool.insert(
            "annotations".into(),
            serde_json::to_value(spec.annotations).expect("annotations serialize"),
        );
    }
    spec.extras.write_into(&mut tool);
    Ok((Value::Object(tool), wraps_output))
}

/// A schema given with `input_schema = f` or by a [`DynamicTool`], checked once at
/// registration: MCP requires an object schema, and a wrong one is best seen at registration.
fn checked_input_schema(tool: &str, schema: Value) -> Result<Value, RegistrationError> {
    if !is_object_schema(&schema) {
        return Err(RegistrationError::InputSchema {
            tool: tool.into(),
            schema,
        });
    }
    Ok(schema)
}

/// Whether `schema` is a JSON Schema object for objects: `"type": "object"`, with
/// `properties` (if any) an object of schemas and `required` (if any) a list of names.
fn is_object_schema(schema: &Value) -> bool {
    let Some(schema) = schema.as_object() else {
        return false;
    };
    let properties_ok = schema.get("properties").is_none_or(|p| {
        p.as_object()
            .is_some_and(|p| p.values().all(|s| s.is_object() || s.is_boolean()))
    });
    let required_ok = schema.get("required").is_none_or(|r| {
        r.as_array()
            .is_some_and(|names| names.iter().all(Value::is_string))
    });
    schema.get("type").and_then(Value::as_str) == Some("object") && properties_ok && required_ok
}

/// Whether `name` is a valid tool name: 1-128 characters of `[A-Za-z0-9_.-]`.
pub fn is_valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Extras, ToolAnnotations};
    use crate::Json;

    #[derive(serde::Serialize, JsonSchema)]
    struct Sum {
        total: i64,
    }

    #[derive(serde::Serialize, JsonSchema)]
    struct Tree {
        children: Vec<Tree>,
    }

    fn spec_with_output(output_schema: fn(&mut SchemaGenerator) -> Option<Schema>) -> ToolSpec {
        ToolSpec {
            name: "t",
            title: None,
            description: "A tool.",
            annotations: ToolAnnotations::default(),
            params: &[],
            output_schema,
            uses_ctx: false,
            input_schema: None,
            extras: Extras::NONE,
            scopes: &[],
            task: TaskSupport::Forbidden,
        }
    }

    #[test]
    fn struct_output_schema_is_inlined_not_wrapped() {
        let schema = output_schema(&spec_with_output(
            <Json<Sum> as IntoToolResult>::output_schema,
        ))
        .unwrap()
        .schema;
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["total"]["type"], "integer");
        assert!(schema.get("$defs").is_none(), "{schema:#}");
    }

    #[test]
    fn recursive_output_schema_keeps_its_definition() {
        let schema = output_schema(&spec_with_output(
            <Json<Tree> as IntoToolResult>::output_schema,
        ))
        .unwrap()
        .schema;
        assert_eq!(schema["type"], "object");
        assert_eq!(
            schema["properties"]["children"]["items"]["$ref"],
            "#/$defs/Tree"
        );
        assert_eq!(schema["$defs"]["Tree"]["type"], "object");
    }

    #[test]
    fn non_object_output_schema_is_wrapped() {
        let schema = output_schema(&spec_with_output(
            <Json<Vec<i64>> as IntoToolResult>::output_schema,
        ))
        .unwrap()
        .schema;
        assert_eq!(schema["required"][0], "result");
        assert_eq!(schema["properties"]["result"]["type"], "array");
    }

    #[derive(serde::Serialize, JsonSchema)]
    #[serde(tag = "kind")]
    #[allow(dead_code)]
    enum Shape {
        Circle { r: f64 },
        Square { side: f64 },
    }

    #[derive(serde::Serialize, JsonSchema)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Loose {
        Number(f64),
        Named { name: String },
    }

    #[test]
    fn enum_of_objects_is_an_object_and_matches_the_unwrapped_value() {
        let schema = output_schema(&spec_with_output(
            <Json<Shape> as IntoToolResult>::output_schema,
        ))
        .unwrap()
        .schema;
        assert_eq!(schema["type"], "object", "{schema:#}");
        assert!(schema.get("oneOf").is_some() || schema.get("anyOf").is_some());
        assert!(schema["properties"].get("result").is_none());
        let spec = spec_with_output(<Json<Shape> as IntoToolResult>::output_schema);
        assert!(!output_schema(&spec).unwrap().wrapped);
        let value = Json(Shape::Circle { r: 1.0 }).into_tool_result();
        assert_eq!(value.structured_content.unwrap()["kind"], "Circle");
    }

    #[test]
    fn enum_with_a_non_object_variant_is_wrapped() {
        let schema = output_schema(&spec_with_output(
            <Json<Loose> as IntoToolResult>::output_schema,
        ))
        .unwrap()
        .schema;
        assert_eq!(schema["required"][0], "result", "{schema:#}");
        let spec = spec_with_output(<Json<Loose> as IntoToolResult>::output_schema);
        assert!(output_schema(&spec).unwrap().wrapped);
        let mut result = Json(Loose::Named { name: "x".into() }).into_tool_result();
        wrap_structured(&mut result);
        assert_eq!(result.structured_content.unwrap()["result"]["name"], "x");
    }
}

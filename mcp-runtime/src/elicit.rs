//! Asking the client from inside a tool: elicitation, sampling and roots.
//!
//! The types here are what [`Ctx::elicit`](crate::Ctx::elicit),
//! [`Ctx::sample`](crate::Ctx::sample) and [`Ctx::list_roots`](crate::Ctx::list_roots) take and
//! return. How the question travels is the runtime's business: on the 2025 wire it is a
//! server→client JSON-RPC request on the call's own stream, answered by a POSTed response.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::protocol::Role;
use crate::protocol::{Content, RpcError};

/// How long a tool waits for the client's answer by default (see
/// [`Ctx::with_client_timeout`](crate::Ctx::with_client_timeout)).
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

/// Why asking the client failed.
///
/// Converts into [`ToolError`](crate::ToolError), so `?` works in tools:
///
/// ```
/// use mcp_runtime::{mcp_tool, Ctx, ToolError};
///
/// /// List the client's roots.
/// #[mcp_tool]
/// async fn roots(ctx: Ctx) -> Result<String, ToolError> {
///     let roots = ctx.list_roots().await?;
///     Ok(roots.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>().join("\n"))
/// }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientRequestError {
    /// The client did not declare the capability the request needs; nothing was sent.
    #[error("the client does not support {0}: it did not declare that capability")]
    NotSupported(&'static str),
    /// This context is bound to no client session (a detached `Ctx`, say).
    #[error("no client to ask: this call is not served within a session")]
    NoClient,
    /// The call already finished or was cancelled.
    #[error("the call is over: nothing more may be sent to the client")]
    CallFinished,
    /// The stream to the client is closed.
    #[error("the client's stream is closed")]
    Disconnected,
    /// The session ended while waiting.
    #[error("the session ended before the client answered")]
    SessionClosed,
    /// No answer in time.
    #[error("the client did not answer within {0:?}")]
    Timeout(Duration),
    /// The client answered with a JSON-RPC error.
    #[error("the client refused the request: {} ({})", .0.message, .0.code.0)]
    Rejected(RpcError),
    /// The client's answer does not have the expected shape.
    #[error("the client's answer is invalid: {0}")]
    InvalidResponse(String),
    /// The requested schema is not one elicitation allows (a flat object of primitives).
    #[error("invalid elicitation schema: {0}")]
    InvalidSchema(String),
}

/// The error of [`Ctx::elicit`](crate::Ctx::elicit) and friends.
pub type ElicitError = ClientRequestError;

/// The user's answer to an elicitation.
///
/// ```
/// use mcp_runtime::elicit::Elicitation;
/// let answer: Elicitation<u32> = Elicitation::Accept(3);
/// assert_eq!(answer.accepted(), Some(3));
/// assert_eq!(Elicitation::<u32>::Decline.accepted(), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Elicitation<T> {
    /// The user submitted the form (or, in URL mode, agreed to open the URL).
    Accept(T),
    /// The user explicitly said no.
    Decline,
    /// The user dismissed the request without choosing.
    Cancel,
}

impl<T> Elicitation<T> {
    /// The accepted content, if any.
    pub fn accepted(self) -> Option<T> {
        match self {
            Elicitation::Accept(value) => Some(value),
            _ => None,
        }
    }

    /// The action as it appears on the wire: `accept`, `decline` or `cancel`.
    pub fn action(&self) -> &'static str {
        match self {
            Elicitation::Accept(_) => "accept",
            Elicitation::Decline => "decline",
            Elicitation::Cancel => "cancel",
        }
    }
}

#[derive(Deserialize)]
struct ElicitResult {
    action: String,
    #[serde(default)]
    content: Option<Value>,
}

/// Reads an `elicitation/create` result; `content` is what `accept` carries.
pub(crate) fn parse_elicit_result(result: Value) -> Result<Elicitation<Value>, ClientRequestError> {
    let result: ElicitResult = serde_json::from_value(result)
        .map_err(|e| ClientRequestError::InvalidResponse(e.to_string()))?;
    match result.action.as_str() {
        "accept" => Ok(Elicitation::Accept(
            result.content.unwrap_or(Value::Object(Map::new())),
        )),
        "decline" => Ok(Elicitation::Decline),
        "cancel" => Ok(Elicitation::Cancel),
        other => Err(ClientRequestError::InvalidResponse(format!(
            "unknown action {other:?}"
        ))),
    }
}

/// One message of a sampling conversation.
///
/// ```
/// use mcp_runtime::elicit::SamplingMessage;
/// let m = SamplingMessage::user("Hi");
/// assert_eq!(serde_json::to_value(&m).unwrap()["content"]["text"], "Hi");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: Content,
}

impl SamplingMessage {
    /// A user message with text.
    pub fn user(text: impl Into<String>) -> SamplingMessage {
        SamplingMessage {
            role: Role::User,
            content: Content::text(text.into()),
        }
    }

    /// An assistant message with text.
    pub fn assistant(text: impl Into<String>) -> SamplingMessage {
        SamplingMessage {
            role: Role::Assistant,
            content: Content::text(text.into()),
        }
    }
}

/// Hints for the client's choice of model.
///
/// ```
/// use mcp_runtime::elicit::ModelPreferences;
/// let p = ModelPreferences { intelligence_priority: Some(0.8), ..Default::default() };
/// assert_eq!(serde_json::to_value(&p).unwrap()["intelligencePriority"], 0.8);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPreferences {
    /// Model names or families, in order of preference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<ModelHint>,
    /// 0..1: how much cost matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_priority: Option<f64>,
    /// 0..1: how much speed matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_priority: Option<f64>,
    /// 0..1: how much capability matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intelligence_priority: Option<f64>,
}

/// A model name (or part of one) the server would like.
///
/// ```
/// let hint = mcp_runtime::elicit::ModelHint { name: Some("claude".into()) };
/// assert_eq!(serde_json::to_value(&hint).unwrap()["name"], "claude");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelHint {
    /// The name or substring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A `sampling/createMessage` request: ask the client's model for a completion.
///
/// ```
/// use mcp_runtime::{elicit::{CreateMessageRequest, SamplingMessage}};
/// let request = CreateMessageRequest::new(vec![SamplingMessage::user("Hello")], 100)
///     .system_prompt("Be brief.");
/// let wire = serde_json::to_value(&request).unwrap();
/// assert_eq!(wire["maxTokens"], 100);
/// assert_eq!(wire["systemPrompt"], "Be brief.");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMessageRequest {
    /// The conversation so far.
    pub messages: Vec<SamplingMessage>,
    /// The most tokens to generate.
    pub max_tokens: u32,
    /// A system prompt the client may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Hints for the model choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_preferences: Option<ModelPreferences>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Where to stop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

impl CreateMessageRequest {
    /// A request for at most `max_tokens` tokens continuing `messages`.
    pub fn new(messages: Vec<SamplingMessage>, max_tokens: u32) -> CreateMessageRequest {
        CreateMessageRequest {
            messages,
            max_tokens,
            system_prompt: None,
            model_preferences: None,
            temperature: None,
            stop_sequences: Vec::new(),
        }
    }

    /// Sets the system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> CreateMessageRequest {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Sets the model preferences.
    pub fn model_preferences(mut self, preferences: ModelPreferences) -> CreateMessageRequest {
        self.model_preferences = Some(preferences);
        self
    }
}

/// The client model's answer to a [`CreateMessageRequest`].
///
/// ```
/// let result: mcp_runtime::elicit::CreateMessageResult = serde_json::from_value(serde_json::json!({
///     "role": "assistant", "model": "m", "content": {"type": "text", "text": "Hi"}
/// })).unwrap();
/// assert_eq!(result.text(), "Hi");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMessageResult {
    /// Who speaks (normally the assistant).
    pub role: Role,
    /// The generated content: one block, or several (2025-11-25 allows an array). One block is
    /// written as an object, which every revision reads.
    #[serde(deserialize_with = "one_or_many", serialize_with = "one_or_array")]
    pub content: Vec<Content>,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Why generation stopped (`endTurn`, `stopSequence`, `maxTokens`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
}

impl CreateMessageResult {
    /// The text blocks of the answer, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|c| match c {
                Content::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

fn one_or_array<S: serde::Serializer>(content: &[Content], s: S) -> Result<S::Ok, S::Error> {
    match content {
        [one] => one.serialize(s),
        many => many.serialize(s),
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Content>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<Content>),
        One(Content),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::Many(many) => many,
        OneOrMany::One(one) => vec![one],
    })
}

/// One of the client's roots (a directory or file the server may work in).
///
/// ```
/// let root: mcp_runtime::elicit::Root =
///     serde_json::from_value(serde_json::json!({"uri": "file:///src", "name": "src"})).unwrap();
/// assert_eq!(root.name.as_deref(), Some("src"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Root {
    /// A `file://` URI.
    pub uri: String,
    /// A name for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListRootsResult {
    pub(crate) roots: Vec<Root>,
}

/// The `requestedSchema` of a form-mode elicitation for `T`: a flat object whose properties
/// are strings, numbers, integers, booleans, single-select enums (`enum`, or `oneOf` of
/// `{const, title}` when the variants are documented) and multi-select arrays of those, keeping
/// only what elicitation allows (`title`, `description`, `default`, bounds, string formats).
///
/// ```
/// use mcp_runtime::{JsonSchema, elicit::elicitation_schema};
///
/// #[derive(serde::Deserialize, JsonSchema)]
/// struct Contact {
///     /// Your name.
///     name: String,
///     age: Option<u8>,
/// }
/// let schema = elicitation_schema::<Contact>().unwrap();
/// assert_eq!(schema["properties"]["name"]["description"], "Your name.");
/// assert_eq!(schema["properties"]["age"]["type"], "integer");
/// assert_eq!(schema["required"], serde_json::json!(["name"]));
/// ```
pub fn elicitation_schema<T: JsonSchema>() -> Result<Value, ClientRequestError> {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.meta_schema = None;
    settings.inline_subschemas = true;
    let schema = settings.into_generator().into_root_schema_for::<T>();
    restrict_schema(schema.to_value()).map_err(ClientRequestError::InvalidSchema)
}

/// Reduces a generated object schema to the restricted form elicitation allows.
fn restrict_schema(schema: Value) -> Result<Value, String> {
    let Value::Object(mut root) = schema else {
        return Err("the schema is not an object schema".into());
    };
    if primitive_type(&root).as_deref() != Some("object") {
        return Err("elicitation asks for an object: use a struct with named fields".into());
    }
    let properties = match root.remove("properties") {
        Some(Value::Object(properties)) => properties,
        None => Map::new(),
        Some(_) => return Err("`properties` is not an object".into()),
    };
    let mut out_props = Map::new();
    for (name, property) in properties {
        let Value::Object(property) = property else {
            return Err(format!("property `{name}` has no usable schema"));
        };
        let restricted =
            restrict_property(&property).map_err(|why| format!("property `{name}`: {why}"))?;
        out_props.insert(name, Value::Object(restricted));
    }
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    if let Some(description) = root.remove("description") {
        out.insert("description".into(), description);
    }
    let required: Vec<Value> = match root.remove("required") {
        Some(Value::Array(required)) => required
            .into_iter()
            .filter(|r| r.as_str().is_some_and(|r| out_props.contains_key(r)))
            .collect(),
        _ => Vec::new(),
    };
    out.insert("properties".into(), Value::Object(out_props));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    Ok(Value::Object(out))
}

/// The schema's single `type`, ignoring `null` (optional fields).
fn primitive_type(schema: &Map<String, Value>) -> Option<String> {
    match schema.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(types) => {
            let mut non_null = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null");
            let first = non_null.next()?;
            non_null.next().is_none().then(|| first.to_owned())
        }
        _ => None,
    }
}

/// Copies `keys` from `from` into `to` when present.
fn copy(from: &Map<String, Value>, to: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(value) = from.get(*key) {
            if !value.is_null() {
                to.insert((*key).into(), value.clone());
            }
        }
    }
}

/// The `(const, title)` options of an enum-like schema: `enum` of strings (titled by
/// `enumNames` if present), or `oneOf`/`anyOf` of `{const}` / `{enum}` entries.
/// An enum's values with their titles, and whether any was titled.
type EnumOptions = (Vec<(String, Option<String>)>, bool);

fn enum_options(schema: &Map<String, Value>) -> Option<EnumOptions> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        let values: Option<Vec<String>> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map(str::to_owned))
            .collect();
        return Some((values?.into_iter().map(|v| (v, None)).collect(), false));
    }
    if let Some(Value::String(value)) = schema.get("const") {
        return Some((vec![(value.clone(), title_of(schema))], true));
    }
    let entries = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let mut options = Vec::new();
    let mut titled = false;
    for entry in entries {
        let entry = entry.as_object()?;
        if entry.get("type").and_then(Value::as_str) == Some("null") {
            continue;
        }
        let (mut more, more_titled) = enum_options(entry)?;
        titled |= more_titled;
        options.append(&mut more);
    }
    Some((options, titled))
}

fn title_of(schema: &Map<String, Value>) -> Option<String> {
    schema
        .get("title")
        .or_else(|| schema.get("description"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn titled_entries(options: Vec<(String, Option<String>)>) -> Value {
    Value::Array(
        options
            .into_iter()
            .map(|(value, title)| {
                let title = title.unwrap_or_else(|| value.clone());
                serde_json::json!({ "const": value, "title": title })
            })
            .collect(),
    )
}

fn restrict_property(schema: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    const COMMON: &[&str] = &["title", "description", "default"];
    let mut out = Map::new();
    let ty = primitive_type(schema);
    if ty.as_deref() == Some("array") {
        let items = schema
            .get("items")
            .and_then(Value::as_object)
            .ok_or("arrays must list their items")?;
        let (options, titled) =
            enum_options(items).ok_or("arrays are only allowed as multi-selects of an enum")?;
        out.insert("type".into(), "array".into());
        copy(schema, &mut out, COMMON);
        copy(schema, &mut out, &["minItems", "maxItems"]);
        let items = if titled {
            serde_json::json!({ "anyOf": titled_entries(options) })
        } else {
            let values: Vec<Value> = options.into_iter().map(|(v, _)| Value::String(v)).collect();
            serde_json::json!({ "type": "string", "enum": values })
        };
        out.insert("items".into(), items);
        return Ok(out);
    }
    if matches!(ty.as_deref(), None | Some("string")) {
        if let Some((options, titled)) = enum_options(schema) {
            out.insert("type".into(), "string".into());
            copy(schema, &mut out, COMMON);
            if titled {
                out.insert("oneOf".into(), titled_entries(options));
            } else {
                let values: Vec<Value> =
                    options.into_iter().map(|(v, _)| Value::String(v)).collect();
                out.insert("enum".into(), Value::Array(values));
                copy(schema, &mut out, &["enumNames"]);
            }
            return Ok(out);
        }
    }
    match ty.as_deref() {
        Some("string") => {
            out.insert("type".into(), "string".into());
            copy(schema, &mut out, COMMON);
            copy(schema, &mut out, &["minLength", "maxLength", "pattern"]);
            if let Some(format) = schema.get("format").and_then(Value::as_str) {
                if ["email", "uri", "date", "date-time"].contains(&format) {
                    out.insert("format".into(), format.into());
                }
            }
        }
        Some(t @ ("integer" | "number")) => {
            out.insert("type".into(), t.into());
            copy(schema, &mut out, COMMON);
            copy(schema, &mut out, &["minimum", "maximum"]);
        }
        Some("boolean") => {
            out.insert("type".into(), "boolean".into());
            copy(schema, &mut out, COMMON);
        }
        _ => return Err(
            "only strings, numbers, integers, booleans, enums and multi-select enums are allowed"
                .into(),
        ),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Signup {
        /// Your user name.
        username: String,
        #[schemars(email)]
        email: String,
        newsletter: Option<bool>,
    }

    #[test]
    fn a_struct_becomes_a_flat_form() {
        let schema = elicitation_schema::<Signup>().unwrap();
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "username": {"type": "string", "description": "Your user name."},
                    "email": {"type": "string", "format": "email"},
                    "newsletter": {"type": "boolean"}
                },
                "required": ["username", "email"]
            })
        );
    }

    #[derive(Deserialize, Serialize, JsonSchema, Default)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Status {
        #[default]
        Active,
        Inactive,
        Pending,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Color {
        /// Bright red
        Red,
        /// Deep blue
        Blue,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(default)]
    #[allow(dead_code)]
    struct Defaults {
        name: String,
        age: u32,
        score: f64,
        status: Status,
        verified: bool,
    }

    impl Default for Defaults {
        fn default() -> Self {
            Defaults {
                name: "John Doe".into(),
                age: 30,
                score: 95.5,
                status: Status::Active,
                verified: true,
            }
        }
    }

    #[test]
    fn defaults_are_kept_sep1034() {
        let schema = elicitation_schema::<Defaults>().unwrap();
        let p = &schema["properties"];
        assert_eq!(p["name"], json!({"type": "string", "default": "John Doe"}));
        assert_eq!(p["age"]["type"], "integer");
        assert_eq!(p["age"]["default"], 30);
        assert_eq!(p["score"], json!({"type": "number", "default": 95.5}));
        assert_eq!(
            p["status"],
            json!({"type": "string", "default": "active", "enum": ["active", "inactive", "pending"]})
        );
        assert_eq!(p["verified"], json!({"type": "boolean", "default": true}));
        assert!(schema.get("required").is_none());
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Enums {
        plain: Status,
        titled: Color,
        many: Vec<Status>,
        many_titled: Vec<Color>,
    }

    #[test]
    fn enums_single_and_multi_select_sep1330() {
        let schema = elicitation_schema::<Enums>().unwrap();
        let p = &schema["properties"];
        assert_eq!(
            p["plain"],
            json!({"type": "string", "enum": ["active", "inactive", "pending"]})
        );
        assert_eq!(
            p["titled"],
            json!({"type": "string", "oneOf": [
                {"const": "red", "title": "Bright red"},
                {"const": "blue", "title": "Deep blue"}
            ]})
        );
        assert_eq!(
            p["many"],
            json!({"type": "array", "items": {"type": "string", "enum": ["active", "inactive", "pending"]}})
        );
        assert_eq!(
            p["many_titled"]["items"],
            json!({"anyOf": [
                {"const": "red", "title": "Bright red"},
                {"const": "blue", "title": "Deep blue"}
            ]})
        );
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Nested {
        inner: Signup,
    }

    #[test]
    fn nested_objects_and_non_objects_are_refused() {
        let err = elicitation_schema::<Nested>().unwrap_err();
        assert!(
            matches!(&err, ClientRequestError::InvalidSchema(m) if m.contains("`inner`")),
            "{err}"
        );
        assert!(elicitation_schema::<String>().is_err());
        assert!(elicitation_schema::<Vec<String>>().is_err());
    }

    #[test]
    fn results_parse() {
        assert_eq!(
            parse_elicit_result(json!({"action": "accept", "content": {"a": 1}})).unwrap(),
            Elicitation::Accept(json!({"a": 1}))
        );
        assert_eq!(
            parse_elicit_result(json!({"action": "decline"})).unwrap(),
            Elicitation::Decline
        );
        assert_eq!(
            parse_elicit_result(json!({"action": "cancel"})).unwrap(),
            Elicitation::Cancel
        );
        assert!(parse_elicit_result(json!({"action": "maybe"})).is_err());
        let many: CreateMessageResult = serde_json::from_value(json!({
            "role": "assistant", "model": "m",
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
        }))
        .unwrap();
        assert_eq!(many.text(), "ab");
    }
}

//! What the server describes: its `initialize` (or `server/discover`) answer and the entries of
//! its listings, decoded leniently (unknown fields are kept in `extra`).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::ClientError;
use crate::protocol::Implementation;

/// What the server said about itself: its `initialize` answer, or on the stateless wire its
/// `server/discover` answer in the same shape.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The revision the server chose (`2026-07-28` on the stateless wire).
    pub protocol_version: String,
    /// The server's capabilities (`tools`, `logging`, ...), as sent.
    #[serde(default)]
    pub capabilities: Value,
    /// The server's name and version.
    pub server_info: Implementation,
    /// How to use the server, for a model's system prompt.
    #[serde(default)]
    pub instructions: Option<String>,
}

/// A tool as `tools/list` describes it.
///
/// ```
/// let tool: mcp_runtime::client::ToolInfo = serde_json::from_value(serde_json::json!({
///     "name": "add", "inputSchema": {"type": "object"}, "icons": []
/// })).unwrap();
/// assert_eq!(tool.name, "add");
/// assert!(tool.extra.contains_key("icons"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    /// The name to call it by.
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What the tool does.
    #[serde(default)]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default)]
    pub input_schema: Value,
    /// JSON Schema of the structured result, for tools that return one.
    #[serde(default)]
    pub output_schema: Option<Value>,
    /// Behaviour hints (`readOnlyHint`, ...), as sent.
    #[serde(default)]
    pub annotations: Option<Value>,
    /// Any other fields (`icons`, `_meta`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A prompt as `prompts/list` describes it.
///
/// ```
/// let prompt: mcp_runtime::client::PromptInfo = serde_json::from_value(serde_json::json!({
///     "name": "review", "arguments": [{"name": "code", "required": true}]
/// })).unwrap();
/// assert_eq!(prompt.arguments[0].required, Some(true));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptInfo {
    /// The name to get it by.
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What the prompt is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Its arguments.
    #[serde(default)]
    pub arguments: Vec<PromptArgumentInfo>,
    /// Any other fields (`icons`, `_meta`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One argument of a prompt.
///
/// ```
/// let arg: mcp_runtime::client::PromptArgumentInfo =
///     serde_json::from_value(serde_json::json!({"name": "code"})).unwrap();
/// assert_eq!((arg.name.as_str(), arg.required), ("code", None));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgumentInfo {
    /// Its name.
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether `prompts/get` needs it.
    #[serde(default)]
    pub required: Option<bool>,
}

/// A resource as `resources/list` describes it.
///
/// ```
/// let resource: mcp_runtime::client::ResourceInfo = serde_json::from_value(serde_json::json!({
///     "uri": "motto://today", "name": "motto", "mimeType": "text/plain", "size": 12
/// })).unwrap();
/// assert_eq!(resource.mime_type.as_deref(), Some("text/plain"));
/// assert_eq!(resource.extra["size"], 12);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInfo {
    /// Its URI, for `resources/read`.
    pub uri: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What it holds.
    #[serde(default)]
    pub description: Option<String>,
    /// Its MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Any other fields (`size`, `annotations`, `_meta`, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A resource template as `resources/templates/list` describes it.
///
/// ```
/// let template: mcp_runtime::client::ResourceTemplateInfo = serde_json::from_value(
///     serde_json::json!({"uriTemplate": "users://{id}/avatar", "name": "avatar"}),
/// ).unwrap();
/// assert_eq!(template.uri_template, "users://{id}/avatar");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplateInfo {
    /// The RFC 6570 URI template.
    pub uri_template: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// A display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What its resources hold.
    #[serde(default)]
    pub description: Option<String>,
    /// The MIME type of its resources.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Any other fields, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of a listing.
/// One page of a listing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Page {
    #[serde(default)]
    pub(super) next_cursor: Option<String>,
    #[serde(flatten)]
    pub(super) rest: Map<String, Value>,
}

/// Decodes a result as the shape its method defines.
pub(super) fn decode_result<T: DeserializeOwned>(
    method: &str,
    result: Value,
) -> Result<T, ClientError> {
    T::deserialize(result).map_err(|source| ClientError::InvalidResult {
        method: method.to_owned(),
        source,
    })
}

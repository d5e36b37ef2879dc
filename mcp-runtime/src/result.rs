//! How a tool's return value becomes a `tools/call` result: the [`IntoToolResult`] trait.

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

use crate::protocol::{CallToolResult, Content};

/// Turns a tool's return value into a `tools/call` result.
///
/// Implemented for text (`String`, `&str`, numbers, `bool`), `()`, [`Content`],
/// `Vec<Content>`, [`CallToolResult`], [`Json<T>`] (structured output with a schema) and
/// `Result<T, E>` (where `Err` becomes an `isError: true` result carrying the error's message).
///
/// ```
/// use mcp_runtime::{ToolError, tool::IntoToolResult};
/// let ok: Result<String, ToolError> = Ok("done".into());
/// assert_eq!(ok.into_tool_result().is_error, None);
/// let err: Result<String, ToolError> = Err(ToolError::msg("no such file"));
/// assert_eq!(err.into_tool_result().is_error, Some(true));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from an MCP tool",
    label = "not a tool result",
    note = "return a `String`, a number, `()`, `Content`, `Vec<Content>`, `Json<T>` (T: Serialize + JsonSchema), `CallToolResult`, or a `Result<T, E>` of one of these with `E: Display`"
)]
pub trait IntoToolResult {
    /// The result sent to the client.
    fn into_tool_result(self) -> CallToolResult;

    /// The `outputSchema` of this type, if its results carry `structuredContent`.
    fn output_schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> CallToolResult {
        self
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![self])
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(self)
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(Vec::new())
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

macro_rules! display_as_text {
    ($($t:ty),*) => {$(
        impl IntoToolResult for $t {
            fn into_tool_result(self) -> CallToolResult {
                CallToolResult::success(vec![Content::text(self.to_string())])
            }
        }
    )*};
}
display_as_text!(
    bool, char, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl<T: IntoToolResult, E: fmt::Display> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> CallToolResult {
        match self {
            Ok(value) => value.into_tool_result(),
            Err(error) => CallToolResult::error(error.to_string()),
        }
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::output_schema(generator)
    }
}

/// Structured output: the value goes to `structuredContent` (and, for older clients, a JSON
/// text copy to `content`), and the tool advertises `T`'s schema as its `outputSchema`.
///
/// 2025-era clients require structured content to be a JSON object; a `T` that serializes to
/// anything else (a number, a list) is sent as `{"result": value}`, and its schema is wrapped the
/// same way.
///
/// ```
/// use mcp_runtime::{mcp_tool, Json, JsonSchema};
/// use serde::Serialize;
///
/// #[derive(Serialize, JsonSchema)]
/// struct Sum { total: i64 }
///
/// /// Add two numbers, structured.
/// #[mcp_tool]
/// async fn sum(a: i64, b: i64) -> Json<Sum> {
///     Json(Sum { total: a + b })
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> CallToolResult {
        let value = match serde_json::to_value(&self.0) {
            Ok(value) => value,
            Err(e) => return CallToolResult::error(format!("could not encode the result: {e}")),
        };
        // Wrapping a non-object value as `{"result": ...}` for 2025-era clients is decided
        // once per tool from its output schema, by the runtime (see `tool::OutputSchema`).
        let text = value.to_string();
        CallToolResult {
            content: vec![Content::text(text)],
            structured_content: Some(value),
            is_error: None,
        }
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

/// A tool failure with a message for the client; the call ends with `isError: true`.
///
/// Any `std::error::Error` converts into it, so `?` works inside tools returning
/// `Result<_, ToolError>`.
///
/// ```
/// use mcp_runtime::ToolError;
/// fn parse(s: &str) -> Result<i64, ToolError> {
///     Ok(s.parse::<i64>()?)
/// }
/// assert!(parse("x").unwrap_err().to_string().contains("invalid digit"));
/// ```
pub struct ToolError(String);

impl ToolError {
    /// An error with this message.
    pub fn msg(message: impl fmt::Display) -> ToolError {
        ToolError(message.to_string())
    }
}

impl<E: std::error::Error> From<E> for ToolError {
    fn from(error: E) -> ToolError {
        ToolError(error.to_string())
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ToolError({:?})", self.0)
    }
}

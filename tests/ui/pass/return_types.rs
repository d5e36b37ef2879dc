#![deny(warnings)]
//! Every kind of return type `IntoToolResult` supports.

use mcp_runtime::{mcp_tool, CallToolResult, Content, Json, JsonSchema, Server, ToolError};
use serde::Serialize;

/// Structured output.
#[derive(Serialize, JsonSchema)]
struct Sum {
    total: i64,
}

/// Returns nothing.
#[mcp_tool]
async fn unit_implicit() {}

/// Returns `()`.
#[mcp_tool]
async fn unit_explicit() -> () {}

/// Returns a String.
#[mcp_tool]
async fn string() -> String {
    String::new()
}

/// Returns a &'static str.
#[mcp_tool]
async fn static_str() -> &'static str {
    "hi"
}

/// Returns a number.
#[mcp_tool]
async fn number() -> f64 {
    1.5
}

/// Returns a bool.
#[mcp_tool]
async fn boolean() -> bool {
    true
}

/// Returns a Content.
#[mcp_tool]
async fn content() -> Content {
    Content::text("hi")
}

/// Returns several Contents.
#[mcp_tool]
async fn contents() -> Vec<Content> {
    vec![Content::text("a"), Content::text("b")]
}

/// Returns a raw result.
#[mcp_tool]
async fn raw() -> CallToolResult {
    CallToolResult::error("nope")
}

/// Returns structured output.
#[mcp_tool]
async fn json_object() -> Json<Sum> {
    Json(Sum { total: 1 })
}

/// Returns structured output that is not an object.
#[mcp_tool]
async fn json_list() -> mcp_runtime::Json<Vec<i64>> {
    Json(vec![1, 2])
}

/// Returns a Result with ToolError.
#[mcp_tool]
async fn fallible(s: String) -> Result<i64, ToolError> {
    Ok(s.parse::<i64>()?)
}

/// Returns a Result with a std error.
#[mcp_tool]
async fn fallible_std(s: String) -> Result<i64, std::num::ParseIntError> {
    s.parse()
}

/// Returns a structured Result.
#[mcp_tool]
async fn fallible_json() -> Result<Json<Sum>, String> {
    Err("no".into())
}

fn main() {
    let _ = Server::new("s", "1")
        .tool::<unit_implicit>()
        .tool::<unit_explicit>()
        .tool::<string>()
        .tool::<static_str>()
        .tool::<number>()
        .tool::<boolean>()
        .tool::<content>()
        .tool::<contents>()
        .tool::<raw>()
        .tool::<json_object>()
        .tool::<json_list>()
        .tool::<fallible>()
        .tool::<fallible_std>()
        .tool::<fallible_json>();
}

//! Tools learned at run time (`mcp_runtime::tool::DynamicTool`): what a plugin host, a proxy or
//! an OpenAPI bridge does. `word_count` is read from a "manifest" when the server is built;
//! `reverse` arrives through a `ServerHandle` once the server runs (clients with an open stream
//! are sent `notifications/tools/list_changed`). Both are listed and called like `#[mcp_tool]`
//! tools, in both protocol eras; the interop script drives them with the Python SDK.
//!
//! ```text
//! cargo run -p examples --example plugin_host -- --bind 127.0.0.1:8000
//! ```

use std::time::Duration;

use mcp_runtime::tool::DynamicTool;
use mcp_runtime::{Ctx, Server, ToolError};
use serde_json::{json, Value};

/// A tool as a plugin's manifest would describe it: name, description, input schema.
fn word_count() -> DynamicTool {
    let manifest = json!({
        "name": "word_count",
        "description": "Count the words of a text.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string", "description": "The text."}},
            "required": ["text"]
        }
    });
    let name = manifest["name"].as_str().unwrap_or_default();
    DynamicTool::new(
        name,
        manifest["inputSchema"].clone(),
        |ctx: Ctx, args: Value| async move {
            // The arguments were checked against the input schema: `text` is a string.
            let text = args["text"].as_str().unwrap_or_default();
            let words = text.split_whitespace().count();
            ctx.info(format!("counted {words} words")).await;
            Ok::<_, ToolError>(words.to_string())
        },
    )
    .description(manifest["description"].as_str().unwrap_or_default())
}

fn reverse() -> DynamicTool {
    DynamicTool::new(
        "reverse",
        json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
        |_, args: Value| async move {
            let text = args["text"].as_str().unwrap_or_default();
            text.chars().rev().collect::<String>()
        },
    )
    .description("Reverse a text.")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let server = Server::new("plugin-host", env!("CARGO_PKG_VERSION"))
        .dynamic_tool(word_count())
        .map_err(std::io::Error::other)?;
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        // Say a plugin loads a moment after start-up.
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        handle.add_dynamic_tool(reverse()).expect("a valid tool");
        eprintln!("plugin loaded: reverse");
    });
    examples::serve(server.into_http()).await
}

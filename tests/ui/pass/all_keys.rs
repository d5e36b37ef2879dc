#![deny(warnings)]
//! Every attribute key.

use mcp_runtime::{mcp_tool, Server};

/// Documentation for Rust readers, replaced by `description`.
#[mcp_tool(
    name = "fs.delete-file_v2",
    title = "Delete file",
    description = "Delete a file.",
    annotations(
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false,
    ),
    crate = "::mcp_runtime",
)]
async fn delete(path: String) -> Result<(), String> {
    let _ = path;
    Ok(())
}

/// A raw identifier: the tool is named `type`.
#[mcp_tool(annotations(read_only_hint = true))]
async fn r#type(r#in: String) -> String {
    r#in
}

/// No doc comment needed when there is a description.
#[mcp_tool(description = "Undocumented but described.", title = "Quiet")]
async fn quiet() {}

fn main() {
    let _ = Server::new("s", "1").tool::<delete>().tool::<r#type>().tool::<quiet>();
}

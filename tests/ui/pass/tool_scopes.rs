#![deny(warnings)]
//! `scopes = [...]` lands in the tool's spec; an empty list is allowed.

use mcp_runtime::{mcp_tool, Ctx, Server, tool::Tool};

/// Write a file.
#[mcp_tool(scopes = ["files:read", "files:write"], title = "Write")]
async fn write(ctx: Ctx, path: String) -> String {
    let who = ctx.identity().map_or("anonymous", |id| id.subject()).to_owned();
    format!("{who} wrote {path}")
}

/// Anyone authenticated.
#[mcp_tool(scopes = [])]
async fn open() {}

/// No scopes given.
#[mcp_tool]
async fn plain() {}

const _: () = assert!(<write as Tool>::SPEC.scopes().len() == 2);

fn main() {
    assert_eq!(<write as Tool>::SPEC.scopes(), ["files:read", "files:write"]);
    assert!(<open as Tool>::SPEC.scopes().is_empty());
    assert!(<plain as Tool>::SPEC.scopes().is_empty());
    let _ = Server::new("s", "1").tool::<write>().tool::<open>().tool::<plain>();
}

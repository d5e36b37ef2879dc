#![deny(warnings)]
//! `crate = "..."`: the runtime reached through a re-export.

mod framework {
    pub use mcp_runtime as mcp;
}

/// Add two integers.
#[framework::mcp::mcp_tool(crate = "framework::mcp")]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Same, with an absolute path.
#[framework::mcp::mcp_tool(crate = "crate::framework::mcp")]
async fn sub(ctx: framework::mcp::Ctx, a: i64, b: i64) -> i64 {
    let _ = ctx;
    a - b
}

fn main() {
    let _ = framework::mcp::Server::new("s", "1").tool::<add>().tool::<sub>();
}

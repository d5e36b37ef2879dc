#![deny(warnings)]
//! `Ctx` in any position, by any path, with any pattern, or not at all.

use mcp_runtime::{mcp_tool, Ctx, Server};

/// Ctx first.
#[mcp_tool]
async fn first(ctx: Ctx, a: i64) -> i64 {
    ctx.info("first").await;
    a
}

/// Ctx in the middle.
#[mcp_tool]
async fn middle(a: i64, ctx: Ctx, b: i64) -> i64 {
    ctx.info("middle").await;
    a + b
}

/// Ctx last.
#[mcp_tool]
async fn last(a: String, ctx: Ctx) -> String {
    ctx.debug(&a).await;
    a
}

/// Ctx alone.
#[mcp_tool]
async fn alone(ctx: Ctx) {
    ctx.progress(1, 1).await;
}

/// Ctx by its full path, ignored.
#[mcp_tool]
async fn full_path(_: mcp_runtime::Ctx, a: bool) -> bool {
    a
}

/// No Ctx at all.
#[mcp_tool]
async fn none(a: u8) -> u8 {
    a
}

/// No parameters at all.
#[mcp_tool]
async fn nothing() {}

/// Parameters named like the generated code's internals.
#[mcp_tool]
async fn shadowing(args: i64, ctx: i64, mut call: i64, r#type: String) -> String {
    call += args + ctx;
    format!("{call}{}", r#type)
}

fn main() {
    let server = Server::new("s", "1")
        .tool::<first>()
        .tool::<middle>()
        .tool::<last>()
        .tool::<alone>()
        .tool::<full_path>()
        .tool::<none>()
        .tool::<nothing>()
        .tool::<shadowing>();
    let _ = server;
}

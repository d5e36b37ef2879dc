#![deny(warnings)]
//! The function stays an ordinary function: it can be called, and named as a tool.

use mcp_runtime::{mcp_tool, Ctx, Server, tool::Tool};

/// Add two integers.
#[mcp_tool]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Log and echo.
#[mcp_tool]
pub(crate) async fn echo(ctx: Ctx, message: String) -> String {
    ctx.info(&message).await;
    message
}

/// Not `Send`: holds an `Rc` across an await point.
#[mcp_tool]
async fn local(ctx: Ctx) -> usize {
    let shared = std::rc::Rc::new(5);
    ctx.info("waiting").await;
    *shared
}

mod nested {
    /// A tool in another module.
    #[mcp_runtime::mcp_tool]
    pub async fn twice(n: i64) -> i64 {
        super::add(n, n).await
    }
}

#[allow(dead_code)]
async fn use_directly() -> i64 {
    let sum = add(1, 2).await;
    let text = echo(Ctx::detached(), "hi".into()).await;
    let n = local(Ctx::detached()).await;
    sum + text.len() as i64 + n as i64 + nested::twice(4).await
}

fn main() {
    let server = Server::new("s", "1")
        .tool::<add>()
        .tool::<echo>()
        .tool::<local>()
        .tool::<nested::twice>();
    assert_eq!(<add as Tool>::SPEC.name(), "add");
    assert!(!<add as Tool>::SPEC.uses_ctx());
    assert!(<echo as Tool>::SPEC.uses_ctx());
    let _ = server;
}

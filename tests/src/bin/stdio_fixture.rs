//! A stdio MCP server for `tests/tests/integration/client_transports.rs`: tools that stream notifications,
//! end the process mid-call, or write a line that is not JSON-RPC to stdout.

use std::time::Duration;

use mcp_runtime::{mcp_tool, Ctx, Server};
use tests::slow_steps;

/// Send one progress update, then exit the process with `code` after `delay_ms`.
#[mcp_tool]
async fn exit_now(ctx: Ctx, code: i32, delay_ms: u64) -> String {
    ctx.progress(1, 2).await;
    actix_web::rt::time::sleep(Duration::from_millis(delay_ms)).await;
    std::process::exit(code)
}

/// Write a line that is not JSON to stdout, then wait.
#[mcp_tool]
async fn garbage() -> String {
    println!("this is not JSON-RPC");
    actix_web::rt::time::sleep(Duration::from_secs(30)).await;
    "unreachable in practice".into()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    Server::new("stdio-fixture", "0.1.0")
        .tool::<slow_steps>()
        .tool::<exit_now>()
        .tool::<garbage>()
        .serve_stdio()
        .await
}

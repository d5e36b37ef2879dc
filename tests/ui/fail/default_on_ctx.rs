use mcp_runtime::{mcp_tool, Ctx};

/// Log.
#[mcp_tool]
async fn log(#[mcp(default)] ctx: Ctx) {
    ctx.info("hi").await;
}

fn main() {}

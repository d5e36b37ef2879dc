use mcp_runtime::{mcp_tool, Ctx};

/// Log twice.
#[mcp_tool]
async fn log(first: Ctx, message: String, second: Ctx) {
    first.info(&message).await;
    second.info(&message).await;
}

fn main() {}

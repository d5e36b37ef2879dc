use mcp_runtime::mcp_tool;

/// Ignore a number.
#[mcp_tool]
async fn ignore(_: i64) {}

fn main() {}

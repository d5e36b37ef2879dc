use mcp_runtime::mcp_tool;

/// Add two integers.
#[mcp_tool(crate = "not a path")]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}

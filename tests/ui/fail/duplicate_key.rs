use mcp_runtime::mcp_tool;

/// Add two integers.
#[mcp_tool(name = "add", title = "Add", name = "plus")]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}

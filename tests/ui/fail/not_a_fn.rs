use mcp_runtime::mcp_tool;

/// Not a function.
#[mcp_tool]
struct Add {
    a: i64,
}

fn main() {}

use mcp_runtime::mcp_tool;

/// Compute at compile time.
#[mcp_tool]
const fn answer() -> i64 {
    42
}

fn main() {}

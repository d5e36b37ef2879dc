use mcp_runtime::mcp_tool;

/// Do something dangerous.
#[mcp_tool]
async unsafe fn danger() {}

fn main() {}

use mcp_runtime::mcp_tool;

/// Callable from C.
#[mcp_tool]
async extern "C" fn exported() {}

fn main() {}

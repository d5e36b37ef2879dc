use mcp_runtime::mcp_tool;

/// Read a file.
#[mcp_tool(annotations(readonly_hint = true))]
async fn read(path: String) -> String {
    path
}

fn main() {}

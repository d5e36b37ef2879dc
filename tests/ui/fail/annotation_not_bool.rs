use mcp_runtime::mcp_tool;

/// Read a file.
#[mcp_tool(annotations(read_only_hint = "yes"))]
async fn read(path: String) -> String {
    path
}

fn main() {}

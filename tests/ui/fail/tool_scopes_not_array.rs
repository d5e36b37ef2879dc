use mcp_runtime::mcp_tool;

/// Read a file.
#[mcp_tool(scopes = "files:read")]
async fn read(path: String) -> String {
    path
}

fn main() {}

use mcp_runtime::mcp_tool;

const WRITE: &str = "files:write";

/// Write a file.
#[mcp_tool(scopes = ["files:read", WRITE, "files write", ""])]
async fn write(path: String) -> String {
    path
}

/// Scopes are for tools only.
#[mcp_runtime::mcp_prompt(scopes = ["files:read"])]
async fn greet() -> String {
    "hi".into()
}

fn main() {
    let _ = WRITE;
}

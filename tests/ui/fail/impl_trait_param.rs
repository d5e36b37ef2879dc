use mcp_runtime::mcp_tool;

/// Greet someone.
#[mcp_tool]
async fn greet(name: impl Into<String>) -> String {
    format!("Hello, {}!", name.into())
}

fn main() {}

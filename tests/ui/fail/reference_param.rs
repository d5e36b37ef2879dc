use mcp_runtime::mcp_tool;

/// Greet someone.
#[mcp_tool]
async fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

fn main() {}

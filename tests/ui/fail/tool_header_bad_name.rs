use mcp_runtime::mcp_tool;

/// Greet someone.
#[mcp_tool]
async fn greet(#[mcp(header = "X Region")] name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}

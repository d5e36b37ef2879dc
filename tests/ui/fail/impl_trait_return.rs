use mcp_runtime::mcp_tool;

/// Greet someone.
#[mcp_tool]
async fn greet(name: String) -> impl std::fmt::Display {
    format!("Hello, {name}!")
}

fn main() {}

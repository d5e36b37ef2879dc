use mcp_runtime::mcp_tool;

fn names(prefix: &str) -> Vec<String> {
    vec![prefix.to_owned()]
}

/// Greet someone.
#[mcp_tool]
async fn greet(#[mcp(complete = names)] name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}

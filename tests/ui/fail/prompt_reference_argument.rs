use mcp_runtime::mcp_prompt;

/// Greet someone.
#[mcp_prompt]
async fn greet(name: &'static str, #[mcp(default)] title: Option<String>) -> String {
    format!("Say hello to {title:?} {name}.")
}

fn main() {}

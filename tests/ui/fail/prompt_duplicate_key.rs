use mcp_runtime::mcp_prompt;

/// Greet someone.
#[mcp_prompt(title = "Greeting", title = "Hello")]
async fn greet(#[mcp(rename = "who", rename = "whom")] name: String) -> String {
    format!("Say hello to {name}.")
}

fn main() {}

use mcp_runtime::mcp_prompt;

/// Greet someone.
#[mcp_prompt(annotations(read_only_hint = true), colour = "blue")]
async fn greet(name: String) -> String {
    format!("Say hello to {name}.")
}

fn main() {}

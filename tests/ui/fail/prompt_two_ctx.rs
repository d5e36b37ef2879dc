use mcp_runtime::{mcp_prompt, Ctx};

/// Greet someone.
#[mcp_prompt]
async fn greet(ctx: Ctx, name: String, again: Ctx) -> String {
    let _ = (ctx, again);
    format!("Say hello to {name}.")
}

fn main() {}

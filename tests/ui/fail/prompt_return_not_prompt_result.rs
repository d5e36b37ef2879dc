use mcp_runtime::mcp_prompt;

/// Count to three.
#[mcp_prompt]
async fn count() -> Vec<i32> {
    vec![1, 2, 3]
}

fn main() {}

use mcp_runtime::mcp_prompt;

/// Pick a language.
#[mcp_prompt]
async fn pick(#[mcp(complete = "languages")] language: String) -> String {
    language
}

fn main() {}

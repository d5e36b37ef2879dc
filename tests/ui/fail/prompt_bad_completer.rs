use mcp_runtime::mcp_prompt;

fn by_number(n: u32) -> Vec<String> {
    vec![n.to_string()]
}

fn not_values(prefix: &str) -> usize {
    prefix.len()
}

/// Pick a language.
#[mcp_prompt]
async fn pick(
    #[mcp(complete = by_number)] language: String,
    #[mcp(complete = not_values)] style: String,
) -> String {
    format!("{language} {style}")
}

fn main() {}

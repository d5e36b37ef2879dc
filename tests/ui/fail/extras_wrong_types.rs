use mcp_runtime::{mcp_prompt, mcp_tool};

fn meta() -> String {
    "not a map".into()
}

const ICONS: &str = "icon.png";

/// Icons must be `&'static [Icon]`; `meta` must return a JSON map.
#[mcp_tool(icons = ICONS, meta = meta)]
async fn tool(a: i64) -> i64 {
    a
}

/// Prompts take no input schema: their arguments are strings.
#[mcp_prompt(input_schema = meta)]
async fn prompt(topic: String) -> String {
    topic
}

fn main() {}

use mcp_runtime::mcp_tool;
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
enum Mode {
    Fast,
    Slow,
}

/// Run in a mode.
#[mcp_tool]
async fn run(#[mcp(default)] mode: Mode) -> bool {
    matches!(mode, Mode::Fast)
}

fn main() {}

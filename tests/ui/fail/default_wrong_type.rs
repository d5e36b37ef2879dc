use mcp_runtime::mcp_tool;

/// Count to a limit.
#[mcp_tool]
async fn count(#[mcp(default = "ten")] limit: u32) -> u32 {
    limit
}

fn main() {}

use mcp_runtime::mcp_tool;

/// Work.
#[mcp_tool(task = "sometimes")]
async fn work() -> String {
    "done".into()
}

fn main() {}

use mcp_runtime::mcp_tool;

/// `meta` and `input_schema` name functions; a string or a call is a mistake.
#[mcp_tool(meta = "owner", input_schema = schema())]
async fn tagged(a: i64) -> i64 {
    a
}

fn schema() -> serde_json::Value {
    serde_json::json!({"type": "object"})
}

fn main() {}

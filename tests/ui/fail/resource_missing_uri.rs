use mcp_runtime::mcp_resource;

/// No URI.
#[mcp_resource(mime_type = "text/plain")]
async fn nowhere() -> String {
    String::new()
}

fn main() {}

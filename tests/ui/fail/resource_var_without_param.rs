use mcp_runtime::mcp_resource;

/// `{id}` has no parameter.
#[mcp_resource(uri_template = "test://template/{id}/data/{part}")]
async fn data(part: String) -> String {
    part
}

fn main() {}

use mcp_runtime::mcp_resource;

/// Both a URI and a template.
#[mcp_resource(uri = "test://a", uri_template = "test://{id}")]
async fn both(id: String) -> String {
    id
}

fn main() {}

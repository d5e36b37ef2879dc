use mcp_runtime::{mcp_resource, Ctx};

/// `name` is not in the template.
#[mcp_resource(uri_template = "test://template/{id}/data")]
async fn data(ctx: Ctx, id: String, name: String) -> String {
    let _ = ctx;
    format!("{id}{name}")
}

/// A fixed URI takes no variables.
#[mcp_resource(uri = "test://fixed")]
async fn fixed(id: u32) -> String {
    id.to_string()
}

fn main() {}

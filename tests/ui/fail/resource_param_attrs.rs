use mcp_runtime::{mcp_resource, Ctx};

fn ids(prefix: &str) -> Vec<String> {
    vec![prefix.to_owned()]
}

/// Mistakes in the attributes of resource parameters, all reported at once.
#[mcp_resource(uri_template = "t://{a}/{b}")]
async fn r(
    #[mcp(complete = ids)] ctx: Ctx,
    #[mcp(default)] a: String,
    #[mcp(complete = "ids")] b: String,
) -> String {
    let _ = ctx;
    format!("{a}{b}")
}

fn main() {}

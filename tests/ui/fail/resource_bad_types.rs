use mcp_runtime::mcp_resource;

struct NotFromStr;

/// A variable type that does not parse, and a return type that is not contents.
#[mcp_resource(uri_template = "test://{id}")]
async fn bad(id: NotFromStr) -> u32 {
    let _ = id;
    1
}

fn main() {}

use mcp_runtime::mcp_resource;

/// Unknown and duplicate keys, a bad template, no return type: all reported at once.
#[mcp_resource(
    uri_template = "test://{+path}",
    mimetype = "text/plain",
    name = "a",
    name = "b"
)]
async fn many(path: String) {
    let _ = path;
}

fn main() {}

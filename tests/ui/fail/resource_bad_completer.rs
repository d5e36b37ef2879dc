use mcp_runtime::mcp_resource;

fn wrong(n: u32) -> u32 {
    n
}

/// A completer of the wrong shape is reported at its name.
#[mcp_resource(uri_template = "t://{a}")]
async fn r(#[mcp(complete = wrong)] a: String) -> String {
    a
}

fn main() {}

use mcp_runtime::mcp_resource;

/// Not async.
#[mcp_resource(uri = "test://sync")]
fn sync_resource() -> String {
    String::new()
}

fn main() {}

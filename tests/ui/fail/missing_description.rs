use mcp_runtime::{mcp_tool, Server};

#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::new("s", "1").tool::<add>();
}

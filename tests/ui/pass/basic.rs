#![deny(warnings, missing_docs)]
//! The example from the documentation.

use mcp_runtime::{mcp_tool, Server};

/// Add two integers.
#[mcp_tool]
pub async fn add(
    /// The first addend.
    a: i64,
    /// The second addend; 0 when absent.
    b: Option<i64>,
) -> i64 {
    a + b.unwrap_or(0)
}

/// Say hello.
#[mcp_tool]
async fn hello() -> String {
    "hello".into()
}

fn main() {
    let server = Server::new("calculator", "1.0.0").tool::<add>().tool::<hello>();
    let _ = server;
}

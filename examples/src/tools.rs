//! The tools of the seed scenario, shared by the `server`, `demo` and `bench` examples: `add`,
//! and `process_files`, which reports every item as a log message and a progress notification
//! while it runs.

use std::time::Duration;

use mcp_runtime::{mcp_tool, Ctx, Server, ToolError};

/// Add two integers and return their sum.
#[mcp_tool(annotations(read_only_hint = true, idempotent_hint = true, open_world_hint = false))]
pub async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> Result<i64, ToolError> {
    a.checked_add(b)
        .ok_or_else(|| ToolError::msg(format!("{a} + {b} overflows a 64-bit integer")))
}

/// Process documents one by one, reporting each as a log message and a progress update.
#[mcp_tool(annotations(read_only_hint = true, open_world_hint = false))]
pub async fn process_files(
    ctx: Ctx,
    /// Names of the documents to process.
    items: Vec<String>,
    /// Pause between documents, in milliseconds (default 0).
    delay_ms: Option<u64>,
) -> String {
    let n = items.len();
    let delay = Duration::from_millis(delay_ms.unwrap_or(0));
    for (i, item) in items.iter().enumerate() {
        ctx.info(format!("Processing document {}/{n}: {item}", i + 1))
            .await;
        ctx.progress_message(i + 1, n, &format!("processed {item}"))
            .await;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    "Processing complete!".to_owned()
}

/// The example server: `add` and `process_files`, with instructions.
pub fn server() -> Server {
    Server::new("demo-server", env!("CARGO_PKG_VERSION"))
        .instructions("Call `process_files` with a list of document names to watch progress live.")
        .tool::<add>()
        .tool::<process_files>()
}

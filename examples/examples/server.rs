//! The seed scenario: `add`, and `process_files`, which reports every item as a log message and
//! a progress notification while it runs (the tools live in `examples/src/tools.rs`).
//!
//! Both generations of clients work side by side: Streamable HTTP at `/mcp`, and the legacy
//! HTTP+SSE transport of 2024-11-05 at `GET /sse` + `POST /messages`.
//!
//! ```text
//! cargo run -p examples --example server -- --bind 127.0.0.1:8000
//! ```

use std::net::TcpListener;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind(examples::bind_addr())?;
    let addr = listener.local_addr()?;
    let running = examples::tools::server()
        .into_http()
        .legacy_sse(true)
        .listen(listener)?;
    eprintln!(
        "MCP server listening on http://{addr}/mcp (legacy HTTP+SSE clients: http://{addr}/sse)"
    );
    running.await
}

//! The seed scenario over stdio: the same tools as the `server` example (`add`, and
//! `process_files`, which reports every item as a log message and a progress notification), for
//! clients that start the server as a child process and speak newline-delimited JSON-RPC on its
//! stdin and stdout.
//!
//! ```text
//! cargo build -p examples --example stdio_server
//! echo '{"jsonrpc":"2.0","id":1,"method":"ping"}' | target/debug/examples/stdio_server
//! ```
//!
//! Stdout carries protocol messages only; the example prints nothing else.

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    examples::tools::server().serve_stdio().await
}

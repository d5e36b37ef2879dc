//! The `stdio_server` example (`examples/examples/stdio_server.rs`: the seed scenario's tools
//! over stdio) as a binary of this package, so that `tests/tests/integration/stdio.rs` starts
//! it from the path Cargo gives (`CARGO_BIN_EXE_stdio_server`) instead of building the example
//! with a nested `cargo`. Same server, same runtime flavour as the example.

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    examples::tools::server().serve_stdio().await
}

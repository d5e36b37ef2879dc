//! The seed scenario: `add`, and `process_files`, which reports every item as a log message and
//! a progress notification while it runs (the tools live in `examples/src/tools.rs`).
//!
//! ```text
//! cargo run -p examples --example server -- --bind 127.0.0.1:8000
//! ```

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    examples::serve(examples::tools::server()).await
}

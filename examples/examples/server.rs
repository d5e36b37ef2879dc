//! The seed scenario: `add`, and `process_files`, which reports every item as a log message and
//! a progress notification while it runs (the tools live in `examples/src/tools.rs`).
//!
//! Both generations of clients work side by side: Streamable HTTP at `/mcp`, and the legacy
//! HTTP+SSE transport of 2024-11-05 at `GET /sse` + `POST /messages`.
//!
//! ```text
//! cargo run -p examples --example server -- --bind 127.0.0.1:8000
//! cargo run -p examples --example server -- --tls-cert cert.pem --tls-key key.pem   # HTTPS
//! cargo run -p examples --example server -- --cors-origin https://app.example.com # browsers
//! cargo run -p examples --example server -- --auth-hs256-secret "$SECRET" \
//!     --auth-audience http://127.0.0.1:8000/mcp --auth-issuer https://auth.example.com
//! ```

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut http = examples::tools::server().into_http().legacy_sse(true);
    if let Some(origin) = examples::option("--cors-origin") {
        http = http.allowed_origins([origin]).cors(true);
    }
    examples::serve(http).await
}

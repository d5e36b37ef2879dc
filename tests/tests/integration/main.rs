//! The integration tests, in one test binary: every module below runs real servers (on loopback
//! ports of their own, or as child processes) against real clients. One binary links actix,
//! reqwest and hyper once instead of once per file, and lets the modules share their helpers
//! (in `tests/src/lib.rs`, the `tests` crate).
//!
//! Run one module with `cargo test -p tests --test integration -- resume::`.
//!
//! The trybuild UI tests (`tests/tests/ui.rs`) stay a binary of their own.

mod auth;
mod client;
mod client_transports;
mod cors;
mod decoder;
mod dynamic;
mod elicitation;
mod hostile;
mod legacy_sse;
mod limits;
mod prompts;
mod resources;
mod resume;
mod runtime_tools;
mod schemas;
mod shutdown;
mod stateless;
mod stdio;
mod stores;
mod streamable_http;
mod tls;

//! Shared bits of the runnable examples in `examples/`: the example tools and command-line
//! parsing.

pub mod tools;

use std::io;
use std::net::TcpListener;

use mcp_runtime::Server;

/// Serves `server` on the `--bind` address until the process is stopped, saying where.
pub async fn serve(server: Server) -> io::Result<()> {
    let listener = TcpListener::bind(bind_addr())?;
    let addr = listener.local_addr()?;
    let running = server.into_http().listen(listener)?;
    eprintln!("MCP server listening on http://{addr}/mcp");
    running.await
}

/// The value of a `--name VALUE` (or `--name=VALUE`) command-line option.
pub fn option(name: &str) -> Option<String> {
    let mut args = std::env::args().skip(1);
    let prefix = format!("{name}=");
    while let Some(arg) = args.next() {
        if arg == name {
            let value = args.next();
            assert!(value.is_some(), "{name} needs a value");
            return value;
        }
        if let Some(value) = arg.strip_prefix(&prefix) {
            return Some(value.to_owned());
        }
    }
    None
}

/// The `--bind ADDR` option, default `127.0.0.1:8000`.
pub fn bind_addr() -> String {
    option("--bind").unwrap_or_else(|| "127.0.0.1:8000".to_owned())
}

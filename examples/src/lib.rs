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

/// The `--bind ADDR` argument (or `--bind=ADDR`), default `127.0.0.1:8000`.
pub fn bind_addr() -> String {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--bind" {
            return args
                .next()
                .expect("--bind needs an address, e.g. --bind 127.0.0.1:8000");
        }
        if let Some(addr) = arg.strip_prefix("--bind=") {
            return addr.to_owned();
        }
    }
    "127.0.0.1:8000".to_owned()
}

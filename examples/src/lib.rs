//! Shared bits of the runnable examples in `examples/`: the example tools and command-line
//! parsing.

pub mod tools;

use std::io;
use std::net::TcpListener;

use mcp_runtime::http::{StreamableHttp, TlsConfig};

/// Serves `http` on the `--bind` address until the process is stopped, saying where; over
/// HTTPS when `--tls-cert PATH --tls-key PATH` (PEM files) are given. A start-up failure is
/// printed as a sentence (not as a debug dump) and exits with status 1.
pub async fn serve(http: StreamableHttp) -> io::Result<()> {
    let result = start(http).await;
    if let Err(error) = &result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
    result
}

async fn start(http: StreamableHttp) -> io::Result<()> {
    let listener = TcpListener::bind(bind_addr())?;
    let addr = listener.local_addr()?;
    let (scheme, running) = match (option("--tls-cert"), option("--tls-key")) {
        (Some(cert), Some(key)) => {
            let tls = TlsConfig::from_pem_files(cert, key)?;
            ("https", http.listen_tls(listener, tls)?)
        }
        (None, None) => ("http", http.listen(listener)?),
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "--tls-cert and --tls-key go together: give both PEM files, or neither",
            ))
        }
    };
    eprintln!("MCP server listening on {scheme}://{addr}/mcp");
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

//! Shared bits of the runnable examples in `examples/`: the example tools and command-line
//! parsing.

pub mod tools;

use std::io;
use std::net::TcpListener;

use mcp_runtime::auth::{JwtVerifier, ProtectedResource};
use mcp_runtime::http::{StreamableHttp, TlsConfig};

/// Serves `http` on the `--bind` address until the process is stopped, saying where; over
/// HTTPS when `--tls-cert PATH --tls-key PATH` (PEM files) are given; requiring HS256 bearer
/// tokens when `--auth-hs256-secret SECRET --auth-audience AUD --auth-issuer ISS` are. A start-up failure is
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
    let http = with_auth(http)?;
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

/// With `--auth-hs256-secret SECRET --auth-audience AUD --auth-issuer ISS`: every request
/// needs a JWT signed with SECRET (HS256), issued by ISS for AUD (the server's URL, e.g.
/// `http://127.0.0.1:8000/mcp`), and the Protected Resource Metadata names ISS as the
/// authorization server. The three go together.
fn with_auth(http: StreamableHttp) -> io::Result<StreamableHttp> {
    let options = (
        option("--auth-hs256-secret"),
        option("--auth-audience"),
        option("--auth-issuer"),
    );
    match options {
        (Some(secret), Some(audience), Some(issuer)) => {
            let verifier = JwtVerifier::hs256(secret, issuer.clone(), audience.clone());
            eprintln!("bearer tokens required: HS256, issuer {issuer}, audience {audience}");
            Ok(http
                .auth(verifier)
                .protected_resource(ProtectedResource::new(audience, issuer)))
        }
        (None, None, None) => Ok(http),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "--auth-hs256-secret, --auth-audience and --auth-issuer go together: give all three, \
             or none",
        )),
    }
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

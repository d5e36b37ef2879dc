//! A command-line MCP client: lists a server's tools, or calls one and prints each log message
//! and progress update the moment it arrives, then the result.
//!
//! ```text
//! client URL                          # list the tools
//! client URL TOOL [JSON_ARGS]         # call TOOL with JSON_ARGS (default {})
//! client --stdio CMD [ARGS...] -- [TOOL [JSON_ARGS]]   # spawn a stdio server instead of a URL
//! client --sse URL ...                # the legacy HTTP+SSE transport (URL of the SSE endpoint)
//!
//! --wire 2025|2026|auto   which Streamable HTTP wire to speak (default auto: 2026, else 2025)
//! --assert-live MS        exit with status 3 unless the first notification arrived at least
//!                         MS milliseconds before the result (checks notifications are live)
//! --accept-elicitation JSON   answer every elicitation from the server by accepting JSON
//! --oauth                 sign in to an OAuth-protected server: prints the authorization URL,
//!                         waits for the redirect on a loopback port, keeps the tokens in
//!                         $MCP_TOKEN_FILE (default ~/.mcp-runtime-tokens.json)
//! --client-credentials ID:SECRET   a machine client: the OAuth client credentials grant
//!
//! cargo run -p examples --example server &
//! cargo run -p examples --example client -- http://127.0.0.1:8000/mcp process_files \
//!     '{"items":["a.pdf","b.pdf","c.pdf"],"delay_ms":500}'
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mcp_runtime::client::oauth::{FileTokenStore, OAuth, OAuthError, Url};
use mcp_runtime::client::{
    CallOptions, Client, ClientBuilder, MessageHandler, Wire, WirePreference,
};
use mcp_runtime::{elicit::Elicitation, CallToolResult, Content, LoggingLevel};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the command line asks for.
struct Args {
    target: Target,
    wire: WirePreference,
    assert_live_ms: Option<u64>,
    elicitation_answer: Option<Value>,
    sign_in: Option<SignIn>,
    tool: Option<String>,
    arguments: Value,
}

/// How to obtain a token for a protected server.
enum SignIn {
    /// A person, in a browser.
    Interactive,
    /// A machine client: its id and secret.
    ClientCredentials(String, String),
}

enum Target {
    Url(String),
    Sse(String),
    Stdio(Vec<String>),
}

const USAGE: &str =
    "usage: client [--wire 2025|2026|auto] [--assert-live MS] [--accept-elicitation JSON] \
                     [--oauth | --client-credentials ID:SECRET] \
                     (URL | --sse URL | --stdio CMD [ARGS...] --) [TOOL [JSON_ARGS]]";

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut target = None;
    let mut wire = WirePreference::Auto;
    let mut assert_live_ms = None;
    let mut elicitation_answer = None;
    let mut sign_in = None;
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--wire" => {
                wire = match args.next().as_deref() {
                    Some("2025") => WirePreference::Handshake,
                    Some("2026") => WirePreference::Stateless,
                    Some("auto") => WirePreference::Auto,
                    other => return Err(format!("--wire takes 2025, 2026 or auto, not {other:?}")),
                }
            }
            "--assert-live" => {
                let ms = args.next().ok_or("--assert-live needs milliseconds")?;
                assert_live_ms = Some(ms.parse().map_err(|e| format!("--assert-live {ms}: {e}"))?);
            }
            "--accept-elicitation" => {
                let json = args.next().ok_or("--accept-elicitation needs JSON")?;
                let answer = serde_json::from_str(&json)
                    .map_err(|e| format!("--accept-elicitation: {e}"))?;
                elicitation_answer = Some(answer);
            }
            "--oauth" => sign_in = Some(SignIn::Interactive),
            "--client-credentials" => {
                let pair = args.next().ok_or("--client-credentials needs ID:SECRET")?;
                let (id, secret) = pair
                    .split_once(':')
                    .ok_or("--client-credentials takes ID:SECRET")?;
                sign_in = Some(SignIn::ClientCredentials(id.into(), secret.into()));
            }
            "--sse" => target = Some(Target::Sse(args.next().ok_or("--sse needs a URL")?)),
            "--stdio" => {
                let command: Vec<String> = args.by_ref().take_while(|a| a != "--").collect();
                if command.is_empty() {
                    return Err("--stdio needs a command".into());
                }
                target = Some(Target::Stdio(command));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            _ if target.is_none() => target = Some(Target::Url(arg)),
            _ => rest.push(arg),
        }
    }
    let target = target.ok_or(USAGE)?;
    let mut rest = rest.into_iter();
    let tool = rest.next();
    let arguments = match rest.next() {
        Some(json) => serde_json::from_str(&json).map_err(|e| format!("JSON_ARGS: {e}"))?,
        None => Value::Object(Default::default()),
    };
    Ok(Args {
        target,
        wire,
        assert_live_ms,
        elicitation_answer,
        sign_in,
        tool,
        arguments,
    })
}

/// Prints every log message as `[level] text` the moment it arrives, and notes when the first
/// notification came.
struct Printer {
    first: Arc<Mutex<Option<Instant>>>,
}

impl Printer {
    fn arrived(&self) {
        self.first.lock().unwrap().get_or_insert_with(Instant::now);
    }
}

impl MessageHandler for Printer {
    fn on_log(&self, level: LoggingLevel, _logger: Option<&str>, data: &Value) {
        self.arrived();
        let text = data
            .as_str()
            .map_or_else(|| data.to_string(), str::to_owned);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "[{level}] {text}");
        let _ = out.flush();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where the tokens of `--oauth` are kept between runs.
fn token_file() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("MCP_TOKEN_FILE") {
        return path.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    std::path::Path::new(&home).join(".mcp-runtime-tokens.json")
}

/// The interactive sign-in: prints the authorization URL, then waits for the browser's
/// redirect to `listener` and answers it with a page saying the window can be closed.
async fn sign_in_in_browser(
    listener: Arc<TcpListener>,
    authorization_url: Url,
) -> Result<Url, OAuthError> {
    let fail = |e: &dyn std::fmt::Display| OAuthError::Authorizer(e.to_string());
    eprintln!("open this URL to sign in:\n  {authorization_url}");
    let (mut socket, _) = listener.accept().await.map_err(|e| fail(&e))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = socket.read(&mut buf).await.map_err(|e| fail(&e))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head
        .split_whitespace()
        .nth(1)
        .ok_or_else(|| fail(&"the redirect was not an HTTP request"))?;
    let page = "<p>Signed in. You can close this window.</p>";
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let address = listener.local_addr().map_err(|e| fail(&e))?;
    Url::parse(&format!("http://{address}{target}")).map_err(|e| fail(&e))
}

/// The OAuth settings for `--oauth` / `--client-credentials`.
async fn oauth(sign_in: &SignIn) -> std::io::Result<OAuth> {
    let oauth = match sign_in {
        SignIn::ClientCredentials(id, secret) => OAuth::client_credentials(id, secret),
        SignIn::Interactive => {
            let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await?);
            let redirect = format!("http://{}/callback", listener.local_addr()?);
            OAuth::authorization_code(redirect, move |url| {
                sign_in_in_browser(listener.clone(), url)
            })
            .client_name("mcp-runtime-example-client")
        }
    };
    Ok(oauth.token_store(FileTokenStore::new(token_file())))
}

async fn run(args: Args) -> Result<ExitCode, mcp_runtime::client::ClientError> {
    let first = Arc::new(Mutex::new(None));
    let mut builder: ClientBuilder = match &args.target {
        Target::Url(url) => Client::builder(url).wire(args.wire),
        Target::Sse(url) => Client::builder_legacy_sse(url),
        Target::Stdio(command) => {
            let mut cmd = tokio::process::Command::new(&command[0]);
            cmd.args(&command[1..]);
            Client::builder_stdio(cmd)
        }
    };
    if let Some(answer) = args.elicitation_answer.clone() {
        builder = builder.on_elicitation(move |request| {
            let answer = answer.clone();
            async move {
                println!("elicitation: {} -> {answer}", request.message);
                Ok(Elicitation::Accept(answer))
            }
        });
    }
    if let Some(sign_in) = &args.sign_in {
        builder = builder.oauth(
            oauth(sign_in)
                .await
                .map_err(mcp_runtime::client::ClientError::transport)?,
        );
    }
    let client = builder
        .client_info("mcp-runtime-example-client", env!("CARGO_PKG_VERSION"))
        .handler(Printer {
            first: first.clone(),
        })
        .connect()
        .await?;
    let info = client.server_info();
    eprintln!(
        "connected to {} {} (protocol {}, {})",
        info.server_info.name,
        info.server_info.version,
        client.protocol_version(),
        client.wire()
    );
    let Some(tool) = args.tool.as_deref() else {
        for tool in client.list_tools().await? {
            println!("{}: {}", tool.name, tool.description.unwrap_or_default());
        }
        client.close().await?;
        return Ok(ExitCode::SUCCESS);
    };
    // The 2026 wire has no logging capability to check: the level rides in each request.
    let logging = client.server_info().capabilities.get("logging").is_some();
    if logging || client.wire() == Wire::Stateless {
        client.set_log_level(LoggingLevel::Info).await?;
    }
    let progress_first = first.clone();
    let options = CallOptions::new().on_progress(move |p| {
        progress_first
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
        let message = p.message.as_deref().unwrap_or("");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "progress {}{total} {message}", p.progress);
        let _ = out.flush();
    });
    let result = client.call_tool_with(tool, args.arguments, options).await?;
    let done = Instant::now();
    print_result(&result);
    client.close().await?;
    if let Some(ms) = args.assert_live_ms {
        let first = *first.lock().unwrap();
        let lead = first.map(|t| done.duration_since(t).as_millis());
        match lead {
            Some(lead) if lead >= u128::from(ms) => {
                eprintln!("live: the first notification came {lead} ms before the result");
            }
            Some(lead) => {
                eprintln!("NOT LIVE: the first notification came only {lead} ms before the result (wanted {ms})");
                return Ok(ExitCode::from(3));
            }
            None => {
                eprintln!("NOT LIVE: no notification arrived");
                return Ok(ExitCode::from(3));
            }
        }
    }
    Ok(if result.is_error == Some(true) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_result(result: &CallToolResult) {
    let label = if result.is_error == Some(true) {
        "error"
    } else {
        "result"
    };
    for block in &result.content {
        match block {
            Content::Text { text, .. } => println!("{label}: {text}"),
            other => println!(
                "{label}: {}",
                serde_json::to_string(other).unwrap_or_default()
            ),
        }
    }
    if let Some(structured) = &result.structured_content {
        println!("structured: {structured}");
    }
}

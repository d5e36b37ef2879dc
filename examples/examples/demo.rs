//! The main demo: a server and a client in one process, with log and progress notifications
//! printed the moment each arrives, before the tool's result.
//!
//! ```text
//! cargo run -p examples --example demo                                # own server on a free port
//! cargo run -p examples --example demo -- --url http://127.0.0.1:8000/mcp   # a running server
//! ```

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use mcp_runtime::client::{Client, ClientError, MessageHandler};
use mcp_runtime::{CallToolResult, Content, LoggingLevel};
use serde_json::{json, Value};

const DOCUMENTS: [&str; 5] = [
    "report.pdf",
    "budget.xlsx",
    "notes.md",
    "slides.pptx",
    "contract.docx",
];
const DELAY_MS: u64 = 400;

/// Prints log notifications with the time since the demo started.
struct Printer {
    start: Instant,
    received: Arc<AtomicUsize>,
}

impl MessageHandler for Printer {
    fn on_log(&self, level: LoggingLevel, logger: Option<&str>, data: &Value) {
        self.received.fetch_add(1, Ordering::Relaxed);
        let logger = logger.map(|l| format!(" {l}:")).unwrap_or_default();
        println!("{} [{level}]{logger} {}", stamp(self.start), text(data));
    }
}

fn stamp(start: Instant) -> String {
    format!("[{:>6.2}s]", start.elapsed().as_secs_f64())
}

fn text(data: &Value) -> String {
    data.as_str()
        .map_or_else(|| data.to_string(), str::to_owned)
}

fn result_text(result: &CallToolResult) -> String {
    let texts: Vec<&str> = result
        .content
        .iter()
        .filter_map(|c| match c {
            Content::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let error = if result.is_error == Some(true) {
        " (tool error)"
    } else {
        ""
    };
    format!("{}{error}", texts.join(" "))
}

/// Starts the example server on a free loopback port, in a thread with its own actix System.
fn start_server() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match examples::tools::server().into_http().listen(listener) {
                Ok(server) => {
                    let _ = tx.send(Ok(()));
                    let _ = server.await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        })
    });
    rx.recv().map_err(std::io::Error::other)??;
    Ok(url)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let url = match examples::option("--url") {
        Some(url) => url,
        None => start_server()?,
    };

    let received = Arc::new(AtomicUsize::new(0));
    let client = Client::builder(&url)
        .client_info("mcp-runtime-demo", env!("CARGO_PKG_VERSION"))
        .handler(Printer {
            start,
            received: received.clone(),
        })
        .connect()
        .await?;
    let info = client.server_info();
    println!(
        "{} connected to {} {} at {url} (protocol {}, session {})",
        stamp(start),
        info.server_info.name,
        info.server_info.version,
        client.protocol_version(),
        client.session_id().unwrap_or("none"),
    );
    client.set_log_level(LoggingLevel::Info).await?;

    for tool in client.list_tools().await? {
        println!(
            "{} tool {}: {}",
            stamp(start),
            tool.name,
            tool.description.unwrap_or_default()
        );
    }

    let sum = client.call_tool("add", json!({"a": 2, "b": 3})).await?;
    println!("{} add(2, 3) = {}", stamp(start), result_text(&sum));

    println!(
        "{} calling process_files with {} documents, {DELAY_MS} ms apart; notifications print as they arrive:",
        stamp(start),
        DOCUMENTS.len()
    );
    let called = Instant::now();
    let result = client
        .call_tool_with_progress(
            "process_files",
            json!({"items": DOCUMENTS, "delay_ms": DELAY_MS}),
            |p| {
                received.fetch_add(1, Ordering::Relaxed);
                let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
                let message = p.message.as_deref().unwrap_or("");
                println!("{} progress {}{total} {message}", stamp(start), p.progress);
            },
        )
        .await?;
    println!(
        "{} result: {}  ({:.2}s after the call; {} notifications arrived before it)",
        stamp(start),
        result_text(&result),
        called.elapsed().as_secs_f64(),
        received.load(Ordering::Relaxed),
    );

    match client.close().await {
        Ok(()) => println!("{} session closed", stamp(start)),
        Err(e @ ClientError::Http { .. }) => println!("{} close: {e}", stamp(start)),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

//! `mcp_runtime::client::Client` against a real server on a loopback port: the whole lifecycle,
//! and notifications that arrive live, well before the result.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_runtime::client::{Client, ClientError, MessageHandler, WirePreference};
use mcp_runtime::protocol::ErrorCode;
use mcp_runtime::{mcp_tool, Content, Ctx, LoggingLevel, Server, ToolError};
use serde_json::{json, Value};
use tests::TestServer;

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Work through `items`, logging and reporting progress for each, `delay_ms` apart.
#[mcp_tool]
async fn slow_steps(ctx: Ctx, items: Vec<String>, delay_ms: u64) -> String {
    let n = items.len();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        ctx.debug(format!("debug {item}")).await;
        ctx.info(format!("step {}/{n}: {item}", i + 1)).await;
        ctx.progress_message(i + 1, n, item).await;
    }
    format!("{n} done")
}

/// Always fails.
#[mcp_tool]
async fn fail() -> Result<String, ToolError> {
    Err(ToolError::msg("nope"))
}

fn server() -> TestServer {
    TestServer::start(
        Server::new("client-tests", "1.2.3")
            .tool::<add>()
            .tool::<slow_steps>()
            .tool::<fail>()
            .into_http(),
    )
}

/// Records what arrives, and when.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<(Instant, String)>>>);

impl Recorder {
    fn push(&self, what: String) {
        self.0.lock().unwrap().push((Instant::now(), what));
    }
    fn take(&self) -> Vec<(Instant, String)> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl MessageHandler for Recorder {
    fn on_log(&self, level: LoggingLevel, _logger: Option<&str>, data: &Value) {
        self.push(format!("log {level} {}", data.as_str().unwrap_or("?")));
    }
    fn on_progress(
        &self,
        _token: &Value,
        progress: f64,
        total: Option<f64>,
        message: Option<&str>,
    ) {
        self.push(format!(
            "progress {progress}/{} {}",
            total.unwrap_or(0.0),
            message.unwrap_or("")
        ));
    }
}

#[tokio::test]
async fn notifications_arrive_live_before_the_result() {
    let server = server();
    let recorder = Recorder::default();
    let client = Client::builder(&server.url)
        .handler(recorder.clone())
        .connect()
        .await
        .unwrap();
    client.set_log_level(LoggingLevel::Info).await.unwrap();

    let mut callback = Vec::new();
    let args = json!({"items": ["a", "b", "c"], "delay_ms": 300});
    let result = client
        .call_tool_with_progress("slow_steps", args, |p| {
            callback.push((Instant::now(), p.progress))
        })
        .await
        .unwrap();
    let done = Instant::now();
    assert_eq!(result.content, vec![Content::text("3 done")]);

    let seen = recorder.take();
    let names: Vec<&str> = seen.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "log info step 1/3: a",
            "progress 1/3 a",
            "log info step 2/3: b",
            "progress 2/3 b",
            "log info step 3/3: c",
            "progress 3/3 c",
        ],
        "debug logs are filtered by the session level; everything else in order"
    );
    let first = seen[0].0;
    // The tool sleeps 300 ms twice after the first notification: it must not wait for the end.
    assert!(
        done - first >= Duration::from_millis(500),
        "first notification {:?} before the result",
        done - first
    );
    // And the notifications themselves are spread out, not delivered in one burst.
    assert!(seen[2].0 - seen[0].0 >= Duration::from_millis(200));
    assert!(seen[4].0 - seen[2].0 >= Duration::from_millis(200));
    // The per-call callback saw the same progress, as it arrived.
    assert_eq!(
        callback.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        [1.0, 2.0, 3.0]
    );
    assert!(done - callback[0].0 >= Duration::from_millis(500));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_whole_session() {
    let server = server();
    let client = Client::builder(&server.url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap();
    assert_eq!(client.server_info().server_info.name, "client-tests");
    assert_eq!(client.server_info().server_info.version, "1.2.3");
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert!(client.session_id().is_some());
    client.ping().await.unwrap();

    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["add", "slow_steps", "fail"]);
    assert_eq!(tools[0].description.as_deref(), Some("Add two integers."));
    assert_eq!(tools[0].input_schema["properties"]["a"]["type"], "integer");

    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(sum.content, vec![Content::text("5")]);
    assert_eq!(sum.is_error, None);

    // A tool that fails is a result; a call that cannot happen is an error.
    let failed = client.call_tool("fail", json!({})).await.unwrap();
    assert_eq!(failed.is_error, Some(true));
    let e = client.call_tool("missing", json!({})).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Rpc(r) if r.code == ErrorCode::INVALID_PARAMS),
        "{e}"
    );
    client.set_log_level(LoggingLevel::Debug).await.unwrap();

    // Without a progress callback there is no token: the server sends logs only.
    let recorder = Recorder::default();
    client.set_handler(recorder.clone());
    let args = json!({"items": ["x"], "delay_ms": 0});
    client.call_tool("slow_steps", args).await.unwrap();
    let seen: Vec<String> = recorder.take().into_iter().map(|(_, s)| s).collect();
    assert_eq!(seen, ["log debug debug x", "log info step 1/1: x"]);

    // Concurrent calls on one client each get their own answer.
    let calls = (0..8).map(|i| client.call_tool("add", json!({"a": i, "b": 100})));
    let results = futures_util::future::join_all(calls).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(
            result.unwrap().content,
            vec![Content::text((i + 100).to_string())]
        );
    }

    // Closing ends the session (see the next test for what a client of an ended session
    // sees); connecting again opens a new one.
    let url = server.url.clone();
    client.close().await.unwrap();
    let again = Client::builder(&url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap();
    assert_ne!(again.session_id(), None);
}

#[tokio::test]
async fn an_ended_session_is_reported_as_expired() {
    let server = server();
    let client = Client::builder(&server.url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap();
    let session = client.session_id().unwrap().to_owned();
    // End the session behind the client's back.
    let response = server
        .request(reqwest::Method::DELETE)
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let e = client
        .call_tool("add", json!({"a": 1, "b": 1}))
        .await
        .unwrap_err();
    assert!(e.is_session_expired(), "{e}");
    assert_eq!(e.http_status(), Some(404));
    assert!(
        e.rpc_error().is_some(),
        "the 404 carries a JSON-RPC error body: {e}"
    );
}

//! `mcp_runtime::client::Client` over every transport, against real servers: a stdio child
//! (`tests/src/bin/stdio_fixture.rs`), the legacy HTTP+SSE endpoints and Streamable HTTP of our own
//! server (falling back from the 2026 wire to the 2025 handshake), with cancellation, timeouts,
//! server requests answered by callbacks, and the ways a server can fail: killed mid-call,
//! exiting, or writing garbage. Every call runs under a tokio timeout, so a hang fails the test
//! instead of blocking it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_runtime::client::{
    CallOptions, CancellationToken, Client, ClientError, MessageHandler, Wire, WirePreference,
};
use mcp_runtime::protocol::RpcError;
use mcp_runtime::{
    elicit::{CreateMessageRequest, CreateMessageResult, Elicitation, Root, SamplingMessage},
    mcp_tool,
    prompt::Role,
    Content, Ctx, JsonSchema, LoggingLevel, Server, ToolError,
};
use serde_json::{json, Value};
use tests::{slow_steps, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Fails the test if `future` takes longer than ten seconds: a hang is a bug.
async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("no answer within 10 s: the client hangs")
}

static SAW_CANCEL: AtomicBool = AtomicBool::new(false);

/// Sets [`SAW_CANCEL`] when dropped: the server drops a cancelled tool's future.
struct DroppedFlag;

impl Drop for DroppedFlag {
    fn drop(&mut self) {
        SAW_CANCEL.store(true, Ordering::SeqCst);
    }
}

/// Report progress once, then wait (long enough that only a cancellation ends it in a test).
#[mcp_tool]
async fn until_cancelled(ctx: Ctx) -> String {
    let _flag = DroppedFlag;
    ctx.progress(1, 2).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    "never cancelled".into()
}

#[derive(serde::Deserialize, JsonSchema)]
struct Contact {
    /// Your name.
    name: String,
}

/// Ask the user for a name.
#[mcp_tool]
async fn ask_name(ctx: Ctx) -> Result<String, ToolError> {
    Ok(match ctx.elicit::<Contact>("Who are you?").await? {
        Elicitation::Accept(c) => format!("hello {}", c.name),
        Elicitation::Decline => "declined".into(),
        Elicitation::Cancel => "cancelled".into(),
    })
}

/// Ask the client's model.
#[mcp_tool]
async fn ask_model(ctx: Ctx, question: String) -> Result<String, ToolError> {
    let request = CreateMessageRequest::new(vec![SamplingMessage::user(question)], 50)
        .system_prompt("Be brief.");
    Ok(ctx.sample(request).await?.text())
}

/// List the client's roots.
#[mcp_tool]
async fn roots(ctx: Ctx) -> Result<String, ToolError> {
    let roots = ctx.list_roots().await?;
    Ok(roots
        .iter()
        .map(|r| r.uri.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// The sum, as structured content.
#[mcp_tool]
async fn sum(a: i64, b: i64) -> mcp_runtime::Json<Total> {
    mcp_runtime::Json(Total { total: a + b })
}

#[derive(serde::Serialize, serde::Deserialize, JsonSchema, Debug, PartialEq)]
struct Total {
    total: i64,
}

/// Log, close the call's stream (SSE polling), log again, and finish: the client must
/// reconnect with `Last-Event-ID` to see the rest.
#[mcp_tool]
async fn polled(ctx: Ctx) -> String {
    ctx.info("before the break").await;
    ctx.progress(1, 3).await;
    ctx.close_sse_stream().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    ctx.info("after the break").await;
    ctx.progress(2, 3).await;
    ctx.close_sse_stream().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    ctx.progress(3, 3).await;
    "polled to the end".into()
}

/// Always fails.
#[mcp_tool]
async fn fail() -> Result<String, ToolError> {
    Err(ToolError::msg("nope"))
}

fn server() -> TestServer {
    TestServer::start(
        Server::new("transports", "1.0.0")
            .tool::<slow_steps>()
            .tool::<until_cancelled>()
            .tool::<ask_name>()
            .tool::<ask_model>()
            .tool::<roots>()
            .tool::<sum>()
            .tool::<fail>()
            .tool::<polled>()
            .into_http()
            .legacy_sse(true),
    )
}

/// Records log messages and progress as `what` strings, with arrival times.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<(Instant, String)>>>);

impl Recorder {
    fn names(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }
    fn first_at(&self) -> Option<Instant> {
        self.0.lock().unwrap().first().map(|(t, _)| *t)
    }
}

impl MessageHandler for Recorder {
    fn on_log(&self, level: LoggingLevel, _: Option<&str>, data: &Value) {
        let text = format!("[{level}] {}", data.as_str().unwrap_or_default());
        self.0.lock().unwrap().push((Instant::now(), text));
    }
}

fn stdio_fixture() -> tokio::process::Command {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_stdio_fixture"))
}

/// A call with live notifications: each log and progress update arrives `delay` before the
/// next, so the first arrives well before the result.
async fn assert_streams_live(client: &Client, recorder: &Recorder) {
    client.set_log_level(LoggingLevel::Info).await.unwrap();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let sink = progress.clone();
    let args = json!({"items": ["a", "b", "c"], "delay_ms": 250});
    let options = CallOptions::new().on_progress(move |p| {
        sink.lock()
            .unwrap()
            .push((Instant::now(), p.progress, p.message.clone()))
    });
    let result = within(client.call_tool_with("slow_steps", args, options))
        .await
        .unwrap();
    let done = Instant::now();
    assert_eq!(result.content, vec![Content::text("3 done")]);
    assert_eq!(
        recorder.names(),
        [
            "[info] step 1/3: a",
            "[info] step 2/3: b",
            "[info] step 3/3: c"
        ]
    );
    let progress = progress.lock().unwrap();
    let steps: Vec<(f64, Option<String>)> =
        progress.iter().map(|(_, p, m)| (*p, m.clone())).collect();
    // Progress messages came with 2025-03-26; a 2024-11-05 server leaves them out.
    let message = |m: &str| (client.protocol_version() != "2024-11-05").then(|| m.to_owned());
    assert_eq!(
        steps,
        [
            (1.0, message("a")),
            (2.0, message("b")),
            (3.0, message("c"))
        ]
    );
    let lead = done - recorder.first_at().unwrap();
    assert!(
        lead >= Duration::from_millis(400),
        "the first log came only {lead:?} before the result"
    );
    let lead = done - progress[0].0;
    assert!(
        lead >= Duration::from_millis(400),
        "the first progress came only {lead:?} before the result"
    );
}

#[tokio::test]
async fn stdio_child_lists_calls_and_streams_live() {
    let recorder = Recorder::default();
    let client = within(
        Client::builder_stdio(stdio_fixture())
            .handler(recorder.clone())
            .connect(),
    )
    .await
    .unwrap();
    assert_eq!(client.wire(), Wire::Handshake);
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert_eq!(client.server_info().server_info.name, "stdio-fixture");
    assert_eq!(client.session_id(), None);
    let names: Vec<String> = within(client.list_tools())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["slow_steps", "exit_now", "garbage"]);
    within(client.ping()).await.unwrap();
    assert_streams_live(&client, &recorder).await;
    within(client.close()).await.unwrap();
}

#[tokio::test]
async fn stdio_child_exiting_fails_the_call_in_flight_and_every_later_one() {
    let client = within(Client::connect_stdio(stdio_fixture()))
        .await
        .unwrap();
    let e = within(client.call_tool("exit_now", json!({"code": 3, "delay_ms": 50})))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::ProcessExited { status } if status.contains('3')),
        "{e}"
    );
    let e = within(client.list_tools()).await.unwrap_err();
    assert!(matches!(e, ClientError::ProcessExited { .. }), "{e}");
    assert!(
        e.to_string().starts_with("the server process exited"),
        "{e}"
    );
}

#[tokio::test]
async fn stdio_child_writing_garbage_is_a_decode_error() {
    let client = within(Client::connect_stdio(stdio_fixture()))
        .await
        .unwrap();
    let e = within(client.call_tool("garbage", json!({})))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e}");
    let e = within(client.ping()).await.unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e}");
}

#[tokio::test]
async fn stdio_command_that_does_not_exist_is_a_transport_error() {
    let command = tokio::process::Command::new("/nonexistent/mcp-server");
    let e = within(Client::connect_stdio(command)).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Transport { message, .. } if message.contains("could not start")),
        "{e}"
    );
}

#[tokio::test]
async fn legacy_sse_lists_calls_and_streams_live() {
    let server = server();
    let recorder = Recorder::default();
    let sse_url = server.url.replace("/mcp", "/sse");
    let client = within(
        Client::builder_legacy_sse(&sse_url)
            .handler(recorder.clone())
            .connect(),
    )
    .await
    .unwrap();
    assert_eq!(client.protocol_version(), "2024-11-05");
    assert_eq!(client.wire(), Wire::Handshake);
    let tools = within(client.list_tools()).await.unwrap();
    assert!(tools.iter().any(|t| t.name == "slow_steps"));
    assert_streams_live(&client, &recorder).await;
    let e = within(client.call_tool("nope", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::Rpc(r) if r.message.contains("nope")),
        "{e}"
    );
    within(client.close()).await.unwrap();
}

#[tokio::test]
async fn streamable_http_speaks_2026_first_and_the_2025_handshake_on_request() {
    // Our server serves both eras on one endpoint: the client picks the stateless wire.
    // (Falling back to `initialize` is exercised against the TypeScript SDK server, which
    // speaks only 2025, in tests/interop/run.sh.)
    let server = server();
    let recorder = Recorder::default();
    let modern = within(
        Client::builder(&server.url)
            .handler(recorder.clone())
            .connect(),
    )
    .await
    .unwrap();
    assert_eq!(modern.wire(), Wire::Stateless);
    assert_eq!(modern.protocol_version(), "2026-07-28");
    assert!(modern.session_id().is_none());
    assert_streams_live(&modern, &recorder).await;

    let recorder = Recorder::default();
    let client = within(
        Client::builder(&server.url)
            .wire(WirePreference::Handshake)
            .handler(recorder.clone())
            .connect(),
    )
    .await
    .unwrap();
    assert_eq!(client.wire(), Wire::Handshake);
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert!(client.session_id().is_some());
    assert_streams_live(&client, &recorder).await;
    within(client.close()).await.unwrap();

    // With the session's GET stream open, calls and closing work as before.
    let recorder = Recorder::default();
    let listening = within(
        Client::builder(&server.url)
            .wire(WirePreference::Handshake)
            .listen(true)
            .handler(recorder.clone())
            .connect(),
    )
    .await
    .unwrap();
    assert_streams_live(&listening, &recorder).await;
    within(listening.close()).await.unwrap();
}

#[tokio::test]
async fn typed_results_and_tool_failures() {
    let server = server();
    let client = within(Client::connect(&server.url)).await.unwrap();
    let total: Total = within(client.call_tool_as("sum", json!({"a": 2, "b": 40})))
        .await
        .unwrap();
    assert_eq!(total, Total { total: 42 });
    // Typed arguments: any `Serialize` that makes a JSON object.
    #[derive(serde::Serialize)]
    struct SumArgs {
        a: i64,
        b: i64,
    }
    let total: Total = within(client.call_tool_as("sum", SumArgs { a: 40, b: 2 }))
        .await
        .unwrap();
    assert_eq!(total, Total { total: 42 });
    // Arguments that cannot be JSON fail before anything is sent.
    let mut bad = std::collections::HashMap::new();
    bad.insert((1, 2), 3);
    let e = within(client.call_tool("sum", bad)).await.unwrap_err();
    assert!(matches!(e, ClientError::Arguments(_)), "{e}");
    let e = within(client.call_tool_as::<Total>("fail", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::ToolFailed(m) if m.contains("nope")),
        "{e}"
    );
    let e = within(client.call_tool_as::<String>("sum", json!({"a": 1, "b": 1})))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::InvalidResult { .. }), "{e}");
}

/// Cancels `until_cancelled` after its first progress update and checks that the server
/// dropped the tool.
async fn assert_cancels(client: &Client) {
    assert_cancels_then(client, true).await
}

async fn assert_cancels_then(client: &Client, ping: bool) {
    SAW_CANCEL.store(false, Ordering::SeqCst);
    let token = CancellationToken::new();
    let trigger = token.clone();
    let options = CallOptions::new()
        .cancel_on(token)
        .on_progress(move |_| trigger.cancel());
    let started = Instant::now();
    let e = within(client.call_tool_with("until_cancelled", json!({}), options))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Cancelled), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !SAW_CANCEL.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the server never saw notifications/cancelled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The connection is still good.
    if ping {
        within(client.ping()).await.unwrap();
    }
}

#[tokio::test]
async fn cancellation_stops_the_call_and_tells_the_server() {
    let server = server();
    // Over the legacy transport the event stream stays open: only notifications/cancelled
    // can stop the tool. (One test, as SAW_CANCEL is shared.)
    let sse = within(Client::connect_legacy_sse(
        server.url.replace("/mcp", "/sse"),
    ))
    .await
    .unwrap();
    assert_cancels(&sse).await;
    let client = within(
        Client::builder(&server.url)
            .wire(WirePreference::Handshake)
            .connect(),
    )
    .await
    .unwrap();
    assert_cancels(&client).await;
    // On the 2026 wire, cancelling closes the call's stream; the server notices at its next
    // write (a keep-alive at the latest) and drops the tool. There is no `ping` there.
    let quick = TestServer::start(
        Server::new("transports", "1.0.0")
            .tool::<until_cancelled>()
            .into_http()
            .keep_alive(Duration::from_millis(100)),
    );
    let modern = within(Client::connect(&quick.url)).await.unwrap();
    assert_eq!(modern.wire(), Wire::Stateless);
    assert_cancels_then(&modern, false).await;

    let options = CallOptions::new().timeout(Duration::from_millis(300));
    let args = json!({"items": ["a", "b"], "delay_ms": 3000});
    let e = within(client.call_tool_with("slow_steps", args, options))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::Timeout(t) if t == Duration::from_millis(300)),
        "{e}"
    );
}

async fn answering_client(url: &str, elicitations: Arc<AtomicUsize>) -> Client {
    within(
        Client::builder(url)
            .on_elicitation(move |request| {
                let seen = elicitations.clone();
                async move {
                    seen.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(request.message, "Who are you?");
                    let schema = request.requested_schema.unwrap_or_default();
                    assert_eq!(schema["properties"]["name"]["type"], "string");
                    Ok(Elicitation::Accept(json!({"name": "Ada"})))
                }
            })
            .on_sampling(|request| async move {
                let question = match &request.messages[0].content {
                    Content::Text { text, .. } => text.clone(),
                    _ => String::new(),
                };
                Ok(CreateMessageResult {
                    role: Role::Assistant,
                    content: vec![Content::text(format!(
                        "{} says: {question}",
                        request.system_prompt.unwrap_or_default()
                    ))],
                    model: "echo".into(),
                    stop_reason: Some("endTurn".into()),
                })
            })
            .on_roots(|| async {
                Ok(vec![
                    Root {
                        uri: "file:///a".into(),
                        name: None,
                    },
                    Root {
                        uri: "file:///b".into(),
                        name: Some("b".into()),
                    },
                ])
            })
            .connect(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn server_requests_are_answered_by_the_callbacks() {
    let server = server();
    let elicitations = Arc::new(AtomicUsize::new(0));
    let client = answering_client(&server.url, elicitations.clone()).await;
    let text = |r: mcp_runtime::CallToolResult| match &r.content[0] {
        Content::Text { text, .. } => text.clone(),
        other => panic!("{other:?}"),
    };
    let r = within(client.call_tool("ask_name", json!({})))
        .await
        .unwrap();
    assert_eq!(text(r), "hello Ada");
    assert_eq!(elicitations.load(Ordering::SeqCst), 1);
    let r = within(client.call_tool("ask_model", json!({"question": "hi?"})))
        .await
        .unwrap();
    assert_eq!(text(r), "Be brief. says: hi?");
    let r = within(client.call_tool("roots", json!({}))).await.unwrap();
    assert_eq!(text(r), "file:///a,file:///b");

    // Over the legacy transport too.
    let sse = within(
        Client::builder_legacy_sse(server.url.replace("/mcp", "/sse"))
            .on_roots(|| async {
                Ok(vec![Root {
                    uri: "file:///legacy".into(),
                    name: None,
                }])
            })
            .connect(),
    )
    .await
    .unwrap();
    let r = within(sse.call_tool("roots", json!({}))).await.unwrap();
    assert_eq!(text(r), "file:///legacy");

    // Without callbacks, nothing is declared, and the server does not ask: in a 2025 session
    // the tool gets a clean error; on the 2026 wire the request is refused with -32021.
    let plain = within(
        Client::builder(&server.url)
            .wire(WirePreference::Handshake)
            .connect(),
    )
    .await
    .unwrap();
    let r = within(plain.call_tool("roots", json!({}))).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(text(r).contains("does not support roots"));
    let modern = within(Client::connect(&server.url)).await.unwrap();
    let e = within(modern.call_tool("roots", json!({})))
        .await
        .unwrap_err();
    assert_eq!(e.rpc_error().map(|r| r.code.0), Some(-32021), "{e}");
}

#[tokio::test]
async fn a_callback_error_reaches_the_tool() {
    let server = server();
    // On the 2026 wire an input request has no error answer: the call fails at the client,
    // saying why.
    let modern = within(
        Client::builder(&server.url)
            .on_sampling(|_: CreateMessageRequest| async {
                Err(RpcError::internal("no model here"))
            })
            .connect(),
    )
    .await
    .unwrap();
    let e = within(modern.call_tool("ask_model", json!({"question": "x"})))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no model here"), "{e}");
    // In a 2025 session the error goes back to the server, and the tool sees it.
    let client = within(
        Client::builder(&server.url)
            .wire(WirePreference::Handshake)
            .on_sampling(|_: CreateMessageRequest| async {
                Err(RpcError::internal("no model here"))
            })
            .connect(),
    )
    .await
    .unwrap();
    let r = within(client.call_tool("ask_model", json!({"question": "x"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let Content::Text { text, .. } = &r.content[0] else {
        panic!("{r:?}")
    };
    assert!(text.contains("no model here"), "{text}");
}

/// Starts `slow_steps` on `client`, stops `server` after the first progress update, and
/// returns the call's outcome.
async fn killed_mid_call(client: Arc<Client>, server: TestServer) -> Result<(), ClientError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let options = CallOptions::new().on_progress(move |_| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(());
        }
    });
    let args = json!({"items": ["a", "b", "c"], "delay_ms": 2000});
    let call = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .call_tool_with("slow_steps", args, options)
                .await
                .map(|_| ())
        })
    };
    within(rx).await.unwrap();
    drop(server);
    within(call).await.unwrap()
}

#[tokio::test]
async fn a_server_killed_mid_call_is_an_error_not_a_hang() {
    let http = server();
    let client = Arc::new(within(Client::connect(&http.url)).await.unwrap());
    let e = killed_mid_call(client, http).await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Transport { .. } | ClientError::StreamEnded(_)
        ),
        "{e}"
    );

    // Over the legacy transport, the shared stream ends: this call and every later one fail.
    let legacy = self::server();
    let client = within(Client::connect_legacy_sse(
        legacy.url.replace("/mcp", "/sse"),
    ))
    .await
    .unwrap();
    let client = Arc::new(client);
    let e = killed_mid_call(client.clone(), legacy).await.unwrap_err();
    assert!(matches!(e, ClientError::Closed(_)), "{e}");
    let e = within(client.ping()).await.unwrap_err();
    assert!(matches!(e, ClientError::Closed(_)), "{e}");
}

/// A raw HTTP server answering every request with `response` (and closing the connection
/// 300 ms later), for as many requests as come.
async fn raw_server(response: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(response).await;
                let _ = socket.flush().await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn malformed_server_output_is_a_clear_error() {
    // Bad JSON in a JSON body: the discover probe falls back, then initialize fails.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{not json",
    )
    .await;
    let e = within(Client::connect(format!("{url}/mcp")))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e}");
    assert!(e.to_string().contains("parse error"), "{e}");

    // An event stream whose event is not JSON-RPC.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nevent: message\ndata: <html>\n\n",
    )
    .await;
    let e = within(Client::connect(format!("{url}/mcp")))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e}");

    // An event stream that ends before the response, however often it is resumed.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nid: 1\ndata: \n\n",
    )
    .await;
    let e = within(Client::connect(format!("{url}/mcp")))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::StreamEnded(_)), "{e}");

    // A legacy SSE endpoint that names its endpoint, then sends garbage.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: endpoint\ndata: /messages?s=1\n\nevent: message\ndata: {oops\n\n",
    )
    .await;
    let e = within(Client::connect_legacy_sse(format!("{url}/sse")))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e}");

    // A legacy SSE endpoint that is not an event stream.
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi",
    )
    .await;
    let e = within(Client::connect_legacy_sse(format!("{url}/sse")))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("text/html")),
        "{e}"
    );
}

#[tokio::test]
async fn a_stream_the_server_closes_is_resumed_with_last_event_id() {
    let server = server();
    let recorder = Recorder::default();
    let client = within(
        Client::builder(&server.url)
            .handler(recorder.clone())
            .connect(),
    )
    .await
    .unwrap();
    client.set_log_level(LoggingLevel::Info).await.unwrap();
    let mut progress = Vec::new();
    let options = CallOptions::new().on_progress(|p| progress.push(p.progress));
    let result = within(client.call_tool_with("polled", json!({}), options))
        .await
        .unwrap();
    assert_eq!(result.content, vec![Content::text("polled to the end")]);
    assert_eq!(progress, [1.0, 2.0, 3.0]);
    assert_eq!(
        recorder.names(),
        ["[info] before the break", "[info] after the break"]
    );
}

//! The legacy HTTP+SSE transport (MCP 2024-11-05) over a real socket, beside `/mcp`: the
//! `endpoint` event, answers on the stream, every refusal the transport decides, and the
//! connection's life tied to its stream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_runtime::http::StreamableHttp;
use mcp_runtime::{mcp_tool, Ctx, Server, ToolError};
use reqwest::Method;
use serde_json::{json, Value};
use tests::{content_type, error_body, tool_call, EventReader, TestServer};

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Report `n` documents as log messages and progress, `delay_ms` apart.
#[mcp_tool]
async fn process(ctx: Ctx, n: u32, delay_ms: u64) -> String {
    for i in 1..=n {
        ctx.info(format!("document {i}/{n}")).await;
        ctx.progress(i, n).await;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    format!("{n} documents")
}

/// Counts the sleeps that ran to the end, and those dropped (cancelled) on the way.
#[derive(Default)]
struct Finished {
    finished: AtomicUsize,
    dropped: AtomicUsize,
}

/// Counts a sleep as dropped unless it was disarmed at the end.
struct DropCount(Option<Arc<Finished>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        if let Some(counts) = self.0.take() {
            counts.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Sleep `ms` milliseconds, then count itself finished.
#[mcp_tool]
async fn sleepy(ctx: Ctx, ms: u64) -> Result<String, ToolError> {
    let counts = ctx.state::<Arc<Finished>>()?.clone();
    let mut guard = DropCount(Some(counts.clone()));
    ctx.info("sleeping").await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    guard.0 = None;
    counts.finished.fetch_add(1, Ordering::SeqCst);
    Ok("awake".into())
}

/// Waits until the server dropped `n` sleeps (cancelled them).
async fn until_dropped(counts: &Finished, n: usize) {
    for _ in 0..250 {
        if counts.dropped.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the call was not cancelled");
}

fn server(finished: &Arc<Finished>) -> Server {
    Server::new("legacy-tests", "1.0.0")
        .state(finished.clone())
        .tool::<add>()
        .tool::<process>()
        .tool::<sleepy>()
}

fn legacy(finished: &Arc<Finished>) -> StreamableHttp {
    server(finished).into_http().legacy_sse(true)
}

/// A legacy client: the open stream and the URI its `endpoint` event named.
struct Connection {
    stream: EventReader,
    endpoint: String,
    base: String,
    http: reqwest::Client,
}

impl Connection {
    async fn open(base: &str) -> Connection {
        Connection::open_at(base, "/sse").await
    }

    async fn open_at(base: &str, path: &str) -> Connection {
        let http = reqwest::Client::new();
        let response = http
            .get(format!("{base}{path}"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(content_type(&response).starts_with("text/event-stream"));
        let mut stream = EventReader::new(response);
        let first = stream.expect(Duration::from_secs(5)).await;
        assert_eq!(first.event.as_deref(), Some("endpoint"), "{first:?}");
        assert_eq!(first.id, None, "no event ids: nothing to resume");
        Connection {
            stream,
            endpoint: first.data.expect("the endpoint URI"),
            base: base.to_owned(),
            http,
        }
    }

    /// POSTs one message to the endpoint and returns the response (202 expected).
    async fn post(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{}", self.base, self.endpoint))
            .header("content-type", "application/json")
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// POSTs and checks the `202` with an empty body.
    async fn send(&self, body: Value) {
        let response = self.post(&body).await;
        assert_eq!(response.status(), 202, "{body}");
        assert!(response.text().await.unwrap().is_empty());
    }

    /// `initialize` at 2024-11-05 and `notifications/initialized`; returns the result.
    async fn initialize(&mut self) -> Value {
        self.send(json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"legacy","version":"0"}}}))
            .await;
        let answer = self.stream.message().await;
        self.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .await;
        answer
    }
}

fn base(server: &TestServer) -> String {
    format!("http://{}", server.authority)
}

/// A `tools/call` with the progress token `p<id>`.
fn call(id: i64, name: &str, arguments: Value) -> Value {
    let mut call = tool_call(id, name, arguments);
    call["params"]["_meta"] = json!({"progressToken": format!("p{id}")});
    call
}

#[tokio::test]
async fn endpoint_event_then_answers_on_the_stream() {
    let server = TestServer::start(legacy(&Arc::default()));
    let mut c = Connection::open(&base(&server)).await;
    let id = c
        .endpoint
        .strip_prefix("/messages?sessionId=")
        .expect("a relative URI with the connection id");
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));

    let init = c.initialize().await;
    assert_eq!(init["id"], 0);
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");
    assert_eq!(init["result"]["serverInfo"]["name"], "legacy-tests");

    c.send(json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}))
        .await;
    let list = c.stream.message().await;
    assert_eq!(list["id"], 1);
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["add", "process", "sleepy"]);

    c.send(call(2, "add", json!({"a": 2, "b": 3}))).await;
    let sum = c.stream.message().await;
    assert_eq!(sum["id"], 2);
    assert_eq!(sum["result"]["content"][0]["text"], "5");

    c.send(json!({"jsonrpc":"2.0","id":3,"method":"nope"}))
        .await;
    assert_eq!(c.stream.message().await["error"]["code"], -32601);
    // A second `initialize` on the same connection is refused on the stream.
    c.send(json!({"jsonrpc":"2.0","id":4,"method":"initialize","params":{
        "protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"legacy","version":"0"}}}))
        .await;
    let again = c.stream.message().await;
    assert_eq!(
        (again["id"].clone(), again["error"]["code"].clone()),
        (json!(4), json!(-32600))
    );
}

#[tokio::test]
async fn requests_before_initialize_get_an_error_on_the_stream() {
    let server = TestServer::start(legacy(&Arc::default()));
    let mut c = Connection::open(&base(&server)).await;
    c.send(json!({"jsonrpc":"2.0","id":"early","method":"tools/list"}))
        .await;
    let early = c.stream.message().await;
    assert_eq!(early["id"], "early");
    assert_eq!(early["error"]["code"], -32600);
    c.send(json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .await;
    assert_eq!(c.stream.message().await["result"], json!({}));
    assert_eq!(c.initialize().await["id"], 0);
}

#[tokio::test]
async fn a_calls_logs_and_progress_arrive_on_the_stream_before_its_result() {
    let server = TestServer::start(legacy(&Arc::default()));
    let mut c = Connection::open(&base(&server)).await;
    c.initialize().await;
    let started = Instant::now();
    c.send(call(7, "process", json!({"n": 3, "delay_ms": 250})))
        .await;
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "202 at once, not after the call"
    );
    let mut seen = Vec::new();
    loop {
        let message = c.stream.message().await;
        let at = started.elapsed();
        let done = message.get("id").is_some();
        seen.push((at, message));
        if done {
            break;
        }
    }
    let methods: Vec<&str> = seen
        .iter()
        .map(|(_, m)| m["method"].as_str().unwrap_or("response"))
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/message",
            "notifications/progress",
            "notifications/message",
            "notifications/progress",
            "notifications/message",
            "notifications/progress",
            "response"
        ]
    );
    assert_eq!(seen[0].1["params"]["data"], "document 1/3");
    assert_eq!(seen[1].1["params"]["progressToken"], "p7");
    assert_eq!(seen[5].1["params"]["progress"], 3.0);
    let (result_at, result) = &seen[6];
    assert_eq!(result["id"], 7);
    assert_eq!(result["result"]["content"][0]["text"], "3 documents");
    assert!(
        seen[0].0 + Duration::from_millis(400) < *result_at,
        "the first notification arrived live, not with the result: {:?} vs {result_at:?}",
        seen[0].0
    );
}

#[tokio::test]
async fn calls_run_concurrently_and_can_be_cancelled() {
    let finished = Arc::new(Finished::default());
    let server = TestServer::start(legacy(&finished));
    let mut c = Connection::open(&base(&server)).await;
    c.initialize().await;
    c.send(call(1, "sleepy", json!({"ms": 60_000}))).await;
    assert_eq!(c.stream.message().await["params"]["data"], "sleeping");
    c.send(call(2, "add", json!({"a": 1, "b": 1}))).await;
    assert_eq!(
        c.stream.message().await["id"],
        2,
        "the quick call overtakes the slow one"
    );
    c.send(json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}))
        .await;
    until_dropped(&finished, 1).await;
    c.send(json!({"jsonrpc":"2.0","id":3,"method":"ping"}))
        .await;
    assert_eq!(
        c.stream.message().await["id"],
        3,
        "nothing for the cancelled call"
    );
    assert_eq!(finished.finished.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn transport_refusals_have_statuses_and_jsonrpc_bodies() {
    let server = TestServer::start(legacy(&Arc::default()).max_body_bytes(1024));
    let base = base(&server);
    let c = Connection::open(&base).await;
    let http = reqwest::Client::new();
    let ping = json!({"jsonrpc":"2.0","id":9,"method":"ping"});

    let unknown = http
        .post(format!(
            "{base}/messages?sessionId=0123456789abcdef0123456789abcdef"
        ))
        .json(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body = error_body(unknown).await;
    assert_eq!(
        (body["id"].clone(), body["error"]["code"].clone()),
        (json!(9), json!(-32001))
    );

    let missing = http
        .post(format!("{base}/messages"))
        .json(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    error_body(missing).await;

    let text = http
        .post(format!("{base}{}", c.endpoint))
        .header("content-type", "text/plain")
        .body(ping.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    error_body(text).await;

    let bad_json = http
        .post(format!("{base}{}", c.endpoint))
        .header("content-type", "application/json")
        .body("{\"jsonrpc\":")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    assert_eq!(error_body(bad_json).await["error"]["code"], -32700);

    let not_rpc = http
        .post(format!("{base}{}", c.endpoint))
        .json(&json!({"hello": "world"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_rpc.status(), 400);
    assert_eq!(error_body(not_rpc).await["error"]["code"], -32600);

    let huge = http
        .post(format!("{base}{}", c.endpoint))
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"x".repeat(2000)}}))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    error_body(huge).await;

    let wrong_accept = http
        .get(format!("{base}/sse"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_accept.status(), 406);
    error_body(wrong_accept).await;

    for (method, path, allow) in [
        (Method::POST, "/sse", "GET"),
        (Method::GET, "/messages", "POST"),
        (Method::DELETE, "/messages", "POST"),
    ] {
        let wrong = http
            .request(method, format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 405, "{path}");
        assert_eq!(wrong.headers()["allow"], allow);
        error_body(wrong).await;
    }
}

#[tokio::test]
async fn host_and_origin_are_checked_as_on_mcp() {
    let server = TestServer::start(legacy(&Arc::default()));
    let base = base(&server);
    let c = Connection::open(&base).await;
    let http = reqwest::Client::new();
    let get = |host: Option<&str>, origin: Option<&str>| {
        let mut request = http
            .get(format!("{base}/sse"))
            .header("accept", "text/event-stream");
        if let Some(host) = host {
            request = request.header("host", host);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let evil_host = get(Some("evil.example.com"), None).await.unwrap();
    assert_eq!(evil_host.status(), 403);
    error_body(evil_host).await;
    let evil_origin = get(None, Some("http://evil.example.com")).await.unwrap();
    assert_eq!(evil_origin.status(), 403);
    error_body(evil_origin).await;
    let local = get(Some("localhost:1234"), Some("http://localhost:3000"))
        .await
        .unwrap();
    assert_eq!(local.status(), 200);

    let post = http
        .post(format!("{base}{}", c.endpoint))
        .header("host", "evil.example.com")
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    error_body(post).await;
}

#[tokio::test]
async fn closing_the_stream_ends_the_connection_and_cancels_its_calls() {
    let finished = Arc::new(Finished::default());
    // A vanished client is noticed at the next write: keep-alives are frequent here.
    let server = TestServer::start(legacy(&finished).keep_alive(Duration::from_millis(50)));
    let mut c = Connection::open(&base(&server)).await;
    c.initialize().await;
    c.send(call(1, "sleepy", json!({"ms": 60_000}))).await;
    assert_eq!(c.stream.message().await["params"]["data"], "sleeping");
    let Connection {
        stream,
        endpoint,
        base,
        http,
    } = c;
    drop(stream);
    let ping = json!({"jsonrpc":"2.0","id":2,"method":"ping"});
    let mut status = 0;
    for _ in 0..100 {
        let response = http
            .post(format!("{base}{endpoint}"))
            .json(&ping)
            .send()
            .await
            .unwrap();
        status = response.status().as_u16();
        if status == 404 {
            error_body(response).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 404, "the connection outlived its stream");
    until_dropped(&finished, 1).await;
}

#[tokio::test]
async fn keep_alive_comments_flow_while_idle() {
    let server = TestServer::start(legacy(&Arc::default()).keep_alive(Duration::from_millis(50)));
    let mut c = Connection::open(&base(&server)).await;
    c.initialize().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.send(json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .await;
    assert_eq!(c.stream.message().await["id"], 1);
    assert!(c.stream.comments >= 2, "{} keep-alives", c.stream.comments);
}

#[tokio::test]
async fn open_streams_are_bounded() {
    let server = TestServer::start(legacy(&Arc::default()).max_sessions(1));
    let base = base(&server);
    let _first = Connection::open(&base).await;
    let second = reqwest::Client::new()
        .get(format!("{base}/sse"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 503);
    error_body(second).await;
}

#[tokio::test]
async fn mcp_keeps_working_beside_it() {
    let server = TestServer::start(legacy(&Arc::default()));
    let mut c = Connection::open(&base(&server)).await;
    c.initialize().await;
    let session = server.session().await;
    let modern = server
        .call(
            &session,
            json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":20,"b":22}}}),
        )
        .await;
    assert_eq!(modern[0]["result"]["content"][0]["text"], "42");
    // The legacy connection id is not an `Mcp-Session-Id`.
    let id = c.endpoint.rsplit('=').next().unwrap();
    let crossed = server
        .post(Some(id))
        .json(&json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(crossed.status(), 404);
    c.send(call(3, "add", json!({"a": 1, "b": 2}))).await;
    assert_eq!(
        c.stream.message().await["result"]["content"][0]["text"],
        "3"
    );

    // Off by default: /sse is not served.
    let plain = TestServer::start(server_off());
    let off = reqwest::Client::new()
        .get(format!("{}/sse", base(&plain)))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 404);
}

fn server_off() -> StreamableHttp {
    server(&Arc::default()).into_http()
}

#[tokio::test]
async fn paths_are_configurable_and_the_endpoint_keeps_the_mount_prefix() {
    use actix_web::{web, App, HttpServer};
    let mcp = legacy(&Arc::default())
        .path("/mcp")
        .legacy_sse_paths("/events", "/rpc");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new().service(web::scope("/api").configure(|cfg| mcp.configure(cfg)))
            })
            .workers(2)
            .listen(listener)
            .unwrap()
            .run();
            tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = rx.recv().unwrap();
    let base = format!("http://{addr}");
    let mut c = Connection::open_at(&base, "/api/events").await;
    assert!(
        c.endpoint.starts_with("/api/rpc?sessionId="),
        "{}",
        c.endpoint
    );
    assert_eq!(
        c.initialize().await["result"]["protocolVersion"],
        "2024-11-05"
    );
    // POSTs may land on another worker than the stream: answers still reach the stream.
    for id in 1..=8 {
        c.send(call(id, "add", json!({"a": id, "b": 0}))).await;
        assert_eq!(c.stream.message().await["id"], id);
    }
    let modern = reqwest::Client::new()
        .post(format!("{base}/api/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(modern.status(), 200);
    handle.stop(false).await;
}

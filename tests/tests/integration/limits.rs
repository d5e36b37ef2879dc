//! Call limits over a real socket: the per-call timeout and the per-session concurrency cap.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_runtime::{mcp_tool, Ctx, Server, ToolError};
use serde_json::{json, Value};
use tests::{timed_messages, tool_call, TestServer};

/// Set when a timed-out tool's cancellation reached work it handed off.
#[derive(Default)]
struct Observed(AtomicBool);

/// Sleep `ms` milliseconds; a helper task watches for cancellation.
#[mcp_tool]
async fn nap(ctx: Ctx, ms: u64) -> Result<&'static str, ToolError> {
    let observed = ctx.state::<Arc<Observed>>()?.clone();
    let token = ctx.cancellation_token();
    tokio::spawn(async move {
        token.cancelled().await;
        observed.0.store(true, Ordering::SeqCst);
    });
    ctx.info("napping").await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok("rested")
}

fn call(id: i64, ms: u64) -> Value {
    tool_call(id, "nap", json!({"ms": ms}))
}

#[tokio::test]
async fn a_call_past_its_timeout_is_cancelled_and_the_client_told() {
    let observed = Arc::new(Observed::default());
    let server = TestServer::start(
        Server::new("limits", "1")
            .tool::<nap>()
            .state(observed.clone())
            .call_timeout(Duration::from_millis(300))
            .into_http(),
    );
    let s = server.session().await;
    let started = Instant::now();
    let msgs = server.call(&s, call(1, 5_000)).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let result = &msgs.last().unwrap()["result"];
    assert_eq!(result["isError"], true);
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("did not finish within 300ms"), "{text}");
    // The watcher runs on another task; give it a moment to see the token.
    for _ in 0..100 {
        if observed.0.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(observed.0.load(Ordering::SeqCst), "the Ctx token fired");
    // A quick call still completes.
    let msgs = server.call(&s, call(2, 10)).await;
    assert_eq!(
        msgs.last().unwrap()["result"]["content"][0]["text"],
        "rested"
    );
}

#[tokio::test]
async fn a_session_runs_at_most_its_share_of_calls() {
    let server = TestServer::start(
        Server::new("limits", "1")
            .tool::<nap>()
            .state(Arc::new(Observed::default()))
            .max_calls_per_session(2)
            .into_http(),
    );
    let s = server.session().await;
    let mut running = Vec::new();
    for id in 1..=2 {
        let response = server
            .post(Some(&s))
            .json(&call(id, 800))
            .send()
            .await
            .unwrap();
        running.push(tokio::spawn(timed_messages(response)));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = server.call(&s, call(3, 10)).await;
    assert_eq!(refused[0]["id"], 3);
    assert_eq!(refused[0]["error"]["code"], -32000);
    let message = refused[0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("already runs 2 tool calls"), "{message}");

    // Another session is not affected.
    let other = server.session().await;
    let msgs = server.call(&other, call(1, 10)).await;
    assert_eq!(
        msgs.last().unwrap()["result"]["content"][0]["text"],
        "rested"
    );

    for call in running {
        let msgs = call.await.unwrap();
        assert_eq!(
            msgs.last().unwrap().1["result"]["content"][0]["text"],
            "rested"
        );
    }
    // Once they finished, the session takes calls again.
    let msgs = server.call(&s, call(4, 10)).await;
    assert_eq!(
        msgs.last().unwrap()["result"]["content"][0]["text"],
        "rested"
    );
}

/// Headers and one byte of a 100-byte body, then nothing: a stalled body.
async fn stall(authority: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut socket = tokio::net::TcpStream::connect(authority).await.unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: {authority}\r\naccept: application/json, text/event-stream\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket
}

/// Everything the server sends until it closes the connection; `None` if it is still open
/// after `within`.
async fn until_closed(socket: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let read = socket.read_to_end(&mut received);
    match tokio::time::timeout(within, read).await {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_its_connection_is_closed() {
    let server = TestServer::start(
        Server::new("limits", "1")
            .into_http()
            .body_timeout(Duration::from_millis(500)),
    );
    let started = Instant::now();
    let mut socket = stall(&server.authority).await;
    let answer = until_closed(&mut socket, Duration::from_secs(10))
        .await
        .expect("the stalled connection is closed");
    assert!(started.elapsed() >= Duration::from_millis(450));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let error: Value = serde_json::from_str(body).unwrap();
    assert_eq!(error["jsonrpc"], "2.0");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("500 ms"), "{message}");
    // A prompt client is not affected.
    let session = server.session().await;
    let pong = server
        .call(&session, json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .await;
    assert_eq!(pong[0]["result"], json!({}));
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let server = TestServer::start(
        Server::new("limits", "1")
            .into_http()
            .workers(1)
            .max_connections(2)
            .body_timeout(Duration::from_millis(1500)),
    );
    let mut stalled = vec![
        stall(&server.authority).await,
        stall(&server.authority).await,
    ];
    // Let the server accept both before the third connection comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let waiting = tokio::spawn(async move {
        let session = server.session().await;
        (server, session, started.elapsed())
    });
    for socket in &mut stalled {
        let answer = until_closed(socket, Duration::from_secs(10)).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    let (_server, _session, waited) = waiting.await.unwrap();
    // The third client was served only once the stalled connections were closed.
    assert!(waited >= Duration::from_millis(1000), "{waited:?}");
}

/// `initialize` alone, as a flood sends it; the status and the session id, if any.
async fn bare_initialize(server: &TestServer) -> (u16, Option<String>, Value) {
    let response = server
        .post(None)
        .json(
            &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},
            "clientInfo":{"name":"flood","version":"0"}}}),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let id = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, id, response.json().await.unwrap())
}

/// Sessions opened and never used expire long before the idle timeout, so a flood of bare
/// `initialize` requests keeps new clients out for that long at most.
#[tokio::test]
async fn sessions_never_used_expire_soon_and_make_room() {
    let server = TestServer::start(
        Server::new("limits", "1")
            .tool::<nap>()
            .state(Arc::new(Observed::default()))
            .into_http()
            .max_sessions(3)
            .unused_session_timeout(Duration::from_millis(300)),
    );
    let used = server.session().await;
    let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"});
    assert_eq!(
        server.call(&used, ping.clone()).await[0]["result"],
        json!({})
    );
    let (_, unused, _) = bare_initialize(&server).await;
    let unused = unused.unwrap();
    bare_initialize(&server).await.1.unwrap();
    let (status, _, error) = bare_initialize(&server).await;
    assert_eq!(status, 503, "{error}");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 3"));
    // Past the unused timeout (and the sweep's 1 s spacing), the flood's sessions are gone.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, _) = bare_initialize(&server).await;
    assert_eq!(status, 200);
    let gone = server.post(Some(&unused)).json(&ping).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    // The session in use stays.
    assert_eq!(server.call(&used, ping).await[0]["result"], json!({}));
}

#[tokio::test]
async fn one_client_address_holds_at_most_its_share_of_sessions() {
    let server = TestServer::start(
        Server::new("limits", "1")
            .into_http()
            .max_sessions_per_address(2),
    );
    let first = bare_initialize(&server).await.1.unwrap();
    bare_initialize(&server).await.1.unwrap();
    let (status, id, error) = bare_initialize(&server).await;
    assert_eq!((status, id), (429, None), "{error}");
    assert_eq!(error["jsonrpc"], "2.0");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("client address") && message.contains("at most 2"),
        "{message}"
    );
    // Ending one makes room.
    let ended = server
        .request(reqwest::Method::DELETE)
        .header("mcp-session-id", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 200);
    assert_eq!(bare_initialize(&server).await.0, 200);
}

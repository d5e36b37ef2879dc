//! Hostile and careless clients over a real socket: each case gets the right status and code,
//! and the server and its other sessions carry on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mcp_runtime::{mcp_tool, Ctx, Server, ToolError};
use serde_json::{json, Value};
use tests::{messages, still_serves, tool_call, TestServer};

/// Counts notifications sent by `flood`.
#[derive(Default)]
struct Sent(AtomicUsize);

/// Send `n` log messages as fast as the client takes them.
#[mcp_tool]
async fn flood(ctx: Ctx, n: usize) -> Result<usize, ToolError> {
    let sent = ctx.state::<Arc<Sent>>()?;
    for i in 0..n {
        ctx.info(format!(
            "message {i} padded to a realistic size with some words"
        ))
        .await;
        sent.0.fetch_add(1, Ordering::SeqCst);
    }
    Ok(n)
}

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn start() -> (TestServer, Arc<Sent>) {
    let sent = Arc::new(Sent::default());
    let server = Server::new("hostile", "1")
        .tool::<flood>()
        .tool::<add>()
        .state(sent.clone());
    (
        TestServer::start(server.into_http().max_body_bytes(8 << 20)),
        sent,
    )
}

#[tokio::test]
async fn wrong_types_at_every_level_are_answered_precisely() {
    let (server, _) = start();
    let s = server.session().await;
    // Transport-level: not a JSON-RPC message at all -> 400 with -32600.
    for body in [
        json!({"jsonrpc": 2.0, "id": 1, "method": "ping"}),
        json!({"jsonrpc": "2.0", "id": [1], "method": "ping"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": ["ping"]}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": "x"}),
        json!({"jsonrpc": "2.0", "id": true}),
    ] {
        let response = server.post(Some(&s)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], -32600, "{body}");
    }
    // Protocol-level: a request with bad params -> a JSON-RPC error with the request's id.
    for params in [
        json!({"name": 5}),
        json!({"name": "add", "arguments": "a=1"}),
        json!({"name": "add", "_meta": {"progressToken": {"nested": true}}, "arguments": {"a": 1, "b": 2}}),
        json!({"arguments": {}}),
    ] {
        let body = json!({"jsonrpc":"2.0","id":"p","method":"tools/call","params":params});
        let msgs = server.call(&s, body.clone()).await;
        let message = &msgs[msgs.len() - 1];
        assert_eq!(message["id"], "p", "{body}");
        // A progress token of the wrong type is ignored, not fatal.
        if message.get("result").is_none() {
            assert_eq!(message["error"]["code"], -32602, "{body}");
        }
    }
    // Argument-level: tool errors naming the argument.
    for arguments in [
        json!({"a": [1], "b": 2}),
        json!({"a": 1, "b": {"x": 1}}),
        json!({"a": null, "b": 1}),
    ] {
        let msgs = server
            .call(&s, tool_call(1, "add", arguments.clone()))
            .await;
        assert_eq!(msgs[0]["result"]["isError"], true, "{arguments}");
    }
    still_serves(&server, &s).await;
}

#[tokio::test]
async fn huge_and_deeply_nested_bodies() {
    let (server, _) = start();
    let s = server.session().await;
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"add","arguments":{{"a":{}1{}}}}}}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let response = server.post(Some(&s)).body(deep).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], -32700);

    // 6 MiB of valid JSON under an 8 MiB limit: decoded, and the tool says what is wrong.
    let big = json!({"a": "x".repeat(6 << 20), "b": 1});
    let msgs = server.call(&s, tool_call(2, "add", big)).await;
    assert_eq!(msgs[0]["result"]["isError"], true);
    still_serves(&server, &s).await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_stream_hurts_no_one() {
    let (server, sent) = start();
    let s = server.session().await;
    let response = server
        .post(Some(&s))
        .json(&tool_call(1, "flood", json!({"n": 2000})))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    drop(response);
    // The tool runs on (a disconnect is not a cancellation) and finishes; nothing blocks.
    for _ in 0..100 {
        if sent.0.load(Ordering::SeqCst) == 2000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sent.0.load(Ordering::SeqCst), 2000);
    still_serves(&server, &s).await;
    let other = server.session().await;
    still_serves(&server, &other).await;
}

#[tokio::test]
async fn a_slow_reader_holds_its_tool_back_with_bounded_memory() {
    let (server, sent) = start();
    let s = server.session().await;
    let n = 200_000;
    let response = server
        .post(Some(&s))
        .json(&tool_call(1, "flood", json!({"n": n})))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let while_unread = sent.0.load(Ordering::SeqCst);
    // Socket buffers hold some, the bounded channel 64 more; the rest waits for the reader.
    assert!(
        while_unread < n,
        "the tool ran ahead of the client: {while_unread}"
    );
    // Other sessions are unaffected meanwhile.
    let other = server.session().await;
    still_serves(&server, &other).await;
    let body = response.text().await.unwrap();
    assert_eq!(body.matches("notifications/message").count(), n);
    assert_eq!(sent.0.load(Ordering::SeqCst), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_times_twenty_calls() {
    let (server, _) = start();
    let server = Arc::new(server);
    let sessions = 1000;
    let calls = 20;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(128));
    let mut tasks = Vec::new();
    for i in 0..sessions {
        let server = server.clone();
        let semaphore = semaphore.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire().await.unwrap();
            let s = server.session().await;
            for j in 0..calls {
                let msgs = server
                    .call(&s, tool_call(j, "add", json!({"a": i, "b": j})))
                    .await;
                assert_eq!(msgs[0]["result"]["content"][0]["text"], (i + j).to_string());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// A body of many tiny values decodes to ten times its size: refused before the tool runs,
/// with `-32602` naming the limit.
#[tokio::test]
async fn arguments_of_too_many_values_are_refused_before_the_tool_runs() {
    let (server, _) = start();
    // Encoded before the session opens: encoding 1.4 million values takes a debug build long
    // enough, on a loaded machine, that actix-web closes the idle keep-alive connection in
    // between, and the upload then meets a closed socket.
    let strings = vec![""; 1_400_000];
    let body = serde_json::to_vec(&tool_call(1, "add", json!({"a": strings, "b": 1}))).unwrap();
    let s = server.session().await;
    let response = server.post(Some(&s)).body(body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let msgs = messages(response).await;
    assert_eq!(msgs.len(), 1, "nothing precedes the refusal");
    assert_eq!(msgs[0]["id"], 1);
    assert_eq!(msgs[0]["error"]["code"], -32602, "{}", msgs[0]);
    let message = msgs[0]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("100000") && message.contains("max_argument_values"),
        "{message}"
    );
    still_serves(&server, &s).await;

    // The limit is the server's to set; values inside arrays and objects all count.
    let strict = TestServer::start(
        Server::new("strict", "1")
            .tool::<add>()
            .max_argument_values(4)
            .into_http(),
    );
    let s = strict.session().await;
    let nested = strict
        .call(&s, tool_call(2, "add", json!({"a": {"x": [1, 2]}, "b": 1})))
        .await;
    assert_eq!(nested[0]["error"]["code"], -32602, "{}", nested[0]);
    assert!(nested[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("more than 4"));
    let fits = strict
        .call(&s, tool_call(3, "add", json!({"a": 1, "b": 2})))
        .await;
    assert_eq!(fits[0]["result"]["content"][0]["text"], "3");
}

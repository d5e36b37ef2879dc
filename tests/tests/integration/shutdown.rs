//! Graceful shutdown over a real socket: idle streams end at once, new work is refused, running
//! calls finish up to the deadline and are cancelled after it, every stream ends cleanly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_runtime::{mcp_tool, Ctx, Server, ToolError};
use serde_json::{json, Value};
use tests::{timed_messages, tool_call, TestServer};

/// Counts calls that ran to the end.
#[derive(Default)]
struct Finished(AtomicUsize);

/// Work for `ms` milliseconds.
#[mcp_tool]
async fn work(ctx: Ctx, ms: u64) -> Result<&'static str, ToolError> {
    ctx.info("working").await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ctx.state::<Arc<Finished>>()?
        .0
        .fetch_add(1, Ordering::SeqCst);
    Ok("done")
}

fn call(id: i64, ms: u64) -> Value {
    tool_call(id, "work", json!({"ms": ms}))
}

fn start(drain: Duration) -> (TestServer, mcp_runtime::http::ShutdownHandle, Arc<Finished>) {
    let finished = Arc::new(Finished::default());
    let http = Server::new("shutdown", "1")
        .tool::<work>()
        .state(finished.clone())
        .into_http()
        .shutdown_timeout(drain);
    let handle = http.shutdown_handle();
    (TestServer::start(http), handle, finished)
}

#[tokio::test]
async fn running_calls_finish_and_idle_streams_end() {
    let (server, handle, finished) = start(Duration::from_secs(5));
    let s = server.session().await;
    let get = server.get(&s).send().await.unwrap();
    let get_body = tokio::spawn(async move { get.text().await });
    let response = server
        .post(Some(&s))
        .json(&call(1, 600))
        .send()
        .await
        .unwrap();
    let running = tokio::spawn(timed_messages(response));
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    handle.shutdown();
    // The idle GET stream ends at once.
    tokio::time::timeout(Duration::from_secs(2), get_body)
        .await
        .expect("the GET stream ended")
        .unwrap()
        .unwrap();
    // New work on an open connection is refused with a JSON-RPC body (new connections are not
    // accepted at all).
    if let Ok(refused) = server
        .post(Some(&s))
        .json(&json!({"jsonrpc":"2.0","id":9,"method":"ping"}))
        .send()
        .await
    {
        assert_eq!(refused.status(), 503);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["id"], 9);
    }
    // The running call completes with its result.
    let msgs = running.await.unwrap();
    assert_eq!(
        msgs.last().unwrap().1["result"]["content"][0]["text"],
        "done"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(finished.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn calls_past_the_deadline_are_cancelled_and_their_streams_end() {
    let (server, handle, finished) = start(Duration::from_millis(300));
    let s = server.session().await;
    let response = server
        .post(Some(&s))
        .json(&call(1, 10_000))
        .send()
        .await
        .unwrap();
    let running = tokio::spawn(timed_messages(response));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    handle.shutdown();
    let msgs = tokio::time::timeout(Duration::from_secs(3), running)
        .await
        .expect("the call's stream ended")
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(msgs.iter().all(|(_, m)| m.get("result").is_none()));
    assert_eq!(finished.0.load(Ordering::SeqCst), 0);
}

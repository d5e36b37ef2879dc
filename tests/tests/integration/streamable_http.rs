//! Streamable HTTP over a real socket: every status code and error the transport decides, and
//! the protocol flows behind it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_runtime::{mcp_tool, Ctx, Json, LoggingLevel, Server, ToolError};
use reqwest::Method;
use serde_json::{json, Value};
use tests::{
    content_type, error_body, messages, sse_events, timed_messages, tool_call, TestServer,
};

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Log at every level, then report `steps` progress updates `delay_ms` apart.
#[mcp_tool]
async fn steps(ctx: Ctx, steps: u32, delay_ms: Option<u64>) -> String {
    for level in LoggingLevel::ALL {
        ctx.log(level, format!("at {level}")).await;
    }
    for i in 1..=steps {
        ctx.progress(i, steps).await;
        tokio::time::sleep(Duration::from_millis(delay_ms.unwrap_or(0))).await;
    }
    format!("{steps} steps")
}

/// Echo the effective limit and verbosity.
#[mcp_tool]
async fn defaults(#[mcp(default = 10)] limit: u32, #[mcp(default)] verbose: bool) -> String {
    format!("limit={limit} verbose={verbose}")
}

/// The first `n` squares, as structured output.
#[mcp_tool]
async fn squares(n: u32) -> Json<Vec<u32>> {
    Json((1..=n).map(|i| i * i).collect())
}

/// A point, as structured output.
#[derive(serde::Serialize, mcp_runtime::JsonSchema)]
#[schemars(crate = "mcp_runtime::schemars")]
struct Point {
    x: i32,
    y: i32,
}

/// The origin.
#[mcp_tool]
async fn origin() -> Json<Point> {
    Json(Point { x: 0, y: 0 })
}

/// Always panics.
#[mcp_tool]
async fn explode(ctx: Ctx) -> String {
    ctx.info("about to fail").await;
    panic!("kaboom")
}

/// Counts finished and cancelled runs.
#[derive(Default)]
struct Counters {
    finished: AtomicUsize,
}

/// Waits `ms` milliseconds, then counts itself finished.
#[mcp_tool]
async fn sleepy(ctx: Ctx, ms: u64) -> Result<String, ToolError> {
    ctx.info("sleeping").await;
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ctx.state::<Arc<Counters>>()?
        .finished
        .fetch_add(1, Ordering::SeqCst);
    Ok("awake".into())
}

fn tools() -> Server {
    Server::new("http-tests", "1.0.0")
        .tool::<add>()
        .tool::<steps>()
        .tool::<explode>()
        .tool::<sleepy>()
        .tool::<defaults>()
        .tool::<squares>()
        .tool::<origin>()
}

fn start() -> TestServer {
    TestServer::start(tools().into_http())
}

#[tokio::test]
async fn initialize_negotiates_and_opens_a_session() {
    let server = start();
    for (asked, answered) in [
        ("2025-11-25", "2025-11-25"),
        ("2025-03-26", "2025-03-26"),
        ("2031-01-01", "2025-11-25"),
    ] {
        let response = server
            .post(None)
            .json(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
                "protocolVersion": asked, "capabilities": {}, "clientInfo": {"name":"t","version":"1"}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(content_type(&response).starts_with("application/json"));
        let id = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 32);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["id"], 1);
        assert_eq!(body["result"]["protocolVersion"], answered);
        assert_eq!(
            body["result"]["capabilities"]["tools"],
            json!({"listChanged": true})
        );
        assert_eq!(body["result"]["capabilities"]["logging"], json!({}));
        assert_eq!(body["result"]["serverInfo"]["name"], "http-tests");
    }
}

#[tokio::test]
async fn initialize_with_bad_params_is_a_jsonrpc_error() {
    let server = start();
    let response = server
        .post(None)
        .json(&json!({"jsonrpc":"2.0","id":"x","method":"initialize","params":{"capabilities":{}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], "x");
    assert_eq!(body["error"]["code"], -32602);
}

#[tokio::test]
async fn ping_list_and_plain_json_calls() {
    let server = start();
    let s = server.session().await;
    let pong = server
        .call(&s, json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .await;
    assert_eq!(pong, [json!({"jsonrpc":"2.0","id":1,"result":{}})]);

    let list = server
        .call(&s, json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}))
        .await;
    let tools = list[0]["result"]["tools"].as_array().unwrap();
    let names: Vec<_> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["add", "steps", "explode", "sleepy", "defaults", "squares", "origin"]
    );
    for tool in tools {
        assert!(!tool["description"].as_str().unwrap().is_empty());
        assert_eq!(tool["inputSchema"]["type"], "object");
        assert!(tool["inputSchema"]["properties"].is_object());
    }
    assert!(list[0]["result"].get("nextCursor").is_none());

    // A tool without `Ctx` cannot notify, so its answer is plain JSON.
    let response = server
        .post(Some(&s))
        .json(&tool_call(3, "add", json!({"a": 2, "b": 3})))
        .send()
        .await
        .unwrap();
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["result"]["content"],
        json!([{"type":"text","text":"5"}])
    );
}

#[tokio::test]
async fn tools_list_paginates() {
    let server = TestServer::start(tools().page_size(3).into_http());
    let s = server.session().await;
    let first = server
        .call(&s, json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}))
        .await;
    assert_eq!(first[0]["result"]["tools"].as_array().unwrap().len(), 3);
    let cursor = first[0]["result"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = server
        .call(
            &s,
            json!({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":cursor}}),
        )
        .await;
    assert_eq!(second[0]["result"]["tools"][0]["name"], "sleepy");
    let cursor = second[0]["result"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = server
        .call(
            &s,
            json!({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":cursor}}),
        )
        .await;
    assert_eq!(third[0]["result"]["tools"][0]["name"], "origin");
    assert!(third[0]["result"].get("nextCursor").is_none());
    let bad = server
        .call(
            &s,
            json!({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"zzz"}}),
        )
        .await;
    assert_eq!(bad[0]["error"]["code"], -32602);
}

#[tokio::test]
async fn a_call_streams_logs_and_progress_before_its_result() {
    let server = start();
    let s = server.session().await;
    let mut request = tool_call(7, "steps", json!({"steps": 3}));
    request["params"]["_meta"] = json!({"progressToken": "tok-1"});
    let response = server.post(Some(&s)).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/event-stream"));
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let body = response.text().await.unwrap();
    let events = sse_events(&body);
    // Priming event first: an id, a retry, no data.
    assert!(events[0].id.is_some() && events[0].retry.is_some() && events[0].data.is_none());
    let ids: Vec<_> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "event ids are distinct");

    let msgs: Vec<Value> = events[1..]
        .iter()
        .map(|e| serde_json::from_str(e.data.as_ref().unwrap()).unwrap())
        .collect();
    let levels: Vec<_> = msgs[..8]
        .iter()
        .map(|m| m["params"]["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        levels,
        [
            "debug",
            "info",
            "notice",
            "warning",
            "error",
            "critical",
            "alert",
            "emergency"
        ]
    );
    for (i, m) in msgs[8..11].iter().enumerate() {
        assert_eq!(m["method"], "notifications/progress");
        assert_eq!(m["params"]["progressToken"], "tok-1");
        assert_eq!(m["params"]["progress"], (i + 1) as f64);
        assert_eq!(m["params"]["total"], 3.0);
    }
    assert_eq!(msgs[11]["id"], 7);
    assert_eq!(msgs[11]["result"]["content"][0]["text"], "3 steps");
    assert_eq!(msgs.len(), 12, "nothing after the result");
}

#[tokio::test]
async fn progress_keeps_the_token_type_and_is_silent_without_one() {
    let server = start();
    let s = server.session().await;
    let mut request = tool_call(1, "steps", json!({"steps": 2}));
    request["params"]["_meta"] = json!({"progressToken": 42});
    let msgs = server.call(&s, request).await;
    assert!(msgs.iter().any(|m| m["params"]["progressToken"] == 42));
    let msgs = server
        .call(&s, tool_call(2, "steps", json!({"steps": 2})))
        .await;
    assert!(msgs.iter().all(|m| m["method"] != "notifications/progress"));
}

#[tokio::test]
async fn set_level_filters_this_sessions_logs_only() {
    let server = start();
    let quiet = server.session().await;
    let loud = server.session().await;
    let set = server
        .call(
            &quiet,
            json!({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"error"}}),
        )
        .await;
    assert_eq!(set, [json!({"jsonrpc":"2.0","id":1,"result":{}})]);
    let levels = |msgs: Vec<Value>| -> Vec<String> {
        msgs.iter()
            .filter(|m| m["method"] == "notifications/message")
            .map(|m| m["params"]["level"].as_str().unwrap().to_owned())
            .collect()
    };
    let quiet_levels = levels(
        server
            .call(&quiet, tool_call(2, "steps", json!({"steps": 0})))
            .await,
    );
    assert_eq!(quiet_levels, ["error", "critical", "alert", "emergency"]);
    let loud_levels = levels(
        server
            .call(&loud, tool_call(2, "steps", json!({"steps": 0})))
            .await,
    );
    assert_eq!(loud_levels.len(), 8);

    let bad = server
        .call(
            &quiet,
            json!({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"loud"}}),
        )
        .await;
    assert_eq!(bad[0]["error"]["code"], -32602);
    assert!(bad[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("loud"));
}

#[tokio::test]
async fn protocol_errors_are_jsonrpc_errors_with_the_request_id() {
    let server = start();
    let s = server.session().await;
    let unknown_method = server
        .call(
            &s,
            json!({"jsonrpc":"2.0","id":"m","method":"resources/list"}),
        )
        .await;
    assert_eq!(unknown_method[0]["id"], "m");
    assert_eq!(unknown_method[0]["error"]["code"], -32601);
    let unknown_tool = server.call(&s, tool_call(2, "nope", json!({}))).await;
    assert_eq!(unknown_tool[0]["error"]["code"], -32602);
    assert!(unknown_tool[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nope"));
    let bad_args = server
        .call(&s, json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":[1,2]}}))
        .await;
    assert_eq!(bad_args[0]["error"]["code"], -32602);
    let reinit = server
        .call(
            &s,
            json!({"jsonrpc":"2.0","id":4,"method":"initialize","params":{}}),
        )
        .await;
    assert_eq!(reinit[0]["error"]["code"], -32602);
}

#[tokio::test]
async fn invalid_arguments_are_tool_errors_naming_the_field() {
    let server = start();
    let s = server.session().await;
    for (args, needle) in [
        (json!({"a": 1}), "`b`"),
        (json!({"a": "one", "b": 2}), "`a`"),
        (json!({"a": 1, "b": 1.5}), "`b`"),
    ] {
        let msgs = server.call(&s, tool_call(1, "add", args.clone())).await;
        let result = &msgs[0]["result"];
        assert_eq!(result["isError"], true, "{args}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(needle), "{text} should name {needle}");
    }
    // `arguments` may be absent: a tool whose parameters are all optional runs.
    let msgs = server
        .call(&s, json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"steps","arguments":{"steps":1}}}))
        .await;
    assert_eq!(
        msgs.last().unwrap()["result"]["content"][0]["text"],
        "1 steps"
    );
}

#[tokio::test]
async fn defaults_fill_missing_arguments() {
    let server = start();
    let s = server.session().await;
    let text = |msgs: Vec<Value>| {
        msgs[0]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        text(server.call(&s, tool_call(1, "defaults", json!({}))).await),
        "limit=10 verbose=false"
    );
    assert_eq!(
        text(
            server
                .call(
                    &s,
                    tool_call(2, "defaults", json!({"limit": 3, "verbose": true}))
                )
                .await
        ),
        "limit=3 verbose=true"
    );
    assert_eq!(
        text(
            server
                .call(&s, tool_call(3, "defaults", json!({"limit": null})))
                .await
        ),
        "limit=10 verbose=false"
    );
}

#[tokio::test]
async fn structured_output_matches_its_schema() {
    let server = start();
    let s = server.session().await;
    let list = server
        .call(&s, json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}))
        .await;
    let tools = list[0]["result"]["tools"].as_array().unwrap();
    let schema_of =
        |name: &str| tools.iter().find(|t| t["name"] == name).unwrap()["outputSchema"].clone();
    // A list is not an object: its schema and its values are wrapped as {"result": ...}.
    assert_eq!(schema_of("squares")["required"], json!(["result"]));
    let squares = server
        .call(&s, tool_call(2, "squares", json!({"n": 3})))
        .await;
    assert_eq!(
        squares[0]["result"]["structuredContent"],
        json!({"result": [1, 4, 9]})
    );
    // A struct is sent as is.
    assert_eq!(schema_of("origin")["type"], "object");
    assert_eq!(schema_of("origin")["properties"]["x"]["type"], "integer");
    let origin = server.call(&s, tool_call(3, "origin", json!({}))).await;
    assert_eq!(
        origin[0]["result"]["structuredContent"],
        json!({"x": 0, "y": 0})
    );
    let text = origin[0]["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"x": 0, "y": 0})
    );
    assert!(
        schema_of("add").is_null(),
        "text tools have no output schema"
    );
}

#[tokio::test]
async fn a_panicking_tool_fails_alone() {
    let server = start();
    let s = server.session().await;
    let msgs = server.call(&s, tool_call(1, "explode", json!({}))).await;
    let result = &msgs.last().unwrap()["result"];
    assert_eq!(result["isError"], true);
    assert!(result["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("kaboom"));
    let after = server
        .call(&s, tool_call(2, "add", json!({"a": 1, "b": 1})))
        .await;
    assert_eq!(after[0]["result"]["content"][0]["text"], "2");
}

#[tokio::test]
async fn tools_run_concurrently() {
    let counters = Arc::new(Counters::default());
    let server = TestServer::start(tools().state(counters.clone()).into_http());
    let s = server.session().await;
    let started = Instant::now();
    let calls = (0..4).map(|i| server.call(&s, tool_call(i, "sleepy", json!({"ms": 400}))));
    let results = futures_util::future::join_all(calls).await;
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "took {:?}",
        started.elapsed()
    );
    for msgs in results {
        assert_eq!(
            msgs.last().unwrap()["result"]["content"][0]["text"],
            "awake"
        );
    }
    assert_eq!(counters.finished.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn cancelled_calls_stop_and_send_nothing_more() {
    let counters = Arc::new(Counters::default());
    let server = TestServer::start(tools().state(counters.clone()).into_http());
    let s = server.session().await;
    let response = server
        .post(Some(&s))
        .json(&tool_call(9, "sleepy", json!({"ms": 1500})))
        .send()
        .await
        .unwrap();
    let stream = tokio::spawn(timed_messages(response));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cancel = server
        .post(Some(&s))
        .json(&json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9,"reason":"test"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 202);
    let msgs = tokio::time::timeout(Duration::from_secs(1), stream)
        .await
        .expect("stream ends")
        .unwrap();
    assert!(
        msgs.iter().all(|(_, m)| m.get("result").is_none()),
        "no response after cancel"
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        counters.finished.load(Ordering::SeqCst),
        0,
        "the tool was stopped"
    );
}

#[tokio::test]
async fn notifications_arrive_while_the_tool_runs() {
    let server = start();
    let s = server.session().await;
    let mut request = tool_call(1, "steps", json!({"steps": 3, "delay_ms": 300}));
    request["params"]["_meta"] = json!({"progressToken": "p"});
    let response = server.post(Some(&s)).json(&request).send().await.unwrap();
    let msgs = timed_messages(response).await;
    let (first_at, _) = msgs.first().unwrap();
    let (result_at, result) = msgs.last().unwrap();
    assert!(result.get("result").is_some());
    assert!(
        *result_at - *first_at >= Duration::from_millis(600),
        "first notification came {:?} before the result",
        *result_at - *first_at
    );
}

#[tokio::test]
async fn session_header_rules() {
    let server = start();
    let ping = json!({"jsonrpc":"2.0","id":5,"method":"ping"});

    let missing = server.post(None).json(&ping).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(error_body(missing).await["id"], 5);

    let unknown = server
        .post(Some("0123456789abcdef0123456789abcdef"))
        .json(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_body(unknown).await["id"], 5);

    let s = server.session().await;
    let bad_version = server
        .post(None)
        .header("mcp-session-id", &s)
        .header("mcp-protocol-version", "1999-01-01")
        .json(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_version.status(), 400);
    error_body(bad_version).await;

    // Any served revision is accepted, not only the negotiated one.
    let older = server
        .post(None)
        .header("mcp-session-id", &s)
        .header("mcp-protocol-version", "2025-03-26")
        .json(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(older.status(), 200);

    let deleted = server
        .request(Method::DELETE)
        .header("mcp-session-id", &s)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let after = server.post(Some(&s)).json(&ping).send().await.unwrap();
    assert_eq!(after.status(), 404);
    error_body(after).await;
    let again = server
        .request(Method::DELETE)
        .header("mcp-session-id", &s)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
    let no_id = server.request(Method::DELETE).send().await.unwrap();
    assert_eq!(no_id.status(), 400);
}

#[tokio::test]
async fn deleting_a_session_cancels_its_calls() {
    let counters = Arc::new(Counters::default());
    let server = TestServer::start(tools().state(counters.clone()).into_http());
    let s = server.session().await;
    let response = server
        .post(Some(&s))
        .json(&tool_call(1, "sleepy", json!({"ms": 800})))
        .send()
        .await
        .unwrap();
    let stream = tokio::spawn(timed_messages(response));
    tokio::time::sleep(Duration::from_millis(150)).await;
    server
        .request(Method::DELETE)
        .header("mcp-session-id", &s)
        .send()
        .await
        .unwrap();
    let msgs = tokio::time::timeout(Duration::from_secs(1), stream)
        .await
        .unwrap()
        .unwrap();
    assert!(msgs.iter().all(|(_, m)| m.get("result").is_none()));
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(counters.finished.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn notifications_and_responses_get_202_with_no_body() {
    let server = start();
    let s = server.session().await;
    for body in [
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","method":"notifications/whatever","params":{}}),
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never"}}),
        json!({"jsonrpc":"2.0","id":77,"result":{}}),
    ] {
        let response = server.post(Some(&s)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 202, "{body}");
        assert!(response.text().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn malformed_requests_get_the_right_status_and_code() {
    let server = TestServer::start(tools().into_http().max_body_bytes(1024));
    let s = server.session().await;
    let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"}).to_string();
    let raw = |accept: Option<&str>, content_type: Option<&str>| {
        let mut request = server
            .request(Method::POST)
            .header("mcp-session-id", &s)
            .body(ping.clone());
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request
    };

    let cases: Vec<(reqwest::RequestBuilder, u16, Option<i64>)> = vec![
        (server.post(Some(&s)).body("{not json"), 400, Some(-32700)),
        (server.post(Some(&s)).body(""), 400, Some(-32700)),
        (server.post(Some(&s)).body(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#), 400, Some(-32600)),
        (server.post(Some(&s)).body(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#), 400, Some(-32600)),
        (server.post(Some(&s)).body(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#), 400, Some(-32600)),
        (server.post(Some(&s)).body("7"), 400, Some(-32600)),
        (server.post(Some(&s)).body(format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}", "x".repeat(2000))), 413, None),
        (raw(Some("application/json, text/event-stream"), Some("text/plain")), 415, None),
        (raw(Some("application/json, text/event-stream"), None), 415, None),
        (raw(Some("application/json"), Some("application/json")), 406, None),
        (raw(Some("text/event-stream"), Some("application/json")), 406, None),
        (raw(Some("text/html"), Some("application/json")), 406, None),
        (server.request(Method::PUT).body(ping.clone()), 405, None),
        (server.request(Method::PATCH).body(ping.clone()), 405, None),
    ];
    for (i, (request, status, code)) in cases.into_iter().enumerate() {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "case {i}");
        let body = error_body(response).await;
        if let Some(code) = code {
            assert_eq!(body["error"]["code"], code, "case {i}: {body}");
        }
    }
    // The server and the session survived all of it.
    let ok = server
        .call(&s, json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .await;
    assert_eq!(ok[0]["result"], json!({}));
}

#[tokio::test]
async fn host_and_origin_are_validated() {
    let server = start();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    let port = server.authority.rsplit(':').next().unwrap().to_owned();
    for (host, origin, status) in [
        ("evil.example.com", Some("http://evil.example.com"), 403),
        ("evil.example.com", None, 403),
        (
            server.authority.as_str(),
            Some("http://evil.example.com"),
            403,
        ),
        (server.authority.as_str(), Some("null"), 403),
        (
            server.authority.as_str(),
            Some("http://localhost:5173"),
            200,
        ),
        (
            &format!("localhost:{port}"),
            Some(&format!("http://localhost:{port}")[..]),
            200,
        ),
        (server.authority.as_str(), None, 200),
    ] {
        let mut request = server.post(None).header("host", host).json(&init);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            status,
            "host {host} origin {origin:?}"
        );
        if status == 403 {
            error_body(response).await;
        }
    }

    let custom = TestServer::start(
        server_with_hosts()
            .allowed_hosts(["mcp.example.com"])
            .allowed_origins(["https://app.example.com"]),
    );
    let ok = custom
        .post(None)
        .header("host", "mcp.example.com")
        .header("origin", "https://app.example.com")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let loopback = custom.post(None).json(&init).send().await.unwrap();
    assert_eq!(loopback.status(), 403);
}

/// Requests no well-behaved client sends, which the `Host`/`Origin` check must still see: a
/// second `Origin`, an absolute-form request line naming another host, and no `Host` at all.
#[tokio::test]
async fn host_and_origin_cannot_be_smuggled_past_the_check() {
    let server = start();
    let body = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})
    .to_string();
    let authority = &server.authority;
    let send = |line: &str, headers: String| {
        let request = format!(
            "{line}\r\n{headers}accept: application/json, text/event-stream\r\n\
             content-type: application/json\r\nconnection: close\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        async move { tests::raw_request(authority, request.as_bytes()).await }
    };
    // The control: the same bytes with one good Origin are served.
    let good = send(
        "POST /mcp HTTP/1.1",
        format!("host: {authority}\r\norigin: http://localhost:3000\r\n"),
    )
    .await;
    assert_eq!(good.status, 200, "{good:?}");
    for (what, line, headers, status) in [
        (
            "a good Origin, then an evil one",
            "POST /mcp HTTP/1.1".to_owned(),
            format!(
                "host: {authority}\r\norigin: http://localhost:3000\r\n\
                 origin: http://evil.example.com\r\n"
            ),
            403,
        ),
        (
            "an absolute-form request line naming another host",
            "POST http://evil.example.com/mcp HTTP/1.1".to_owned(),
            format!("host: {authority}\r\n"),
            403,
        ),
        (
            "HTTP/1.0 without Host",
            "POST /mcp HTTP/1.0".to_owned(),
            String::new(),
            400,
        ),
    ] {
        let response = send(&line, headers).await;
        assert_eq!(response.status, status, "{what}: {response:?}");
        let error = response.json();
        assert_eq!(error["jsonrpc"], "2.0", "{what}");
        assert!(error["error"]["code"].is_i64(), "{what}: {error}");
        let message = error["error"]["message"].as_str().unwrap().to_lowercase();
        assert!(
            message.contains("origin") || message.contains("host"),
            "{what}: {message}"
        );
    }
    // An absolute-form line naming this server is as good as its Host header.
    let absolute = send(
        &format!("POST http://{authority}/mcp HTTP/1.1"),
        format!("host: {authority}\r\n"),
    )
    .await;
    assert_eq!(absolute.status, 200, "{absolute:?}");
}

fn server_with_hosts() -> mcp_runtime::http::StreamableHttp {
    tools().into_http()
}

#[tokio::test]
async fn get_opens_one_server_stream_per_session() {
    // A dropped client is noticed at the next write, so keep-alives are frequent here.
    let server = TestServer::start(tools().into_http().keep_alive(Duration::from_millis(50)));
    let s = server.session().await;
    let open = || server.get(&s).send();
    let first = open().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(content_type(&first).starts_with("text/event-stream"));
    let second = open().await.unwrap();
    assert_eq!(second.status(), 409);
    error_body(second).await;
    drop(first);
    // The slot frees when the client goes away.
    let mut reopened = None;
    for _ in 0..50 {
        let r = open().await.unwrap();
        if r.status() == 200 {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "GET stream slot was not released");

    let wrong_accept = server
        .request(Method::GET)
        .header("accept", "application/json")
        .header("mcp-session-id", &s)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_accept.status(), 406);
    let no_session = server
        .request(Method::GET)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(no_session.status(), 400);
}

#[tokio::test]
async fn get_stream_ends_when_the_session_is_deleted() {
    let server = start();
    let s = server.session().await;
    let stream = server.get(&s).send().await.unwrap();
    let body = tokio::spawn(async move { stream.text().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server
        .request(Method::DELETE)
        .header("mcp-session-id", &s)
        .send()
        .await
        .unwrap();
    let text = tokio::time::timeout(Duration::from_secs(2), body)
        .await
        .expect("stream closed")
        .unwrap()
        .unwrap();
    assert!(
        sse_events(&text)[0].retry.is_some(),
        "priming event first: {text:?}"
    );
}

#[tokio::test]
async fn idle_sessions_expire_and_the_session_count_is_bounded() {
    let server = TestServer::start(
        tools()
            .into_http()
            .session_idle_timeout(Duration::from_millis(300)),
    );
    let old = server.session().await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let _new = server.session().await; // sweeps the idle one
    let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"});
    assert_eq!(
        server
            .post(Some(&old))
            .json(&ping)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let bounded = TestServer::start(tools().into_http().max_sessions(2));
    bounded.session().await;
    bounded.session().await;
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    let refused = bounded.post(None).json(&init).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    error_body(refused).await;
}

#[test]
fn exposing_the_server_without_an_allow_list_fails_at_start() {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let error = tools().into_http().listen(listener).err().expect("refused");
    let message = error.to_string();
    assert!(message.contains("allowed_hosts"), "{message}");
    assert!(message.contains("allow_any_host"), "{message}");
}

#[tokio::test]
async fn mounts_inside_an_existing_app() {
    use actix_web::{web, App, HttpServer};
    let mcp = tools().into_http().path("/api/mcp");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .service(mcp.service())
                    .route("/health", web::get().to(|| async { "ok" }))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run();
            tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = rx.recv().unwrap();
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let response = client
        .post(format!("http://{addr}/api/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        messages(response).await[0]["result"]["serverInfo"]["name"],
        "http-tests"
    );
    handle.stop(false).await;
}

/// Requests actix-web's HTTP/1 parser refuses before any handler runs: it answers them itself,
/// with an empty body that cannot be changed, so the README lists exactly these (everything
/// refused by this crate carries a JSON-RPC body).
#[tokio::test]
async fn refusals_by_the_http_parser_are_the_ones_the_readme_lists() {
    let server = start();
    let authority = &server.authority;
    // (A header section over 128 KiB gets `431` too; sent whole, the server's close may reset
    // the connection before the answer is read, so it is not tried here.)
    let many: String = (0..120).map(|i| format!("x-h{i}: v\r\n")).collect();
    let cases = [
        (
            "too many headers",
            format!("POST /mcp HTTP/1.1\r\nhost: {authority}\r\n{many}\r\n"),
            431,
        ),
        (
            "Content-Length with Transfer-Encoding",
            format!(
                "POST /mcp HTTP/1.1\r\nhost: {authority}\r\ncontent-length: 2\r\n\
                 transfer-encoding: chunked\r\n\r\n0\r\n\r\n"
            ),
            400,
        ),
        (
            "two Host headers",
            format!(
                "POST /mcp HTTP/1.1\r\nhost: {authority}\r\nhost: evil.example.com\r\n\
                 content-length: 0\r\n\r\n"
            ),
            400,
        ),
        (
            "HTTP/1.1 without Host",
            "POST /mcp HTTP/1.1\r\ncontent-length: 0\r\n\r\n".to_owned(),
            400,
        ),
        (
            "a malformed request line",
            "POST /mcp HTTP/1.1 extra\r\n\r\n".to_owned(),
            400,
        ),
    ];
    let readme = include_str!("../../../README.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let section = readme
        .split("answered by actix-web's HTTP/1 parser")
        .nth(1)
        .expect("the README lists the parser's own refusals");
    for (what, request, status) in cases {
        let response = tests::raw_request(authority, request.as_bytes()).await;
        assert_eq!(response.status, status, "{what}: {response:?}");
        assert_eq!(response.body, "", "{what}: the parser's answer has no body");
        assert!(section.contains(what), "the README does not list {what:?}");
    }
}

//! Tools registered at run time (`tool::DynamicTool`) over a real socket: added through a
//! `ServerHandle` while the server runs, listed and called like `#[mcp_tool]` tools by 2025
//! sessions and on the stateless 2026-07-28 wire (logs and progress included), removed with
//! `notifications/tools/list_changed` on the session's GET stream and the 2026 listen stream.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mcp_runtime::tool::DynamicTool;
use mcp_runtime::{mcp_tool, Ctx, Json, RegistrationError, Server, ServerHandle, ToolError};
use serde_json::{json, Value};
use tests::{content_type, stateless, tool_call, EventReader, TestServer};

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// A `#[mcp_tool]` named like the builder's dynamic tool.
#[mcp_tool(name = "echo")]
async fn echo_named() -> &'static str {
    "static echo"
}

fn lookup_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "word": {"type": "string", "description": "The word to look up."}
        },
        "required": ["word"]
    })
}

fn lookup_output() -> Value {
    json!({
        "type": "object",
        "properties": {"word": {"type": "string"}, "letters": {"type": "integer"}},
        "required": ["word", "letters"]
    })
}

/// A tool as a plugin host would build it from a manifest: it logs, reports progress and
/// answers with structured content.
fn lookup() -> DynamicTool {
    DynamicTool::new(
        "dictionary.lookup",
        lookup_input(),
        |ctx: Ctx, args: Value| async move {
            // The input schema was checked: `word` is a string.
            let word = args["word"].as_str().unwrap_or_default().to_owned();
            if word.is_empty() {
                return Err(ToolError::msg("give a word to look up"));
            }
            ctx.info(format!("looking up {word}")).await;
            ctx.progress(1, 1).await;
            let letters = word.chars().count();
            Ok::<_, ToolError>(Json(json!({"word": word, "letters": letters})))
        },
    )
    .description("Look a word up.")
    .title("Dictionary lookup")
    .output_schema(lookup_output())
}

/// A dynamic tool given to the builder, `add`, and a handle to change them.
fn start() -> (TestServer, ServerHandle) {
    let echo = DynamicTool::new(
        "echo",
        json!({"type": "object"}),
        |_, args: Value| async move { args.to_string() },
    )
    .description("Echo the arguments.");
    let server = Server::new("runtime-tools", "1")
        .tool::<add>()
        .dynamic_tool(echo)
        .expect("a valid tool");
    let handle = server.handle();
    let http = server.into_http().keep_alive(Duration::from_millis(50));
    (TestServer::start(http), handle)
}

async fn open_get(server: &TestServer, session: &str) -> EventReader {
    let response = server.get(session).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut reader = EventReader::new(response);
    let priming = reader.expect(Duration::from_secs(5)).await;
    assert!(priming.data.is_none());
    reader
}

/// A 2026 `subscriptions/listen` stream for tool list changes, past its acknowledgement.
async fn listen_for_tools(server: &TestServer) -> EventReader {
    let params = json!({
        "notifications": {"toolsListChanged": true},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        }
    });
    let response = server
        .post(None)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "subscriptions/listen")
        .json(
            &json!({"jsonrpc": "2.0", "id": "tools", "method": "subscriptions/listen",
            "params": params}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/event-stream"));
    let mut events = EventReader::new(response);
    let ack = events.message().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    events
}

fn tool_named<'a>(tools: &'a Value, name: &str) -> Option<&'a Value> {
    tools.as_array()?.iter().find(|t| t["name"] == name)
}

async fn tools_2025(server: &TestServer, session: &str) -> Value {
    server.rpc(session, 1, "tools/list", json!({})).await["result"]["tools"].clone()
}

async fn tools_2026(server: &TestServer) -> Value {
    let (status, answer) = stateless(server, 1, "tools/list", json!({})).await;
    assert_eq!(status, 200, "{answer:?}");
    answer[0]["result"]["tools"].clone()
}

#[actix_web::test]
async fn a_tool_added_at_run_time_is_listed_called_and_removed_in_both_eras() {
    let (server, handle) = start();
    let session = server.session().await;
    let mut stream = open_get(&server, &session).await;
    let mut listen = listen_for_tools(&server).await;

    handle.add_dynamic_tool(lookup()).unwrap();
    assert_eq!(
        stream.message().await,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    );
    assert_eq!(
        listen.message().await["method"],
        "notifications/tools/list_changed"
    );

    // Listed as given, after the tools registered before it, in both eras.
    let expected = json!({
        "name": "dictionary.lookup",
        "title": "Dictionary lookup",
        "description": "Look a word up.",
        "inputSchema": lookup_input(),
        "outputSchema": lookup_output()
    });
    for tools in [
        tools_2025(&server, &session).await,
        tools_2026(&server).await,
    ] {
        let names: Vec<_> = tools
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["name"])
            .collect();
        assert_eq!(names, ["add", "echo", "dictionary.lookup"], "{tools}");
        assert_eq!(tool_named(&tools, "dictionary.lookup"), Some(&expected));
    }

    // A 2025 call: its log line and progress on the POST stream, then the structured result.
    server
        .rpc(&session, 2, "logging/setLevel", json!({"level": "info"}))
        .await;
    let answer = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
                "name": "dictionary.lookup", "arguments": {"word": "déjà"},
                "_meta": {"progressToken": "p1"}}}),
        )
        .await;
    assert_eq!(answer.len(), 3, "{answer:?}");
    assert_eq!(answer[0]["method"], "notifications/message");
    assert_eq!(answer[0]["params"]["data"], "looking up déjà");
    assert_eq!(answer[1]["method"], "notifications/progress");
    assert_eq!(answer[1]["params"]["progressToken"], "p1");
    let result = &answer[2]["result"];
    assert_eq!(
        result["structuredContent"],
        json!({"word": "déjà", "letters": 4})
    );
    assert!(result.get("isError").is_none(), "{result}");

    // A 2026 call that asks for logs and progress.
    let (status, answer) = stateless(
        &server,
        4,
        "tools/call",
        json!({"name": "dictionary.lookup", "arguments": {"word": "mot"},
            "_meta": {"io.modelcontextprotocol/logLevel": "info", "progressToken": 7}}),
    )
    .await;
    assert_eq!(status, 200, "{answer:?}");
    assert_eq!(answer.len(), 3, "{answer:?}");
    assert_eq!(answer[0]["params"]["data"], "looking up mot");
    assert_eq!(answer[1]["params"]["progressToken"], 7);
    assert_eq!(answer[2]["result"]["resultType"], "complete");
    assert_eq!(
        answer[2]["result"]["structuredContent"],
        json!({"word": "mot", "letters": 3})
    );

    // Arguments are checked against the input schema before the handler runs, in both eras,
    // with the same kind of error a `#[mcp_tool]` tool gives for arguments it cannot decode.
    let answer = server
        .call(
            &session,
            tool_call(5, "dictionary.lookup", json!({"word": 7})),
        )
        .await;
    let result = &answer.last().unwrap()["result"];
    assert_eq!(result["isError"], true);
    assert_eq!(
        result["content"][0]["text"],
        "invalid value for argument `word`: expected string, got a number"
    );
    let (_, answer) = stateless(
        &server,
        5,
        "tools/call",
        json!({"name": "dictionary.lookup", "arguments": {}}),
    )
    .await;
    let result = &answer.last().unwrap()["result"];
    assert_eq!(result["isError"], true, "{answer:?}");
    assert_eq!(
        result["content"][0]["text"],
        "missing required argument `word`"
    );
    // The handler's own error is a tool error the model can read.
    let answer = server
        .call(
            &session,
            tool_call(5, "dictionary.lookup", json!({"word": ""})),
        )
        .await;
    let result = &answer.last().unwrap()["result"];
    assert_eq!(result["isError"], true);
    assert_eq!(result["content"][0]["text"], "give a word to look up");

    // Removed: announced to both streams, gone from both eras' lists and calls.
    assert!(handle.remove_tool("dictionary.lookup"));
    assert_eq!(
        stream.message().await,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    );
    assert_eq!(
        listen.message().await["method"],
        "notifications/tools/list_changed"
    );
    assert!(!handle.remove_tool("dictionary.lookup"));
    for tools in [
        tools_2025(&server, &session).await,
        tools_2026(&server).await,
    ] {
        assert_eq!(tool_named(&tools, "dictionary.lookup"), None, "{tools}");
    }
    let gone = server
        .rpc(
            &session,
            6,
            "tools/call",
            json!({"name": "dictionary.lookup", "arguments": {"word": "x"}}),
        )
        .await;
    assert_eq!(gone["error"]["code"], -32602, "{gone}");
    let (_, gone) = stateless(
        &server,
        7,
        "tools/call",
        json!({"name": "dictionary.lookup", "arguments": {"word": "x"}}),
    )
    .await;
    assert_eq!(gone[0]["error"]["code"], -32602, "{gone:?}");
    tests::still_serves(&server, &session).await;
}

#[actix_web::test]
async fn a_tool_given_to_the_builder_is_served_like_the_others() {
    let (server, _) = start();
    let session = server.session().await;
    let answer = server
        .call(&session, tool_call(1, "echo", json!({"any": ["thing", 1]})))
        .await;
    assert_eq!(
        answer[0]["result"]["content"][0]["text"],
        r#"{"any":["thing",1]}"#
    );
    let (status, answer) = stateless(&server, 2, "tools/call", json!({"name": "echo"})).await;
    assert_eq!(status, 200);
    assert_eq!(answer[0]["result"]["content"][0]["text"], "{}");
}

#[actix_web::test]
async fn bad_dynamic_tools_are_refused_and_change_nothing() {
    let (server, handle) = start();
    let session = server.session().await;
    let mut stream = open_get(&server, &session).await;
    let object = || json!({"type": "object"});
    let tool = |name: &str, schema: Value| DynamicTool::new(name, schema, |_, _| async { "ok" });

    let error = handle.add_dynamic_tool(tool("has space", object()));
    assert_eq!(
        error,
        Err(RegistrationError::InvalidName {
            kind: "tool",
            name: "has space".into()
        })
    );
    assert!(handle
        .add_dynamic_tool(tool(&"x".repeat(129), object()))
        .is_err());
    // Taken by a `#[mcp_tool]` tool, or by a dynamic one.
    for name in ["add", "echo"] {
        assert_eq!(
            handle.add_dynamic_tool(tool(name, object())),
            Err(RegistrationError::Duplicate {
                kind: "tool",
                name: name.into()
            })
        );
    }
    let error = handle
        .add_dynamic_tool(tool("t", json!({"type": "array"})))
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::InputSchema { .. }),
        "{error}"
    );
    let error = handle
        .add_dynamic_tool(tool("t", json!({"type": "object", "required": "a"})))
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::InputSchema { .. }),
        "{error}"
    );
    let error = handle
        .add_dynamic_tool(tool("t", object()).output_schema(json!({"type": "string"})))
        .unwrap_err();
    assert!(
        matches!(error, RegistrationError::OutputSchema { .. }),
        "{error}"
    );
    // Nothing was registered or announced: the next event is this change's.
    handle.add_dynamic_tool(tool("add2", object())).unwrap();
    assert_eq!(
        stream.message().await["method"],
        "notifications/tools/list_changed"
    );
    let names: Vec<_> = tools_2025(&server, &session)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["add", "echo", "add2"]);
    // And a `#[mcp_tool]` cannot take a dynamic tool's name.
    assert_eq!(
        handle.add_tool::<echo_named>(),
        Err(RegistrationError::Duplicate {
            kind: "tool",
            name: "echo".into()
        })
    );
}

#[actix_web::test]
async fn a_panicking_handler_fails_its_call_and_the_server_goes_on() {
    let (server, handle) = start();
    let panics = DynamicTool::new(
        "panics",
        json!({"type": "object"}),
        |_, _| -> std::future::Ready<String> { panic!("the plugin crashed") },
    );
    handle.add_dynamic_tool(panics).unwrap();
    let session = server.session().await;
    let answer = server
        .call(&session, tool_call(1, "panics", json!({})))
        .await;
    let result = &answer[0]["result"];
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("the plugin crashed"),
        "{result}"
    );
    let (status, answer) = stateless(&server, 2, "tools/call", json!({"name": "panics"})).await;
    assert_eq!(status, 200);
    assert_eq!(answer[0]["result"]["isError"], true, "{answer:?}");
    tests::still_serves(&server, &session).await;
}

#[actix_web::test]
async fn a_cancelled_call_of_a_dynamic_tool_stops_and_sends_nothing_more() {
    let (server, handle) = start();
    let finished = Arc::new(AtomicBool::new(false));
    let done = finished.clone();
    let slow = DynamicTool::new(
        "slow",
        json!({"type": "object", "properties": {"ms": {"type": "integer", "minimum": 0}}}),
        move |ctx: Ctx, args: Value| {
            let done = done.clone();
            async move {
                ctx.info("started").await;
                let ms = args["ms"].as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                done.store(true, Ordering::SeqCst);
                "finished"
            }
        },
    );
    handle.add_dynamic_tool(slow).unwrap();
    let session = server.session().await;
    let response = server
        .post(Some(&session))
        .json(&tool_call(9, "slow", json!({"ms": 1500})))
        .send()
        .await
        .unwrap();
    let stream = tokio::spawn(tests::messages(response));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cancel = server
        .post(Some(&session))
        .json(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": 9, "reason": "test"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 202);
    let messages = tokio::time::timeout(Duration::from_secs(1), stream)
        .await
        .expect("the stream ends")
        .unwrap();
    assert!(
        messages.iter().all(|m| m.get("result").is_none()),
        "no response after cancel: {messages:?}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!finished.load(Ordering::SeqCst), "the handler was stopped");
}

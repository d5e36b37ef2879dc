//! Changing what a running server offers, over a real socket: tools, prompts and resources
//! added and removed through a `ServerHandle`, `notifications/*/list_changed` on the sessions'
//! GET streams, and `notifications/resources/updated` for subscribers only.

use std::time::Duration;

use mcp_runtime::{mcp_prompt, mcp_resource, mcp_tool, RegistrationError, Server, ServerHandle};
use serde_json::{json, Value};
use tests::{EventReader, TestServer};

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Multiply two integers.
#[mcp_tool]
async fn mul(a: i64, b: i64) -> i64 {
    a * b
}

fn not_an_object_schema() -> Value {
    json!({"type": "string"})
}

/// A tool whose hand-written schema is wrong.
#[mcp_tool(input_schema = not_an_object_schema)]
async fn broken(a: i64) -> i64 {
    a
}

/// Greet someone.
#[mcp_prompt]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Say goodbye.
#[mcp_prompt]
async fn farewell(name: String) -> String {
    format!("Goodbye, {name}!")
}

/// Today's notes.
#[mcp_resource(uri = "notes://today", mime_type = "text/plain")]
async fn notes() -> &'static str {
    "buy milk"
}

/// Yesterday's notes.
#[mcp_resource(uri = "notes://yesterday", mime_type = "text/plain")]
async fn old_notes() -> &'static str {
    "bought bread"
}

fn start() -> (TestServer, ServerHandle) {
    let server = Server::new("dynamic", "1")
        .tool::<add>()
        .prompt::<greet>()
        .resource::<notes>();
    let handle = server.handle();
    (TestServer::start(server.into_http()), handle)
}

async fn open_get(server: &TestServer, session: &str) -> EventReader {
    let response = server.get(session).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut reader = EventReader::new(response);
    let priming = reader.expect(Duration::from_secs(5)).await;
    assert!(priming.data.is_none());
    reader
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

async fn names(server: &TestServer, session: &str, method: &str, key: &str) -> Vec<String> {
    let answer = server.call(session, request(50, method, json!({}))).await;
    answer[0]["result"][key]
        .as_array()
        .unwrap_or_else(|| panic!("{answer:?}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn capabilities_say_lists_may_change() {
    let (server, _) = start();
    let response = server
        .post(None)
        .json(&request(
            0,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}),
        ))
        .send()
        .await
        .unwrap();
    let init: Value = response.json().await.unwrap();
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["tools"]["listChanged"], true);
    assert_eq!(caps["prompts"]["listChanged"], true);
    assert_eq!(
        caps["resources"],
        json!({"subscribe": true, "listChanged": true})
    );
}

#[tokio::test]
async fn tools_added_and_removed_at_run_time_are_announced_and_served() {
    let (server, handle) = start();
    let s = server.session().await;
    let quiet = server.session().await; // no GET stream: it sees changes at its next list
    let mut stream = open_get(&server, &s).await;

    handle.add_tool::<mul>().unwrap();
    let changed = stream.message().await;
    assert_eq!(
        changed,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    );
    assert_eq!(
        names(&server, &s, "tools/list", "tools").await,
        ["add", "mul"]
    );
    assert_eq!(
        names(&server, &quiet, "tools/list", "tools").await,
        ["add", "mul"]
    );
    let product = server
        .call(
            &s,
            request(
                2,
                "tools/call",
                json!({"name": "mul", "arguments": {"a": 6, "b": 7}}),
            ),
        )
        .await;
    assert_eq!(product[0]["result"]["content"][0]["text"], "42");

    assert!(handle.remove_tool("add"));
    assert_eq!(
        stream.message().await["method"],
        "notifications/tools/list_changed"
    );
    assert!(
        !handle.remove_tool("add"),
        "already gone: no change, no notification"
    );
    let gone = server
        .call(
            &s,
            request(
                3,
                "tools/call",
                json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
            ),
        )
        .await;
    assert_eq!(gone[0]["error"]["code"], -32602);
    assert!(gone[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Unknown tool: add"));
    assert_eq!(names(&server, &s, "tools/list", "tools").await, ["mul"]);
}

#[tokio::test]
async fn bad_registrations_are_errors_not_panics() {
    let (server, handle) = start();
    let s = server.session().await;
    let mut stream = open_get(&server, &s).await;
    assert_eq!(
        handle.add_tool::<add>(),
        Err(RegistrationError::Duplicate {
            kind: "tool",
            name: "add".into()
        })
    );
    let error = handle.add_tool::<broken>().unwrap_err();
    assert!(
        matches!(error, RegistrationError::InputSchema { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("\"type\": \"object\""),
        "{error}"
    );
    assert_eq!(
        handle.add_resource::<notes>(),
        Err(RegistrationError::Duplicate {
            kind: "resource",
            name: "notes://today".into()
        })
    );
    // Nothing changed, so nothing was announced: the next event is the one for this change.
    handle.add_prompt::<farewell>().unwrap();
    assert_eq!(
        stream.message().await["method"],
        "notifications/prompts/list_changed"
    );
    assert_eq!(names(&server, &s, "tools/list", "tools").await, ["add"]);
}

#[tokio::test]
async fn prompts_and_resources_change_too() {
    let (server, handle) = start();
    let s = server.session().await;
    let mut stream = open_get(&server, &s).await;

    handle.add_prompt::<farewell>().unwrap();
    assert_eq!(
        stream.message().await["method"],
        "notifications/prompts/list_changed"
    );
    assert_eq!(
        names(&server, &s, "prompts/list", "prompts").await,
        ["greet", "farewell"]
    );
    assert!(handle.remove_prompt("greet"));
    assert_eq!(
        stream.message().await["method"],
        "notifications/prompts/list_changed"
    );
    assert_eq!(
        names(&server, &s, "prompts/list", "prompts").await,
        ["farewell"]
    );

    handle.add_resource::<old_notes>().unwrap();
    assert_eq!(
        stream.message().await["method"],
        "notifications/resources/list_changed"
    );
    let uris: Vec<String> = server
        .call(&s, request(9, "resources/list", json!({})))
        .await[0]["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(uris, ["notes://today", "notes://yesterday"]);
    assert!(handle.remove_resource("notes://today"));
    assert_eq!(
        stream.message().await["method"],
        "notifications/resources/list_changed"
    );
    let read = server
        .call(
            &s,
            request(10, "resources/read", json!({"uri": "notes://today"})),
        )
        .await;
    assert_eq!(read[0]["error"]["code"], -32002);
}

#[tokio::test]
async fn resource_updates_reach_subscribers_only() {
    let (server, handle) = start();
    let subscriber = server.session().await;
    let bystander = server.session().await;
    let mut subscribed = open_get(&server, &subscriber).await;
    let mut other = open_get(&server, &bystander).await;
    let ok = server
        .call(
            &subscriber,
            request(1, "resources/subscribe", json!({"uri": "notes://today"})),
        )
        .await;
    assert_eq!(ok[0]["result"], json!({}));

    assert_eq!(handle.resource_updated("notes://today"), 1);
    let updated = subscribed.message().await;
    assert_eq!(
        updated,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
               "params": {"uri": "notes://today"}})
    );
    assert_eq!(handle.resource_updated("notes://elsewhere"), 0);

    // The bystander's stream carries the next list change, and nothing before it.
    handle.add_tool::<mul>().unwrap();
    assert_eq!(
        other.message().await["method"],
        "notifications/tools/list_changed"
    );
    assert_eq!(
        subscribed.message().await["method"],
        "notifications/tools/list_changed"
    );

    let ok = server
        .call(
            &subscriber,
            request(2, "resources/unsubscribe", json!({"uri": "notes://today"})),
        )
        .await;
    assert_eq!(ok[0]["result"], json!({}));
    assert_eq!(handle.resource_updated("notes://today"), 0);
}

#[tokio::test]
async fn a_session_that_ended_is_not_told_and_others_still_are() {
    let (server, handle) = start();
    let gone = server.session().await;
    let stays = server.session().await;
    let _gone_stream = open_get(&server, &gone).await;
    let mut stream = open_get(&server, &stays).await;
    let deleted = server
        .request(reqwest::Method::DELETE)
        .header("mcp-session-id", &gone)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    handle.add_tool::<mul>().unwrap();
    assert_eq!(
        stream.message().await["method"],
        "notifications/tools/list_changed"
    );
}

//! Asking the client from inside a tool (2025 era), over a real socket, with the test as the
//! client: elicitation (accept, decline, cancel), sampling, roots, a missing capability, an
//! error answer, and cancellation while the tool waits.

use std::time::Duration;

use mcp_runtime::{
    elicit::{CreateMessageRequest, Elicitation, SamplingMessage},
    mcp_tool, Ctx, JsonSchema, Server, ToolError,
};
use serde_json::{json, Value};
use tests::{EventReader, TestServer};

/// Who is asking.
#[derive(serde::Deserialize, JsonSchema)]
#[schemars(crate = "mcp_runtime::schemars")]
struct Contact {
    /// Your name.
    name: String,
}

/// Ask the user for their name.
#[mcp_tool]
async fn ask_name(ctx: Ctx) -> Result<String, ToolError> {
    Ok(match ctx.elicit::<Contact>("Who are you?").await? {
        Elicitation::Accept(contact) => format!("hello {}", contact.name),
        Elicitation::Decline => "declined".into(),
        Elicitation::Cancel => "cancelled".into(),
    })
}

/// Ask the client's model.
#[mcp_tool]
async fn ask_model(ctx: Ctx, prompt: String) -> Result<String, ToolError> {
    let request = CreateMessageRequest::new(vec![SamplingMessage::user(prompt)], 50);
    Ok(ctx.sample(request).await?.text())
}

/// List the client's roots.
#[mcp_tool]
async fn roots(ctx: Ctx) -> Result<String, ToolError> {
    let roots = ctx.list_roots().await?;
    Ok(roots
        .into_iter()
        .map(|r| r.uri)
        .collect::<Vec<_>>()
        .join(","))
}

fn start() -> TestServer {
    TestServer::start(
        Server::new("asking", "1")
            .tool::<ask_name>()
            .tool::<ask_model>()
            .tool::<roots>()
            .into_http(),
    )
}

async fn session(server: &TestServer, capabilities: Value) -> String {
    let response = server
        .post(None)
        .json(
            &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":capabilities,
            "clientInfo":{"name":"t","version":"1"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Starts a call and returns its stream, positioned after the server's request to the client.
async fn call_until_asked(
    server: &TestServer,
    s: &str,
    name: &str,
    arguments: Value,
) -> (EventReader, Value) {
    let response = server
        .post(Some(s))
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":name,"arguments":arguments}}))
        .send()
        .await
        .unwrap();
    let mut events = EventReader::new(response);
    loop {
        let event = events
            .next()
            .await
            .expect("the server asks before the stream ends");
        let Some(data) = event.data else { continue };
        let message: Value = serde_json::from_str(&data).unwrap();
        if message.get("method").is_some() && message.get("id").is_some() {
            return (events, message);
        }
    }
}

async fn answer(server: &TestServer, s: &str, body: Value) {
    let response = server.post(Some(s)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 202);
}

async fn result_text(events: &mut EventReader) -> (bool, String) {
    while let Some(event) = events.next().await {
        let Some(data) = event.data else { continue };
        let message: Value = serde_json::from_str(&data).unwrap();
        if let Some(result) = message.get("result") {
            let text = result["content"][0]["text"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            return (result["isError"] == true, text);
        }
    }
    panic!("the stream ended without a result");
}

#[tokio::test]
async fn elicitation_accept_decline_cancel() {
    let server = start();
    let s = session(&server, json!({"elicitation": {}})).await;
    for (content, expected) in [
        (
            json!({"action":"accept","content":{"name":"Ada"}}),
            "hello Ada",
        ),
        (json!({"action":"decline"}), "declined"),
        (json!({"action":"cancel"}), "cancelled"),
    ] {
        let (mut events, request) = call_until_asked(&server, &s, "ask_name", json!({})).await;
        assert_eq!(request["method"], "elicitation/create");
        assert_eq!(request["params"]["message"], "Who are you?");
        let schema = &request["params"]["requestedSchema"];
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["name"]["type"], "string");
        assert_eq!(schema["required"], json!(["name"]));
        answer(
            &server,
            &s,
            json!({"jsonrpc":"2.0","id":request["id"],"result":content}),
        )
        .await;
        assert_eq!(result_text(&mut events).await, (false, expected.to_owned()));
    }
}

#[tokio::test]
async fn sampling_and_roots() {
    let server = start();
    let s = session(
        &server,
        json!({"sampling": {}, "roots": {"listChanged": true}}),
    )
    .await;
    let (mut events, request) =
        call_until_asked(&server, &s, "ask_model", json!({"prompt": "2+2?"})).await;
    assert_eq!(request["method"], "sampling/createMessage");
    assert_eq!(request["params"]["maxTokens"], 50);
    assert_eq!(request["params"]["messages"][0]["content"]["text"], "2+2?");
    answer(&server, &s, json!({"jsonrpc":"2.0","id":request["id"],"result":{
        "role":"assistant","content":{"type":"text","text":"4"},"model":"m","stopReason":"endTurn"}}))
    .await;
    assert_eq!(result_text(&mut events).await, (false, "4".to_owned()));

    let (mut events, request) = call_until_asked(&server, &s, "roots", json!({})).await;
    assert_eq!(request["method"], "roots/list");
    answer(
        &server,
        &s,
        json!({"jsonrpc":"2.0","id":request["id"],"result":{
        "roots":[{"uri":"file:///a"},{"uri":"file:///b","name":"b"}]}}),
    )
    .await;
    assert_eq!(
        result_text(&mut events).await,
        (false, "file:///a,file:///b".to_owned())
    );
}

#[tokio::test]
async fn an_undeclared_capability_is_a_clean_tool_error_and_nothing_is_sent() {
    let server = start();
    let s = session(&server, json!({})).await;
    let msgs = server
        .call(&s, json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask_name","arguments":{}}}))
        .await;
    assert!(
        msgs.iter().all(|m| m.get("method").is_none()),
        "no request was sent: {msgs:?}"
    );
    let result = &msgs.last().unwrap()["result"];
    assert_eq!(result["isError"], true);
    assert!(result["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("elicitation"));
}

#[tokio::test]
async fn an_error_answer_fails_the_tool_cleanly() {
    let server = start();
    let s = session(&server, json!({"sampling": {}})).await;
    let (mut events, request) =
        call_until_asked(&server, &s, "ask_model", json!({"prompt": "x"})).await;
    answer(
        &server,
        &s,
        json!({"jsonrpc":"2.0","id":request["id"],"error":{"code":-1,"message":"user rejected"}}),
    )
    .await;
    let (is_error, text) = result_text(&mut events).await;
    assert!(is_error);
    assert!(text.contains("user rejected"), "{text}");
    // Answers to unknown ids are ignored.
    answer(
        &server,
        &s,
        json!({"jsonrpc":"2.0","id":"s-999","result":{}}),
    )
    .await;
}

#[tokio::test]
async fn cancelling_a_waiting_tool_ends_its_stream() {
    let server = start();
    let s = session(&server, json!({"elicitation": {}})).await;
    let (mut events, _request) = call_until_asked(&server, &s, "ask_name", json!({})).await;
    answer(
        &server,
        &s,
        json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}),
    )
    .await;
    let rest = tokio::time::timeout(Duration::from_secs(2), async {
        let mut messages = Vec::new();
        while let Some(event) = events.next().await {
            messages.extend(event.data);
        }
        messages
    })
    .await
    .expect("the stream ended");
    assert!(rest.iter().all(|d| !d.contains("\"result\"")), "{rest:?}");
}

//! The stateless 2026-07-28 wire over a real socket, beside 2025 sessions on the same endpoint:
//! `_meta` and header validation (status, code, data), `server/discover`, result decoration,
//! logging only when asked, cancellation by closing the stream, multi-round-trip input with a
//! signed `requestState`.

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use mcp_runtime::{
    elicit::{CreateMessageRequest, Elicitation, SamplingMessage},
    mcp_resource, mcp_tool,
    protocol::CacheScope,
    Ctx, Server, ServerHandle, ToolError,
};
use serde_json::{json, Value};
use tests::{content_type, messages, TestServer};

/// Say hi.
#[mcp_tool]
async fn hi() -> &'static str {
    "hi"
}

/// Log at debug and at warning.
#[mcp_tool]
async fn chatty(ctx: Ctx) -> &'static str {
    ctx.debug("a debug line").await;
    ctx.warning("a warning").await;
    "chatted"
}

/// What the `wait` tool saw when it stopped: its label and whether it was cancelled.
#[derive(Default)]
struct Stops(Mutex<Vec<(String, bool)>>);

/// Log once, then wait until stopped.
#[mcp_tool]
async fn wait(ctx: Ctx, label: String) -> Result<String, ToolError> {
    struct Record(Ctx, String);
    impl Drop for Record {
        fn drop(&mut self) {
            if let Ok(stops) = self.0.state::<Stops>() {
                let entry = (self.1.clone(), self.0.is_cancelled());
                stops.0.lock().unwrap().push(entry);
            }
        }
    }
    let _record = Record(ctx.clone(), label);
    ctx.info("waiting").await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    Ok("woke".into())
}

/// What the `wait` calls recorded, as JSON.
#[mcp_tool]
async fn stops(ctx: Ctx) -> Result<String, ToolError> {
    let stops = ctx.state::<Stops>()?;
    let seen = stops.0.lock().unwrap().clone();
    Ok(serde_json::to_string(&seen).unwrap())
}

/// Ask two questions in turn, under the default keys.
#[mcp_tool]
async fn two_questions(ctx: Ctx) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let first = ctx.elicit_schema("Name?", schema.clone()).await?;
    let model = ctx
        .sample(CreateMessageRequest::new(
            vec![SamplingMessage::user("Colour?")],
            5,
        ))
        .await?;
    let name = match first {
        Elicitation::Accept(content) => content["name"].as_str().unwrap_or("?").to_owned(),
        other => other.action().to_owned(),
    };
    Ok(format!("{name} likes {}", model.text()))
}

/// Needs sampling.
#[mcp_tool]
async fn needs_sampling(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .sample(CreateMessageRequest::new(
            vec![SamplingMessage::user("x")],
            5,
        ))
        .await?;
    Ok(answer.text())
}

/// Route by region.
#[mcp_tool]
async fn routed(
    /// Where.
    #[mcp(header = "Region")]
    region: String,
    /// How many.
    #[mcp(header = "Count")]
    count: Option<u32>,
) -> String {
    format!("{region} x{}", count.unwrap_or(1))
}

/// Work for `ms` milliseconds as a task, then report; records how it stopped.
#[mcp_tool(task = "optional")]
async fn job(ctx: Ctx, ms: u64) -> Result<String, ToolError> {
    struct Record(Ctx);
    impl Drop for Record {
        fn drop(&mut self) {
            if let Ok(stops) = self.0.state::<Stops>() {
                let entry = ("job".to_owned(), self.0.is_cancelled());
                stops.0.lock().unwrap().push(entry);
            }
        }
    }
    let _record = Record(ctx.clone());
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(format!("worked {ms} ms"))
}

/// Ask for confirmation inside a task.
#[mcp_tool(task = "required")]
async fn confirm(ctx: Ctx) -> Result<String, ToolError> {
    ctx.run_as_task().await;
    let form = json!({"type": "object", "properties": {"ok": {"type": "boolean"}}});
    let answer = ctx
        .with_input_key("ok")
        .elicit_schema("Sure?", form)
        .await?;
    Ok(format!("answered {}", answer.action()))
}

/// A fixed note.
#[mcp_resource(uri = "test://note", mime_type = "text/plain")]
async fn note() -> &'static str {
    "a note"
}

fn server() -> TestServer {
    server_and_handle().0
}

fn server_and_handle() -> (TestServer, ServerHandle) {
    let server = Server::new("modern-tests", "7.0.0")
        .tool::<hi>()
        .tool::<chatty>()
        .tool::<wait>()
        .tool::<stops>()
        .tool::<two_questions>()
        .tool::<needs_sampling>()
        .tool::<routed>()
        .tool::<job>()
        .tool::<confirm>()
        .resource::<note>()
        .state(Stops::default())
        .cache_hints(Duration::from_secs(5), CacheScope::Public);
    let handle = server.handle();
    let http = server.into_http().keep_alive(Duration::from_millis(50));
    (TestServer::start(http), handle)
}

fn meta(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    })
}

/// The headers a 2026 client sends for `method` and `params`.
fn headers(method: &str, params: &Value) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28".to_owned()),
        ("mcp-method", method.to_owned()),
    ];
    if let Some(name) = params
        .get("name")
        .or_else(|| params.get("uri"))
        .or_else(|| params.get("taskId"))
        .and_then(Value::as_str)
    {
        headers.push(("mcp-name", name.to_owned()));
    }
    headers
}

/// POSTs one request with the given headers; returns the status and the messages.
async fn send(
    server: &TestServer,
    id: i64,
    method: &str,
    params: Value,
    headers: Vec<(&'static str, String)>,
) -> (u16, Vec<Value>) {
    let mut request = server.post(None);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let response = request.json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, messages(response).await)
}

/// A well-formed 2026 request with `params` plus `_meta` declaring `capabilities`.
pub(super) async fn modern(
    server: &TestServer,
    method: &str,
    mut params: Value,
    capabilities: Value,
) -> (u16, Vec<Value>) {
    params["_meta"] = meta(capabilities);
    let headers = headers(method, &params);
    send(server, 9, method, params, headers).await
}

pub(super) fn assert_error(
    (status, messages): &(u16, Vec<Value>),
    want_status: u16,
    code: i64,
    id: i64,
) -> Value {
    assert_eq!(*status, want_status, "{messages:?}");
    let last = messages.last().expect("an answer");
    assert_eq!(last["error"]["code"], code, "{last}");
    assert_eq!(last["id"], id, "errors carry the request id: {last}");
    last["error"].clone()
}

#[actix_web::test]
async fn meta_fields_are_required_except_client_info() {
    let server = server();
    let bare = vec![("mcp-protocol-version", "2026-07-28".to_owned())];
    let with_method = |m: &str| {
        let mut h = bare.clone();
        h.push(("mcp-method", m.to_owned()));
        h
    };
    let answer = send(
        &server,
        1,
        "server/discover",
        json!({}),
        with_method("server/discover"),
    )
    .await;
    assert_error(&answer, 400, -32602, 1);
    let no_version = json!({"_meta": {"io.modelcontextprotocol/clientCapabilities": {}}});
    let answer = send(
        &server,
        2,
        "server/discover",
        no_version,
        with_method("server/discover"),
    )
    .await;
    assert_error(&answer, 400, -32602, 2);
    let no_caps = json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}});
    let answer = send(
        &server,
        3,
        "server/discover",
        no_caps,
        with_method("server/discover"),
    )
    .await;
    assert_error(&answer, 400, -32602, 3);
    let bad_level = json!({"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/logLevel": "shouting"
    }});
    let answer = send(
        &server,
        4,
        "tools/list",
        bad_level,
        with_method("tools/list"),
    )
    .await;
    assert_error(&answer, 400, -32602, 4);

    let (status, answer) = modern(&server, "server/discover", json!({}), json!({})).await;
    assert_eq!(status, 200, "clientInfo is optional: {answer:?}");
    assert!(answer[0]["result"]["supportedVersions"].is_array());
}

#[actix_web::test]
async fn versions_and_headers_are_checked() {
    let server = server();
    let mut params = json!({"_meta": meta(json!({}))});
    params["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let headers_2099 = vec![
        ("mcp-protocol-version", "2099-01-01".to_owned()),
        ("mcp-method", "server/discover".to_owned()),
    ];
    let answer = send(&server, 5, "server/discover", params.clone(), headers_2099).await;
    let error = assert_error(&answer, 400, -32022, 5);
    assert_eq!(error["data"]["requested"], "2099-01-01");
    let supported = error["data"]["supported"].as_array().unwrap();
    assert!(supported.contains(&json!("2026-07-28")) && supported.contains(&json!("2025-11-25")));

    // The header says 2026, the body 2099: a mismatch, before the version is looked at.
    let answer = send(
        &server,
        6,
        "server/discover",
        params,
        headers("server/discover", &json!({})),
    )
    .await;
    assert_error(&answer, 400, -32020, 6);

    let call = json!({"name": "hi", "_meta": meta(json!({}))});
    let mut wrong_method = headers("tools/call", &call);
    wrong_method[1].1 = "tools/list".into();
    let answer = send(&server, 7, "tools/call", call.clone(), wrong_method).await;
    assert_error(&answer, 400, -32020, 7);

    let mut no_name = headers("tools/call", &call);
    no_name.pop();
    let answer = send(&server, 8, "tools/call", call.clone(), no_name).await;
    assert_error(&answer, 400, -32020, 8);

    let mut wrong_case = headers("tools/call", &call);
    wrong_case[2].1 = "HI".into();
    let answer = send(&server, 9, "tools/call", call.clone(), wrong_case).await;
    assert_error(&answer, 400, -32020, 9);

    // Values are trimmed, names case-insensitive, and `=?base64?..?=` decoded.
    let padded = vec![
        ("MCP-Protocol-Version", " 2026-07-28 ".to_owned()),
        ("MCP-METHOD", "tools/call".to_owned()),
        ("Mcp-Name", "=?base64?aGk=?=".to_owned()),
    ];
    let (status, answer) = send(&server, 10, "tools/call", call.clone(), padded).await;
    assert_eq!(status, 200, "{answer:?}");
    assert_eq!(answer[0]["result"]["content"][0]["text"], "hi");

    let mut bad_base64 = headers("tools/call", &call);
    bad_base64[2].1 = "=?base64?aGk?=".into();
    let answer = send(&server, 11, "tools/call", call, bad_base64).await;
    assert_error(&answer, 400, -32020, 11);
}

#[actix_web::test]
async fn removed_methods_are_404_and_undeclared_capabilities_400() {
    let server = server();
    for method in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "resources/unsubscribe",
        "nope/nothing",
    ] {
        let answer = modern(&server, method, json!({}), json!({})).await;
        assert_error(&answer, 404, -32601, 9);
    }
    let answer = modern(
        &server,
        "tools/call",
        json!({"name": "needs_sampling"}),
        json!({}),
    )
    .await;
    let error = assert_error(&answer, 400, -32021, 9);
    assert_eq!(
        error["data"]["requiredCapabilities"],
        json!({"sampling": {}})
    );

    // With the capability declared, the same call asks for input instead.
    let (status, answer) = modern(
        &server,
        "tools/call",
        json!({"name": "needs_sampling"}),
        json!({"sampling": {}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer[0]["result"]["resultType"], "input_required");
}

#[actix_web::test]
async fn discover_and_results_carry_result_type_caching_and_server_info() {
    let server = server();
    let (status, answer) = modern(&server, "server/discover", json!({}), json!({})).await;
    assert_eq!(status, 200);
    let result = &answer[0]["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["capabilities"]["tools"],
        json!({"listChanged": true})
    );
    // Resource updates reach `subscriptions/listen` streams that name the resource.
    assert_eq!(result["capabilities"]["resources"]["subscribe"], true);
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["version"],
        "7.0.0"
    );
    for method in ["tools/list", "resources/list", "resources/templates/list"] {
        let (_, answer) = modern(&server, method, json!({}), json!({})).await;
        let result = &answer[0]["result"];
        assert_eq!(result["resultType"], "complete", "{method}");
        assert_eq!(result["ttlMs"], 5000, "{method}");
        assert_eq!(result["cacheScope"], "public", "{method}");
    }
    let (_, answer) = modern(
        &server,
        "resources/read",
        json!({"uri": "test://note"}),
        json!({}),
    )
    .await;
    assert_eq!(answer[0]["result"]["contents"][0]["text"], "a note");
    assert_eq!(answer[0]["result"]["ttlMs"], 5000);

    let (_, answer) = modern(&server, "tools/call", json!({"name": "hi"}), json!({})).await;
    let result = &answer[0]["result"];
    assert_eq!(result["resultType"], "complete");
    assert!(
        result.get("ttlMs").is_none(),
        "tool results are not cached: {result}"
    );

    // A missing resource is -32602 in 2026 (not -32002), with the URI.
    let answer = modern(
        &server,
        "resources/read",
        json!({"uri": "test://none"}),
        json!({}),
    )
    .await;
    let error = assert_error(&answer, 200, -32602, 9);
    assert_eq!(error["data"]["uri"], "test://none");
}

#[actix_web::test]
async fn logs_only_when_the_request_asks_and_at_or_above_its_level() {
    let server = server();
    let (_, answer) = modern(&server, "tools/call", json!({"name": "chatty"}), json!({})).await;
    assert_eq!(answer.len(), 1, "no log without a logLevel: {answer:?}");
    assert_eq!(answer[0]["result"]["content"][0]["text"], "chatted");

    let mut params = json!({"name": "chatty", "_meta": meta(json!({}))});
    params["_meta"]["io.modelcontextprotocol/logLevel"] = json!("warning");
    let headers = headers("tools/call", &params);
    let (_, answer) = send(&server, 3, "tools/call", params, headers).await;
    assert_eq!(answer.len(), 2, "{answer:?}");
    assert_eq!(answer[0]["method"], "notifications/message");
    assert_eq!(answer[0]["params"]["level"], "warning");
    assert_eq!(answer[1]["result"]["content"][0]["text"], "chatted");
}

/// Sends a call whose answer is a stream, reads its first event, and hangs up.
async fn start_and_hang_up(request: reqwest::RequestBuilder, body: Value) {
    let response = request.json(&body).send().await.unwrap();
    assert!(content_type(&response).starts_with("text/event-stream"));
    let mut stream = response.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert!(!first.is_empty());
}

/// What the `wait` calls recorded so far, read through the `stops` tool.
async fn observed(server: &TestServer) -> Vec<(String, bool)> {
    let (_, answer) = modern(server, "tools/call", json!({"name": "stops"}), json!({})).await;
    let text = answer[0]["result"]["content"][0]["text"].as_str().unwrap();
    serde_json::from_str(text).unwrap()
}

#[actix_web::test]
async fn closing_the_stream_cancels_a_stateless_call_but_not_a_session_call() {
    let server = server();
    // 2025: the stream is resumable, so a disconnect is not a cancellation.
    let session = server.session().await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "wait", "arguments": {"label": "session"}}});
    start_and_hang_up(server.post(Some(&session)), call).await;

    // 2026: closing the stream is how the client cancels.
    let mut params =
        json!({"name": "wait", "arguments": {"label": "stateless"}, "_meta": meta(json!({}))});
    params["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
    let mut request = server.post(None);
    for (name, value) in headers("tools/call", &params) {
        request = request.header(name, value);
    }
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params});
    start_and_hang_up(request, body).await;

    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = observed(&server).await;
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Give a wrongly cancelled session call the time to show up too.
    tokio::time::sleep(Duration::from_millis(200)).await;
    seen.extend(observed(&server).await.into_iter().skip(seen.len()));
    assert_eq!(
        seen,
        vec![("stateless".to_owned(), true)],
        "only the stateless call stopped, cancelled"
    );
}

#[actix_web::test]
async fn a_quiet_stateless_call_is_cancelled_when_the_client_hangs_up() {
    // No log level asked: the tool's log is not sent, so nothing has been written yet when
    // the client leaves. The server must still notice and stop the tool.
    let server = server();
    let params = json!({"name": "wait", "arguments": {"label": "quiet"}, "_meta": meta(json!({}))});
    let mut request = server.post(None);
    for (name, value) in headers("tools/call", &params) {
        request = request.header(name, value);
    }
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params});
    // The answer starts as a stream at once (headers, keep-alives), so the hang-up shows.
    let response = tokio::time::timeout(Duration::from_secs(2), request.json(&body).send())
        .await
        .expect("a quiet call's answer starts without waiting for the tool")
        .unwrap();
    assert!(content_type(&response).starts_with("text/event-stream"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(response);
    let mut seen = Vec::new();
    for _ in 0..150 {
        seen = observed(&server).await;
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, vec![("quiet".to_owned(), true)]);
}

#[actix_web::test]
async fn input_required_round_trips_with_a_signed_request_state() {
    let server = server();
    let caps = json!({"elicitation": {}, "sampling": {}});
    let call = |extra: Value| {
        let mut params = json!({"name": "two_questions"});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        params
    };
    let (status, answer) = modern(&server, "tools/call", call(json!({})), caps.clone()).await;
    assert_eq!(status, 200);
    let round1 = answer[0]["result"].clone();
    assert_eq!(round1["resultType"], "input_required", "{round1}");
    assert_eq!(
        round1["inputRequests"]["elicitation-1"]["method"],
        "elicitation/create"
    );
    assert_eq!(round1["inputRequests"].as_object().unwrap().len(), 1);
    let state1 = round1["requestState"].as_str().unwrap().to_owned();

    let name = json!({"elicitation-1": {"action": "accept", "content": {"name": "Ada"}}});
    let (_, answer) = modern(
        &server,
        "tools/call",
        call(json!({"inputResponses": name, "requestState": state1})),
        caps.clone(),
    )
    .await;
    let round2 = answer[0]["result"].clone();
    assert_eq!(round2["resultType"], "input_required", "{round2}");
    assert_eq!(
        round2["inputRequests"]["sampling-2"]["method"],
        "sampling/createMessage"
    );
    let state2 = round2["requestState"].as_str().unwrap().to_owned();
    assert_ne!(state2, state1);

    // Round 3 answers only the new question: the name travels in the signed state.
    let colour = json!({"sampling-2": {"role": "assistant", "model": "m",
        "content": {"type": "text", "text": "blue"}}});
    let (_, answer) = modern(
        &server,
        "tools/call",
        call(json!({"inputResponses": colour.clone(), "requestState": state2.clone()})),
        caps.clone(),
    )
    .await;
    let done = &answer[0]["result"];
    assert_eq!(done["resultType"], "complete", "{done}");
    assert_eq!(done["content"][0]["text"], "Ada likes blue");

    // A tampered state, or one issued for another tool, is refused.
    let mut tampered = state2.clone();
    tampered.insert(
        1,
        if tampered.as_bytes()[1] == b'A' {
            'B'
        } else {
            'A'
        },
    );
    let answer = modern(
        &server,
        "tools/call",
        call(json!({"inputResponses": colour.clone(), "requestState": tampered})),
        caps.clone(),
    )
    .await;
    assert_error(&answer, 400, -32602, 9);
    let answer = modern(
        &server,
        "tools/call",
        json!({"name": "needs_sampling", "inputResponses": colour, "requestState": state2}),
        caps.clone(),
    )
    .await;
    let error = assert_error(&answer, 400, -32602, 9);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("another request"),
        "{error}"
    );

    // Answers must be objects.
    let answer = modern(
        &server,
        "tools/call",
        call(json!({"inputResponses": {"elicitation-1": 5}})),
        caps,
    )
    .await;
    assert_error(&answer, 400, -32602, 9);
}

#[actix_web::test]
async fn both_eras_on_one_endpoint() {
    let server = server();
    let session = server.session().await;
    let answer = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        )
        .await;
    assert_eq!(answer[0]["result"], json!({}));
    let answer = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "hi"}}),
        )
        .await;
    let result = &answer.last().unwrap()["result"];
    assert_eq!(result["content"][0]["text"], "hi");
    assert!(
        result.get("resultType").is_none(),
        "2025 results stay as they were: {result}"
    );

    let (status, answer) = modern(&server, "tools/call", json!({"name": "hi"}), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(answer[0]["result"]["resultType"], "complete");

    // The 2025 session still works after stateless traffic, and a stateless request opens none.
    let answer = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
        )
        .await;
    assert!(answer[0]["result"]["tools"].is_array());
    let response = server
        .post(None)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/list")
        .json(&json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list",
            "params": {"_meta": meta(json!({}))}}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("mcp-session-id").is_none());

    // A 2026 client has no stream to GET and no session to DELETE.
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let response = server
            .request(method.clone())
            .header("accept", "text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "POST");
    }
}

#[actix_web::test]
async fn x_mcp_header_parameters_are_repeated_in_headers() {
    let server = server();
    let (_, answer) = modern(&server, "tools/list", json!({}), json!({})).await;
    let tools = answer[0]["result"]["tools"].as_array().unwrap();
    let routed = tools.iter().find(|t| t["name"] == "routed").unwrap();
    assert_eq!(
        routed["inputSchema"]["properties"]["region"]["x-mcp-header"],
        "Region"
    );
    assert_eq!(
        routed["inputSchema"]["properties"]["count"]["x-mcp-header"],
        "Count"
    );

    let call = |arguments: Value| json!({"name": "routed", "arguments": arguments, "_meta": meta(json!({}))});
    let with = |params: &Value, extra: &[(&'static str, &str)]| {
        let mut headers = headers("tools/call", params);
        headers.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        headers
    };
    let params = call(json!({"region": "eu-west", "count": 3}));
    let ok = with(
        &params,
        &[("mcp-param-region", "eu-west"), ("Mcp-Param-Count", "3.0")],
    );
    let (status, answer) = send(&server, 20, "tools/call", params.clone(), ok).await;
    assert_eq!(status, 200, "{answer:?}");
    assert_eq!(answer[0]["result"]["content"][0]["text"], "eu-west x3");

    // Base64-wrapped values are decoded; bad base64 is refused.
    let params = call(json!({"region": "\u{e9}t\u{e9}"}));
    let encoded = with(&params, &[("mcp-param-region", "=?base64?w6l0w6k=?=")]);
    let (status, _) = send(&server, 21, "tools/call", params.clone(), encoded).await;
    assert_eq!(status, 200);
    let broken = with(&params, &[("mcp-param-region", "=?base64?w6l0w6k?=")]);
    let answer = send(&server, 22, "tools/call", params, broken).await;
    assert_error(&answer, 400, -32020, 22);

    // Missing, different, or sent without the argument: refused.
    let params = call(json!({"region": "eu-west"}));
    let answer = send(
        &server,
        23,
        "tools/call",
        params.clone(),
        with(&params, &[]),
    )
    .await;
    assert_error(&answer, 400, -32020, 23);
    let other = with(&params, &[("mcp-param-region", "us-east")]);
    let answer = send(&server, 24, "tools/call", params.clone(), other).await;
    assert_error(&answer, 400, -32020, 24);
    let extra = with(
        &params,
        &[("mcp-param-region", "eu-west"), ("mcp-param-count", "2")],
    );
    let answer = send(&server, 25, "tools/call", params, extra).await;
    assert_error(&answer, 400, -32020, 25);
}

/// Opens a `subscriptions/listen` stream with `notifications` and id `id`.
async fn listen(server: &TestServer, id: &str, notifications: Value) -> tests::EventReader {
    let params = json!({"notifications": notifications, "_meta": meta(json!({}))});
    let mut request = server.post(None);
    for (name, value) in headers("subscriptions/listen", &params) {
        request = request.header(name, value);
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
        "params": params});
    let response = request.json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("text/event-stream"));
    tests::EventReader::new(response)
}

/// Add two integers.
#[mcp_tool]
async fn added(a: i64, b: i64) -> i64 {
    a + b
}

#[actix_web::test]
async fn listen_is_acknowledged_first_and_delivers_only_what_was_asked() {
    let (server, handle) = server_and_handle();
    let mut events = listen(
        &server,
        "listen-1",
        json!({"toolsListChanged": true, "promptsListChanged": true,
               "resourceSubscriptions": ["test://note"]}),
    )
    .await;
    let ack = events.message().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "listen-1"
    );
    // No prompts on this server: their list-changed is not announced, so not honoured.
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true, "resourceSubscriptions": ["test://note"]})
    );
    let mut narrow = listen(&server, "listen-2", json!({"resourcesListChanged": true})).await;
    assert_eq!(
        narrow.message().await["params"]["notifications"],
        json!({"resourcesListChanged": true})
    );

    handle.add_tool::<added>().unwrap();
    let changed = events.message().await;
    assert_eq!(changed["method"], "notifications/tools/list_changed");
    assert_eq!(
        changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "listen-1"
    );
    assert_eq!(handle.resource_updated("test://elsewhere"), 0);
    assert_eq!(handle.resource_updated("test://note"), 1);
    let updated = events.message().await;
    assert_eq!(updated["method"], "notifications/resources/updated");
    assert_eq!(updated["params"]["uri"], "test://note");
    assert_eq!(
        updated["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "listen-1"
    );
    // The narrow stream asked for neither: keep-alives only.
    let more = tokio::time::timeout(Duration::from_millis(200), narrow.next()).await;
    assert!(more.is_err(), "nothing but keep-alives follows: {more:?}");
    assert!(
        narrow.comments > 0,
        "keep-alive comments keep the stream open"
    );

    let answer = modern(&server, "subscriptions/listen", json!({}), json!({})).await;
    assert_error(&answer, 400, -32602, 9);
}

fn tasks_caps() -> Value {
    json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}})
}

/// `tasks/get` until the task leaves `working`/`input_required` (or `until` matches).
async fn poll_task(server: &TestServer, task: &str, until: &str) -> Value {
    for _ in 0..100 {
        let (_, answer) = modern(server, "tasks/get", json!({"taskId": task}), tasks_caps()).await;
        let result = answer[0]["result"].clone();
        if result["status"] == until {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {task} never reached {until}")
}

#[actix_web::test]
async fn tasks_run_on_after_the_answer_and_are_polled_cancelled_and_gated() {
    let server = server();
    let (_, answer) = modern(&server, "server/discover", json!({}), json!({})).await;
    assert_eq!(
        answer[0]["result"]["capabilities"]["extensions"],
        json!({"io.modelcontextprotocol/tasks": {}})
    );

    // Without the extension: the same tool answers with its result.
    let (_, answer) = modern(
        &server,
        "tools/call",
        json!({"name": "job", "arguments": {"ms": 10}}),
        json!({}),
    )
    .await;
    assert_eq!(answer[0]["result"]["resultType"], "complete");
    assert_eq!(answer[0]["result"]["content"][0]["text"], "worked 10 ms");
    for method in ["tasks/get", "tasks/cancel"] {
        let answer = modern(&server, method, json!({"taskId": "x"}), json!({})).await;
        let error = assert_error(&answer, 400, -32021, 9);
        assert_eq!(
            error["data"]["requiredCapabilities"],
            json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
        );
    }
    let answer = modern(&server, "tools/call", json!({"name": "confirm"}), json!({})).await;
    assert_error(&answer, 400, -32021, 9);

    // With it: a task at once, then its result inlined by tasks/get.
    let (status, answer) = modern(
        &server,
        "tools/call",
        json!({"name": "job", "arguments": {"ms": 100}}),
        tasks_caps(),
    )
    .await;
    assert_eq!(status, 200);
    let created = &answer[0]["result"];
    assert_eq!(created["resultType"], "task", "{created}");
    assert_eq!(created["status"], "working");
    assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
    let task = created["taskId"].as_str().unwrap().to_owned();
    let done = poll_task(&server, &task, "completed").await;
    assert_eq!(done["resultType"], "complete");
    assert_eq!(done["result"]["content"][0]["text"], "worked 100 ms");
    assert!(done["result"].get("resultType").is_none(), "{done}");

    // tasks/cancel stops the tool; the ack carries nothing else; cancelling again is the same.
    let (_, answer) = modern(
        &server,
        "tools/call",
        json!({"name": "job", "arguments": {"ms": 30000}}),
        tasks_caps(),
    )
    .await;
    let task = answer[0]["result"]["taskId"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let (_, answer) = modern(
            &server,
            "tasks/cancel",
            json!({"taskId": task}),
            tasks_caps(),
        )
        .await;
        assert_eq!(answer[0]["result"], json!({"resultType": "complete"}));
    }
    let cancelled = poll_task(&server, &task, "cancelled").await;
    assert!(cancelled.get("result").is_none());
    let mut stops = Vec::new();
    for _ in 0..50 {
        stops = observed(&server).await;
        if stops.iter().any(|s| s == &("job".to_owned(), true)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stops.contains(&("job".to_owned(), true)), "{stops:?}");

    let answer = modern(
        &server,
        "tasks/get",
        json!({"taskId": "nope"}),
        tasks_caps(),
    )
    .await;
    assert_error(&answer, 200, -32602, 9);
    let answer = modern(&server, "tasks/list", json!({}), tasks_caps()).await;
    assert_error(&answer, 404, -32601, 9);
}

#[actix_web::test]
async fn a_task_waits_for_its_questions_to_be_answered_by_tasks_update() {
    let server = server();
    let (_, answer) = modern(
        &server,
        "tools/call",
        json!({"name": "confirm"}),
        tasks_caps(),
    )
    .await;
    let task = answer[0]["result"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let waiting = poll_task(&server, &task, "input_required").await;
    assert_eq!(
        waiting["inputRequests"]["ok"]["method"],
        "elicitation/create"
    );

    // Mcp-Name must name the task.
    let params = json!({"taskId": task, "inputResponses": {"ok": {"action": "decline"}}, "_meta": meta(tasks_caps())});
    let mut wrong = headers("tasks/update", &params);
    assert_eq!(wrong[2], ("mcp-name", task.clone()));
    wrong[2].1 = "other".into();
    let answer = send(&server, 30, "tasks/update", params.clone(), wrong).await;
    assert_error(&answer, 400, -32020, 30);
    let right = headers("tasks/update", &params);
    let (status, answer) = send(&server, 31, "tasks/update", params, right).await;
    assert_eq!(status, 200, "{answer:?}");
    assert_eq!(answer[0]["result"], json!({"resultType": "complete"}));

    let done = poll_task(&server, &task, "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "answered decline");
}

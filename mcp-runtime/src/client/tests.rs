//! The protocol layer against raw HTTP servers that answer with canned bytes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::handler::{Ignore, NotificationFn};
use super::link::Link;
use super::requests::Responders;
use super::routing::Inner;
use super::transport::HttpTransport;
use super::*;
use crate::elicit::{Elicitation, Root};
use crate::protocol::meta::{
    CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, LOG_LEVEL_KEY, PROTOCOL_VERSION_KEY,
};
use crate::protocol::{Implementation, LoggingLevel, RequestId};

/// A raw HTTP/1.1 server answering every request with the next canned response, written in
/// the given pieces with a pause between them. Returns its URL.
async fn canned(responses: Vec<Vec<&'static [u8]>>) -> String {
    canned_recorded(responses).await.0
}

/// [`canned`], also returning every request received (head and body, as text).
async fn canned_recorded(responses: Vec<Vec<&'static [u8]>>) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for pieces in responses {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                    if request.len() >= end + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&request).into_owned());
            for piece in pieces {
                socket.write_all(piece).await.unwrap();
                socket.flush().await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    (url, seen)
}

fn client(url: &str) -> Client {
    Client {
        inner: Arc::new(Inner::new(
            Link::Http(HttpTransport::new(
                reqwest::Client::new(),
                reqwest::Url::parse(url).unwrap(),
                DEFAULT_MAX_MESSAGE_BYTES,
            )),
            Arc::new(Ignore),
            Responders::default(),
            Implementation::new("t", "0"),
            json!({}),
        )),
    }
}

const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

fn json_response(status: &str, body: &str) -> Vec<u8> {
    json_response_with(status, "", body)
}

fn json_response_with(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl MessageHandler for Recorder {
    fn on_log(&self, level: LoggingLevel, logger: Option<&str>, data: &Value) {
        self.0
            .lock()
            .unwrap()
            .push(format!("log {level} {logger:?} {data}"));
    }
    fn on_progress(&self, token: &Value, progress: f64, total: Option<f64>, message: Option<&str>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("progress {token} {progress} {total:?} {message:?}"));
    }
}

#[tokio::test]
async fn streamed_notifications_reach_the_handler_and_the_progress_callback() {
    let url = canned(vec![vec![
        SSE_HEAD,
        b"id: s-0\nretry: 1000\ndata: \n\n: keep-alive\n\nid: s-1\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",",
        b"\"params\":{\"level\":\"info\",\"logger\":\"x\",\"data\":\"one\"}}\n\nid: s-2\nevent: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":0,\"progress\":1,\"total\":2,\"message\":\"half\"}}\r\n\r",
        b"\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":99,\"progress\":1}}\n\n",
        b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":0,\n",
        b"data: \"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}\n\n",
    ]])
    .await;
    let client = client(&url);
    let recorder = Arc::new(Recorder::default());
    client.set_handler(recorder.clone());
    let mut seen = Vec::new();
    let result = client
        .call_tool_with_progress("t", json!({}), |p| {
            seen.push((p.progress, p.message.clone()))
        })
        .await
        .unwrap();
    assert_eq!(result.content, vec![crate::Content::text("done")]);
    assert_eq!(seen, vec![(1.0, Some("half".to_owned()))]);
    assert_eq!(
        *recorder.0.lock().unwrap(),
        vec![
            "log info Some(\"x\") \"one\"".to_owned(),
            "progress 0 1 Some(2.0) Some(\"half\")".to_owned(),
            "progress 99 1 None None".to_owned(),
        ]
    );
}

#[tokio::test]
async fn bad_server_output_becomes_typed_errors() {
    let not_found = json_response(
        "404 Not Found",
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}"#,
    );
    let rpc_error = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x"}}"#,
    );
    let garbage = json_response("200 OK", "{not json");
    let wrong_id = json_response("200 OK", r#"{"jsonrpc":"2.0","id":77,"result":{}}"#);
    let bad_result = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":4,"result":{"content":7}}"#,
    );
    let html = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi";
    let leak = |v: Vec<u8>| -> &'static [u8] { Vec::leak(v) };
    let url = canned(vec![
        vec![leak(not_found)],
        vec![leak(rpc_error)],
        vec![leak(garbage)],
        vec![leak(wrong_id)],
        vec![leak(bad_result)],
        vec![html],
        vec![SSE_HEAD, b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":6,\"resu"],
        vec![SSE_HEAD, b"data: [1,2]\n\n"],
    ])
    .await;
    let client = client(&url);
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(e.is_session_expired() && e.rpc_error().is_some(), "{e}");
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Rpc(r) if r.message == "Unknown tool: x"),
        "{e}"
    );
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(matches!(e, ClientError::Decode(_)), "{e}");
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(matches!(e, ClientError::Protocol(_)), "{e}");
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(matches!(e, ClientError::InvalidResult { .. }), "{e}");
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("text/html")),
        "{e}"
    );
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(
        matches!(e, ClientError::StreamEnded(RequestId::Number(6))),
        "{e}"
    );
    let e = client.call_tool("x", json!({})).await.unwrap_err();
    assert!(
        matches!(e, ClientError::Decode(crate::protocol::DecodeError::Batch)),
        "{e}"
    );
}

#[tokio::test]
async fn connection_failures_are_transport_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    drop(listener);
    let e = Client::connect(url).await.unwrap_err();
    assert!(matches!(e, ClientError::Transport { .. }), "{e}");
    let e = Client::connect("not a url").await.unwrap_err();
    assert!(
        e.to_string().starts_with("transport error: invalid URL"),
        "{e}"
    );
}

#[tokio::test]
async fn connect_negotiates_and_keeps_the_session() {
    let init = json_response_with(
        "200 OK",
        "mcp-session-id: abc123\r\n",
        r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","serverInfo":{"name":"s","version":"1"}}}"#,
    );
    let accepted: &[u8] =
        b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let no_discover = json_response(
        "400 Bad Request",
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Bad Request: missing session"}}"#,
    );
    let url = canned(vec![
        vec![Vec::leak(no_discover)],
        vec![Vec::leak(init)],
        vec![accepted],
    ])
    .await;
    let client = Client::connect(url).await.unwrap();
    assert_eq!(client.wire(), Wire::Handshake);
    assert_eq!(client.session_id(), Some("abc123"));
    assert_eq!(client.protocol_version(), "2025-06-18");
    assert_eq!(client.server_info().server_info.name, "s");

    let old = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2024-11-05","serverInfo":{"name":"s","version":"1"}}}"#,
    );
    let url = canned(vec![vec![Vec::leak(old)]]).await;
    let e = Client::builder(url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("2024-11-05")),
        "{e}"
    );
}

#[tokio::test]
async fn the_stateless_wire_sends_meta_and_headers_and_answers_input_requests() {
    let discover = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":0,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"ttlMs":0,"cacheScope":"public","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"modern","version":"9"}}}}"#,
    );
    let input_required = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","inputRequests":{"who":{"method":"elicitation/create","params":{"mode":"form","message":"Name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string"}}}}},"where":{"method":"roots/list","params":{}}},"requestState":"st-1"}}"#,
    );
    let done = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":2,"result":{"resultType":"complete","content":[{"type":"text","text":"hi Ada"}]}}"#,
    );
    let (url, seen) = canned_recorded(vec![
        vec![Vec::leak(discover)],
        vec![Vec::leak(input_required)],
        vec![Vec::leak(done)],
    ])
    .await;
    let client = Client::builder(url)
        .on_elicitation(|request| async move {
            assert_eq!(request.message, "Name?");
            Ok(Elicitation::Accept(json!({"name": "Ada"})))
        })
        .on_roots(|| async {
            Ok(vec![Root {
                uri: "file:///w".into(),
                name: None,
            }])
        })
        .connect()
        .await
        .unwrap();
    assert_eq!(client.wire(), Wire::Stateless);
    assert_eq!(client.protocol_version(), STATELESS_PROTOCOL_VERSION);
    assert_eq!(client.server_info().server_info.name, "modern");
    assert_eq!(client.session_id(), None);
    client.set_log_level(LoggingLevel::Debug).await.unwrap();
    let result = client.call_tool("héllo", json!({"x": 1})).await.unwrap();
    assert_eq!(result.content, vec![crate::Content::text("hi Ada")]);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "discover, the call, its retry: {seen:#?}");
    let body = |request: &str| -> Value {
        serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap()
    };
    let head = |request: &str| request[..request.find("\r\n\r\n").unwrap()].to_ascii_lowercase();
    assert!(
        head(&seen[0]).contains("mcp-protocol-version: 2026-07-28"),
        "{}",
        seen[0]
    );
    assert!(
        head(&seen[0]).contains("mcp-method: server/discover"),
        "{}",
        seen[0]
    );
    let meta = &body(&seen[0])["params"]["_meta"];
    assert_eq!(meta[PROTOCOL_VERSION_KEY], "2026-07-28");
    assert_eq!(
        meta[CLIENT_CAPABILITIES_KEY],
        json!({"elicitation": {"form": {}}, "roots": {}})
    );
    assert_eq!(meta[CLIENT_INFO_KEY]["name"], "mcp-runtime-client");

    for request in &seen[1..] {
        let head = head(request);
        assert!(head.contains("mcp-protocol-version: 2026-07-28"), "{head}");
        assert!(head.contains("mcp-method: tools/call"), "{head}");
        // Not plain ASCII: base64 of the UTF-8 bytes (`aMOpbGxv`, lowercased with the head).
        assert!(head.contains("mcp-name: =?base64?amopbgxv?="), "{head}");
        assert!(!head.contains("mcp-session-id"), "{head}");
        let params = &body(request)["params"];
        assert_eq!(params["name"], "héllo");
        assert_eq!(params["_meta"][LOG_LEVEL_KEY], "debug");
    }
    let first = body(&seen[1]);
    assert!(first["params"].get("inputResponses").is_none());
    let retry = body(&seen[2]);
    assert_ne!(retry["id"], first["id"], "a retry is a new request");
    assert_eq!(retry["params"]["requestState"], "st-1");
    assert_eq!(
        retry["params"]["inputResponses"],
        json!({
            "who": {"action": "accept", "content": {"name": "Ada"}},
            "where": {"roots": [{"uri": "file:///w"}]}
        })
    );
}

#[tokio::test]
async fn input_requests_without_a_callback_are_a_clear_error() {
    let discover = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":0,"result":{"supportedVersions":["2026-07-28"],"capabilities":{}}}"#,
    );
    let input_required = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required","inputRequests":{"s":{"method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}}}}"#,
    );
    let url = canned(vec![
        vec![Vec::leak(discover)],
        vec![Vec::leak(input_required)],
    ])
    .await;
    let client = Client::connect(url).await.unwrap();
    let e = client.call_tool("t", json!({})).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Protocol(m) if m.contains("sampling/createMessage") && m.contains("no callback")),
        "{e}"
    );
}

#[tokio::test]
async fn a_refused_revision_the_server_lists_is_asked_again() {
    let refused = json_response(
        "400 Bad Request",
        r#"{"jsonrpc":"2.0","id":0,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28"],"requested":"2026-07-28"}}}"#,
    );
    let discover = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":1,"result":{"supportedVersions":["2026-07-28"],"capabilities":{},"serverInfo":{"name":"picky","version":"1"}}}"#,
    );
    let (url, seen) =
        canned_recorded(vec![vec![Vec::leak(refused)], vec![Vec::leak(discover)]]).await;
    let client = Client::connect(url).await.unwrap();
    assert_eq!(client.wire(), Wire::Stateless);
    assert_eq!(client.server_info().server_info.name, "picky");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    for request in seen.iter() {
        let head = request.to_ascii_lowercase();
        assert!(head.contains("mcp-protocol-version: 2026-07-28"), "{head}");
    }
}

#[tokio::test]
async fn listed_tools_teach_the_param_headers_and_invalid_ones_are_left_out() {
    let discover = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":0,"result":{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}}}}"#,
    );
    let list = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"ok","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},"n":{"type":"integer","x-mcp-header":"N"}}}},{"name":"bad","inputSchema":{"type":"object","properties":{"x":{"type":"number","x-mcp-header":"X"}}}}]}}"#,
    );
    let done = json_response(
        "200 OK",
        r#"{"jsonrpc":"2.0","id":2,"result":{"content":[]}}"#,
    );
    let (url, seen) = canned_recorded(vec![
        vec![Vec::leak(discover)],
        vec![Vec::leak(list)],
        vec![Vec::leak(done)],
    ])
    .await;
    let client = Client::connect(url).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    assert_eq!(
        tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["ok"]
    );
    client
        .call_tool("ok", json!({"region": "Z\u{fc}rich", "n": 7}))
        .await
        .unwrap();
    let call = seen.lock().unwrap()[2].to_ascii_lowercase();
    // `Zürich` is not plain ASCII: base64 of its UTF-8 bytes (lowercased with the head).
    assert!(
        call.contains("mcp-param-region: =?base64?wso8cmljaa==?="),
        "{call}"
    );
    assert!(call.contains("mcp-param-n: 7"), "{call}");
}

#[tokio::test]
async fn listen_without_a_get_stream_is_not_an_error() {
    let init = json_response_with(
        "200 OK",
        "mcp-session-id: s1\r\n",
        r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"s","version":"1"}}}"#,
    );
    let accepted: &[u8] =
        b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let not_found: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: 9\r\nconnection: close\r\n\r\nno GET /.";
    let url = canned(vec![vec![Vec::leak(init)], vec![accepted], vec![not_found]]).await;
    let client = Client::builder(url)
        .wire(WirePreference::Handshake)
        .listen(true)
        .connect()
        .await
        .unwrap();
    assert_eq!(client.session_id(), Some("s1"));
}

#[tokio::test]
async fn listen_routes_the_get_stream_to_the_handler() {
    let init = json_response_with(
        "200 OK",
        "mcp-session-id: s1\r\n",
        r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"s","version":"1"}}}"#,
    );
    let accepted: &[u8] =
        b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let (url, seen) = canned_recorded(vec![
        vec![Vec::leak(init)],
        vec![accepted],
        vec![
            SSE_HEAD,
            b"id: g-0\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n",
        ],
    ])
    .await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _client = Client::builder(url)
        .wire(WirePreference::Handshake)
        .listen(true)
        .handler(NotificationFn(move |n: &Notification| {
            let _ = tx.send(n.method.clone());
        }))
        .connect()
        .await
        .unwrap();
    let method = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the GET stream's notification")
        .unwrap();
    assert_eq!(method, "notifications/tools/list_changed");
    let get = seen.lock().unwrap()[2].to_ascii_lowercase();
    assert!(get.starts_with("get /mcp"), "{get}");
    assert!(get.contains("mcp-session-id: s1"), "{get}");
    assert!(get.contains("accept: text/event-stream"), "{get}");
}

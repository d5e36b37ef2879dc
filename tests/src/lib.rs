//! Support for the integration tests in `tests/`: a server on a loopback port of its own, and
//! raw HTTP helpers to speak Streamable HTTP byte for byte (including wrongly, on purpose).

pub mod stores;

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;

use futures_util::StreamExt;
use mcp_runtime::http::StreamableHttp;
use mcp_runtime::{mcp_tool, Ctx};
use serde_json::{json, Value};

/// Work through `items`, logging and reporting progress for each (a log message, then a
/// progress update), `delay_ms` apart (used over HTTP and by the `stdio_fixture` binary).
#[mcp_tool]
pub async fn slow_steps(ctx: Ctx, items: Vec<String>, delay_ms: u64) -> String {
    let n = items.len();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        ctx.info(format!("step {}/{n}: {item}", i + 1)).await;
        ctx.progress_message(i + 1, n, item).await;
    }
    format!("{n} done")
}

thread_local! {
    static HTTP2: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// From now on, the [`TestServer`]s this thread starts are spoken to over HTTP/2 (with prior
/// knowledge, as the server accepts on plain listeners) instead of HTTP/1.1.
pub fn speak_http2() {
    HTTP2.with(|h| h.set(true));
}

/// Runs each named `async fn` test of the calling file twice: as `http1::<name>` over
/// HTTP/1.1 and as `http2::<name>` over HTTP/2 (see [`speak_http2`]).
#[macro_export]
macro_rules! over_http1_and_http2 {
    ($($name:ident),* $(,)?) => {
        mod http1 {
            $(#[tokio::test]
            async fn $name() {
                super::$name().await
            })*
        }
        mod http2 {
            $(#[tokio::test]
            async fn $name() {
                $crate::speak_http2();
                super::$name().await
            })*
        }
    };
}

/// How long the tests' clients keep an idle connection for reuse: less than actix-web's 5 s
/// keep-alive, so a request never goes out on a connection the server is closing at that very
/// moment (on a loaded machine that race gave broken pipes and incomplete messages).
const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

/// A server running on `127.0.0.1:<free port>` in a thread of its own; stopped on drop.
pub struct TestServer {
    /// The endpoint URL, e.g. `http://127.0.0.1:41234/mcp`.
    pub url: String,
    /// `127.0.0.1:<port>`.
    pub authority: String,
    handle: actix_web::dev::ServerHandle,
    http: reqwest::Client,
}

impl TestServer {
    /// Starts `endpoint` (whose path must be `/mcp`).
    pub fn start(endpoint: StreamableHttp) -> TestServer {
        TestServer::start_with(|_| endpoint)
    }

    /// Starts the endpoint `build` makes from the server's `127.0.0.1:<port>` (for settings
    /// that name the server's own URL, such as its Protected Resource Metadata).
    pub fn start_with(build: impl FnOnce(&str) -> StreamableHttp) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let authority = listener.local_addr().unwrap().to_string();
        let endpoint = build(&authority);
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = endpoint.listen(listener).expect("start the server");
                tx.send(server.handle()).unwrap();
                server.await
            })
        });
        let handle = rx.recv().expect("server thread started");
        let http = if HTTP2.with(|h| h.get()) {
            reqwest::Client::builder()
                .http2_prior_knowledge()
                .pool_idle_timeout(POOL_IDLE)
                .build()
                .expect("an HTTP/2 client")
        } else {
            reqwest::Client::builder()
                .pool_idle_timeout(POOL_IDLE)
                .build()
                .expect("an HTTP client")
        };
        TestServer {
            url: format!("http://{authority}/mcp"),
            authority,
            handle,
            http,
        }
    }

    /// The HTTP client the helpers use (HTTP/2 after [`speak_http2`]), for other URLs.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The HTTP version this server's client speaks.
    pub fn version(&self) -> reqwest::Version {
        if HTTP2.with(|h| h.get()) {
            reqwest::Version::HTTP_2
        } else {
            reqwest::Version::HTTP_11
        }
    }

    /// A POST with the headers a well-behaved client sends; `session` adds `Mcp-Session-Id`.
    pub fn post(&self, session: Option<&str>) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json");
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-11-25");
        }
        request
    }

    /// A GET for `session`'s stream (the standalone one, or with `Last-Event-ID` a resumed one),
    /// with the headers a well-behaved client sends.
    pub fn get(&self, session: &str) -> reqwest::RequestBuilder {
        self.http
            .get(&self.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25")
    }

    /// A raw request with any method, no headers added.
    pub fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        self.http.request(method, &self.url)
    }

    /// Runs `initialize` + `notifications/initialized` and returns the session id.
    pub async fn session(&self) -> String {
        let response = self
            .post(None)
            .json(&initialize_request("tests"))
            .send()
            .await
            .expect("initialize");
        assert_eq!(response.status(), 200);
        let session = response
            .headers()
            .get("mcp-session-id")
            .expect("a session id")
            .to_str()
            .unwrap()
            .to_owned();
        let ack = self
            .post(Some(&session))
            .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .send()
            .await
            .unwrap();
        assert_eq!(ack.status(), 202);
        session
    }

    /// Sends `initialize` (no session yet) and returns the answer's JSON body.
    pub async fn initialize(&self) -> Value {
        let response = self
            .post(None)
            .json(&initialize_request("t"))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// Sends one request (`method` with `params`) in a session and returns the last message of
    /// the answer: the response.
    pub async fn rpc(&self, session: &str, id: i64, method: &str, params: Value) -> Value {
        let mut messages = self
            .call(
                session,
                json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            )
            .await;
        messages.pop().expect("a response")
    }

    /// Sends one request in a session and returns every JSON-RPC message of the answer
    /// (one for a JSON reply, all events for a stream).
    pub async fn call(&self, session: &str, body: Value) -> Vec<Value> {
        let response = self.post(Some(session)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200, "{body}");
        messages(response).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping is async; nothing needs to wait for it.
        drop(handle.stop(false));
    }
}

/// A `tools/call` request for `name` with `arguments`.
pub fn tool_call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
}

/// Sends one request of the stateless 2026-07-28 wire to `server`, as a 2026 client does:
/// `params` with the protocol version and (empty, unless `params` has them) client
/// capabilities added to its `_meta`, and the `Mcp-Protocol-Version`, `Mcp-Method` and
/// `Mcp-Name` headers. Returns the status and every JSON-RPC message of the answer.
pub async fn stateless(
    server: &TestServer,
    id: i64,
    method: &str,
    mut params: Value,
) -> (u16, Vec<Value>) {
    let meta = &mut params["_meta"];
    meta["io.modelcontextprotocol/protocolVersion"] = json!("2026-07-28");
    if meta
        .get("io.modelcontextprotocol/clientCapabilities")
        .is_none()
    {
        meta["io.modelcontextprotocol/clientCapabilities"] = json!({});
    }
    let mut request = server
        .post(None)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
    {
        request = request.header("mcp-name", name);
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let response = request.json(&body).send().await.unwrap();
    (response.status().as_u16(), messages(response).await)
}

/// An `initialize` request at 2025-11-25 with no client capabilities.
pub fn initialize_request(client_name: &str) -> Value {
    json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": client_name, "version": "0"}
        }
    })
}

/// The value of header `name`, if the response has it (it must be UTF-8).
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("a UTF-8 header").to_owned())
}

/// The body of a JSON-RPC error answered as plain JSON; checks its shape.
pub async fn error_body(response: reqwest::Response) -> Value {
    assert!(content_type(&response).starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["jsonrpc"], "2.0");
    assert!(body["error"]["code"].is_i64(), "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    body
}

/// Calls `add` (20 + 22) in `session` and checks the answer: the server (which must offer an
/// `add` tool) still serves.
pub async fn still_serves(server: &TestServer, session: &str) {
    let msgs = server
        .call(session, tool_call(999, "add", json!({"a": 20, "b": 22})))
        .await;
    assert_eq!(msgs[0]["result"]["content"][0]["text"], "42");
}

/// The JSON-RPC messages of a response: its JSON body, or the `data:` of every SSE event
/// (priming events, with empty data, are skipped).
pub async fn messages(response: reqwest::Response) -> Vec<Value> {
    let is_sse = content_type(&response).starts_with("text/event-stream");
    let body = response.text().await.unwrap();
    if !is_sse {
        return vec![serde_json::from_str(&body).expect("a JSON body")];
    }
    sse_events(&body)
        .into_iter()
        .filter_map(|e| e.data)
        .map(|d| serde_json::from_str(&d).unwrap())
        .collect()
}

/// The `Content-Type` of a response, or "".
pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// One server-sent event.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Event {
    /// `event:` (the type; `None` means `message`)
    pub event: Option<String>,
    /// `id:`
    pub id: Option<String>,
    /// `retry:`
    pub retry: Option<u64>,
    /// `data:` (joined), `None` when empty.
    pub data: Option<String>,
}

/// Splits an SSE body into events.
pub fn sse_events(body: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for block in body.split("\n\n") {
        let mut event = Event::default();
        let mut data = Vec::new();
        let mut any = false;
        for line in block.lines() {
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            any = true;
            match field {
                "event" => event.event = Some(value.to_owned()),
                "id" => event.id = Some(value.to_owned()),
                "retry" => event.retry = value.parse().ok(),
                "data" => data.push(value),
                _ => {}
            }
        }
        if any {
            let joined = data.join("\n");
            event.data = (!joined.is_empty()).then_some(joined);
            events.push(event);
        }
    }
    events
}

/// Reads an SSE response event by event as it arrives, returning each JSON message with the
/// moment it arrived.
pub async fn timed_messages(response: reqwest::Response) -> Vec<(std::time::Instant, Value)> {
    let mut out = Vec::new();
    let mut buffer = String::new();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        buffer.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            for event in sse_events(&block) {
                if let Some(data) = event.data {
                    out.push((
                        std::time::Instant::now(),
                        serde_json::from_str(&data).unwrap(),
                    ));
                }
            }
        }
    }
    out
}

/// Reads a streaming SSE response one event at a time, as the events arrive (for streams that
/// stay open, such as the legacy HTTP+SSE transport's).
pub struct EventReader {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<Vec<u8>>>,
    buffer: String,
    /// Keep-alive comments seen so far.
    pub comments: usize,
}

impl EventReader {
    /// Wraps a response whose body is `text/event-stream`.
    pub fn new(response: reqwest::Response) -> EventReader {
        EventReader {
            body: response
                .bytes_stream()
                .map(|chunk| chunk.map(|b| b.to_vec()))
                .boxed(),
            buffer: String::new(),
            comments: 0,
        }
    }

    /// The next event; `None` when the stream ends. Comment-only blocks are counted and skipped.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                match sse_events(&block).pop() {
                    Some(event) => return Some(event),
                    None => self.comments += block.lines().filter(|l| l.starts_with(':')).count(),
                }
            }
            let chunk = self.body.next().await?.ok()?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }

    /// The next event within `within`; panics on timeout or the end of the stream.
    pub async fn expect(&mut self, within: std::time::Duration) -> Event {
        tokio_timeout(within, self.next())
            .await
            .expect("an event in time")
            .expect("the stream is still open")
    }

    /// The JSON of the next `message` event within 5 s; panics on anything else.
    pub async fn message(&mut self) -> Value {
        let event = self.expect(std::time::Duration::from_secs(5)).await;
        assert_eq!(event.event.as_deref(), Some("message"), "{event:?}");
        serde_json::from_str(event.data.as_deref().expect("data")).expect("JSON data")
    }
}

/// `future`'s output, or `None` after `within` (without depending on a runtime's timer).
async fn tokio_timeout<F: std::future::Future>(
    within: std::time::Duration,
    future: F,
) -> Option<F::Output> {
    actix_web::rt::time::timeout(within, future).await.ok()
}

/// The answer to a request sent byte for byte with [`raw_request`].
#[derive(Debug)]
pub struct RawResponse {
    /// The status code of the status line.
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    /// The body (as announced by `Content-Length`, or up to the end of the connection).
    pub body: String,
}

impl RawResponse {
    /// The body parsed as JSON; panics (showing the response) when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// Sends `request` as it is to `authority` (for requests no HTTP client would send) and reads
/// one response, waiting at most 5 s for it.
pub async fn raw_request(authority: &str, request: &[u8]) -> RawResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    socket.write_all(request).await.expect("send the request");
    let mut received = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = socket.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            received.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&received);
            let Some(end) = text.find("\r\n\r\n") else {
                continue;
            };
            let length = text[..end].lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|length| received.len() >= end + 4 + length) {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read).await;
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    RawResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

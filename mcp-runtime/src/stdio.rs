//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout, one session per process.
//!
//! The client starts the server as a child process, writes one JSON-RPC message per line to its
//! stdin and reads one per line from its stdout. Nothing but protocol messages goes to stdout;
//! the library prints nothing at all, so a server's own diagnostics belong on stderr.
//!
//! - `initialize` opens the one session; other requests before it get `-32600` (`ping` is
//!   answered).
//! - A line that is not JSON gets `-32700`; JSON that is not a JSON-RPC message, a batch (a JSON
//!   array) and a line over the size limit (default 4 MiB) get `-32600`. The server keeps going.
//! - Tool calls run concurrently; each call's log and progress notifications, then its result,
//!   are written in the order the call produced them, each flushed at once.
//!   `notifications/cancelled` stops a call.
//! - At the end of stdin, running calls are cancelled, everything already produced is flushed,
//!   and [`serve`](StdioTransport::serve) returns `Ok(())`.
//!
//! ```no_run
//! use mcp_runtime::{mcp_tool, Ctx, Server};
//!
//! /// Count to `n`, reporting progress.
//! #[mcp_tool]
//! async fn count(ctx: Ctx, n: u32) -> u32 {
//!     for i in 1..=n {
//!         ctx.info(format!("step {i}")).await;
//!         ctx.progress(i, n).await;
//!     }
//!     n
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     Server::new("counter", "1.0.0").tool::<count>().serve_stdio().await
//! }
//! ```

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::ServerCore;
use crate::engine::{Received, Reply};
use crate::peer::Outgoing;
use crate::peer::Session;
use crate::protocol::jsonrpc::encode;
use crate::protocol::{DecodeError, ErrorCode, Message, RpcError};

/// How many encoded messages may wait for a slow stdout before producers wait too.
const WRITER_CHANNEL_CAPACITY: usize = 64;

/// The default [`StdioTransport::max_line_bytes`]: 4 MiB, as the HTTP body limit.
pub const DEFAULT_MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The stdio transport of a [`Server`]: newline-delimited JSON-RPC over a byte stream pair.
///
/// Made by [`Server::into_stdio`]; [`serve`](Self::serve) uses the process's stdin and stdout,
/// [`serve_io`](Self::serve_io) any reader and writer (pipes, sockets, in-memory streams).
pub struct StdioTransport {
    core: Arc<ServerCore>,
    max_line_bytes: usize,
}

/// Why one input line was not dispatched. Each is answered with a JSON-RPC error (`id: null`)
/// and the transport reads on.
#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error(
        "invalid request: JSON-RPC batches (JSON arrays) are not supported; send one message per line"
    )]
    Batch,
    #[error("invalid request: the line exceeds the limit of {limit} bytes and was discarded")]
    TooLong { limit: usize },
    #[error("{0}")]
    Decode(DecodeError),
}

impl LineError {
    fn to_rpc_error(&self) -> RpcError {
        match self {
            LineError::Decode(e) => e.to_rpc_error(),
            LineError::Batch | LineError::TooLong { .. } => {
                RpcError::new(ErrorCode::INVALID_REQUEST, self.to_string())
            }
        }
    }
}

impl From<DecodeError> for LineError {
    fn from(e: DecodeError) -> LineError {
        match e {
            DecodeError::Batch => LineError::Batch,
            e => LineError::Decode(e),
        }
    }
}

impl StdioTransport {
    /// The transport of a server's core, with the default settings.
    pub(crate) fn new(core: Arc<ServerCore>) -> StdioTransport {
        StdioTransport {
            core,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }

    /// The longest accepted line, in bytes, without its line ending (default 4 MiB). A longer
    /// line is discarded unparsed and answered with `-32600`; the next line is read normally.
    ///
    /// ```
    /// use mcp_runtime::Server;
    /// let stdio = Server::new("demo", "1.0.0").into_stdio().max_line_bytes(64 * 1024);
    /// # let _ = stdio;
    /// ```
    pub fn max_line_bytes(mut self, limit: usize) -> StdioTransport {
        self.max_line_bytes = limit.max(1);
        self
    }

    /// Serves on the process's stdin and stdout until stdin ends.
    pub async fn serve(self) -> io::Result<()> {
        self.serve_io(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves on `reader` and `writer` until `reader` ends: then running calls are cancelled,
    /// what they already produced is written, `writer` is flushed and shut down, and this
    /// returns `Ok(())`. An I/O error on either side ends serving with that error.
    ///
    /// ```
    /// use mcp_runtime::Server;
    /// use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut client, server_in) = tokio::io::duplex(4096);
    /// let (server_out, client_in) = tokio::io::duplex(4096);
    /// let client = async move {
    ///     client.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n").await?;
    ///     drop(client); // end of input: the server answers, then returns
    ///     let mut line = String::new();
    ///     BufReader::new(client_in).read_line(&mut line).await?;
    ///     Ok::<_, std::io::Error>(line)
    /// };
    /// let server = Server::new("demo", "1.0.0").into_stdio().serve_io(server_in, server_out);
    /// let (served, line) = tokio::join!(server, client);
    /// served?;
    /// assert_eq!(line?, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve_io<R, W>(self, reader: R, writer: W) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        // Tool futures are not `Send`: they run as local tasks of this set.
        tokio::task::LocalSet::new()
            .run_until(self.run(reader, writer))
            .await
    }

    async fn run<R, W>(self, reader: R, writer: W) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let (out, queue) = mpsc::channel(WRITER_CHANNEL_CAPACITY);
        let write_failed = CancellationToken::new();
        let connection = Connection {
            core: self.core,
            session: None,
            out,
            write_failed: write_failed.clone(),
        };
        let lines = LineReader::new(reader, self.max_line_bytes);
        let (read, write) = tokio::join!(
            connection.read_loop(lines),
            write_loop(writer, queue, write_failed)
        );
        // A broken stdout is the cause when both fail (reading stops because writing did).
        write.and(read)
    }
}

/// The reading side of one connection: decodes lines and hands them to the core.
struct Connection {
    core: Arc<ServerCore>,
    session: Option<Arc<Session>>,
    /// Into the writer; every message of this connection goes through it.
    out: mpsc::Sender<Vec<u8>>,
    write_failed: CancellationToken,
}

impl Connection {
    async fn read_loop<R: AsyncRead + Unpin>(mut self, mut lines: LineReader<R>) -> io::Result<()> {
        let result = loop {
            let line = tokio::select! {
                biased;
                _ = self.write_failed.cancelled() => break Ok(()),
                line = lines.next() => line,
            };
            let outcome = match line {
                Ok(Some(Line::Message(bytes))) => Message::from_slice(&bytes)
                    .map_err(LineError::from)
                    .map(|message| self.handle(message)),
                Ok(Some(Line::TooLong)) => Err(LineError::TooLong {
                    limit: lines.max_line_bytes,
                }),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            let sent = match outcome {
                Ok(reply) => self.reply(reply).await,
                Err(error) => self.emit(encode::error(None, &error.to_rpc_error())).await,
            };
            if !sent {
                break Ok(());
            }
        };
        // End of input (or a failure): stop the calls still running. Their forwarders end when
        // the calls do, and the writer ends after the last of them.
        if let Some(session) = &self.session {
            session.close();
        }
        result
    }

    /// Dispatches one message; `None` when there is nothing to answer.
    fn handle(&mut self, message: Message) -> Option<Reply> {
        match self.core.receive(self.session.as_ref(), message, None) {
            Received::Nothing => None,
            Received::Reply(reply) => Some(reply),
            Received::Opened(opened) => {
                opened.session.stream_into(self.out.clone());
                self.session = Some(opened.session);
                Some(Reply::Now(opened.response))
            }
        }
    }

    /// Sends an answer now, or starts forwarding a running call's messages; `false` once the
    /// writer is gone.
    async fn reply(&self, reply: Option<Reply>) -> bool {
        match reply {
            None => true,
            Some(Reply::Now(response) | Reply::Refused(response)) => {
                self.emit(response.encode()).await
            }
            Some(Reply::Call { mut messages, .. }) => {
                let out = self.out.clone();
                tokio::task::spawn_local(async move {
                    while let Some(message) = messages.recv().await {
                        let bytes = match message {
                            Outgoing::Notification(bytes) => bytes,
                            Outgoing::Response(response) => response.encode(),
                            // One pipe for the whole session: there is no stream to close.
                            Outgoing::CloseStream => continue,
                        };
                        if out.send(bytes).await.is_err() {
                            break;
                        }
                    }
                });
                true
            }
            Some(Reply::Listen { .. }) => {
                unreachable!("subscriptions/listen is a method of the stateless wire only")
            }
        }
    }

    async fn emit(&self, bytes: Vec<u8>) -> bool {
        tokio::select! {
            biased;
            _ = self.write_failed.cancelled() => false,
            sent = self.out.send(bytes) => sent.is_ok(),
        }
    }
}

/// Writes each message as one line and flushes it at once. Ends when every sender is gone
/// (the reader and all call forwarders), or at the first write error.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut queue: mpsc::Receiver<Vec<u8>>,
    failed: CancellationToken,
) -> io::Result<()> {
    let result = async {
        while let Some(mut bytes) = queue.recv().await {
            // Encoded JSON never contains a raw newline, so one message is one line.
            bytes.push(b'\n');
            writer.write_all(&bytes).await?;
            writer.flush().await?;
        }
        writer.shutdown().await
    }
    .await;
    if result.is_err() {
        failed.cancel();
        // Senders fail from now on instead of waiting for room.
        drop(queue);
    }
    result
}

/// One input line.
#[derive(Debug, PartialEq)]
enum Line {
    /// The line's bytes, without `\n` or `\r\n`.
    Message(Vec<u8>),
    /// The line was longer than the limit; its bytes were skipped.
    TooLong,
}

/// Splits a byte stream into lines, holding at most `max_line_bytes` of one line in memory.
struct LineReader<R> {
    inner: BufReader<R>,
    max_line_bytes: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    fn new(reader: R, max_line_bytes: usize) -> LineReader<R> {
        LineReader {
            inner: BufReader::new(reader),
            max_line_bytes,
        }
    }

    /// The next non-blank line; `None` at the end of input. A last line without a newline
    /// counts.
    async fn next(&mut self) -> io::Result<Option<Line>> {
        loop {
            let mut line = Vec::new();
            let mut too_long = false;
            let ended = loop {
                let available = self.inner.fill_buf().await?;
                if available.is_empty() {
                    break true;
                }
                let (chunk, used, complete) = match available.iter().position(|&b| b == b'\n') {
                    Some(i) => (&available[..i], i + 1, true),
                    None => (available, available.len(), false),
                };
                if !too_long {
                    if line.len() + chunk.len() > self.max_line_bytes {
                        too_long = true;
                        line = Vec::new();
                    } else {
                        line.extend_from_slice(chunk);
                    }
                }
                self.inner.consume(used);
                if complete {
                    break false;
                }
            };
            if too_long {
                return Ok(Some(Line::TooLong));
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if !line.trim_ascii().is_empty() {
                return Ok(Some(Line::Message(line)));
            }
            if ended {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{json, Value};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

    use super::*;
    use crate::Server;
    use crate::{mcp_tool, Ctx, LoggingLevel};

    /// Add two integers.
    #[mcp_tool]
    async fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Log and report progress for each item, pausing between them.
    #[mcp_tool]
    async fn work(ctx: Ctx, items: u32, delay_ms: u64) -> String {
        for i in 1..=items {
            ctx.info(format!("item {i}")).await;
            ctx.progress(i, items).await;
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        ctx.log(LoggingLevel::Debug, "finishing").await;
        format!("{items} items")
    }

    /// Wait for a long time.
    #[mcp_tool]
    async fn forever(ctx: Ctx) -> &'static str {
        ctx.info("waiting").await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "never"
    }

    fn server() -> Server {
        Server::new("stdio-tests", "1")
            .tool::<add>()
            .tool::<work>()
            .tool::<forever>()
    }

    /// The client's ends of the two pipes.
    struct Client {
        input: Option<DuplexStream>,
        output: BufReader<DuplexStream>,
    }

    impl Client {
        async fn send_raw(&mut self, bytes: &[u8]) {
            let input = self.input.as_mut().expect("input still open");
            input.write_all(bytes).await.unwrap();
        }

        async fn send(&mut self, message: Value) {
            let mut line = serde_json::to_vec(&message).unwrap();
            line.push(b'\n');
            self.send_raw(&line).await;
        }

        async fn request(&mut self, id: i64, method: &str, params: Value) {
            self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
                .await;
        }

        /// The next line from the server, as JSON; `None` at the end of its output.
        async fn recv_line(&mut self) -> Option<Value> {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(5), self.output.read_line(&mut line))
                .await
                .expect("the server answers within 5 s")
                .unwrap();
            if n == 0 {
                return None;
            }
            assert!(line.ends_with('\n'), "one message per line: {line:?}");
            Some(serde_json::from_str(&line).unwrap())
        }

        async fn recv(&mut self) -> Value {
            self.recv_line().await.expect("a message, not the end")
        }

        async fn initialize(&mut self) {
            self.request(
                0,
                "initialize",
                json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "t", "version": "1"}
                }),
            )
            .await;
            let response = self.recv().await;
            assert_eq!(response["id"], 0);
            assert_eq!(response["result"]["protocolVersion"], "2025-06-18");
            assert_eq!(response["result"]["serverInfo"]["name"], "stdio-tests");
            self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                .await;
        }

        /// Closes the server's input.
        fn close(&mut self) {
            self.input = None;
        }
    }

    /// Runs `script` against a server on in-memory pipes; returns what `serve_io` returned.
    async fn with_server<F, Fut>(transport: StdioTransport, script: F) -> io::Result<()>
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let (client_in, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_out) = tokio::io::duplex(1 << 16);
        let client = Client {
            input: Some(client_in),
            output: BufReader::new(client_out),
        };
        let (served, ()) = tokio::join!(transport.serve_io(server_in, server_out), script(client));
        served
    }

    fn error_code(message: &Value) -> i64 {
        message["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("not an error: {message}"))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn list_changes_reach_the_client_on_stdout() {
        let server = server();
        let handle = server.handle();
        let served = with_server(server.into_stdio(), |mut c| async move {
            c.initialize().await;
            assert!(handle.remove_tool("work"));
            let changed = c.recv().await;
            assert_eq!(changed["method"], "notifications/tools/list_changed");
            assert!(changed.get("id").is_none());
            c.request(1, "tools/list", json!({})).await;
            let list = c.recv().await;
            let names: Vec<&str> = list["result"]["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["add", "forever"]);
            c.close();
            assert!(c.recv_line().await.is_none());
        })
        .await;
        served.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn initialize_list_and_call() {
        let served = with_server(server().into_stdio(), |mut c| async move {
            c.initialize().await;
            c.request(1, "tools/list", json!({})).await;
            let list = c.recv().await;
            let names: Vec<&str> = list["result"]["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["add", "work", "forever"]);
            c.request(
                2,
                "tools/call",
                json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
            )
            .await;
            let sum = c.recv().await;
            assert_eq!(sum["id"], 2);
            assert_eq!(sum["result"]["content"][0]["text"], "5");
            c.request(3, "ping", json!({})).await;
            assert_eq!(
                c.recv().await,
                json!({"jsonrpc": "2.0", "id": 3, "result": {}})
            );
            c.request(4, "initialize", json!({})).await;
            let again = c.recv().await;
            assert_eq!(error_code(&again), -32600, "{again}");
            assert!(again["error"]["message"]
                .as_str()
                .unwrap()
                .contains("already initialized"));
        })
        .await;
        served.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn notifications_come_in_order_before_the_result() {
        let served = with_server(server().into_stdio(), |mut c| async move {
            c.initialize().await;
            c.request(1, "logging/setLevel", json!({"level": "info"}))
                .await;
            assert_eq!(c.recv().await["result"], json!({}));
            c.request(
                7,
                "tools/call",
                json!({"name": "work", "arguments": {"items": 3, "delay_ms": 5}, "_meta": {"progressToken": "p"}}),
            )
            .await;
            let mut seen = Vec::new();
            loop {
                let message = c.recv().await;
                if message.get("id").is_some() {
                    assert_eq!(message["id"], 7);
                    assert_eq!(message["result"]["content"][0]["text"], "3 items");
                    break;
                }
                seen.push(message);
            }
            let expected: Vec<Value> = (1..=3)
                .flat_map(|i| {
                    [
                        json!({"method": "notifications/message", "params": {"level": "info", "data": format!("item {i}")}}),
                        json!({"method": "notifications/progress", "params": {"progressToken": "p", "progress": f64::from(i), "total": 3.0}}),
                    ]
                })
                .collect();
            let seen: Vec<Value> = seen
                .into_iter()
                .map(|m| json!({"method": m["method"], "params": m["params"]}))
                .collect();
            // The debug message is below the session's level: filtered out.
            assert_eq!(seen, expected);
        })
        .await;
        served.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn calls_run_concurrently_and_cancellation_stops_one() {
        let served = with_server(server().into_stdio(), |mut c| async move {
            c.initialize().await;
            c.request(1, "tools/call", json!({"name": "forever"})).await;
            let waiting = c.recv().await;
            assert_eq!(waiting["params"]["data"], "waiting");
            // The first call is still running; another one is answered meanwhile.
            c.request(2, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}}))
                .await;
            assert_eq!(c.recv().await["id"], 2);
            c.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1, "reason": "bored"}}))
                .await;
            // No response for the cancelled call; the id is free for a new one.
            c.request(1, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 2}}))
                .await;
            let next = c.recv().await;
            assert_eq!(next["id"], 1);
            assert_eq!(next["result"]["content"][0]["text"], "4");
        })
        .await;
        served.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn malformed_lines_are_answered_and_the_session_goes_on() {
        let transport = server().into_stdio().max_line_bytes(1024);
        let served = with_server(transport, |mut c| async move {
            // Before `initialize`: only `ping` is answered.
            c.request(1, "tools/list", json!({})).await;
            let early = c.recv().await;
            assert_eq!((error_code(&early), &early["id"]), (-32600, &json!(1)));
            assert!(early["error"]["message"]
                .as_str()
                .unwrap()
                .contains("send `initialize`"));
            c.request(2, "ping", json!({})).await;
            assert_eq!(c.recv().await["result"], json!({}));
            c.initialize().await;

            c.send_raw(b"this is not json\n").await;
            let parse = c.recv().await;
            assert_eq!(error_code(&parse), -32700);
            assert_eq!(parse["id"], Value::Null);

            c.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":3}\n").await;
            assert_eq!(error_code(&c.recv().await), -32600);
            c.send_raw(b"{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}\n")
                .await;
            assert_eq!(error_code(&c.recv().await), -32600);

            c.send_raw(b"[{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}]\n")
                .await;
            let batch = c.recv().await;
            assert_eq!(error_code(&batch), -32600);
            assert!(batch["error"]["message"]
                .as_str()
                .unwrap()
                .contains("batch"));

            let mut huge =
                b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":{\"pad\":\""
                    .to_vec();
            huge.extend(std::iter::repeat_n(b'x', 5000));
            huge.extend_from_slice(b"\"}}\n");
            c.send_raw(&huge).await;
            let too_long = c.recv().await;
            assert_eq!(error_code(&too_long), -32600);
            assert!(too_long["error"]["message"]
                .as_str()
                .unwrap()
                .contains("1024 bytes"));

            // Blank lines are skipped, `\r\n` is a line ending too.
            c.send_raw(b"\n\r\n  \n{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}\r\n")
                .await;
            assert_eq!(
                c.recv().await,
                json!({"jsonrpc": "2.0", "id": 6, "result": {}})
            );
            c.request(
                7,
                "tools/call",
                json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
            )
            .await;
            assert_eq!(c.recv().await["result"]["content"][0]["text"], "3");
        })
        .await;
        served.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn end_of_input_cancels_running_calls_and_returns() {
        let served = with_server(server().into_stdio(), |mut c| async move {
            c.initialize().await;
            c.request(1, "tools/call", json!({"name": "forever"})).await;
            assert_eq!(c.recv().await["params"]["data"], "waiting");
            // A request whose answer is produced before the input ends is still written.
            c.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}")
                .await;
            c.close();
            assert_eq!(
                c.recv().await["id"],
                2,
                "a last line without newline counts"
            );
            assert_eq!(
                c.recv_line().await,
                None,
                "no response for the cancelled call"
            );
        })
        .await;
        served.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_closed_output_ends_serving_with_an_error() {
        let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_out) = tokio::io::duplex(1 << 16);
        drop(client_out);
        let serve = server().into_stdio().serve_io(server_in, server_out);
        let client = async move {
            client_in
                .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
                .await
                .unwrap();
            client_in
        };
        let (served, _keep_open) = tokio::time::timeout(Duration::from_secs(5), async {
            tokio::join!(serve, client)
        })
        .await
        .expect("serving ends without waiting for input to end");
        assert_eq!(served.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn line_reader_bounds_lines_and_keeps_going() {
        let input: &[u8] = b"abc\r\n0123456789abcdef\nok\n\n   \nlast";
        let mut lines = LineReader::new(input, 8);
        assert_eq!(
            lines.next().await.unwrap(),
            Some(Line::Message(b"abc".to_vec()))
        );
        assert_eq!(lines.next().await.unwrap(), Some(Line::TooLong));
        assert_eq!(
            lines.next().await.unwrap(),
            Some(Line::Message(b"ok".to_vec()))
        );
        assert_eq!(
            lines.next().await.unwrap(),
            Some(Line::Message(b"last".to_vec()))
        );
        assert_eq!(lines.next().await.unwrap(), None);
    }
}

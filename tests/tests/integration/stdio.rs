//! The `stdio_server` example as a child process: newline-delimited JSON-RPC on its stdin and
//! stdout, live notifications before the result, and a clean exit when stdin closes.
//!
//! The example belongs to another package, so this package has it as a binary target of its own
//! (`src/bin/stdio_server.rs`, the same server), and Cargo builds it before the tests and gives
//! its path.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stdio_server"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the example starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Server {
            child,
            stdin,
            stdout,
        }
    }

    async fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    async fn request(&mut self, id: i64, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(&message.to_string()).await;
    }

    /// The next line of stdout as JSON; `None` when stdout ends.
    async fn recv_line(&mut self) -> Option<Value> {
        let mut line = String::new();
        let n = tokio::time::timeout(Duration::from_secs(10), self.stdout.read_line(&mut line))
            .await
            .expect("the server answers within 10 s")
            .unwrap();
        (n > 0).then(|| {
            serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout carries only JSON lines ({e}): {line:?}"))
        })
    }

    async fn recv(&mut self) -> Value {
        self.recv_line()
            .await
            .expect("a message, not the end of stdout")
    }

    async fn initialize(&mut self) -> Value {
        self.request(
            0,
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "stdio-test", "version": "1"}
            }),
        )
        .await;
        let response = self.recv().await;
        self.send_raw(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        response
    }

    /// Closes stdin and waits for the process to exit; stdout must end with nothing more.
    async fn close_and_wait(mut self) {
        self.stdin = None;
        assert_eq!(self.recv_line().await, None, "nothing after stdin closed");
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the server exits after stdin closes")
            .unwrap();
        assert!(status.success(), "clean exit, got {status}");
    }
}

#[tokio::test]
async fn a_session_over_a_child_process() {
    let mut server = Server::start();
    let init = server.initialize().await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(init["result"]["serverInfo"]["name"], "demo-server");

    server.request(1, "tools/list", json!({})).await;
    let list = server.recv().await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["add", "process_files"]);

    server
        .request(
            2,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
        )
        .await;
    assert_eq!(server.recv().await["result"]["content"][0]["text"], "5");

    // A malformed line is answered and the session goes on.
    server.send_raw("{not json").await;
    let parse = server.recv().await;
    assert_eq!(parse["error"]["code"], -32700);
    assert_eq!(parse["id"], Value::Null);

    let started = Instant::now();
    server
        .request(
            3,
            "tools/call",
            json!({
                "name": "process_files",
                "arguments": {"items": ["a.pdf", "b.pdf", "c.pdf"], "delay_ms": 150},
                "_meta": {"progressToken": "files"}
            }),
        )
        .await;
    let mut notifications = Vec::new();
    let result = loop {
        let message = server.recv().await;
        if message.get("id").is_some() {
            break (message, started.elapsed());
        }
        notifications.push((message, started.elapsed()));
    };
    let (response, result_at) = result;
    assert_eq!(response["id"], 3);
    assert_eq!(
        response["result"]["content"][0]["text"],
        "Processing complete!"
    );
    let methods: Vec<&str> = notifications
        .iter()
        .filter_map(|(m, _)| m["method"].as_str())
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/message",
            "notifications/progress",
            "notifications/message",
            "notifications/progress",
            "notifications/message",
            "notifications/progress",
        ]
    );
    assert_eq!(
        notifications[0].0["params"]["data"],
        "Processing document 1/3: a.pdf"
    );
    assert_eq!(notifications[5].0["params"]["progressToken"], "files");
    assert_eq!(notifications[5].0["params"]["progress"], 3.0);
    // Live: the first notification arrived while the tool was still working.
    let first_at = notifications[0].1;
    assert!(
        result_at - first_at >= Duration::from_millis(300),
        "first notification at {first_at:?}, result at {result_at:?}"
    );

    server.close_and_wait().await;
}

#[tokio::test]
async fn closing_stdin_cancels_a_running_call_and_exits_cleanly() {
    let mut server = Server::start();
    server.initialize().await;
    server
        .request(
            1,
            "tools/call",
            json!({
                "name": "process_files",
                "arguments": {"items": ["slow.pdf", "never.pdf"], "delay_ms": 60_000}
            }),
        )
        .await;
    let first = server.recv().await;
    assert_eq!(first["method"], "notifications/message");
    let started = Instant::now();
    server.close_and_wait().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the call was cancelled, not waited for"
    );
}

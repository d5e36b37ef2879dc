//! The open-streams check (`--streams`): what an idle GET stream costs the server. `N` 2025
//! sessions each open their standalone GET stream and leave it open; the server (a child
//! process, as for the soak check) is measured for resident memory per open stream and for
//! CPU while all of them sit idle (keep-alive comments only).
//!
//! Options: `--streams N` (9000), `--idle-seconds S` (20; longer than the 15 s keep-alive
//! interval, so the keep-alive pings are in the measured CPU), `--connect ADDR --pid PID` to
//! measure a server started by hand (`bench --soak-server --max-sessions N
//! --max-sessions-per-address N`, under a heap profiler say) instead of a child.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::soak::{arg, rss_kib, start_server};

/// Target from the core redesign issue: at most 10 KB of server memory per open stream.
const TARGET_BYTES_PER_STREAM: f64 = 10.0 * 1024.0;

pub(super) fn run(args: &[String]) {
    let streams: usize = arg(args, "--streams", 9_000);
    let idle: f64 = arg(args, "--idle-seconds", 20.0);
    let limit = (streams + 10).to_string();
    // `--connect ADDR --pid PID`: a server started by hand (under a heap profiler, say).
    let given = args.iter().position(|a| a == "--connect").map(|i| {
        let authority = args.get(i + 1).expect("--connect ADDR").clone();
        (authority, arg(args, "--pid", 0u32))
    });
    let (child, authority, pid) = match given {
        Some((authority, pid)) => (None, authority, pid),
        None => {
            let (child, authority) = start_server(&[
                "--max-sessions",
                &limit,
                "--max-sessions-per-address",
                &limit,
            ]);
            let pid = child.0.id();
            (Some(child), authority, pid)
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut control = Connection::open(&authority).await;
        // One session and stream first, so the runtime's one-off allocations are in the base.
        let mut open = vec![open_stream(&authority, &mut control).await];
        tokio::time::sleep(Duration::from_millis(500)).await;
        let base = rss_kib(pid);
        let started = Instant::now();
        while open.len() < streams {
            open.push(open_stream(&authority, &mut control).await);
        }
        let opened_in = started.elapsed();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = rss_kib(pid);
        let per_stream = (after.saturating_sub(base) as f64 * 1024.0) / (streams - 1) as f64;
        println!(
            "# open streams: {streams} sessions, each holding its GET stream (opened in {:.1}s)",
            opened_in.as_secs_f64()
        );
        println!(
            "server RSS {base} KiB with one stream, {after} KiB with {streams}: {:.1} KB per \
             stream (target <= {:.0} KB: {})",
            per_stream / 1024.0,
            TARGET_BYTES_PER_STREAM / 1024.0,
            if per_stream <= TARGET_BYTES_PER_STREAM {
                "met"
            } else {
                "NOT met"
            }
        );
        let cpu_before = process_cpu(pid);
        tokio::time::sleep(Duration::from_secs_f64(idle)).await;
        let cpu = process_cpu(pid).saturating_sub(cpu_before);
        println!(
            "idle for {idle:.0}s with {streams} open streams: server CPU {:.3}s = {:.2}% of a core",
            cpu.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / idle
        );
        // Every stream must still be open: a stream the server dropped would not count.
        let mut alive = 0;
        for stream in &mut open {
            alive += usize::from(stream.is_open().await);
        }
        println!("streams still open at the end: {alive} of {streams}");
        drop(open);
    });
    drop(child);
}

/// A keep-alive connection for the POSTs that open sessions.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    async fn open(authority: &str) -> Connection {
        let stream = TcpStream::connect(authority).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Connection {
            reader: BufReader::new(stream),
        }
    }

    /// POSTs `body` and returns the response's `Mcp-Session-Id` (if any) after reading it whole.
    async fn post(&mut self, authority: &str, session: Option<&str>, body: &str) -> Option<String> {
        let session_header = session
            .map(|s| format!("mcp-session-id: {s}\r\nmcp-protocol-version: 2025-11-25\r\n"))
            .unwrap_or_default();
        let request = format!(
            "POST /mcp HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\n{session_header}\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let headers = read_head(&mut self.reader).await;
        let mut session_id = None;
        let mut length = 0;
        for line in headers.lines().skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "mcp-session-id" => session_id = Some(value.trim().to_owned()),
                "content-length" => length = value.trim().parse().unwrap(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        session_id
    }
}

/// Reads a response's status line and headers, up to the blank line.
async fn read_head(reader: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    loop {
        let before = head.len();
        reader.read_line(&mut head).await.unwrap();
        if head.len() == before {
            panic!("the server closed the connection: {head}");
        }
        if head.ends_with("\r\n\r\n") {
            return head;
        }
    }
}

/// Opens a session on `control` and its GET stream on a connection of its own.
async fn open_stream(authority: &str, control: &mut Connection) -> OpenStream {
    let initialize = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"streams","version":"0"}}}"#;
    let session = control
        .post(authority, None, initialize)
        .await
        .expect("initialize gives a session id");
    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    control.post(authority, Some(&session), initialized).await;
    let mut stream = TcpStream::connect(authority).await.expect("connect");
    let request = format!(
        "GET /mcp HTTP/1.1\r\nhost: {authority}\r\naccept: text/event-stream\r\n\
         mcp-session-id: {session}\r\nmcp-protocol-version: 2025-11-25\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reader = BufReader::new(stream);
    let head = read_head(&mut reader).await;
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "GET stream refused: {head}"
    );
    OpenStream { reader }
}

struct OpenStream {
    reader: BufReader<TcpStream>,
}

impl OpenStream {
    /// Whether the server still holds the stream open: reading what it sent so far (priming
    /// event, keep-alives) neither ends nor fails.
    async fn is_open(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_millis(1), self.reader.read(&mut buf)).await {
                Err(_) => return true, // nothing more for now: still open
                Ok(Ok(0)) | Ok(Err(_)) => return false,
                Ok(Ok(_)) => continue,
            }
        }
    }
}

/// User plus system CPU time of process `pid`, from `/proc/<pid>/stat`.
fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the state field.
    let hz = 100; // USER_HZ on Linux
    Duration::from_millis((ticks(11) + ticks(12)) * 1000 / hz)
}

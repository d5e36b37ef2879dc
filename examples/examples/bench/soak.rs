//! The soak check: the server runs in a child process (this binary with `--soak-server`), so
//! its resident memory is its own.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub(super) fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} needs a number"))
        })
        .unwrap_or(default)
}

/// `--soak-server`: the example server on a loopback port (printed on stdout), one worker;
/// `--body-timeout S`, `--max-sessions N` and `--max-sessions-per-address N` set its limits.
pub(super) fn server(args: &[String]) {
    let timeout = Duration::from_secs_f64(arg(args, "--body-timeout", 5.0));
    let max_sessions: usize = arg(args, "--max-sessions", 10_000);
    let per_address: usize = arg(args, "--max-sessions-per-address", 1_000);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("{}", listener.local_addr().unwrap());
    actix_web::rt::System::new().block_on(async move {
        examples::tools::server()
            .into_http()
            .body_timeout(timeout)
            .max_sessions(max_sessions)
            .max_sessions_per_address(per_address)
            .max_connections(max_sessions + 100)
            .workers(1)
            .listen(listener)
            .expect("listen")
            .await
            .expect("serve")
    });
}

/// The resident set of process `pid`, in KiB.
pub(super) fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

pub(super) struct Child(pub(super) std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts this binary as `--soak-server` with `args`; the child and its `127.0.0.1:<port>`.
pub(super) fn start_server(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--soak-server")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Child(child), line.trim().to_owned())
}

pub(super) fn run(args: &[String]) {
    let calls: usize = arg(args, "--soak-calls", 200_000);
    let warmup: usize = arg(args, "--soak-warmup", 100_000);
    let stalled: usize = arg(args, "--stalled", 2_000);
    let timeout: f64 = arg(args, "--body-timeout", 5.0);
    let (child, authority) = start_server(&["--body-timeout", &timeout.to_string()]);
    let url = format!("http://{authority}/mcp");
    let pid = child.0.id();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ok = runtime.block_on(async {
        let http = super::http_client(16);
        let memory = streamed_calls(&http, &url, pid, calls, warmup).await;
        let stalls = stalled_bodies(&http, &url, &authority, stalled, timeout).await;
        memory && stalls
    });
    drop(child);
    if !ok {
        std::process::exit(1);
    }
}

async fn session(http: &reqwest::Client, url: &str) -> String {
    let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"0"}}});
    let response = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&init)
        .send()
        .await
        .unwrap();
    let id = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    http.post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .send()
        .await
        .unwrap();
    id
}

/// One call in `session`; `Err` unless it is answered with its result.
async fn call(http: &reqwest::Client, url: &str, session: &str, body: &str) -> Result<(), String> {
    let response = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let text = response.text().await.map_err(|e| e.to_string())?;
    if text.contains("\"result\"") {
        Ok(())
    } else {
        Err(format!("no result in {text}"))
    }
}

/// One session, `warmup` then `calls` streamed `process_files` calls (8 at a time); RSS
/// sampled.
async fn streamed_calls(
    http: &reqwest::Client,
    url: &str,
    pid: u32,
    calls: usize,
    warmup: usize,
) -> bool {
    let session = session(http, url).await;
    // Calls running at once need ids of their own.
    let body = |id: usize| {
        json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{
            "name":"process_files","arguments":{"items":["a.txt"]}}})
        .to_string()
    };
    println!(
        "# soak: one session, {warmup} warm-up + {calls} measured streamed calls of \
         process_files (1 item: a log, a progress, the result)"
    );
    println!("| calls | server RSS (KiB) |");
    println!("|---:|---:|");
    println!("| 0 | {} |", rss_kib(pid));
    let started = Instant::now();
    let (mut done, mut at_warmup) = (0, rss_kib(pid));
    let total = warmup + calls;
    while done < total {
        let batch = 8.min(total - done);
        let bodies: Vec<String> = (0..batch).map(|k| body(done + k)).collect();
        let results = futures_util::future::join_all(
            bodies.iter().map(|body| call(http, url, &session, body)),
        )
        .await;
        if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
            println!("a streamed call failed: {e}");
            return false;
        }
        let before = done;
        done += batch;
        if before < warmup && done >= warmup {
            at_warmup = rss_kib(pid);
            println!("| {done} (end of warm-up) | {at_warmup} |");
        }
        if done % 25_000 < batch {
            println!("| {done} | {} |", rss_kib(pid));
        }
    }
    let end = rss_kib(pid);
    let growth = end.saturating_sub(at_warmup);
    let ok = growth < 2 * 1024;
    println!(
        "{total} calls in {:.1}s; RSS after the {warmup} warm-up calls {at_warmup} KiB, \
         after {calls} more {end} KiB: growth {growth} KiB (< 2048 KiB: {})",
        started.elapsed().as_secs_f64(),
        if ok { "met" } else { "NOT met" }
    );
    ok
}

/// `count` connections send headers and one byte of a 100-byte body, then nothing, while a
/// normal client keeps calling `add`.
async fn stalled_bodies(
    http: &reqwest::Client,
    url: &str,
    authority: &str,
    count: usize,
    timeout: f64,
) -> bool {
    println!();
    println!("# soak: {count} stalled request bodies (body timeout {timeout} s) while a normal client calls add");
    let session = session(http, url).await;
    let add = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: {authority}\r\naccept: application/json, text/event-stream\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{"
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    let normal = async {
        let (mut ok, mut failed) = (0usize, Vec::new());
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            match call(http, url, &session, add).await {
                Ok(()) => ok += 1,
                Err(e) => failed.push(e),
            }
            // A client at work, not a load generator: about 100 calls a second.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (ok, failed)
    };
    let stalls = async {
        let opened = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..count {
            let mut socket = match tokio::net::TcpStream::connect(authority).await {
                Ok(socket) => socket,
                Err(e) => {
                    println!("connect failed: {e}");
                    continue;
                }
            };
            let sent = socket.write_all(head.as_bytes()).await.is_ok();
            let since = Instant::now();
            // Each connection is watched from the moment its byte went out.
            waits.push(tokio::spawn(async move {
                let mut answer = Vec::new();
                let limit = Duration::from_secs_f64(timeout * 2.0 + 5.0);
                let read = socket.read_to_end(&mut answer);
                let closed = tokio::time::timeout(limit, read).await.is_ok();
                (
                    since.elapsed(),
                    sent && closed && answer.starts_with(b"HTTP/1.1 408"),
                )
            }));
        }
        println!(
            "{} connections opened in {:.2}s",
            waits.len(),
            opened.elapsed().as_secs_f64()
        );
        let mut results = Vec::new();
        for wait in waits {
            results.push(wait.await.unwrap_or((Duration::ZERO, false)));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        results
    };
    let ((ok, failed), results) = tokio::join!(normal, stalls);
    let answered = results.iter().filter(|(_, got_408)| *got_408).count();
    let mut times: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q) as usize)
            .copied()
    };
    let (p50, p99, slowest) = (at(0.5), at(0.99), at(1.0));
    let secs = |d: Option<Duration>| d.unwrap_or_default().as_secs_f64();
    // The server starts timing a body when its handler runs, after accepting and parsing
    // the headers, and 2,000 timeouts expiring together are answered one after another:
    // allow 2 s for both.
    let within = secs(slowest) <= timeout + 2.0;
    println!(
        "stalled: {answered}/{count} got 408 and were closed, after (from the client's byte) \
         p50 {:.2}s, p99 {:.2}s, max {:.2}s (max within the body timeout + 2 s: {})",
        secs(p50),
        secs(p99),
        secs(slowest),
        if within { "met" } else { "NOT met" }
    );
    println!(
        "normal client meanwhile: {ok} calls succeeded, {} failed{}",
        failed.len(),
        failed
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    answered == count && within && failed.is_empty() && ok > 0
}

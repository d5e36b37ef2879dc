//! Throughput and latency of the framework against a bare actix-web handler.
//!
//! ```text
//! cargo run --release -p examples --example bench -- --clients 64 --seconds 10
//! ```
//!
//! Options: `--clients N` (64) concurrent sessions, `--seconds S` (10) per measured run,
//! `--warmup S` (1), `--rounds N` (2: the four `add` runs alternate, each keeps its best round),
//! `--stream-sessions K` (4) and `--stream-calls R` (3) for the streaming part, `--items M`
//! (1000), `--era-calls C` (20) one-at-a-time `process_files` calls per era for the first
//! notification and CPU per notification, `--no-pin` to let the OS place threads,
//! `--without-resumption` to serve without recording stream events (to measure what
//! resumability costs per notification).
//!
//! What runs:
//! 1. `add` on our server (`tools/call`, one session per client), driven by a raw HTTP loop.
//! 2. A bare actix-web handler on another port that reads the body and answers with the very
//!    bytes our server answered for that call, driven by the same loop. `ours / bare` is the
//!    framework's overhead, with client costs identical (same reqwest settings, one pooled
//!    connection per client, same request bytes and headers, same response check).
//! 3. `add` on the stateless 2026-07-28 wire: no session; `params._meta` names the revision, the
//!    client's info and capabilities, and the `MCP-Protocol-Version`, `Mcp-Method` and
//!    `Mcp-Name` headers agree with the body. Same raw loop.
//! 4. `add` through `mcp_runtime::client::Client::call_tool` in a 2025 session (same reqwest
//!    settings): adds the client library's cost (JSON-RPC encode, result decode).
//! 5. `process_files` with M items and no delay on K sessions at once: notifications per second,
//!    checking every call got all 2M notifications (M logs, M progress) in order before its
//!    result.
//! 6. `process_files` with M items, C calls one at a time, in each era (2025 session, stateless
//!    2026 with `logLevel` `info`), beside a bare actix-web handler streaming 2M canned events
//!    of the same shape: notifications delivered, server CPU per notification, and the time from
//!    sending the request to the first notification.
//!
//! `--soak` runs the soak check instead (see [`soak`]): one session making streamed calls, a
//! warm-up that fills the event store's budget and then 200,000 measured calls, while the
//! server's RSS is sampled (growth over the measured calls must stay under 2 MB); then 2,000
//! connections that stall mid-body while a normal client keeps calling (every call must
//! succeed, every stalled connection must get `408` and be closed within the body timeout).
//! Options: `--soak-calls N` (200000), `--soak-warmup N` (100000), `--stalled N` (2000),
//! `--body-timeout S` (5). It exits non-zero when a check fails.
//!
//! Besides calls/s and latency it reports CPU time per call: server threads (process CPU minus
//! the load generator's thread) and the load generator. On a shared 2-core machine the load
//! generator is usually the bottleneck and other processes skew calls/s; server CPU per call
//! is the steadier measure of the framework's own cost.
//!
//! Both servers use one actix worker thread; the load generator is one current-thread tokio
//! runtime. On Linux with 2+ CPUs the servers are pinned to CPU 0 and the load generator to
//! CPU 1 (so neither steals the other's core).

use std::net::TcpListener;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use bytes::Bytes;
use futures_util::StreamExt;
use mcp_runtime::client::{Client, MessageHandler, WirePreference};
use mcp_runtime::protocol::meta;
use mcp_runtime::LoggingLevel;
use serde_json::{json, Value};

struct Options {
    clients: usize,
    seconds: f64,
    warmup: f64,
    stream_sessions: usize,
    stream_calls: usize,
    items: usize,
    rounds: usize,
    era_calls: usize,
    pin: bool,
    /// Record stream events for resumption (the default).
    resumption: bool,
}

fn options() -> Options {
    let mut o = Options {
        clients: 64,
        seconds: 10.0,
        warmup: 1.0,
        stream_sessions: 4,
        stream_calls: 3,
        items: 1000,
        rounds: 2,
        era_calls: 20,
        pin: true,
        resumption: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> String {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match arg.as_str() {
            "--clients" => o.clients = value("--clients").parse().expect("--clients N"),
            "--seconds" => o.seconds = value("--seconds").parse().expect("--seconds S"),
            "--warmup" => o.warmup = value("--warmup").parse().expect("--warmup S"),
            "--stream-sessions" => {
                o.stream_sessions = value("--stream-sessions")
                    .parse()
                    .expect("--stream-sessions K")
            }
            "--stream-calls" => {
                o.stream_calls = value("--stream-calls").parse().expect("--stream-calls R")
            }
            "--items" => o.items = value("--items").parse().expect("--items M"),
            "--rounds" => o.rounds = value("--rounds").parse().expect("--rounds N"),
            "--era-calls" => o.era_calls = value("--era-calls").parse().expect("--era-calls C"),
            "--no-pin" => o.pin = false,
            "--without-resumption" => o.resumption = false,
            "--bench" => {} // passed by `cargo bench`-style runners
            other => panic!("unknown argument {other:?}; see the header of examples/bench.rs"),
        }
    }
    o.clients = o.clients.max(1);
    o.rounds = o.rounds.max(1);
    o.era_calls = o.era_calls.max(1);
    o
}

/// Pins the calling thread (and threads it spawns later) to one CPU.
#[cfg(target_os = "linux")]
fn pin_to(cpu: usize) -> bool {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes within it; sched_setaffinity reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_to(_cpu: usize) -> bool {
    false
}

/// Runs `start()` (which builds and runs an actix server) in a thread of its own, inside an
/// actix System.
fn spawn_server<F>(name: &'static str, pin: Option<usize>, start: F)
where
    F: FnOnce() -> actix_web::dev::Server + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("{name}-server"))
        .spawn(move || {
            if let Some(cpu) = pin {
                pin_to(cpu);
            }
            actix_web::rt::System::new().block_on(async move {
                let server = start();
                tx.send(()).unwrap();
                server.await
            })
        })
        .expect("spawn a server thread");
    rx.recv().expect("server started");
}

/// CPU time used so far by (the whole process, the calling thread).
#[cfg(target_os = "linux")]
fn cpu_times() -> (Duration, Duration) {
    fn get(who: libc::c_int) -> Duration {
        // SAFETY: getrusage fills the zeroed struct it is given.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut usage);
            usage
        };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }
    (get(libc::RUSAGE_SELF), get(libc::RUSAGE_THREAD))
}

#[cfg(not(target_os = "linux"))]
fn cpu_times() -> (Duration, Duration) {
    (Duration::ZERO, Duration::ZERO)
}

/// One HTTP client configuration for every run, so client costs are the same on both sides.
fn http_client(clients: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .pool_idle_timeout(None)
        .tcp_nodelay(true)
        .build()
        .expect("a reqwest client")
}

/// A client of `url` on the 2025 session wire (the `initialize` handshake), with `http`.
fn session_client(url: &str, http: &reqwest::Client) -> mcp_runtime::client::ClientBuilder {
    Client::builder(url)
        .wire(WirePreference::Handshake)
        .http_client(http.clone())
}

/// Latencies of one run, in microseconds.
#[derive(Default)]
struct Latencies(Vec<u32>);

impl Latencies {
    fn record(&mut self, d: Duration) {
        self.0
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }
    fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }
    fn percentile(&mut self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        self.0.sort_unstable();
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        Duration::from_micros(u64::from(self.0[rank.clamp(1, self.0.len()) - 1]))
    }
}

struct RunResult {
    calls: usize,
    elapsed: Duration,
    latencies: Latencies,
    /// CPU time of the load generator (this thread) during the measured window.
    client_cpu: Duration,
    /// CPU time of every other thread (the servers) during the measured window.
    server_cpu: Duration,
}

impl RunResult {
    fn rate(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }
    /// Server CPU microseconds per call: unlike calls/s, not skewed by other load on the machine.
    fn server_us(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
    fn client_us(&self) -> f64 {
        self.client_cpu.as_secs_f64() * 1e6 / self.calls.max(1) as f64
    }
}

/// Runs `clients` concurrent loops of `call(i)` for `warmup`, then measures for `seconds`.
async fn drive<F, Fut>(clients: usize, warmup: f64, seconds: f64, call: F) -> RunResult
where
    F: Fn(usize) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + 'static,
{
    let local = tokio::task::LocalSet::new();
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..clients {
        let call = call.clone();
        let (measuring, stop) = (measuring.clone(), stop.clone());
        tasks.push(local.spawn_local(async move {
            let mut latencies = Latencies::default();
            let mut calls = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                if let Err(e) = call(i).await {
                    panic!("client {i}: {e}");
                }
                if measuring.load(Ordering::Relaxed) {
                    latencies.record(t0.elapsed());
                    calls += 1;
                }
            }
            (calls, latencies)
        }));
    }
    let clock = {
        let (measuring, stop) = (measuring.clone(), stop.clone());
        async move {
            tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
            measuring.store(true, Ordering::Relaxed);
            let (process0, thread0) = cpu_times();
            let start = Instant::now();
            tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            stop.store(true, Ordering::Relaxed);
            let elapsed = start.elapsed();
            let (process1, thread1) = cpu_times();
            let client = thread1.saturating_sub(thread0);
            let server = process1.saturating_sub(process0).saturating_sub(client);
            (elapsed, client, server)
        }
    };
    local
        .run_until(async move {
            let (elapsed, client_cpu, server_cpu) = clock.await;
            let mut result = RunResult {
                calls: 0,
                elapsed,
                latencies: Latencies::default(),
                client_cpu,
                server_cpu,
            };
            for task in tasks {
                let (calls, latencies) = task.await.expect("a load task");
                result.calls += calls;
                result.latencies.merge(latencies);
            }
            result
        })
        .await
}

const ADD_REQUEST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;

/// `add` on the stateless 2026-07-28 wire: everything the server needs to know about the client
/// is in `params._meta` (revision, client info, capabilities); there is no session.
const STATELESS_ADD_REQUEST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bench","version":"0"},"io.modelcontextprotocol/clientCapabilities":{}}}}"#;

/// The `_meta` of a stateless request, as in [`STATELESS_ADD_REQUEST`].
fn stateless_meta() -> Value {
    json!({
        (meta::PROTOCOL_VERSION_KEY): "2026-07-28",
        (meta::CLIENT_INFO_KEY): {"name": "bench", "version": "0"},
        (meta::CLIENT_CAPABILITIES_KEY): {},
    })
}

/// How a request reaches the server: in a session (2025-11-25) or stateless (2026-07-28).
#[derive(Clone)]
enum Wire {
    /// `Mcp-Session-Id` of client i's session, `MCP-Protocol-Version: 2025-11-25`.
    Session(Arc<Vec<String>>),
    /// No session; `MCP-Protocol-Version: 2026-07-28` and the `Mcp-Method` / `Mcp-Name` headers
    /// of a `tools/call` of `tool`.
    Stateless { tool: &'static str },
}

impl Wire {
    /// A `tools/call` POST for client `i` with the headers of this wire (the body is the caller's).
    fn post(&self, http: &reqwest::Client, url: &str, i: usize) -> reqwest::RequestBuilder {
        let request = http
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json");
        match self {
            Wire::Session(sessions) => request
                .header("mcp-session-id", &sessions[i % sessions.len()])
                .header("mcp-protocol-version", "2025-11-25"),
            Wire::Stateless { tool } => request
                .header("mcp-protocol-version", "2026-07-28")
                .header("mcp-method", "tools/call")
                .header("mcp-name", *tool),
        }
    }
}

/// The raw load loop's request: the same bytes and headers for every server on one wire.
fn raw_call(
    http: reqwest::Client,
    url: String,
    wire: Wire,
    body: &'static str,
    expected: Bytes,
) -> impl Fn(usize) -> Pin<Box<dyn std::future::Future<Output = Result<(), String>>>> + Clone {
    move |i| {
        let request = wire.post(&http, &url, i).body(body);
        let expected = expected.clone();
        Box::pin(async move {
            let response = request.send().await.map_err(|e| e.to_string())?;
            if response.status() != 200 {
                return Err(format!("status {}", response.status()));
            }
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            if body != expected {
                return Err(format!("unexpected body {body:?}"));
            }
            Ok(())
        })
    }
}

/// Checks the notifications of `process_files` calls: log i, progress i, for i in 1..=items.
struct OrderChecker {
    items: usize,
    state: Mutex<(usize, Option<String>)>,
}

impl OrderChecker {
    fn step(&self, what: impl FnOnce(usize) -> Result<(), String>) {
        let mut state = self.state.lock().unwrap();
        let n = state.0;
        if state.1.is_none() {
            if let Err(e) = what(n) {
                state.1 = Some(e);
            }
        }
        state.0 += 1;
    }
    /// The count seen since the last call, and the first ordering error; resets.
    fn take(&self) -> (usize, Option<String>) {
        std::mem::take(&mut *self.state.lock().unwrap())
    }
}

impl MessageHandler for OrderChecker {
    fn on_log(&self, level: LoggingLevel, _logger: Option<&str>, data: &Value) {
        let items = self.items;
        self.step(|n| {
            let i = n / 2 + 1;
            let expected = format!("Processing document {i}/{items}: item-{i}");
            match (n % 2, level, data.as_str()) {
                (0, LoggingLevel::Info, Some(text)) if text == expected => Ok(()),
                _ => Err(format!(
                    "notification #{n}: expected log {expected:?}, got {level} {data}"
                )),
            }
        });
    }
    fn on_progress(&self, _token: &Value, progress: f64, total: Option<f64>, _: Option<&str>) {
        let items = self.items as f64;
        self.step(|n| {
            let i = (n / 2 + 1) as f64;
            if n % 2 == 1 && progress == i && total == Some(items) {
                Ok(())
            } else {
                Err(format!(
                    "notification #{n}: expected progress {i}/{items}, got {progress}/{total:?}"
                ))
            }
        });
    }
}

/// The `tools/call process_files` body for `items` on `wire`, with a progress token (and, when
/// stateless, the `_meta` fields and the log level that asks for the log messages).
fn process_files_body(wire: &Wire, items: &[String]) -> Vec<u8> {
    let mut params = json!({
        "name": "process_files",
        "arguments": {"items": items, "delay_ms": 0},
        "_meta": {"progressToken": "files"},
    });
    if let Wire::Stateless { .. } = wire {
        let Value::Object(fields) = stateless_meta() else {
            unreachable!("_meta is an object")
        };
        params["_meta"]
            .as_object_mut()
            .expect("_meta is an object")
            .extend(fields);
        params["_meta"][meta::LOG_LEVEL_KEY] = json!("info");
    }
    serde_json::to_vec(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}),
    )
    .expect("a JSON body")
}

/// What one streamed call delivered.
struct Streamed {
    /// `notifications/message` and `notifications/progress` events before the result.
    notifications: usize,
    /// From sending the request to the first notification's event being read.
    first: Option<Duration>,
    /// From sending the request to the end of the stream.
    total: Duration,
}

/// Sends `request` and reads its SSE answer as it arrives, to the end: counts the
/// notifications and times the first; the stream must end with a result.
async fn stream_call(request: reqwest::RequestBuilder) -> Result<Streamed, String> {
    let t0 = Instant::now();
    let response = request.send().await.map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()));
    }
    let mut body = response.bytes_stream();
    let mut buffer = Vec::new();
    let (mut notifications, mut first, mut result) = (0, None, false);
    while let Some(chunk) = body.next().await {
        buffer.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buffer.drain(..end + 2).collect();
            for line in block.split(|&b| b == b'\n') {
                let Some(data) = line.strip_prefix(b"data:") else {
                    continue;
                };
                let data = data.strip_prefix(b" ").unwrap_or(data);
                if data.is_empty() {
                    continue; // a priming event
                }
                let message: Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
                if result {
                    return Err(format!("a message after the result: {message}"));
                }
                match message["method"].as_str() {
                    Some("notifications/message" | "notifications/progress") => {
                        first.get_or_insert_with(|| t0.elapsed());
                        notifications += 1;
                    }
                    _ if message.get("result").is_some() => result = true,
                    _ => return Err(format!("unexpected message {message}")),
                }
            }
        }
    }
    if !result {
        return Err(format!(
            "the stream ended without a result after {notifications} notifications"
        ));
    }
    Ok(Streamed {
        notifications,
        first,
        total: t0.elapsed(),
    })
}

/// `calls` streamed calls one at a time; the server CPU they took, and what each delivered.
async fn stream_calls(
    calls: usize,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> (Duration, Vec<Streamed>) {
    // One call first, unmeasured: connections, caches and allocators warm up.
    stream_call(request()).await.expect("a warm-up call");
    let (process0, thread0) = cpu_times();
    let mut runs = Vec::new();
    for _ in 0..calls {
        runs.push(stream_call(request()).await.expect("a streamed call"));
    }
    let (process1, thread1) = cpu_times();
    let client = thread1.saturating_sub(thread0);
    (
        process1.saturating_sub(process0).saturating_sub(client),
        runs,
    )
}

/// The SSE body of the bare streaming handler: `items` log and progress notifications shaped
/// like ours, one event each, then the result.
fn bare_events(
    items: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> {
    futures_util::stream::iter(0..=2 * items).map(move |n| {
        let i = n / 2 + 1;
        let json = if n == 2 * items {
            r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Processing complete!"}]}}"#.to_owned()
        } else if n % 2 == 0 {
            format!(r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"level":"info","data":"Processing document {i}/{items}: item-{i}"}}}}"#)
        } else {
            format!(r#"{{"jsonrpc":"2.0","method":"notifications/progress","params":{{"progressToken":"files","progress":{i},"total":{items},"message":"processed item-{i}"}}}}"#)
        };
        Ok(Bytes::from(format!("event: message\ndata: {json}\n\n")))
    })
}

fn stream_row(name: &str, items: usize, cpu: Duration, runs: &[Streamed]) -> String {
    let delivered: usize = runs.iter().map(|r| r.notifications).sum();
    let mut firsts: Vec<Duration> = runs.iter().filter_map(|r| r.first).collect();
    firsts.sort();
    let mut totals: Vec<Duration> = runs.iter().map(|r| r.total).collect();
    totals.sort();
    let ms = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    format!(
        "| {name:<34} | {:>15} | {:>26.2} | {:>14.3} | {:>14.3} | {:>13.2} |",
        format!("{delivered}/{}", runs.len() * 2 * items),
        cpu.as_secs_f64() * 1e6 / delivered.max(1) as f64,
        ms(firsts.get(firsts.len() / 2)),
        ms(firsts.last()),
        ms(totals.get(totals.len() / 2)),
    )
}

fn row(name: &str, r: &mut RunResult) -> String {
    format!(
        "| {name:<34} | {:>8.0} | {:>8.3} | {:>8.3} | {:>9} | {:>18.1} | {:>18.1} |",
        r.rate(),
        r.latencies.percentile(50.0).as_secs_f64() * 1e3,
        r.latencies.percentile(99.0).as_secs_f64() * 1e3,
        r.calls,
        r.server_us(),
        r.client_us(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--soak-server") {
        return soak::server(&args);
    }
    if args.iter().any(|a| a == "--soak") {
        return soak::run(&args);
    }
    let o = options();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pin = o.pin && cpus >= 2;
    let (server_cpu, client_cpu) = if pin {
        (Some(0), Some(1))
    } else {
        (None, None)
    };

    let ours_listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let bare_listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let ours_url = format!("http://{}/mcp", ours_listener.local_addr().unwrap());
    let bare_url = format!("http://{}/mcp", bare_listener.local_addr().unwrap());

    let mcp = examples::tools::server().into_http();
    let mcp = if o.resumption {
        mcp
    } else {
        mcp.without_resumption()
    };
    spawn_server("ours", server_cpu, move || {
        HttpServer::new(move || App::new().service(mcp.service()))
            .workers(1)
            .listen(ours_listener)
            .expect("listen")
            .run()
    });

    if let Some(cpu) = client_cpu {
        pin_to(cpu);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let http = http_client(o.clients.max(o.stream_sessions));

        // One session per client on our server; the answer to `add` becomes the bare reply.
        let mut sessions = Vec::new();
        for _ in 0..o.clients {
            let client = session_client(&ours_url, &http).connect().await.unwrap();
            sessions.push(client.session_id().unwrap().to_owned());
            std::mem::forget(client); // keep the session open; nothing to free client-side
        }
        let session_wire = Wire::Session(Arc::new(sessions));
        let stateless_wire = Wire::Stateless { tool: "add" };
        let reference = session_wire.post(&http, &ours_url, 0).body(ADD_REQUEST).send().await.unwrap();
        assert_eq!(reference.headers()["content-type"], "application/json");
        let expected = reference.bytes().await.unwrap();
        let reference = stateless_wire
            .post(&http, &ours_url, 0)
            .body(STATELESS_ADD_REQUEST)
            .send()
            .await
            .unwrap();
        assert_eq!(reference.status(), 200);
        assert_eq!(reference.headers()["content-type"], "application/json");
        let expected_stateless = reference.bytes().await.unwrap();
        assert!(
            serde_json::from_slice::<Value>(&expected_stateless).unwrap()["result"]["content"][0]["text"] == "5",
            "the stateless add answers 5: {expected_stateless:?}"
        );

        let canned = expected.clone();
        let items = o.items;
        spawn_server("bare", server_cpu, move || {
            HttpServer::new(move || {
                let canned = canned.clone();
                App::new()
                    .route(
                        "/mcp",
                        web::post().to(move |_body: Bytes| {
                            let canned = canned.clone();
                            async move {
                                HttpResponse::Ok().content_type("application/json").body(canned)
                            }
                        }),
                    )
                    .route(
                        "/stream",
                        web::post().to(move |_body: Bytes| async move {
                            HttpResponse::Ok()
                                .content_type("text/event-stream")
                                .streaming(bare_events(items))
                        }),
                    )
            })
            .workers(1)
            .listen(bare_listener)
            .expect("listen")
            .run()
        });

        println!("# mcp-runtime benchmark");
        println!(
            "machine: {cpus} CPUs; servers: actix-web, 1 worker thread each{}; load generator: 1 \
             current-thread tokio runtime{}; reqwest HTTP/1.1, keep-alive pool, TCP_NODELAY; loopback",
            if pin { ", pinned to CPU 0" } else { "" },
            if pin { ", pinned to CPU 1" } else { "" },
        );
        println!(
            "load: {} concurrent sessions, {:.0}s warm-up + {:.0}s measured per run; request {} bytes, response {} bytes",
            o.clients,
            o.warmup,
            o.seconds,
            ADD_REQUEST.len(),
            expected.len()
        );
        println!("response: {}", String::from_utf8_lossy(&expected));
        println!(
            "stateless request {} bytes: {STATELESS_ADD_REQUEST}",
            STATELESS_ADD_REQUEST.len()
        );
        println!("stateless response: {}", String::from_utf8_lossy(&expected_stateless));
        println!();

        let mut clients = Vec::new();
        for _ in 0..o.clients {
            clients.push(Arc::new(
                session_client(&ours_url, &http).connect().await.unwrap(),
            ));
        }
        let clients = Arc::new(clients);
        let via_client_call = {
            let clients = clients.clone();
            move |i: usize| {
                let client = clients[i].clone();
                async move {
                    let result = client
                        .call_tool("add", json!({"a": 2, "b": 3}))
                        .await
                        .map_err(|e| e.to_string())?;
                    if result.is_error.is_some() {
                        return Err(format!("{result:?}"));
                    }
                    Ok(())
                }
            }
        };

        // Rounds alternate the four runs so that drift (CPU clocks, caches, allocator state)
        // does not favour one side; each keeps its best round.
        let (mut bare, mut ours, mut stateless, mut via_client): (
            Option<RunResult>,
            Option<RunResult>,
            Option<RunResult>,
            Option<RunResult>,
        ) = (None, None, None, None);
        fn keep_best(slot: &mut Option<RunResult>, run: RunResult) {
            if slot.as_ref().is_none_or(|best| run.rate() > best.rate()) {
                *slot = Some(run);
            }
        }
        for round in 1..=o.rounds {
            let run = drive(
                o.clients,
                o.warmup,
                o.seconds,
                raw_call(http.clone(), bare_url.clone(), session_wire.clone(), ADD_REQUEST, expected.clone()),
            )
            .await;
            println!("round {round}: bare (raw loop)       {:>8.0} calls/s, server {:.1} us/call", run.rate(), run.server_us());
            keep_best(&mut bare, run);
            let run = drive(
                o.clients,
                o.warmup,
                o.seconds,
                raw_call(http.clone(), ours_url.clone(), session_wire.clone(), ADD_REQUEST, expected.clone()),
            )
            .await;
            println!("round {round}: ours 2025 session    {:>8.0} calls/s, server {:.1} us/call", run.rate(), run.server_us());
            keep_best(&mut ours, run);
            let run = drive(
                o.clients,
                o.warmup,
                o.seconds,
                raw_call(
                    http.clone(),
                    ours_url.clone(),
                    stateless_wire.clone(),
                    STATELESS_ADD_REQUEST,
                    expected_stateless.clone(),
                ),
            )
            .await;
            println!("round {round}: ours 2026 stateless  {:>8.0} calls/s, server {:.1} us/call", run.rate(), run.server_us());
            keep_best(&mut stateless, run);
            let run = drive(o.clients, o.warmup, o.seconds, via_client_call.clone()).await;
            println!("round {round}: ours (our Client)    {:>8.0} calls/s, server {:.1} us/call, client {:.1} us/call", run.rate(), run.server_us(), run.client_us());
            keep_best(&mut via_client, run);
        }
        let (mut bare, mut ours, mut stateless, mut via_client) =
            (bare.unwrap(), ours.unwrap(), stateless.unwrap(), via_client.unwrap());

        // Streaming: `process_files` with `items` items, no delay, on several sessions at once.
        let mut streamers = Vec::new();
        for _ in 0..o.stream_sessions {
            let checker = Arc::new(OrderChecker { items: o.items, state: Mutex::default() });
            let client = session_client(&ours_url, &http)
                .handler(checker.clone())
                .connect()
                .await
                .unwrap();
            streamers.push((client, checker));
        }
        let items: Vec<String> = (1..=o.items).map(|i| format!("item-{i}")).collect();
        let args = json!({"items": items, "delay_ms": 0});
        let start = Instant::now();
        let mut call_times = Vec::new();
        let runs = streamers.iter().map(|(client, checker)| {
            let args = args.clone();
            let items = o.items;
            async move {
                let mut times = Vec::new();
                for _ in 0..o.stream_calls {
                    let t0 = Instant::now();
                    let result =
                        client.call_tool_with_progress("process_files", args.clone(), |_| {}).await.unwrap();
                    // Every notification was handled before the call returned its result.
                    let (seen, error) = checker.take();
                    assert_eq!(error, None, "notifications out of order");
                    assert_eq!(seen, 2 * items, "every log and progress notification arrived before the result");
                    assert_eq!(result.is_error, None);
                    times.push(t0.elapsed());
                }
                times
            }
        });
        for times in futures_util::future::join_all(runs).await {
            call_times.extend(times);
        }
        let stream_elapsed = start.elapsed();
        let notifications = o.stream_sessions * o.stream_calls * 2 * o.items;
        let notif_rate = notifications as f64 / stream_elapsed.as_secs_f64();
        call_times.sort();
        let median_call = call_times[call_times.len() / 2];

        // Each era alone, one call at a time, beside the bare streaming handler.
        let items: Vec<String> = (1..=o.items).map(|i| format!("item-{i}")).collect();
        let bare_stream_url = bare_url.replace("/mcp", "/stream");
        let bare_stream = stream_calls(o.era_calls, || {
            session_wire.post(&http, &bare_stream_url, 0).body(process_files_body(&session_wire, &items))
        })
        .await;
        let session_stream = stream_calls(o.era_calls, || {
            session_wire.post(&http, &ours_url, 0).body(process_files_body(&session_wire, &items))
        })
        .await;
        let files_wire = Wire::Stateless { tool: "process_files" };
        let stateless_stream = stream_calls(o.era_calls, || {
            files_wire.post(&http, &ours_url, 0).body(process_files_body(&files_wire, &items))
        })
        .await;

        let ratio = ours.rate() / bare.rate();
        let stateless_ratio = stateless.rate() / bare.rate();
        let client_ratio = via_client.rate() / bare.rate();
        println!();
        println!(
            "## Summary ({} sessions, {:.0}s per run, best of {} rounds)",
            o.clients, o.seconds, o.rounds
        );
        println!();
        println!("| run                                |  calls/s | p50 (ms) | p99 (ms) |     calls | server CPU us/call | client CPU us/call |");
        println!("|------------------------------------|---------:|---------:|---------:|----------:|-------------------:|-------------------:|");
        println!("{}", row("bare actix-web handler (raw loop)", &mut bare));
        println!("{}", row("mcp-runtime 2025 session (raw)", &mut ours));
        println!("{}", row("mcp-runtime 2026 stateless (raw)", &mut stateless));
        println!("{}", row("mcp-runtime via client::Client", &mut via_client));
        println!();
        println!(
            "ours / bare = {:.1}% of calls/s (target >= 60%: {});  stateless / bare = {:.1}%;  via our Client / bare = {:.1}%",
            ratio * 100.0,
            if ratio >= 0.6 { "met" } else { "NOT met" },
            stateless_ratio * 100.0,
            client_ratio * 100.0
        );
        println!(
            "server CPU per call: bare {:.1} us, ours (2025 session) {:.1} us -> on a dedicated, saturated core ours \
             would serve {:.1}% of bare's calls/s (robust to other load on the machine)",
            bare.server_us(),
            ours.server_us(),
            bare.server_us() / ours.server_us() * 100.0
        );
        println!(
            "server CPU per call / bare: 2025 session {:.2}x, 2026 stateless {:.2}x (target <= 1.2x); \
             p99 / bare: session {:.2}x, stateless {:.2}x (target <= 2x)",
            ours.server_us() / bare.server_us(),
            stateless.server_us() / bare.server_us(),
            ours.latencies.percentile(99.0).as_secs_f64() / bare.latencies.percentile(99.0).as_secs_f64(),
            stateless.latencies.percentile(99.0).as_secs_f64() / bare.latencies.percentile(99.0).as_secs_f64(),
        );
        println!(
            "streaming: {} sessions x {} calls of process_files({} items): {} notifications in {:.2}s = {:.0} notifications/s; \
             median call {:.1} ms; all in order, all before their result",
            o.stream_sessions,
            o.stream_calls,
            o.items,
            notifications,
            stream_elapsed.as_secs_f64(),
            notif_rate,
            median_call.as_secs_f64() * 1e3,
        );
        println!();
        println!(
            "## process_files({} items), {} calls one at a time per run",
            o.items, o.era_calls
        );
        println!();
        println!("| run                                | notifications   | server CPU us/notification | first p50 (ms) | first max (ms) | call p50 (ms) |");
        println!("|------------------------------------|----------------:|---------------------------:|---------------:|---------------:|--------------:|");
        println!("{}", stream_row("bare actix-web SSE handler", o.items, bare_stream.0, &bare_stream.1));
        println!("{}", stream_row("mcp-runtime 2025 session", o.items, session_stream.0, &session_stream.1));
        println!("{}", stream_row("mcp-runtime 2026 stateless", o.items, stateless_stream.0, &stateless_stream.1));
    });
}

/// The soak check: the server runs in a child process (this binary with `--soak-server`), so
/// its resident memory is its own.
mod soak {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name} needs a number"))
            })
            .unwrap_or(default)
    }

    /// `--soak-server`: the example server on a loopback port (printed on stdout), one worker.
    pub(super) fn server(args: &[String]) {
        let timeout = Duration::from_secs_f64(arg(args, "--body-timeout", 5.0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        println!("{}", listener.local_addr().unwrap());
        actix_web::rt::System::new().block_on(async move {
            examples::tools::server()
                .into_http()
                .body_timeout(timeout)
                .workers(1)
                .listen(listener)
                .expect("listen")
                .await
                .expect("serve")
        });
    }

    /// The resident set of process `pid`, in KiB.
    fn rss_kib(pid: u32) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    struct Child(std::process::Child);

    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    pub(super) fn run(args: &[String]) {
        let calls: usize = arg(args, "--soak-calls", 200_000);
        let warmup: usize = arg(args, "--soak-warmup", 100_000);
        let stalled: usize = arg(args, "--stalled", 2_000);
        let timeout: f64 = arg(args, "--body-timeout", 5.0);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--soak-server", "--body-timeout", &timeout.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let child = Child(child);
        let authority = line.trim().to_owned();
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
    async fn call(
        http: &reqwest::Client,
        url: &str,
        session: &str,
        body: &str,
    ) -> Result<(), String> {
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
}

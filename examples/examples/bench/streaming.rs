//! The streaming part: `process_files` calls checked notification by notification, and the
//! bare actix-web SSE handler they are compared with.

use super::*;

/// Checks the notifications of `process_files` calls: log i, progress i, for i in 1..=items.
pub(super) struct OrderChecker {
    pub(super) items: usize,
    pub(super) state: Mutex<(usize, Option<String>)>,
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
    pub(super) fn take(&self) -> (usize, Option<String>) {
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
pub(super) fn process_files_body(wire: &Wire, items: &[String]) -> Vec<u8> {
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
pub(super) struct Streamed {
    /// `notifications/message` and `notifications/progress` events before the result.
    pub(super) notifications: usize,
    /// From sending the request to the first notification's event being read.
    pub(super) first: Option<Duration>,
    /// From sending the request to the end of the stream.
    pub(super) total: Duration,
}

/// Sends `request` and reads its SSE answer as it arrives, to the end: counts the
/// notifications and times the first; the stream must end with a result.
pub(super) async fn stream_call(request: reqwest::RequestBuilder) -> Result<Streamed, String> {
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
pub(super) async fn stream_calls(
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
pub(super) fn bare_events(
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

pub(super) fn stream_row(name: &str, items: usize, cpu: Duration, runs: &[Streamed]) -> String {
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

pub(super) fn row(name: &str, r: &mut RunResult) -> String {
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

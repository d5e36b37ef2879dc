//! Resumable streams over a real socket (2025-11-25 "Resumability and Redelivery", SEP-1699):
//! a stream the tool closes, or the client drops, is resumed with `GET` + `Last-Event-ID`, and
//! the client receives exactly the events of that stream it missed, then the rest.

use std::time::Duration;

use mcp_runtime::{mcp_tool, Ctx, Server};
use serde_json::{json, Value};
use tests::stores::Stores;
use tests::{still_serves, tool_call, EventReader, TestServer};

/// Each test runs twice: with the in-memory stores, and with stores that answer every call a
/// few milliseconds late (as a networked store would).
macro_rules! against_both_stores {
    ($($name:ident),* $(,)?) => {
        mod in_memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Stores::InMemory).await
                }
            )*
        }
        mod delayed {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Stores::Delayed).await
                }
            )*
        }
    };
}

against_both_stores!(
    a_stream_the_tool_closes_resumes_with_exactly_the_missed_events,
    a_client_that_drops_mid_call_resumes_and_gets_the_rest,
    a_resuming_client_takes_the_stream_over_from_a_connection_that_looks_alive,
    a_finished_call_is_replayed_whole_from_the_store,
    a_resumption_carries_its_own_stream_and_no_other,
    bad_unknown_and_foreign_event_ids_are_refused_and_hurt_no_one,
    events_dropped_by_the_store_budget_are_reported_gone,
    the_standalone_stream_resumes_and_stays_single,
    without_resumption_a_close_request_keeps_the_stream,
    a_quiet_call_stream_gets_keep_alive_comments,
    resuming_the_standalone_stream_twice_replays_it_again,
    a_get_stream_reopens_right_after_its_client_closed_it,
);

/// Logs `before`, closes its stream, then logs `n` steps and answers.
#[mcp_tool]
async fn polled(ctx: Ctx, n: u32) -> String {
    ctx.info("before").await;
    ctx.close_sse_stream().await;
    for i in 0..n {
        tokio::time::sleep(Duration::from_millis(30)).await;
        ctx.info(format!("step {i}")).await;
    }
    format!("{n} steps")
}

/// Logs `n` ticks, `delay_ms` apart, and answers.
#[mcp_tool]
async fn ticks(ctx: Ctx, n: u32, delay_ms: u64) -> String {
    for i in 0..n {
        ctx.info(format!("tick {i}")).await;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }
    format!("{n} ticks")
}

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn server() -> Server {
    Server::new("resume", "1")
        .tool::<polled>()
        .tool::<ticks>()
        .tool::<add>()
}

fn start(stores: Stores) -> TestServer {
    TestServer::start(stores.apply(server().into_http()))
}

async fn open_call(server: &TestServer, session: &str, body: Value) -> EventReader {
    let response = server.post(Some(session)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(tests::content_type(&response).starts_with("text/event-stream"));
    EventReader::new(response)
}

fn resume(server: &TestServer, session: &str, last_event_id: &str) -> reqwest::RequestBuilder {
    server.get(session).header("last-event-id", last_event_id)
}

/// Resumes after `last_event_id` and reads the resumed stream to its end, as JSON messages.
async fn resumed(server: &TestServer, session: &str, last_event_id: &str) -> Vec<Value> {
    let response = resume(server, session, last_event_id).send().await.unwrap();
    assert_eq!(response.status(), 200);
    rest(&mut EventReader::new(response))
        .await
        .iter()
        .map(json_of)
        .collect()
}

/// Every event until the stream ends, within 10 s.
async fn rest(reader: &mut EventReader) -> Vec<tests::Event> {
    let mut events = Vec::new();
    let read = async {
        while let Some(event) = reader.next().await {
            events.push(event);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the stream ends");
    events
}

fn json_of(event: &tests::Event) -> Value {
    serde_json::from_str(event.data.as_deref().expect("data")).unwrap()
}

fn log_text(message: &Value) -> Option<&str> {
    (message["method"] == "notifications/message")
        .then(|| message["params"]["data"].as_str())
        .flatten()
}

fn seq_of(id: &str) -> (u64, u64) {
    let (stream, seq) = id.split_once('-').unwrap();
    (stream.parse().unwrap(), seq.parse().unwrap())
}

async fn a_stream_the_tool_closes_resumes_with_exactly_the_missed_events(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    let mut post = open_call(&server, &s, tool_call(1, "polled", json!({"n": 3}))).await;
    let before = rest(&mut post).await;
    // Priming (id, retry, no data), then `before`, then the server ended the stream.
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before[0].retry.is_some() && before[0].data.is_none());
    assert_eq!(log_text(&json_of(&before[1])), Some("before"));
    let last = before[1].id.clone().expect("an event id");
    let (stream, seq) = seq_of(&last);

    let response = resume(&server, &s, &last).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let after = rest(&mut EventReader::new(response)).await;
    let texts: Vec<Value> = after.iter().map(json_of).collect();
    let logs: Vec<&str> = texts.iter().filter_map(log_text).collect();
    assert_eq!(logs, ["step 0", "step 1", "step 2"], "{texts:?}");
    assert_eq!(
        texts.last().unwrap()["result"]["content"][0]["text"],
        "3 steps"
    );
    // Same stream, numbered on without a gap.
    let ids: Vec<(u64, u64)> = after
        .iter()
        .map(|e| seq_of(e.id.as_deref().unwrap()))
        .collect();
    let expected: Vec<(u64, u64)> = (1..=4).map(|n| (stream, seq + n)).collect();
    assert_eq!(ids, expected);
    still_serves(&server, &s).await;
}

async fn a_client_that_drops_mid_call_resumes_and_gets_the_rest(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    let mut post = open_call(
        &server,
        &s,
        tool_call(1, "ticks", json!({"n": 8, "delay_ms": 25})),
    )
    .await;
    let _priming = post.expect(Duration::from_secs(5)).await;
    let first = post.expect(Duration::from_secs(5)).await;
    assert_eq!(log_text(&json_of(&first)), Some("tick 0"));
    drop(post);
    // Some ticks are sent while nobody listens; they are recorded.
    tokio::time::sleep(Duration::from_millis(80)).await;

    let after = resumed(&server, &s, first.id.as_deref().unwrap()).await;
    let logs: Vec<&str> = after.iter().filter_map(log_text).collect();
    let expected: Vec<String> = (1..8).map(|i| format!("tick {i}")).collect();
    assert_eq!(logs, expected, "every tick after the first, once, in order");
    assert_eq!(
        after.last().unwrap()["result"]["content"][0]["text"],
        "8 ticks"
    );
}

async fn a_resuming_client_takes_the_stream_over_from_a_connection_that_looks_alive(
    stores: Stores,
) {
    // The old connection is still open as far as the server can tell (a network change the
    // server has not noticed): the resuming GET claims the stream and the old body ends.
    let server = start(stores);
    let s = server.session().await;
    let mut old = open_call(
        &server,
        &s,
        tool_call(1, "ticks", json!({"n": 6, "delay_ms": 40})),
    )
    .await;
    let _priming = old.expect(Duration::from_secs(5)).await;
    let first = old.expect(Duration::from_secs(5)).await;
    assert_eq!(log_text(&json_of(&first)), Some("tick 0"));

    let after = resumed(&server, &s, first.id.as_deref().unwrap()).await;
    let logs: Vec<&str> = after.iter().filter_map(log_text).collect();
    let expected: Vec<String> = (1..6).map(|i| format!("tick {i}")).collect();
    assert_eq!(logs, expected, "every tick after the first, once, in order");
    assert_eq!(
        after.last().unwrap()["result"]["content"][0]["text"],
        "6 ticks"
    );
    // The old body ended without the result (which went to the resumed stream).
    let leftover = rest(&mut old).await;
    assert!(
        leftover
            .iter()
            .all(|e| e.data.as_deref().is_none_or(|d| !d.contains("\"result\""))),
        "{leftover:?}"
    );
}

async fn a_finished_call_is_replayed_whole_from_the_store(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    let mut post = open_call(
        &server,
        &s,
        tool_call(7, "ticks", json!({"n": 3, "delay_ms": 1})),
    )
    .await;
    let priming = post.expect(Duration::from_secs(5)).await;
    drop(post);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = resumed(&server, &s, priming.id.as_deref().unwrap()).await;
    let logs: Vec<&str> = after.iter().filter_map(log_text).collect();
    assert_eq!(logs, ["tick 0", "tick 1", "tick 2"]);
    assert_eq!(after.last().unwrap()["id"], 7);
}

async fn a_resumption_carries_its_own_stream_and_no_other(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    let mut one = open_call(&server, &s, tool_call(1, "polled", json!({"n": 2}))).await;
    let mut two = open_call(&server, &s, tool_call(2, "polled", json!({"n": 2}))).await;
    let one_events = rest(&mut one).await;
    let two_events = rest(&mut two).await;
    assert_ne!(
        seq_of(one_events[1].id.as_deref().unwrap()).0,
        seq_of(two_events[1].id.as_deref().unwrap()).0
    );
    let after = resumed(&server, &s, one_events[1].id.as_deref().unwrap()).await;
    let responses: Vec<&Value> = after.iter().filter(|m| m.get("result").is_some()).collect();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0]["id"], 1);
    assert_eq!(after.iter().filter_map(log_text).count(), 2);
}

async fn bad_unknown_and_foreign_event_ids_are_refused_and_hurt_no_one(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    let other = server.session().await;
    let mut post = open_call(&server, &other, tool_call(1, "polled", json!({"n": 1}))).await;
    let others = rest(&mut post).await;
    let foreign = others[1].id.clone().unwrap();

    for (id, why) in [
        ("garbage", "not <stream>-<n>"),
        ("12-x", "not a number"),
        ("999999999-0", "a stream that never was"),
        (foreign.as_str(), "another session's stream"),
    ] {
        let response = resume(&server, &s, id).send().await.unwrap();
        assert_eq!(response.status(), 400, "{why}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Last-Event-ID"),
            "{why}: {body}"
        );
    }
    still_serves(&server, &s).await;
    // The other session's call is untouched and resumes fine.
    let response = resume(&server, &other, &foreign).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let after = rest(&mut EventReader::new(response)).await;
    assert_eq!(json_of(after.last().unwrap())["id"], 1);
}

async fn events_dropped_by_the_store_budget_are_reported_gone(stores: Stores) {
    let server = TestServer::start(server().into_http().event_store(stores.events(600)));
    let s = server.session().await;
    let mut post = open_call(&server, &s, tool_call(1, "polled", json!({"n": 12}))).await;
    let before = rest(&mut post).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let response = resume(&server, &s, before[1].id.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 410);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no longer stored"),
        "{body}"
    );
    still_serves(&server, &s).await;
}

async fn the_standalone_stream_resumes_and_stays_single(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    let get = |last: Option<&str>| {
        let mut request = server.get(&s);
        if let Some(last) = last {
            request = request.header("last-event-id", last);
        }
        request.send()
    };
    let response = get(None).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut first = EventReader::new(response);
    let priming = first.expect(Duration::from_secs(5)).await;
    let id = priming.id.clone().expect("the priming event has an id");
    assert_eq!(
        get(None).await.unwrap().status(),
        409,
        "one GET stream per session"
    );
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let resumed = get(Some(&id)).await.unwrap();
    assert_eq!(resumed.status(), 200, "the GET stream resumes");
    let mut resumed = EventReader::new(resumed);
    let priming = resumed.expect(Duration::from_secs(5)).await;
    assert!(priming.id.is_some());
    assert_eq!(get(None).await.unwrap().status(), 409);
}

async fn without_resumption_a_close_request_keeps_the_stream(stores: Stores) {
    let server = TestServer::start(stores.apply(server().into_http()).without_resumption());
    let s = server.session().await;
    let mut post = open_call(&server, &s, tool_call(1, "polled", json!({"n": 2}))).await;
    let events = rest(&mut post).await;
    let messages: Vec<Value> = events
        .iter()
        .filter(|e| e.data.is_some())
        .map(json_of)
        .collect();
    let logs: Vec<&str> = messages.iter().filter_map(log_text).collect();
    assert_eq!(logs, ["before", "step 0", "step 1"]);
    assert_eq!(
        messages.last().unwrap()["result"]["content"][0]["text"],
        "2 steps"
    );
    // Last-Event-ID means nothing then: a plain GET stream.
    let response = resume(&server, &s, events[0].id.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn a_quiet_call_stream_gets_keep_alive_comments(stores: Stores) {
    // Proxies cut streams that stay silent; a quiet tool's stream says it is alive.
    let server = TestServer::start(
        stores
            .apply(server().into_http())
            .keep_alive(Duration::from_millis(50)),
    );
    let s = server.session().await;
    let mut post = open_call(
        &server,
        &s,
        tool_call(1, "ticks", json!({"n": 2, "delay_ms": 300})),
    )
    .await;
    let events = rest(&mut post).await;
    assert_eq!(json_of(events.last().unwrap())["id"], 1);
    assert!(
        post.comments >= 4,
        "keep-alives while the tool slept: {}",
        post.comments
    );
}

/// Subtract two integers (added and removed at run time, to make list changes).
#[mcp_tool]
async fn sub(a: i64, b: i64) -> i64 {
    a - b
}

fn get_stream(server: &TestServer, session: &str, last: Option<&str>) -> reqwest::RequestBuilder {
    let mut request = server
        .request(reqwest::Method::GET)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(last) = last {
        request = request.header("last-event-id", last);
    }
    request
}

/// The `method` of the next message event, and its id.
async fn next_message(reader: &mut EventReader) -> (String, String) {
    let event = reader.expect(Duration::from_secs(5)).await;
    let json = json_of(&event);
    (
        json["method"].as_str().unwrap_or_default().to_owned(),
        event.id.unwrap_or_default(),
    )
}

/// A client whose resumption got lost resumes again with the same `Last-Event-ID`: it gets the
/// replay again, including what the lost resumption carried, not a claim that the stream
/// never existed.
async fn resuming_the_standalone_stream_twice_replays_it_again(stores: Stores) {
    let definition = server();
    let handle = definition.handle();
    let server = TestServer::start(stores.apply(definition.into_http()));
    let s = server.session().await;
    let mut first = EventReader::new(get_stream(&server, &s, None).send().await.unwrap());
    let priming = first.expect(Duration::from_secs(5)).await.id.unwrap();
    handle.remove_tool("add");
    let (method, changed) = next_message(&mut first).await;
    assert_eq!(method, "notifications/tools/list_changed");
    drop(first);

    let retry = get_stream(&server, &s, Some(&priming))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 200);
    let mut second = EventReader::new(retry);
    assert_eq!(
        next_message(&mut second).await.1,
        changed,
        "the missed event"
    );
    assert_eq!(
        second.expect(Duration::from_secs(5)).await.data,
        None,
        "priming"
    );
    handle.add_tool::<sub>().unwrap();
    let (method, changed_again) = next_message(&mut second).await;
    assert_eq!(method, "notifications/tools/list_changed");
    // This response is lost to the client, which retries with the id it had.
    drop(second);

    let again = get_stream(&server, &s, Some(&priming))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "{}", again.text().await.unwrap());
    let mut third = EventReader::new(again);
    assert_eq!(next_message(&mut third).await.1, changed);
    assert_eq!(next_message(&mut third).await.1, changed_again);
    assert_eq!(
        third.expect(Duration::from_secs(5)).await.data,
        None,
        "priming"
    );
}

/// A client that closes its GET stream and opens a new one at once is not told for the next
/// keep-alive interval (15 s here) that one is already open.
async fn a_get_stream_reopens_right_after_its_client_closed_it(stores: Stores) {
    let server = start(stores);
    let s = server.session().await;
    for _ in 0..3 {
        let response = get_stream(&server, &s, None).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let mut reader = EventReader::new(response);
        reader.expect(Duration::from_secs(5)).await;
        drop(reader);
    }
    // One that is really open still refuses a second.
    let open = get_stream(&server, &s, None).send().await.unwrap();
    assert_eq!(open.status(), 200);
    let mut reader = EventReader::new(open);
    reader.expect(Duration::from_secs(5)).await;
    let second = get_stream(&server, &s, None).send().await.unwrap();
    assert_eq!(second.status(), 409);
}

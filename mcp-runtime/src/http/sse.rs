//! Server-sent events: framing one JSON-RPC message per event, and the two kinds of stream
//! (a POST's call stream, a session's GET stream). The legacy HTTP+SSE connection stream
//! (`legacy_sse.rs`) frames its events with [`named_event`] and [`KEEP_ALIVE`].

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::ctx::Outgoing;
use crate::session::Session;

/// Stream ids are unique per process, so event ids (`<stream>-<seq>`) never collide across
/// the streams of one session.
static NEXT_STREAM: AtomicU64 = AtomicU64::new(1);

/// Writes events of one stream, numbering them.
pub(crate) struct EventWriter {
    stream: u64,
    seq: u64,
}

impl EventWriter {
    pub(crate) fn new() -> EventWriter {
        EventWriter {
            stream: NEXT_STREAM.fetch_add(1, Ordering::Relaxed),
            seq: 0,
        }
    }

    /// The priming event (SEP-1699): an id and empty data, plus the reconnection delay.
    pub(crate) fn priming(&mut self, retry: Duration) -> Bytes {
        let mut out = Vec::with_capacity(48);
        self.write_id(&mut out);
        out.extend_from_slice(b"retry: ");
        out.extend_from_slice(retry.as_millis().to_string().as_bytes());
        out.extend_from_slice(b"\ndata: \n\n");
        Bytes::from(out)
    }

    /// One `message` event carrying one JSON-RPC message. serde_json never emits raw newlines,
    /// so the JSON fits on one `data:` line.
    pub(crate) fn message(&mut self, json: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(json.len() + 48);
        self.write_id(&mut out);
        out.extend_from_slice(b"event: message\ndata: ");
        out.extend_from_slice(json);
        out.extend_from_slice(b"\n\n");
        Bytes::from(out)
    }

    fn write_id(&mut self, out: &mut Vec<u8>) {
        use std::io::Write;
        let _ = writeln!(out, "id: {}-{}", self.stream, self.seq);
        self.seq += 1;
    }
}

/// A comment: ignored by clients, it keeps proxies from closing an idle stream and makes a
/// vanished client show up as a failed write.
pub(crate) const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// One event with a name and no id, e.g. `event: endpoint` of the 2024-11-05 transport, which
/// has no resumption and so no ids to honour. `data` must be one line (serde_json output is).
pub(crate) fn named_event(event: &str, data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(event.len() + data.len() + 16);
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(event.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

/// Ticks every `every`, first after one interval; late ticks are not bunched up.
pub(crate) fn keep_alive_ticker(every: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}

/// The body of a POST answered with SSE: optional priming event, the call's notifications in
/// order, then the response, then the end. Each event is handed to actix as soon as it exists,
/// so it is written to the socket at once.
pub(crate) fn call_stream(
    messages: mpsc::Receiver<Outgoing>,
    priming: Option<Duration>,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut writer = EventWriter::new();
    let first = priming.map(|retry| writer.priming(retry));
    let state = CallStream {
        writer,
        messages,
        first,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if let Some(first) = st.first.take() {
            return Some((Ok(first), st));
        }
        if st.done {
            return None;
        }
        // `None`: the call was cancelled or its session ended; the stream just ends.
        let event = match st.messages.recv().await? {
            Outgoing::Notification(json) => st.writer.message(&json),
            Outgoing::Response(json) => {
                st.done = true;
                st.writer.message(&json)
            }
        };
        Some((Ok(event), st))
    })
}

struct CallStream {
    writer: EventWriter,
    messages: mpsc::Receiver<Outgoing>,
    first: Option<Bytes>,
    done: bool,
}

/// The body of a session's GET stream: priming, then keep-alive comments until the session
/// ends or the client leaves. Dropping it frees the session's stream slot.
pub(crate) fn session_stream(
    session: Arc<Session>,
    priming: Option<Duration>,
    keep_alive: Duration,
    draining: CancellationToken,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut writer = EventWriter::new();
    let first = priming.map(|retry| writer.priming(retry));
    let closed = session.closed().clone();
    let ticker = keep_alive_ticker(keep_alive);
    let state = SessionStream {
        _slot: StreamSlot(session),
        first,
        closed,
        draining,
        ticker,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if let Some(first) = st.first.take() {
            return Some((Ok(first), st));
        }
        // The stream ends with its session, or at once when the server starts shutting down:
        // it carries no call, so there is nothing to wait for.
        tokio::select! {
            _ = st.closed.cancelled() => None,
            _ = st.draining.cancelled() => None,
            _ = st.ticker.tick() => Some((Ok(Bytes::from_static(KEEP_ALIVE)), st)),
        }
    })
}

struct SessionStream {
    _slot: StreamSlot,
    first: Option<Bytes>,
    closed: CancellationToken,
    draining: CancellationToken,
    ticker: tokio::time::Interval,
}

/// Holds a session's single GET-stream slot while the stream lives.
struct StreamSlot(Arc<Session>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.release_stream();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_numbered_per_stream() {
        let mut w = EventWriter::new();
        let p = w.priming(Duration::from_millis(1500));
        let text = std::str::from_utf8(&p).unwrap();
        assert!(
            text.starts_with("id: ") && text.ends_with("-0\nretry: 1500\ndata: \n\n"),
            "{text}"
        );
        let m = w.message(br#"{"a":1}"#);
        let text = std::str::from_utf8(&m).unwrap();
        assert!(
            text.ends_with("-1\nevent: message\ndata: {\"a\":1}\n\n"),
            "{text}"
        );
        assert_ne!(EventWriter::new().stream, w.stream);
    }

    #[test]
    fn named_events_carry_no_id() {
        let e = named_event("endpoint", b"/messages?sessionId=ab");
        assert_eq!(&e[..], b"event: endpoint\ndata: /messages?sessionId=ab\n\n");
    }
}

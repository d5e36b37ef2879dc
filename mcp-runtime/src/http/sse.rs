//! Server-sent events: framing one JSON-RPC message per event, and the two kinds of stream
//! (a POST's call stream, a session's GET stream). The legacy HTTP+SSE connection stream
//! (`legacy_sse.rs`) frames its events with [`named_event`] and [`KEEP_ALIVE`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::resume::{Claims, Recorder, RunningCall, Storing};
use crate::peer::Outgoing;
use crate::peer::Session;
use crate::store::{EventTail, StoreError};

/// Stream ids are unique per process, so event ids (`<stream>-<seq>`) never collide across
/// the streams of one session.
static NEXT_STREAM: AtomicU64 = AtomicU64::new(1);

/// Writes events of one stream, numbering them.
pub(crate) struct EventWriter {
    pub(crate) stream: u64,
    /// The number the next event gets.
    pub(crate) seq: u64,
}

impl EventWriter {
    pub(crate) fn new() -> EventWriter {
        EventWriter {
            stream: NEXT_STREAM.fetch_add(1, Ordering::Relaxed),
            seq: 0,
        }
    }

    /// A writer that writes nothing more (its stream moved elsewhere or is over).
    pub(crate) fn spent() -> EventWriter {
        EventWriter { stream: 0, seq: 0 }
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

/// How a body paces a burst of messages. actix-web writes a body's events to the socket when
/// the body has nothing ready (or its buffer is full), so a body that hands over a busy call's
/// messages one after another has the first of them wait until the channel runs dry: the
/// first notification of `process_files` went out with the 64 after it. The first message of
/// each burst is therefore followed by one pause (`Pending`, woken at once), which gets it
/// written; the rest of the burst is written together.
pub(crate) struct Bursts {
    /// The next message starts a burst: the channel was empty when last asked.
    idle: bool,
    /// Yield once before the next event.
    pause: bool,
}

impl Bursts {
    pub(crate) fn new() -> Bursts {
        Bursts {
            idle: true,
            pause: false,
        }
    }

    /// Called first in `poll_next`: `true` when the body is to return `Pending` now (it is
    /// woken at once, so actix writes what it has and polls again).
    pub(crate) fn pause(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.pause {
            return false;
        }
        self.pause = false;
        cx.waker().wake_by_ref();
        true
    }

    /// A message is going out.
    pub(crate) fn message(&mut self) {
        if self.idle {
            self.idle = false;
            self.pause = true;
        }
    }

    /// The channel had nothing ready.
    pub(crate) fn idle(&mut self) {
        self.idle = true;
    }
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
///
/// On a resumable stream (one with a [`Recorder`]) every event is also recorded, and when the
/// body ends before the response (the client went away, or the tool called
/// `Ctx::close_sse_stream`) the rest of the call is parked: a task keeps recording it until
/// the client resumes with `Last-Event-ID`. A client resuming while this body still runs (its
/// old connection died without the server noticing) claims the stream, and this body ends.
pub(crate) struct CallStream {
    writer: EventWriter,
    /// The call's messages; `None` once the response went out or the call ended without one.
    messages: Option<mpsc::Receiver<Outgoing>>,
    /// Events that go out before any message: the priming event, or a resumption's replay.
    queued: VecDeque<Bytes>,
    recorder: Option<Recorder>,
    /// Where a resuming client's claim of this stream arrives (resumable streams only).
    claims: Option<Claims>,
    /// Comments while the call is quiet, so proxies keep a long call's stream open.
    keep_alive: tokio::time::Interval,
    /// An event the store has not confirmed yet (a networked store's; an in-memory one
    /// answers at once), and whether it is the response. It goes out first, once stored.
    storing: Option<(Storing, bool)>,
    bursts: Bursts,
}

impl CallStream {
    /// A new call's stream.
    pub(crate) fn new(
        messages: mpsc::Receiver<Outgoing>,
        priming: Option<Duration>,
        recorder: Option<Recorder>,
        keep_alive: Duration,
    ) -> CallStream {
        let mut writer = EventWriter::new();
        let queued = priming
            .map(|retry| writer.priming(retry))
            .into_iter()
            .collect();
        let claims = recorder
            .as_ref()
            .map(|recorder| recorder.streams.attach(writer.stream, &recorder.session));
        CallStream {
            writer,
            messages: Some(messages),
            queued,
            recorder,
            claims,
            keep_alive: keep_alive_ticker(keep_alive),
            storing: None,
            bursts: Bursts::new(),
        }
    }

    /// A resumed stream: the events the client missed, then (if the call still runs) the
    /// rest, numbered on from where the stream left off.
    pub(crate) fn resumed(
        missed: Vec<Bytes>,
        live: Option<RunningCall>,
        recorder: Recorder,
        keep_alive: Duration,
    ) -> CallStream {
        let (writer, messages, claims) = match live {
            Some(live) => {
                let claims = recorder
                    .streams
                    .attach(live.writer.stream, &recorder.session);
                (live.writer, Some(live.messages), Some(claims))
            }
            None => (EventWriter::spent(), None, None),
        };
        CallStream {
            writer,
            messages,
            queued: missed.into(),
            recorder: Some(recorder),
            claims,
            keep_alive: keep_alive_ticker(keep_alive),
            storing: None,
            bursts: Bursts::new(),
        }
    }

    /// Sends `json` as the next event, once it is stored on a resumable stream; `last`: it is
    /// the response.
    fn send(
        &mut self,
        json: &[u8],
        last: bool,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        let Some(recorder) = &self.recorder else {
            let event = self.writer.message(json);
            return self.sent(Ok(event), last);
        };
        let mut storing = recorder.record(&mut self.writer, json);
        match Pin::new(&mut storing).poll(cx) {
            Poll::Ready(stored) => self.sent(stored, last),
            Poll::Pending => {
                self.storing = Some((storing, last));
                Poll::Pending
            }
        }
    }

    fn sent(
        &mut self,
        stored: Result<Bytes, StoreError>,
        last: bool,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        match stored {
            Ok(event) => {
                if last {
                    self.finish();
                }
                Poll::Ready(Some(Ok(event)))
            }
            // Not stored: a resume could not give it back, so it is not sent either. The
            // stream ends; the call goes on, unrecorded.
            Err(_) => {
                self.finish();
                Poll::Ready(None)
            }
        }
    }

    /// The call is over for this stream: nothing more to send or to park.
    fn finish(&mut self) {
        self.messages = None;
        if let Some(recorder) = &self.recorder {
            recorder.finish(self.writer.stream);
        }
    }

    /// Takes the running call out of this body.
    fn take_live(&mut self) -> Option<RunningCall> {
        let messages = self.messages.take()?;
        let writer = std::mem::replace(&mut self.writer, EventWriter::spent());
        Some(RunningCall { writer, messages })
    }

    /// Hands the rest of a running call to a task that records it for a resumption.
    fn park(&mut self) {
        let Some(recorder) = self.recorder.clone() else {
            return;
        };
        let Some(live) = self.take_live() else {
            return;
        };
        let claims = match self.claims.take() {
            Some(claims) => claims,
            None => recorder
                .streams
                .attach(live.writer.stream, &recorder.session),
        };
        let storing = self.storing.take().map(|(storing, _)| storing);
        recorder.park(live, claims, storing);
    }

    /// Whether a resuming client claimed this stream; if so, the call went to it.
    fn poll_claimed(&mut self, cx: &mut Context<'_>) -> bool {
        let (Some(claims), Some(recorder)) = (self.claims.as_mut(), self.recorder.clone()) else {
            return false;
        };
        let reply = match Pin::new(claims).poll(cx) {
            Poll::Pending => return false,
            Poll::Ready(Err(_)) => {
                self.claims = None;
                return false;
            }
            Poll::Ready(Ok(reply)) => reply,
        };
        self.claims = None;
        let Some(live) = self.take_live() else {
            return false;
        };
        match recorder.hand_over(live, reply) {
            None => true,
            Some((live, claims)) => {
                self.writer = live.writer;
                self.messages = Some(live.messages);
                self.claims = Some(claims);
                false
            }
        }
    }
}

impl Stream for CallStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        // An event being stored goes out before anything else, and before the stream can be
        // handed over (its number is taken).
        if let Some((storing, last)) = this.storing.as_mut() {
            let stored = ready!(Pin::new(storing).poll(cx));
            let last = *last;
            this.storing = None;
            return this.sent(stored, last);
        }
        if this.bursts.pause(cx) {
            return Poll::Pending;
        }
        // Claimed: the resuming client's stream carries the call on; this one just ends (what
        // it had queued is recorded, and replayed there).
        if this.poll_claimed(cx) {
            return Poll::Ready(None);
        }
        if let Some(event) = this.queued.pop_front() {
            return Poll::Ready(Some(Ok(event)));
        }
        loop {
            let Some(messages) = this.messages.as_mut() else {
                return Poll::Ready(None);
            };
            let message = match messages.poll_recv(cx) {
                Poll::Ready(message) => message,
                Poll::Pending => {
                    this.bursts.idle();
                    ready!(this.keep_alive.poll_tick(cx));
                    return Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))));
                }
            };
            match message {
                Some(Outgoing::Notification(json)) => {
                    this.bursts.message();
                    return this.send(&json, false, cx);
                }
                Some(Outgoing::Response(response)) => {
                    return this.send(&response.encode(), true, cx)
                }
                Some(Outgoing::CloseStream) if this.recorder.is_some() => {
                    this.park();
                    return Poll::Ready(None);
                }
                // Not resumable: closing would lose the rest of the call, so the stream stays.
                Some(Outgoing::CloseStream) => continue,
                // The call was cancelled or its session ended; the stream just ends.
                None => {
                    this.finish();
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl Drop for CallStream {
    fn drop(&mut self) {
        // Dropped before the response: the client went away. The call goes on (a disconnect
        // is not a cancellation) and, if the stream can resume, is recorded for the client.
        self.park();
    }
}

/// The body of a resumption served from the store alone ([`EventStore::tail`]): its events
/// as they come, keep-alive comments while it waits, the end when the stream is finished. An
/// error while tailing ends the body (the client resumes again, and is told then).
///
/// [`EventStore::tail`]: crate::store::EventStore::tail
pub(crate) struct TailStream {
    tail: Option<EventTail>,
    ticker: tokio::time::Interval,
}

impl TailStream {
    pub(crate) fn new(tail: EventTail, keep_alive: Duration) -> TailStream {
        TailStream {
            tail: Some(tail),
            ticker: keep_alive_ticker(keep_alive),
        }
    }
}

impl Stream for TailStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(tail) = this.tail.as_mut() else {
            return Poll::Ready(None);
        };
        match tail.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(event))) => Poll::Ready(Some(Ok(event))),
            Poll::Ready(Some(Err(_)) | None) => {
                this.tail = None;
                Poll::Ready(None)
            }
            Poll::Pending => {
                ready!(this.ticker.poll_tick(cx));
                Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))))
            }
        }
    }
}

/// The body of a session's GET stream: priming, then the session's own messages (list
/// changes, resource updates) and keep-alive comments, until the session ends or the client
/// leaves. Dropping it frees the session's stream slot.
pub(crate) struct SessionStream {
    writer: EventWriter,
    messages: mpsc::Receiver<Bytes>,
    queued: VecDeque<Bytes>,
    recorder: Option<Recorder>,
    ended: Pin<Box<dyn Future<Output = ()> + Send>>,
    ticker: tokio::time::Interval,
    /// An event the store has not confirmed yet; it goes out first, once stored.
    storing: Option<Storing>,
}

impl SessionStream {
    /// Opens `session`'s server-initiated stream; `None` if the session already has one open.
    /// `resumed`: the events missed on the session's last one, which this one replaces.
    pub(crate) fn open(
        session: &Arc<Session>,
        resumed: Option<Vec<Bytes>>,
        priming: Option<Duration>,
        recorder: Option<Recorder>,
        keep_alive: Duration,
        draining: CancellationToken,
    ) -> Option<SessionStream> {
        let mut writer = EventWriter::new();
        let messages = session.open_stream(writer.stream, resumed.is_some())?;
        let mut queued: VecDeque<Bytes> = resumed.unwrap_or_default().into();
        queued.extend(priming.map(|retry| writer.priming(retry)));
        // The stream ends with its session, or at once when the server starts shutting down:
        // it carries no call, so there is nothing to wait for.
        let closed = session.closed().clone();
        let ended = Box::pin(async move {
            tokio::select! {
                _ = closed.cancelled() => {}
                _ = draining.cancelled() => {}
            }
        });
        Some(SessionStream {
            writer,
            messages,
            queued,
            recorder,
            ended,
            ticker: keep_alive_ticker(keep_alive),
            storing: None,
        })
    }
}

impl Stream for SessionStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(storing) = this.storing.as_mut() {
            let stored = ready!(Pin::new(storing).poll(cx));
            this.storing = None;
            // Not stored: the stream ends rather than send what a resume could not replay.
            return Poll::Ready(stored.ok().map(Ok));
        }
        if let Some(event) = this.queued.pop_front() {
            return Poll::Ready(Some(Ok(event)));
        }
        if this.ended.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        match this.messages.poll_recv(cx) {
            // A probe (`Session::probe_stream`): a keep-alive now, to find out if the client
            // is still there.
            Poll::Ready(Some(json)) if json.is_empty() => {
                return Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))));
            }
            Poll::Ready(Some(json)) => {
                let Some(recorder) = &this.recorder else {
                    return Poll::Ready(Some(Ok(this.writer.message(&json))));
                };
                let mut storing = recorder.record(&mut this.writer, &json);
                return match Pin::new(&mut storing).poll(cx) {
                    Poll::Ready(stored) => Poll::Ready(stored.ok().map(Ok)),
                    Poll::Pending => {
                        this.storing = Some(storing);
                        Poll::Pending
                    }
                };
            }
            // The session closed its end: it is over.
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        ready!(this.ticker.poll_tick(cx));
        Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))))
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

//! Where the events of resumable SSE streams are kept, so a client that lost a stream can come
//! back with `Last-Event-ID` and receive exactly what it missed (2025-11-25, "Resumability and
//! Redelivery").
//!
//! The server records every event of a session's streams through an [`EventStore`]. The
//! default, [`InMemoryEventStore`], keeps them in this process within a byte budget; implement
//! the trait over a shared store (Redis, a database) when several server instances sit behind
//! one load balancer and a client may resume on another instance.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::Notify;

use super::{StoreError, StoreFuture};

/// Storage for the events of resumable streams.
///
/// Events are identified by the session, the stream (a number unique within the process that
/// wrote it) and the event's sequence number within the stream; sequence numbers of one stream
/// are appended in increasing order. What is stored is the whole framed SSE event (`id:`,
/// `event:`, `data:` lines), so a replay sends the same bytes the first delivery did.
///
/// Every method returns a [`StoreFuture`]: an in-memory store answers at once
/// ([`StoreFuture::ready`], no allocation), a networked one with a boxed future. The runtime
/// stores an event before it sends it: [`append`](Self::append) runs once per event, and the
/// event goes out when it resolves.
///
/// A client coming back is served *replay then tail*: the runtime first takes over the live
/// part of the stream when its call still runs in this process (so nothing more is appended
/// behind its back), then [`replay`](Self::replay)s what the store has after the client's
/// event, then sends the rest live, numbered on. When no call of this process holds the
/// stream (it finished, or runs elsewhere), the store serves it alone with
/// [`tail`](Self::tail): what it has, then what is appended, until the runtime calls
/// [`finish_stream`](Self::finish_stream).
///
/// ```
/// use std::sync::Arc;
///
/// use bytes::Bytes;
/// use mcp_runtime::store::{EventStore, InMemoryEventStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryEventStore::new(1 << 20);
/// let session: Arc<str> = "session-a".into();
/// store.append(&session, 7, 1, &[Bytes::from_static(b"id: 7-1\ndata: {}\n\n")]).await.unwrap();
/// store.append(&session, 7, 2, &[Bytes::from_static(b"id: 7-2\ndata: {}\n\n")]).await.unwrap();
/// let missed = store.replay("session-a", 7, 1).await.unwrap();
/// assert_eq!(missed, vec![Bytes::from_static(b"id: 7-2\ndata: {}\n\n")]);
/// # }
/// ```
pub trait EventStore: Send + Sync + 'static {
    /// Records `events` as events `first_seq`, `first_seq + 1`, ... of `stream` in `session`
    /// (the runtime passes one at a time today; a store may be handed a batch later).
    ///
    /// The future is `'static` so a response body can hold it while it waits: a networked
    /// store copies what it needs. An error means the events were not stored; the runtime
    /// then does not send them (a client could not get them back on a resume).
    fn append(
        &self,
        session: &Arc<str>,
        stream: u64,
        first_seq: u64,
        events: &[Bytes],
    ) -> StoreFuture<'static, Result<(), StoreError>>;

    /// Marks `stream` of `session` finished: nothing more will be appended to it (its call
    /// answered, or ended without an answer). [`tail`](Self::tail)s of it end once they
    /// delivered everything. Nobody waits for it.
    fn finish_stream(
        &self,
        session: &Arc<str>,
        stream: u64,
    ) -> StoreFuture<'static, Result<(), StoreError>>;

    /// Replay then tail: the events of `stream` in `session` after event `after`, then each
    /// event appended to it later, until the stream is [finished](Self::finish_stream). The
    /// future fails as [`replay`](Self::replay) does (unknown stream, events dropped); an
    /// error while tailing ends the stream with it.
    fn tail(
        &self,
        session: &str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'static, Result<EventTail, ReplayError>>;

    /// The events of `stream` in `session` that come after event `after`, in order. An error
    /// when the store cannot give all of them: a partial replay would silently lose messages.
    fn replay<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Result<Vec<Bytes>, ReplayError>>;

    /// Drops everything stored for `session`; called when the session ends. Nobody waits for
    /// it: a store that cannot answer at once is run on a task.
    fn forget_session(&self, session: &str) -> StoreFuture<'static, ()>;
}

/// What [`EventStore::tail`] yields: the events of one stream, in order, as they are stored.
pub type EventTail = Pin<Box<dyn Stream<Item = Result<Bytes, ReplayError>> + Send>>;

/// Why the missed events of a stream cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// Nothing is stored for this stream: it never existed in this session, or all of its
    /// events were dropped.
    #[error("no events are stored for stream {0} of this session")]
    UnknownStream(u64),
    /// Some of the events after the given one were dropped to stay within the store's budget.
    #[error("events of stream {stream} after event {after} are no longer stored")]
    Evicted {
        /// The stream asked for.
        stream: u64,
        /// The last event the client had.
        after: u64,
    },
    /// The store could not be asked.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The default [`EventStore`]: events in memory, within a byte budget shared by all sessions.
/// When the budget is exceeded, the oldest events of the whole server are dropped first; a
/// client asking for dropped events gets [`ReplayError::Evicted`] rather than a partial replay.
pub struct InMemoryEventStore {
    max_bytes: usize,
    shared: Arc<Shared>,
}

struct Shared {
    logs: Mutex<Logs>,
    /// Woken on every append or finish while [`tails`](Self::tails) are waiting.
    changed: Notify,
    /// How many tails wait for events: appends wake nobody when none does.
    tails: AtomicUsize,
}

#[derive(Default)]
struct Logs {
    sessions: HashMap<Arc<str>, SessionLog>,
    /// Every stored event, oldest first: the eviction order. Entries of forgotten sessions
    /// stay until they reach the front or a compaction removes them.
    order: VecDeque<EventKey>,
    /// Bytes of the events still stored.
    bytes: usize,
    /// Number of events still stored (`order` may hold more, stale entries).
    events: usize,
}

struct EventKey {
    session: Arc<str>,
    stream: u64,
    seq: u64,
}

/// The streams of one session that still have events stored.
#[derive(Default)]
struct SessionLog {
    streams: HashMap<u64, StreamLog>,
    /// The highest stream id whose every event was dropped for the budget (0: none). Such a
    /// stream's log is removed, so a long session's memory does not grow with its streams;
    /// stream ids increase, so a missing stream at or below this mark may be one of those,
    /// and a replay of it is [`ReplayError::Evicted`] rather than an unknown stream.
    evicted_streams_through: u64,
}

#[derive(Default)]
struct StreamLog {
    events: VecDeque<(u64, Bytes)>,
    /// The highest sequence number dropped for the budget, if any was.
    evicted_through: Option<u64>,
    /// Nothing more will be appended.
    finished: bool,
}

impl InMemoryEventStore {
    /// A store holding at most `max_bytes` of events (at least one event is always kept).
    pub fn new(max_bytes: usize) -> InMemoryEventStore {
        InMemoryEventStore {
            max_bytes,
            shared: Arc::new(Shared {
                logs: Mutex::new(Logs::default()),
                changed: Notify::new(),
                tails: AtomicUsize::new(0),
            }),
        }
    }

    /// The bytes of events currently stored.
    pub fn stored_bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Logs> {
        self.shared.lock()
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Logs> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        if self.tails.load(Ordering::Acquire) > 0 {
            self.changed.notify_waiters();
        }
    }
}

impl Default for InMemoryEventStore {
    /// 16 MiB of events.
    fn default() -> Self {
        InMemoryEventStore::new(16 * 1024 * 1024)
    }
}

impl EventStore for InMemoryEventStore {
    fn append(
        &self,
        session: &Arc<str>,
        stream: u64,
        first_seq: u64,
        events: &[Bytes],
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        let mut logs = self.lock();
        for (seq, event) in (first_seq..).zip(events) {
            logs.append(session, stream, seq, event.clone(), self.max_bytes);
        }
        drop(logs);
        self.shared.changed();
        StoreFuture::ready(Ok(()))
    }

    fn finish_stream(
        &self,
        session: &Arc<str>,
        stream: u64,
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        // A stream that stored nothing has no log to mark: a tail of it finds it unknown.
        let mut logs = self.lock();
        if let Some(log) = logs
            .sessions
            .get_mut(&**session)
            .and_then(|s| s.streams.get_mut(&stream))
        {
            log.finished = true;
        }
        drop(logs);
        self.shared.changed();
        StoreFuture::ready(Ok(()))
    }

    fn tail(
        &self,
        session: &str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'static, Result<EventTail, ReplayError>> {
        // What is there is answered at once (and its errors); the rest as it comes.
        let (first, finished) = match self.lock().since(session, stream, after) {
            Ok(found) => found,
            Err(error) => return StoreFuture::ready(Err(error)),
        };
        let state = Tailing {
            shared: self.shared.clone(),
            session: session.into(),
            stream,
            after: first.last().map_or(after, |(seq, _)| *seq),
            queued: first.into_iter().map(|(_, event)| event).collect(),
            finished,
        };
        let tail = futures_util::stream::unfold(state, Tailing::next);
        StoreFuture::ready(Ok(Box::pin(tail)))
    }

    fn replay<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Result<Vec<Bytes>, ReplayError>> {
        StoreFuture::ready(self.replay_now(session, stream, after))
    }

    fn forget_session(&self, session: &str) -> StoreFuture<'static, ()> {
        let mut logs = self.lock();
        if let Some(session_log) = logs.sessions.remove(session) {
            for log in session_log.streams.values() {
                logs.events -= log.events.len();
                logs.bytes -= log.events.iter().map(|(_, e)| e.len()).sum::<usize>();
            }
        }
        logs.compact();
        drop(logs);
        self.shared.changed();
        StoreFuture::ready(())
    }
}

impl Logs {
    fn append(
        &mut self,
        session: &Arc<str>,
        stream: u64,
        seq: u64,
        event: Bytes,
        max_bytes: usize,
    ) {
        let logs = self;
        let logs = &mut *logs;
        let session = session.clone();
        logs.bytes += event.len();
        logs.events += 1;
        let session_log = logs.sessions.entry(session.clone()).or_default();
        let evicted_streams = session_log.evicted_streams_through;
        session_log
            .streams
            .entry(stream)
            .or_insert_with(|| StreamLog {
                // The stream may be one whose earlier events were all dropped (and its log
                // with them): what came before this event cannot be replayed.
                evicted_through: (stream <= evicted_streams).then(|| seq.saturating_sub(1)),
                ..StreamLog::default()
            })
            .events
            .push_back((seq, event));
        logs.order.push_back(EventKey {
            session,
            stream,
            seq,
        });
        while logs.bytes > max_bytes && logs.events > 1 {
            logs.evict_oldest();
        }
        logs.compact();
    }
}

impl InMemoryEventStore {
    fn replay_now(
        &self,
        session: &str,
        stream: u64,
        after: u64,
    ) -> Result<Vec<Bytes>, ReplayError> {
        let (events, _) = self.lock().since(session, stream, after)?;
        Ok(events.into_iter().map(|(_, event)| event).collect())
    }
}

/// A tail between two events: what it has yet to deliver, and where it stands.
struct Tailing {
    shared: Arc<Shared>,
    session: Arc<str>,
    stream: u64,
    after: u64,
    queued: VecDeque<Bytes>,
    finished: bool,
}

impl Tailing {
    async fn next(mut self) -> Option<(Result<Bytes, ReplayError>, Tailing)> {
        loop {
            if let Some(event) = self.queued.pop_front() {
                return Some((Ok(event), self));
            }
            if self.finished {
                return None;
            }
            self.shared.tails.fetch_add(1, Ordering::AcqRel);
            let waited = self.wait().await;
            self.shared.tails.fetch_sub(1, Ordering::AcqRel);
            if let Err(error) = waited {
                self.finished = true;
                return Some((Err(error), self));
            }
        }
    }

    /// Waits until the stream has events after `after`, or is finished.
    async fn wait(&mut self) -> Result<(), ReplayError> {
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            // Registered before looking: an append between the look and the wait wakes it.
            changed.as_mut().enable();
            let (events, finished) =
                self.shared
                    .lock()
                    .since(&self.session, self.stream, self.after)?;
            if let Some((seq, _)) = events.last() {
                self.after = *seq;
            }
            self.queued
                .extend(events.into_iter().map(|(_, event)| event));
            self.finished = finished;
            if finished || !self.queued.is_empty() {
                return Ok(());
            }
            changed.await;
        }
    }
}

impl Logs {
    /// The events of `stream` in `session` after `after`, with their numbers, and whether
    /// the stream is finished.
    #[allow(clippy::type_complexity)]
    fn since(
        &self,
        session: &str,
        stream: u64,
        after: u64,
    ) -> Result<(Vec<(u64, Bytes)>, bool), ReplayError> {
        let session_log = self
            .sessions
            .get(session)
            .ok_or(ReplayError::UnknownStream(stream))?;
        let Some(log) = session_log.streams.get(&stream) else {
            return Err(if stream <= session_log.evicted_streams_through {
                ReplayError::Evicted { stream, after }
            } else {
                ReplayError::UnknownStream(stream)
            });
        };
        if log.evicted_through.is_some_and(|gone| gone > after) {
            return Err(ReplayError::Evicted { stream, after });
        }
        let events = log
            .events
            .iter()
            .filter(|(seq, _)| *seq > after)
            .cloned()
            .collect();
        Ok((events, log.finished))
    }
}

impl Logs {
    fn evict_oldest(&mut self) {
        while let Some(key) = self.order.pop_front() {
            let Some(session_log) = self.sessions.get_mut(&key.session) else {
                continue; // the session was forgotten
            };
            let Some(log) = session_log.streams.get_mut(&key.stream) else {
                continue;
            };
            match log.events.front() {
                Some((seq, _)) if *seq == key.seq => {}
                _ => continue,
            }
            let (seq, event) = log.events.pop_front().expect("front exists");
            log.evicted_through = Some(seq);
            self.bytes -= event.len();
            self.events -= 1;
            if log.events.is_empty() {
                session_log.streams.remove(&key.stream);
                session_log.evicted_streams_through =
                    session_log.evicted_streams_through.max(key.stream);
            }
            return;
        }
    }

    /// Drops stale entries from the eviction order once they outnumber live ones, so the
    /// order's memory stays proportional to what is stored.
    fn compact(&mut self) {
        if self.order.len() <= 2 * self.events + 1024 {
            return;
        }
        let sessions = &self.sessions;
        self.order.retain(|key| {
            sessions
                .get(&key.session)
                .and_then(|session_log| session_log.streams.get(&key.stream))
                .and_then(|log| log.events.front())
                .is_some_and(|(front, _)| key.seq >= *front)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(store: &InMemoryEventStore, session: &str, stream: u64, seq: u64, event: Bytes) {
        let session: Arc<str> = session.into();
        let stored = store.append(&session, stream, seq, &[event]).into_ready();
        assert!(matches!(stored, Ok(Ok(()))));
    }

    fn forget(store: &InMemoryEventStore, session: &str) {
        assert!(store.forget_session(session).into_ready().is_ok());
    }

    fn event(stream: u64, seq: u64) -> Bytes {
        Bytes::from(format!("id: {stream}-{seq}\ndata: x\n\n"))
    }

    /// Replay then tail: what was stored after the id at once, then each new event as it is
    /// appended, to the end of the stream; an error at once for what cannot be replayed.
    #[tokio::test]
    async fn a_tail_replays_then_follows_the_stream_to_its_end() {
        use futures_util::StreamExt;

        let store = Arc::new(InMemoryEventStore::new(1 << 20));
        let session: Arc<str> = "a".into();
        add(&store, "a", 1, 1, event(1, 1));
        add(&store, "a", 1, 2, event(1, 2));
        add(&store, "a", 2, 1, event(2, 1));
        let mut tail = store.tail("a", 1, 1).await.unwrap();
        assert_eq!(tail.next().await.unwrap().unwrap(), event(1, 2));
        let writer = {
            let (store, session) = (store.clone(), session.clone());
            tokio::spawn(async move {
                for seq in 3..=5 {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    store
                        .append(&session, 1, seq, &[event(1, seq)])
                        .await
                        .unwrap();
                    // Another stream's events are not this tail's.
                    store
                        .append(&session, 2, seq, &[event(2, seq)])
                        .await
                        .unwrap();
                }
                store.finish_stream(&session, 1).await.unwrap();
            })
        };
        let rest: Vec<Bytes> = tail.map(|e| e.unwrap()).collect().await;
        assert_eq!(rest, vec![event(1, 3), event(1, 4), event(1, 5)]);
        writer.await.unwrap();
        assert_eq!(store.shared.tails.load(Ordering::Relaxed), 0);
        // A finished stream's tail is its replay.
        let all: Vec<Bytes> = store
            .tail("a", 1, 0)
            .await
            .unwrap()
            .map(|e| e.unwrap())
            .collect()
            .await;
        assert_eq!(all.len(), 5);
        assert!(matches!(
            store.tail("a", 9, 0).await,
            Err(ReplayError::UnknownStream(9))
        ));
        // A tail whose session is forgotten ends with an error rather than wait forever.
        let mut waiting = store.tail("a", 2, 5).await.unwrap();
        forget(&store, "a");
        assert_eq!(
            waiting.next().await.unwrap(),
            Err(ReplayError::UnknownStream(2))
        );
        assert!(waiting.next().await.is_none());
    }

    #[test]
    fn replays_only_the_missed_events_of_one_stream() {
        let store = InMemoryEventStore::new(1 << 20);
        for seq in 1..=3 {
            add(&store, "a", 1, seq, event(1, seq));
            add(&store, "a", 2, seq, event(2, seq));
            add(&store, "b", 1, seq, event(1, seq));
        }
        assert_eq!(
            store.replay_now("a", 1, 1).unwrap(),
            vec![event(1, 2), event(1, 3)]
        );
        assert_eq!(store.replay_now("a", 2, 3).unwrap(), Vec::<Bytes>::new());
        assert_eq!(
            store.replay_now("a", 3, 0),
            Err(ReplayError::UnknownStream(3))
        );
        assert_eq!(
            store.replay_now("c", 1, 0),
            Err(ReplayError::UnknownStream(1))
        );
    }

    #[test]
    fn the_budget_drops_the_oldest_events_and_replays_say_so() {
        let one = event(1, 1).len();
        let store = InMemoryEventStore::new(3 * one);
        for seq in 1..=5 {
            add(&store, "a", 1, seq, event(1, seq));
        }
        assert!(store.stored_bytes() <= 3 * one);
        // Events 1 and 2 are gone: a client that saw only event 1 cannot be served whole.
        assert_eq!(
            store.replay_now("a", 1, 1),
            Err(ReplayError::Evicted {
                stream: 1,
                after: 1
            })
        );
        // One that saw event 2 misses nothing that was dropped.
        assert_eq!(
            store.replay_now("a", 1, 2).unwrap(),
            vec![event(1, 3), event(1, 4), event(1, 5)]
        );
    }

    #[test]
    fn forgetting_a_session_frees_its_bytes_and_keeps_the_others() {
        let store = InMemoryEventStore::new(1 << 20);
        add(&store, "a", 1, 1, event(1, 1));
        add(&store, "b", 2, 1, event(2, 1));
        forget(&store, "a");
        assert_eq!(store.stored_bytes(), event(2, 1).len());
        assert_eq!(
            store.replay_now("a", 1, 0),
            Err(ReplayError::UnknownStream(1))
        );
        assert_eq!(store.replay_now("b", 2, 0).unwrap(), vec![event(2, 1)]);
    }

    /// A long session whose streams' events are all evicted in turn keeps no entry per stream,
    /// and a client asking for an evicted stream is told its events are gone.
    #[test]
    fn streams_whose_events_were_all_evicted_leave_nothing_behind() {
        let one = event(1, 1).len();
        let store = InMemoryEventStore::new(4 * one);
        for stream in 1..=10_000u64 {
            add(&store, "a", stream, 1, event(stream, 1));
            add(&store, "a", stream, 2, event(stream, 2));
        }
        {
            let logs = store.lock();
            let streams = logs.sessions["a"].streams.len();
            assert!(streams <= 3, "{streams} stream logs kept for 4 events");
            assert!(logs.order.len() <= 2 * logs.events + 1024 + 1);
        }
        assert_eq!(
            store.replay_now("a", 17, 1),
            Err(ReplayError::Evicted {
                stream: 17,
                after: 1
            })
        );
        assert_eq!(
            store.replay_now("a", 10_000, 1).unwrap(),
            vec![event(10_000, 2)]
        );
        assert_eq!(
            store.replay_now("a", 10_001, 0),
            Err(ReplayError::UnknownStream(10_001))
        );
        // A stream whose early events were all dropped and that records again cannot replay
        // from before the drop.
        add(&store, "a", 17, 9, event(17, 9));
        assert_eq!(
            store.replay_now("a", 17, 1),
            Err(ReplayError::Evicted {
                stream: 17,
                after: 1
            })
        );
        assert_eq!(store.replay_now("a", 17, 8).unwrap(), vec![event(17, 9)]);
    }

    #[test]
    fn stale_order_entries_do_not_accumulate() {
        let store = InMemoryEventStore::new(1 << 30);
        for n in 0..10_000u64 {
            let session = format!("s{n}");
            add(&store, &session, n, 1, event(n, 1));
            forget(&store, &session);
        }
        let logs = store.lock();
        assert_eq!(logs.events, 0);
        assert!(logs.order.len() <= 1024 + 1, "{}", logs.order.len());
    }
}

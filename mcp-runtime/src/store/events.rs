//! Where the events of resumable SSE streams are kept, so a client that lost a stream can come
//! back with `Last-Event-ID` and receive exactly what it missed (2025-11-25, "Resumability and
//! Redelivery").
//!
//! The server records every event of a session's streams through an [`EventStore`]. The
//! default, [`InMemoryEventStore`], keeps them in this process within a byte budget; implement
//! the trait over a shared store (Redis, a database) when several server instances sit behind
//! one load balancer and a client may resume on another instance.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

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
/// event, then sends the rest live, numbered on.
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
    inner: Mutex<Logs>,
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
}

impl InMemoryEventStore {
    /// A store holding at most `max_bytes` of events (at least one event is always kept).
    pub fn new(max_bytes: usize) -> InMemoryEventStore {
        InMemoryEventStore {
            max_bytes,
            inner: Mutex::new(Logs::default()),
        }
    }

    /// The bytes of events currently stored.
    pub fn stored_bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Logs> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
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
        StoreFuture::ready(Ok(()))
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
        let logs = self.lock();
        let session_log = logs
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
        Ok(log
            .events
            .iter()
            .filter(|(seq, _)| *seq > after)
            .map(|(_, event)| event.clone())
            .collect())
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

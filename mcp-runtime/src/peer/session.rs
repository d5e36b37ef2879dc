//! 2025-era sessions: what `initialize` agreed on, the per-session log level, the calls in
//! flight (so `notifications/cancelled` can reach them), and the store that bounds them.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::protocol::{
    Implementation, LoggingLevel, ProtocolVersion, RequestId, Response, RpcError,
};
use crate::store::{self, EventStore, SessionRecord, StoreError, StoreFuture};

/// Where the answer to a server→client request goes: the tool waiting for it.
pub(crate) type PendingReply = oneshot::Sender<Result<Value, RpcError>>;

const LEVEL_UNSET: u8 = u8::MAX;

/// How many server-initiated stream ids a session remembers for resumption.
const RECENT_STREAMS: usize = 16;

/// How many session-level messages may wait for a slow server-initiated stream.
const SESSION_STREAM_CAPACITY: usize = 64;

/// One client's session, created by `initialize`.
pub struct Session {
    id: Arc<str>,
    protocol_version: ProtocolVersion,
    client_info: Implementation,
    client_capabilities: Value,
    log_level: AtomicU8,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    last_active_ms: AtomicU64,
    /// The session's server-initiated stream (the GET stream over HTTP), when one is open:
    /// where messages that belong to no request go (list changes, resource updates).
    stream: Mutex<Option<mpsc::Sender<Bytes>>>,
    /// The transport's ids of the last few server-initiated streams, oldest first, so a
    /// client resuming one is recognised even when it resumes again (a retry whose first
    /// resumption it never saw).
    recent_streams: Mutex<VecDeque<u64>>,
    /// Fires when the session ends (DELETE, expiry): open streams close, calls are cancelled.
    closed: CancellationToken,
    /// The resource URIs the client subscribed to (`resources/subscribe`).
    subscriptions: Mutex<HashSet<String>>,
    /// Server→client requests awaiting the client's response, by the id the server gave them.
    pending: Mutex<HashMap<RequestId, PendingReply>>,
    /// The next server→client request id (`s-<n>`, so it never looks like a client's id).
    next_request: AtomicU64,
    /// The subject that opened the session, when the transport authenticates.
    owner: OnceLock<String>,
    /// The address of the client that opened the session, when the transport knows it.
    peer: OnceLock<IpAddr>,
    /// When `initialize` opened the session (see `now_ms`).
    opened_ms: u64,
    /// Whether the client sent a request beyond `initialize`: a session never used expires
    /// sooner than an idle one.
    used: AtomicBool,
    /// Where the session's record is kept, once it was stored, and for how long untouched.
    records: OnceLock<(Arc<dyn store::SessionStore>, Duration)>,
    /// When the record was last created or touched (see `now_ms`).
    stored_ms: AtomicU64,
}

impl Session {
    pub(crate) fn new(
        protocol_version: ProtocolVersion,
        client_info: Implementation,
        client_capabilities: Value,
    ) -> Session {
        Session {
            id: new_session_id().into(),
            protocol_version,
            client_info,
            client_capabilities,
            log_level: AtomicU8::new(LEVEL_UNSET),
            in_flight: Mutex::new(HashMap::new()),
            last_active_ms: AtomicU64::new(now_ms()),
            stream: Mutex::new(None),
            recent_streams: Mutex::new(VecDeque::new()),
            closed: CancellationToken::new(),
            subscriptions: Mutex::new(HashSet::new()),
            pending: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
            owner: OnceLock::new(),
            peer: OnceLock::new(),
            opened_ms: now_ms(),
            used: AtomicBool::new(false),
            records: OnceLock::new(),
            stored_ms: AtomicU64::new(now_ms()),
        }
    }

    /// What a replica needs to serve this session (see [`SessionRecord`]).
    pub(crate) fn record(&self) -> SessionRecord {
        SessionRecord {
            id: self.id.to_string(),
            protocol_version: self.protocol_version.as_str().to_owned(),
            client_info: self.client_info.clone(),
            client_capabilities: self.client_capabilities.clone(),
            owner: self.owner.get().cloned(),
            log_level: self.log_level(),
        }
    }

    /// Keeps this session's record in `records`, and there from now on; resolves once stored.
    pub(crate) fn store_in(
        &self,
        records: Arc<dyn store::SessionStore>,
        ttl: Duration,
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        let created = records.create(self.record(), ttl);
        let _ = self.records.set((records, ttl));
        self.stored_ms.store(now_ms(), Ordering::Relaxed);
        created
    }

    /// Records the subject that opened the session; only it may use the session from now on.
    pub(crate) fn set_owner(&self, subject: &str) {
        let _ = self.owner.set(subject.to_owned());
    }

    /// Records the address of the client that opened the session.
    pub(crate) fn set_peer(&self, peer: IpAddr) {
        let _ = self.peer.set(peer);
    }

    /// Marks the session used: the client sent a request in it.
    pub(crate) fn mark_used(&self) {
        self.used.store(true, Ordering::Relaxed);
    }

    /// Whether a caller authenticated as `subject` (`None`: unauthenticated) may use the
    /// session: anyone when it has no owner, else its owner only.
    pub(crate) fn is_usable_by(&self, subject: Option<&str>) -> bool {
        self.owner
            .get()
            .is_none_or(|owner| Some(owner.as_str()) == subject)
    }

    /// The session id (`Mcp-Session-Id`): 128 random bits, hex-encoded.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn shared_id(&self) -> Arc<str> {
        self.id.clone()
    }

    /// The negotiated protocol revision.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    /// The client's `clientInfo`.
    pub fn client_info(&self) -> &Implementation {
        &self.client_info
    }

    /// The client's declared capabilities, as sent.
    pub fn client_capabilities(&self) -> &Value {
        &self.client_capabilities
    }

    /// The level set by `logging/setLevel`; `None` (everything) until the client sets one.
    pub fn log_level(&self) -> Option<LoggingLevel> {
        LoggingLevel::from_u8(self.log_level.load(Ordering::Relaxed))
    }

    /// Whether the client subscribed to updates of `uri` (`resources/subscribe`).
    pub(crate) fn is_subscribed(&self, uri: &str) -> bool {
        self.subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(uri)
    }

    pub(crate) fn subscribe(&self, uri: String) {
        self.subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uri);
    }

    pub(crate) fn unsubscribe(&self, uri: &str) {
        self.subscriptions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uri);
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(level as u8, Ordering::Relaxed);
        if let Some((records, _)) = self.records.get() {
            store::detach(records.update(self.record()));
        }
    }

    /// Registers a call, if its id is free and the session runs fewer than `limit` calls.
    pub(crate) fn begin_call(
        &self,
        id: &RequestId,
        token: CancellationToken,
        limit: usize,
    ) -> Result<(), CallRefused> {
        let mut calls = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if calls.contains_key(id) {
            return Err(CallRefused::IdInUse);
        }
        if calls.len() >= limit {
            return Err(CallRefused::TooMany(limit));
        }
        calls.insert(id.clone(), token);
        Ok(())
    }

    pub(crate) fn end_call(&self, id: &RequestId) {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Cancels a running call; unknown or finished ids are ignored, as the spec allows.
    pub(crate) fn cancel_call(&self, id: &RequestId) {
        if let Some(token) = self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
        {
            token.cancel();
        }
    }

    /// Opens the session's single server-initiated stream, `id` being the transport's name for
    /// it: what [`notify`](Self::notify) sends arrives on the receiver. `None` if one is open,
    /// unless `take_over`: then the open one ends and this one replaces it (a client resuming
    /// its stream before the server noticed the old connection died).
    pub(crate) fn open_stream(&self, id: u64, take_over: bool) -> Option<mpsc::Receiver<Bytes>> {
        let mut stream = self.stream.lock().unwrap_or_else(|e| e.into_inner());
        if !take_over && stream.as_ref().is_some_and(|s| !s.is_closed()) {
            return None;
        }
        let (sender, receiver) = mpsc::channel(SESSION_STREAM_CAPACITY);
        *stream = Some(sender);
        if id != 0 {
            let mut recent = self
                .recent_streams
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if recent.len() == RECENT_STREAMS {
                recent.pop_front();
            }
            recent.push_back(id);
        }
        Some(receiver)
    }

    /// Makes `out`, a connection that carries every message of the session one after another
    /// (stdio, the legacy HTTP+SSE stream), the session's server-initiated stream too.
    pub(crate) fn stream_into(&self, out: mpsc::Sender<Vec<u8>>) {
        let Some(mut messages) = self.open_stream(0, false) else {
            return;
        };
        tokio::spawn(async move {
            while let Some(message) = messages.recv().await {
                if message.is_empty() {
                    continue; // a probe of the stream (see `probe_stream`): nothing to carry
                }
                if out.send(message.to_vec()).await.is_err() {
                    return;
                }
            }
        });
    }

    /// Whether `id` names one of the last server-initiated streams opened in this session.
    pub(crate) fn was_stream(&self, id: u64) -> bool {
        id != 0
            && self
                .recent_streams
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&id)
    }

    /// The server-initiated streams opened after stream `id`, oldest first: a client resuming
    /// `id` missed their messages too.
    pub(crate) fn streams_after(&self, id: u64) -> Vec<u64> {
        let recent = self
            .recent_streams
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        recent.iter().copied().filter(|&later| later > id).collect()
    }

    /// Asks the open server-initiated stream, if any, to write a keep-alive now (an empty
    /// message): a stream whose client left is noticed at its next writes, and then closes.
    pub(crate) fn probe_stream(&self) {
        self.notify(Bytes::new());
    }

    pub(crate) fn stream_open(&self) -> bool {
        self.stream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|s| !s.is_closed())
    }

    /// Sends an encoded message that belongs to no request (a list change, a resource update)
    /// on the session's server-initiated stream. `false` when none is open, or it is so far
    /// behind that the message was dropped: such messages say "look again", so a client that
    /// missed one catches up at its next list or read.
    pub(crate) fn notify(&self, message: Bytes) -> bool {
        let stream = self.stream.lock().unwrap_or_else(|e| e.into_inner());
        stream.as_ref().is_some_and(|s| s.try_send(message).is_ok())
    }

    fn calls_in_flight(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub(crate) fn touch(&self) {
        let now = now_ms();
        self.last_active_ms.store(now, Ordering::Relaxed);
        // The stored record is kept alive too, a few times per TTL at most: a networked
        // store is not asked on every request.
        if let Some((records, ttl)) = self.records.get() {
            let every = (ttl.as_millis() as u64 / 4).max(1_000);
            let stored = self.stored_ms.load(Ordering::Relaxed);
            if now.saturating_sub(stored) >= every
                && self
                    .stored_ms
                    .compare_exchange(stored, now, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                store::detach(records.touch(&self.id, *ttl));
            }
        }
    }

    fn idle_for(&self, now: u64) -> Duration {
        Duration::from_millis(now.saturating_sub(self.last_active_ms.load(Ordering::Relaxed)))
    }

    /// Ends the session: cancels its calls, closes its streams and fails every server→client
    /// request still waiting for an answer.
    pub(crate) fn close(&self) {
        self.closed.cancel();
        self.stream.lock().unwrap_or_else(|e| e.into_inner()).take();
        let calls = std::mem::take(&mut *self.in_flight.lock().unwrap_or_else(|e| e.into_inner()));
        for token in calls.into_values() {
            token.cancel();
        }
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Registers a server→client request: a fresh id, and the receiver its response will reach.
    /// `None` once the session is closed.
    pub(crate) fn begin_client_request(
        &self,
    ) -> Option<(RequestId, oneshot::Receiver<Result<Value, RpcError>>)> {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        let id = RequestId::String(format!("s-{n}").into());
        let (tx, rx) = oneshot::channel();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.is_cancelled() {
            return None;
        }
        pending.insert(id.clone(), tx);
        Some((id, rx))
    }

    /// Forgets a server→client request whose waiter gave up (cancelled, timed out).
    pub(crate) fn end_client_request(&self, id: &RequestId) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Hands a client's response to the request waiting for it; `false` (and nothing happens)
    /// for an id the session is not waiting on.
    pub(crate) fn resolve_client_request(&self, response: Response) -> bool {
        let Some(id) = response.id else {
            return false;
        };
        let waiter = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        match waiter {
            Some(waiter) => {
                let _ = waiter.send(response.outcome);
                true
            }
            None => false,
        }
    }

    /// Completes when the session ends.
    pub(crate) fn closed(&self) -> &CancellationToken {
        &self.closed
    }
}

/// Why a session did not start a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CallRefused {
    /// Request ids must be unique among a session's running calls.
    #[error("the request id is already in use by a running call")]
    IdInUse,
    /// The session runs its maximum of calls.
    #[error("this session already runs {0} tool calls, the most it may; retry when one finishes")]
    TooMany(usize),
}

/// Every live session of one server, bounded in count (in all and per client address) and in
/// idle time.
pub(crate) struct LiveSessions {
    sessions: RwLock<Held>,
    idle_timeout: Duration,
    /// How long a session that was never used (no request after `initialize`) is kept.
    unused_timeout: Duration,
    max_sessions: usize,
    max_per_address: usize,
    last_sweep_ms: AtomicU64,
    /// Where the sessions' stream events are kept; told when a session ends.
    events: Option<Arc<dyn EventStore>>,
}

/// The sessions by id, and how many each client address holds: counted as sessions come and
/// go, so admitting one never walks them all.
#[derive(Default)]
struct Held {
    by_id: HashMap<Arc<str>, Arc<Session>>,
    per_address: HashMap<IpAddr, usize>,
}

impl Held {
    fn len(&self) -> usize {
        self.by_id.len()
    }

    fn held_by(&self, peer: Option<IpAddr>) -> usize {
        peer.and_then(|peer| self.per_address.get(&peer).copied())
            .unwrap_or(0)
    }

    fn add(&mut self, session: Arc<Session>) {
        if let Some(peer) = session.peer.get() {
            *self.per_address.entry(*peer).or_default() += 1;
        }
        self.by_id.insert(session.shared_id(), session);
    }

    fn uncount(&mut self, session: &Session) {
        if let Some(peer) = session.peer.get() {
            if let Some(count) = self.per_address.get_mut(peer) {
                *count -= 1;
                if *count == 0 {
                    self.per_address.remove(peer);
                }
            }
        }
    }

    fn take(&mut self, id: &str) -> Option<Arc<Session>> {
        let session = self.by_id.remove(id)?;
        self.uncount(&session);
        Some(session)
    }

    /// Keeps the sessions `keep` says to; the others are handed to `ended`.
    fn retain(&mut self, mut keep: impl FnMut(&Session) -> bool, mut ended: impl FnMut(&Session)) {
        let mut gone = Vec::new();
        self.by_id.retain(|_, session| {
            let kept = keep(session);
            if !kept {
                gone.push(session.clone());
            }
            kept
        });
        for session in gone {
            self.uncount(&session);
            ended(&session);
        }
    }
}

/// `initialize` was refused because the server already holds its maximum of sessions.
#[derive(Debug, thiserror::Error)]
#[error("too many sessions: this server holds at most {0}; retry later")]
pub(crate) struct TooManySessions(pub usize);

/// `initialize` was refused because the client's address already holds its maximum of
/// sessions.
#[derive(Debug, thiserror::Error)]
#[error("too many sessions from this client address: at most {0} at once; end unused ones (DELETE) or retry later")]
pub(crate) struct TooManyFromAddress(pub usize);

/// Why a session was not added to the store.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionRefused {
    #[error(transparent)]
    Total(#[from] TooManySessions),
    #[error(transparent)]
    PerAddress(#[from] TooManyFromAddress),
}

impl LiveSessions {
    pub(crate) fn new(idle_timeout: Duration, max_sessions: usize) -> LiveSessions {
        LiveSessions {
            sessions: RwLock::new(Held::default()),
            idle_timeout,
            unused_timeout: idle_timeout,
            max_sessions,
            max_per_address: max_sessions,
            last_sweep_ms: AtomicU64::new(now_ms()),
            events: None,
        }
    }

    /// Drops sessions never used after `timeout` (sooner than the idle timeout, when shorter),
    /// and holds at most `max_per_address` sessions opened from one client address.
    pub(crate) fn with_admission(mut self, timeout: Duration, max_per_address: usize) -> Self {
        self.unused_timeout = timeout.min(self.idle_timeout);
        self.max_per_address = max_per_address;
        self
    }

    /// Forget a session's stored events when it ends.
    pub(crate) fn with_events(mut self, events: Option<Arc<dyn EventStore>>) -> LiveSessions {
        self.events = events;
        self
    }

    fn end(&self, session: &Session) {
        session.close();
        if let Some(events) = &self.events {
            store::detach(events.forget_session(session.id()));
        }
        if let Some((records, _)) = session.records.get() {
            store::detach(records.remove(session.id()));
        }
    }

    /// Looks a session up and marks it active.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self
            .sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .get(id)
            .cloned()?;
        session.touch();
        Some(session)
    }

    /// Adds a session. Idle and never-used sessions are swept here, so memory stays bounded
    /// without a background task: the store only grows through this call.
    pub(crate) fn insert(&self, session: Arc<Session>) -> Result<(), SessionRefused> {
        let now = now_ms();
        // The unused timeout is the shorter one (see `with_admission`).
        let sweep_every = (self.unused_timeout.as_millis() as u64 / 4).max(1_000);
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        let peer = session.peer.get().copied();
        let due = now.saturating_sub(self.last_sweep_ms.load(Ordering::Relaxed)) >= sweep_every;
        if due
            || sessions.len() >= self.max_sessions
            || sessions.held_by(peer) >= self.max_per_address
        {
            self.last_sweep_ms.store(now, Ordering::Relaxed);
            sessions.retain(
                |s| {
                    let expired = s.idle_for(now) >= self.idle_timeout
                        || (!s.used.load(Ordering::Relaxed)
                            && Duration::from_millis(now.saturating_sub(s.opened_ms))
                                >= self.unused_timeout);
                    !expired || s.calls_in_flight() > 0 || s.stream_open()
                },
                |s| self.end(s),
            );
        }
        if sessions.len() >= self.max_sessions {
            return Err(TooManySessions(self.max_sessions).into());
        }
        if sessions.held_by(peer) >= self.max_per_address {
            return Err(TooManyFromAddress(self.max_per_address).into());
        }
        sessions.add(session);
        Ok(())
    }

    /// Removes and closes a session; `false` if there was none.
    pub(crate) fn remove(&self, id: &str) -> bool {
        let removed = self
            .sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take(id);
        match removed {
            Some(session) => {
                self.end(&session);
                true
            }
            None => false,
        }
    }

    /// How many tool calls run across all sessions.
    pub(crate) fn calls_in_flight(&self) -> usize {
        let sessions = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        sessions.by_id.values().map(|s| s.calls_in_flight()).sum()
    }

    /// Closes every session (at the end of a graceful shutdown): their calls are cancelled and
    /// their streams end.
    pub(crate) fn close_all(&self) {
        let sessions =
            std::mem::take(&mut *self.sessions.write().unwrap_or_else(|e| e.into_inner()));
        for session in sessions.by_id.into_values() {
            self.end(&session);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.sessions.read().unwrap().len()
    }
}

fn now_ms() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_millis() as u64
}

pub(crate) fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    let mut id = String::with_capacity(32);
    for b in bytes {
        use std::fmt::Write;
        let _ = write!(id, "{b:02x}");
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Arc<Session> {
        Arc::new(Session::new(
            ProtocolVersion::LATEST,
            Implementation::new("t", "1"),
            Value::Null,
        ))
    }

    #[test]
    fn ids_are_random_visible_ascii() {
        let a = session();
        let b = session();
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 32);
        assert!(a.id().bytes().all(|c| (0x21..=0x7e).contains(&c)));
    }

    #[test]
    fn store_is_bounded_and_sweeps_idle_sessions() {
        let store = LiveSessions::new(Duration::from_millis(0), 2);
        store.insert(session()).unwrap();
        store.insert(session()).unwrap();
        // Both are idle (timeout 0), so the third insert sweeps them instead of failing.
        store.insert(session()).unwrap();
        assert_eq!(store.len(), 1);

        let busy = LiveSessions::new(Duration::from_secs(3600), 1);
        busy.insert(session()).unwrap();
        assert!(busy.insert(session()).is_err());
    }

    #[test]
    fn each_address_is_counted_as_sessions_come_and_go() {
        let store = LiveSessions::new(Duration::from_secs(3600), 100)
            .with_admission(Duration::from_secs(3600), 2);
        let from = |ip: [u8; 4]| {
            let s = session();
            s.set_peer(IpAddr::from(ip));
            s
        };
        let first = from([10, 0, 0, 1]);
        store.insert(first.clone()).unwrap();
        store.insert(from([10, 0, 0, 1])).unwrap();
        assert!(matches!(
            store.insert(from([10, 0, 0, 1])),
            Err(SessionRefused::PerAddress(_))
        ));
        // Another address, and a session without one, are not held back.
        store.insert(from([10, 0, 0, 2])).unwrap();
        store.insert(session()).unwrap();
        // Ending one of the two makes room for exactly one more.
        assert!(store.remove(first.id()));
        store.insert(from([10, 0, 0, 1])).unwrap();
        assert!(store.insert(from([10, 0, 0, 1])).is_err());
        store.close_all();
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn sessions_with_running_calls_are_not_swept() {
        let store = LiveSessions::new(Duration::from_millis(0), 1);
        let s = session();
        assert!(s
            .begin_call(&RequestId::Number(1), CancellationToken::new(), 8)
            .is_ok());
        store.insert(s.clone()).unwrap();
        assert!(store.insert(session()).is_err());
        s.end_call(&RequestId::Number(1));
        store.insert(session()).unwrap();
    }

    #[test]
    fn cancel_reaches_the_call_and_close_cancels_everything() {
        let s = session();
        let one = CancellationToken::new();
        let two = CancellationToken::new();
        assert!(s.begin_call(&RequestId::Number(1), one.clone(), 2).is_ok());
        assert_eq!(
            s.begin_call(&RequestId::Number(1), CancellationToken::new(), 2),
            Err(CallRefused::IdInUse)
        );
        assert!(s
            .begin_call(&RequestId::String("x".into()), two.clone(), 2)
            .is_ok());
        assert_eq!(
            s.begin_call(&RequestId::Number(3), CancellationToken::new(), 2),
            Err(CallRefused::TooMany(2))
        );
        s.cancel_call(&RequestId::Number(1));
        assert!(one.is_cancelled() && !two.is_cancelled());
        s.cancel_call(&RequestId::Number(99));
        s.close();
        assert!(two.is_cancelled() && s.closed().is_cancelled());
    }

    #[tokio::test]
    async fn one_server_initiated_stream_carries_the_session_messages() {
        let s = session();
        assert!(!s.notify(Bytes::from_static(b"lost")), "no stream open yet");
        let mut first = s.open_stream(1, false).expect("the slot is free");
        assert!(s.open_stream(2, false).is_none(), "one stream per session");
        assert!(s.notify(Bytes::from_static(b"a")));
        assert_eq!(first.recv().await.unwrap(), "a");
        // Resuming takes the slot over; the old stream ends.
        let mut second = s.open_stream(3, true).expect("taken over");
        assert!(first.recv().await.is_none());
        assert!(s.was_stream(3) && s.was_stream(1) && !s.was_stream(2));
        assert_eq!(s.streams_after(1), [3]);
        assert!(s.notify(Bytes::from_static(b"b")));
        assert_eq!(second.recv().await.unwrap(), "b");
        // A stream that falls behind loses messages rather than holding memory.
        let sent = (0..1000)
            .filter(|_| s.notify(Bytes::from_static(b"n")))
            .count();
        assert_eq!(sent, SESSION_STREAM_CAPACITY);
        drop(second);
        assert!(
            s.open_stream(4, false).is_some(),
            "a dropped stream frees the slot"
        );
        s.close();
        assert!(!s.notify(Bytes::from_static(b"x")));
    }

    #[test]
    fn log_level_starts_unset() {
        let s = session();
        assert_eq!(s.log_level(), None);
        s.set_log_level(LoggingLevel::Warning);
        assert_eq!(s.log_level(), Some(LoggingLevel::Warning));
    }
}

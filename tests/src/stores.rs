//! Stores that behave like a networked one: each wraps an in-memory store and answers every
//! call a few milliseconds late, so the tests see the runtime wait on its stores.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use mcp_runtime::http::StreamableHttp;
use mcp_runtime::store::{
    EventStore, EventTail, InMemoryEventStore, InMemoryKeyRing, InMemorySessionStore, KeyRing,
    ReplayError, RequestStateKeys, SessionRecord, SessionStore, StoreError, StoreFuture,
};

/// How late a [`Delayed`] store answers.
pub const DELAY: Duration = Duration::from_millis(3);

/// A store that answers every call [`DELAY`] late, otherwise as `S` does.
pub struct Delayed<S> {
    inner: Arc<S>,
}

impl<S> Delayed<S> {
    pub fn new(inner: S) -> Delayed<S> {
        Delayed {
            inner: Arc::new(inner),
        }
    }
}

impl<S: EventStore> EventStore for Delayed<S> {
    fn append(
        &self,
        session: &Arc<str>,
        stream: u64,
        first_seq: u64,
        events: &[Bytes],
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        let inner = self.inner.clone();
        let session = session.clone();
        let events = events.to_vec();
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.append(&session, stream, first_seq, &events).await
        })
    }

    fn finish_stream(
        &self,
        session: &Arc<str>,
        stream: u64,
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        let (inner, session) = (self.inner.clone(), session.clone());
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.finish_stream(&session, stream).await
        })
    }

    /// Late to answer, and every event of the tail late too.
    fn tail(
        &self,
        session: &str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'static, Result<EventTail, ReplayError>> {
        let (inner, session) = (self.inner.clone(), session.to_owned());
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            let tail = inner.tail(&session, stream, after).await?;
            let late = tail.then(|event| async move {
                tokio::time::sleep(DELAY).await;
                event
            });
            Ok(Box::pin(late) as EventTail)
        })
    }

    fn replay<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Result<Vec<Bytes>, ReplayError>> {
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            self.inner.replay(session, stream, after).await
        })
    }

    fn forget_session(&self, session: &str) -> StoreFuture<'static, ()> {
        let inner = self.inner.clone();
        let session = session.to_owned();
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.forget_session(&session).await
        })
    }
}

impl<S: SessionStore> SessionStore for Delayed<S> {
    fn create(
        &self,
        record: SessionRecord,
        ttl: Duration,
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        let inner = self.inner.clone();
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.create(record, ttl).await
        })
    }

    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> StoreFuture<'a, Result<Option<SessionRecord>, StoreError>> {
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            self.inner.load(id).await
        })
    }

    fn update(&self, record: SessionRecord) -> StoreFuture<'static, Result<(), StoreError>> {
        let inner = self.inner.clone();
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.update(record).await
        })
    }

    fn touch(&self, id: &str, ttl: Duration) -> StoreFuture<'static, Result<(), StoreError>> {
        let (inner, id) = (self.inner.clone(), id.to_owned());
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.touch(&id, ttl).await
        })
    }

    fn remove(&self, id: &str) -> StoreFuture<'static, Result<(), StoreError>> {
        let (inner, id) = (self.inner.clone(), id.to_owned());
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.remove(&id).await
        })
    }
}

impl<S: KeyRing> KeyRing for Delayed<S> {
    fn keys(&self) -> StoreFuture<'static, Result<RequestStateKeys, StoreError>> {
        let inner = self.inner.clone();
        StoreFuture::new(async move {
            tokio::time::sleep(DELAY).await;
            inner.keys().await
        })
    }
}

impl<S> Delayed<S> {
    /// The store this one wraps.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

/// A session store that is down: every call fails.
pub struct Unavailable;

impl SessionStore for Unavailable {
    fn create(
        &self,
        _: SessionRecord,
        _: Duration,
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        StoreFuture::new(async { Err(StoreError::unavailable("connection refused")) })
    }

    fn load<'a>(
        &'a self,
        _: &'a str,
    ) -> StoreFuture<'a, Result<Option<SessionRecord>, StoreError>> {
        StoreFuture::ready(Err(StoreError::unavailable("connection refused")))
    }

    fn update(&self, _: SessionRecord) -> StoreFuture<'static, Result<(), StoreError>> {
        StoreFuture::ready(Err(StoreError::unavailable("connection refused")))
    }

    fn touch(&self, _: &str, _: Duration) -> StoreFuture<'static, Result<(), StoreError>> {
        StoreFuture::ready(Err(StoreError::unavailable("connection refused")))
    }

    fn remove(&self, _: &str) -> StoreFuture<'static, Result<(), StoreError>> {
        StoreFuture::ready(Err(StoreError::unavailable("connection refused")))
    }
}

/// Which stores a test server keeps its state in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stores {
    /// The runtime's defaults.
    InMemory,
    /// The defaults, each behind [`Delayed`].
    Delayed,
}

impl Stores {
    /// An event store holding at most `max_bytes` of events.
    pub fn events(self, max_bytes: usize) -> Arc<dyn EventStore> {
        let store = InMemoryEventStore::new(max_bytes);
        match self {
            Stores::InMemory => Arc::new(store),
            Stores::Delayed => Arc::new(Delayed::new(store)),
        }
    }

    /// A session store.
    pub fn sessions(self) -> Arc<dyn SessionStore> {
        match self {
            Stores::InMemory => Arc::new(InMemorySessionStore::new()),
            Stores::Delayed => Arc::new(Delayed::new(InMemorySessionStore::new())),
        }
    }

    /// A key ring for `requestState`, holding `keys`.
    pub fn keys(self, keys: RequestStateKeys) -> Arc<dyn KeyRing> {
        match self {
            Stores::InMemory => Arc::new(InMemoryKeyRing::new(keys)),
            Stores::Delayed => Arc::new(Delayed::new(InMemoryKeyRing::new(keys))),
        }
    }

    /// `http` keeping its state in these stores (the defaults' sizes).
    pub fn apply(self, http: StreamableHttp) -> StreamableHttp {
        http.event_store(self.events(16 * 1024 * 1024))
            .session_store(self.sessions())
    }
}

//! Session records: what a 2025-era session agreed on, kept where every replica can read it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{StoreError, StoreFuture};
use crate::protocol::{Implementation, LoggingLevel};

/// What a replica needs to serve a session it did not open: the negotiated revision, who the
/// client is and what it can do, who owns the session, and its log level.
///
/// The runtime builds records (from `initialize`); a store keeps and returns them as they are
/// (they serialize with serde, for a store that keeps them as text).
///
/// ```
/// use mcp_runtime::store::SessionRecord;
///
/// let json = r#"{"id":"ab12","protocolVersion":"2025-11-25",
///   "clientInfo":{"name":"c","version":"1"},"clientCapabilities":{},"owner":null,"logLevel":"info"}"#;
/// let record: SessionRecord = serde_json::from_str(json).unwrap();
/// assert_eq!(record.log_level, Some(mcp_runtime::LoggingLevel::Info));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionRecord {
    /// The session id (`Mcp-Session-Id`).
    pub id: String,
    /// The protocol revision `initialize` agreed on, as sent on the wire (`2025-11-25`).
    pub protocol_version: String,
    /// The client's `clientInfo`.
    pub client_info: Implementation,
    /// The client's `capabilities`.
    pub client_capabilities: Value,
    /// The authenticated subject that opened the session, if the endpoint authenticates: only
    /// it may use the session.
    pub owner: Option<String>,
    /// The level `logging/setLevel` set, if any.
    pub log_level: Option<LoggingLevel>,
}

/// Where session records are kept, so a session outlives the process memory that opened it.
///
/// The runtime creates a record before it answers `initialize` (an error: `503`, and no
/// session), updates it when the session changes (`logging/setLevel`), touches it while the
/// session is used (at most a few times per idle timeout), and removes it when the session
/// ends (`DELETE`, expiry). A record not touched within its `ttl` may be dropped by the
/// store. The calls, streams and waiters of a session stay in the process that runs them.
///
/// Methods return a [`StoreFuture`]: an in-memory store answers at once, a networked one with
/// a boxed future. The `'static` futures copy what they need from their arguments.
///
/// ```
/// use std::time::Duration;
///
/// use mcp_runtime::store::{InMemorySessionStore, SessionRecord, SessionStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemorySessionStore::new();
/// let json = r#"{"id":"ab12","protocolVersion":"2025-11-25",
///   "clientInfo":{"name":"c","version":"1"},"clientCapabilities":{},"owner":null,"logLevel":null}"#;
/// let record: SessionRecord = serde_json::from_str(json).unwrap();
/// store.create(record.clone(), Duration::from_secs(60)).await.unwrap();
/// assert_eq!(store.load("ab12").await.unwrap(), Some(record));
/// store.remove("ab12").await.unwrap();
/// assert_eq!(store.load("ab12").await.unwrap(), None);
/// # }
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// Keeps a new session's record, for `ttl` unless touched.
    fn create(
        &self,
        record: SessionRecord,
        ttl: Duration,
    ) -> StoreFuture<'static, Result<(), StoreError>>;

    /// The record of session `id`, `None` if there is none (never created, removed, expired).
    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> StoreFuture<'a, Result<Option<SessionRecord>, StoreError>>;

    /// Replaces the record of `record.id`, if it still exists.
    fn update(&self, record: SessionRecord) -> StoreFuture<'static, Result<(), StoreError>>;

    /// Keeps session `id` for another `ttl` from now.
    fn touch(&self, id: &str, ttl: Duration) -> StoreFuture<'static, Result<(), StoreError>>;

    /// Drops the record of session `id` (nothing if there is none).
    fn remove(&self, id: &str) -> StoreFuture<'static, Result<(), StoreError>>;
}

/// The default [`SessionStore`]: records in this process's memory, dropped when their TTL
/// passes untouched.
///
/// ```
/// use std::sync::Arc;
/// use mcp_runtime::{Server, store::InMemorySessionStore};
///
/// let http = Server::new("demo", "1.0.0")
///     .into_http()
///     .session_store(Arc::new(InMemorySessionStore::new()));
/// # let _ = http;
/// ```
#[derive(Debug, Default)]
pub struct InMemorySessionStore {
    records: Mutex<HashMap<String, (SessionRecord, Instant)>>,
}

impl InMemorySessionStore {
    /// An empty store.
    pub fn new() -> InMemorySessionStore {
        InMemorySessionStore::default()
    }

    /// How many records are kept (expired ones included until they are swept).
    ///
    /// ```
    /// assert_eq!(mcp_runtime::store::InMemorySessionStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no record is kept.
    ///
    /// ```
    /// assert!(mcp_runtime::store::InMemorySessionStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (SessionRecord, Instant)>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SessionStore for InMemorySessionStore {
    fn create(
        &self,
        record: SessionRecord,
        ttl: Duration,
    ) -> StoreFuture<'static, Result<(), StoreError>> {
        let now = Instant::now();
        let mut records = self.lock();
        // Expired records go when new ones come: the map only grows here.
        records.retain(|_, (_, until)| *until > now);
        records.insert(record.id.clone(), (record, now + ttl));
        StoreFuture::ready(Ok(()))
    }

    fn load<'a>(
        &'a self,
        id: &'a str,
    ) -> StoreFuture<'a, Result<Option<SessionRecord>, StoreError>> {
        let records = self.lock();
        let found = records
            .get(id)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(record, _)| record.clone());
        StoreFuture::ready(Ok(found))
    }

    fn update(&self, record: SessionRecord) -> StoreFuture<'static, Result<(), StoreError>> {
        if let Some((kept, _)) = self.lock().get_mut(&record.id) {
            *kept = record;
        }
        StoreFuture::ready(Ok(()))
    }

    fn touch(&self, id: &str, ttl: Duration) -> StoreFuture<'static, Result<(), StoreError>> {
        if let Some((_, until)) = self.lock().get_mut(id) {
            *until = Instant::now() + ttl;
        }
        StoreFuture::ready(Ok(()))
    }

    fn remove(&self, id: &str) -> StoreFuture<'static, Result<(), StoreError>> {
        self.lock().remove(id);
        StoreFuture::ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> SessionRecord {
        SessionRecord {
            id: id.into(),
            protocol_version: "2025-11-25".into(),
            client_info: Implementation::new("c", "1"),
            client_capabilities: Value::Object(Default::default()),
            owner: None,
            log_level: None,
        }
    }

    fn now<T>(future: StoreFuture<'_, T>) -> T {
        future.into_ready().expect("in memory: ready at once")
    }

    #[test]
    fn records_are_created_updated_touched_and_removed() {
        let store = InMemorySessionStore::new();
        now(store.create(record("a"), Duration::from_secs(60))).unwrap();
        let mut changed = record("a");
        changed.log_level = Some(LoggingLevel::Warning);
        now(store.update(changed.clone())).unwrap();
        assert_eq!(now(store.load("a")).unwrap(), Some(changed));
        // An update of a record that is gone does not bring it back.
        now(store.update(record("b"))).unwrap();
        assert_eq!(now(store.load("b")).unwrap(), None);
        now(store.remove("a")).unwrap();
        assert_eq!(now(store.load("a")).unwrap(), None);
        assert!(store.is_empty());
    }

    #[test]
    fn untouched_records_expire_and_touched_ones_stay() {
        let store = InMemorySessionStore::new();
        now(store.create(record("a"), Duration::ZERO)).unwrap();
        assert_eq!(now(store.load("a")).unwrap(), None, "expired");
        now(store.create(record("b"), Duration::ZERO)).unwrap();
        now(store.touch("b", Duration::from_secs(60))).unwrap();
        assert!(now(store.load("b")).unwrap().is_some(), "touched");
        // Creating sweeps what expired.
        assert_eq!(store.len(), 1);
    }
}

//! Where the server keeps what must outlive one request: the events of resumable streams and
//! the records of sessions,
//! and the keys of the stateless wire's `requestState`.
//!
//! Each store is a trait whose methods return a [`StoreFuture`], with an in-memory default,
//! so a deployment can put it elsewhere (a shared store behind several replicas). The
//! in-memory stores answer at once, so they cost no more than the plain calls they replace.

mod events;
mod future;
mod keys;
mod sessions;

pub use self::events::{EventStore, EventTail, InMemoryEventStore, ReplayError};
pub(crate) use self::future::detach;
pub use self::future::StoreFuture;
pub(crate) use self::keys::KeyCache;
pub use self::keys::{InMemoryKeyRing, KeyRing, RequestStateKeys};
pub use self::sessions::{InMemorySessionStore, SessionRecord, SessionStore};

/// A store could not do what it was asked (its backend is unreachable, or refused).
///
/// The in-memory stores never fail; a networked store reports its failures with this type,
/// and the runtime answers the request it was serving with `503 Service Unavailable`.
///
/// ```
/// use mcp_runtime::store::StoreError;
///
/// let error = StoreError::unavailable("connection refused");
/// assert_eq!(error.to_string(), "the store is unavailable: connection refused");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store's backend could not be reached or did not answer in time.
    #[error("the store is unavailable: {0}")]
    Unavailable(std::sync::Arc<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A [`StoreError::Unavailable`] from anything that describes the failure.
    pub fn unavailable(reason: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
        StoreError::Unavailable(std::sync::Arc::from(reason.into()))
    }
}

/// Two errors are equal when they say the same (the cause is not comparable otherwise).
impl PartialEq for StoreError {
    fn eq(&self, other: &StoreError) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for StoreError {}

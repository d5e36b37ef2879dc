//! Where the server keeps what must outlive one request: the events of resumable streams.
//!
//! Each store is a trait with an in-memory default, so a deployment can put it elsewhere.

mod events;

pub use self::events::{EventStore, InMemoryEventStore, ReplayError};

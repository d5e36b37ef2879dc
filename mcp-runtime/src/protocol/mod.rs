//! Protocol types: JSON-RPC 2.0 framing, the MCP messages this runtime speaks, and versions.
//!
//! Everything here is plain data with serde impls; nothing here knows about transports or tools.

pub(crate) mod headers;
mod icon;
pub(crate) mod jsonrpc;
pub mod meta;
mod types;
mod version;

#[doc(hidden)]
pub use icon::Extras;
pub use icon::{Icon, IconTheme};
pub use jsonrpc::{
    DecodeError, ErrorCode, Message, Notification, Request, RequestId, Response, RpcError,
};
pub use meta::CacheScope;
pub use types::{
    Annotations, CallToolResult, Content, Implementation, LoggingLevel, ResourceContents, Role,
    ToolAnnotations,
};
pub use version::ProtocolVersion;

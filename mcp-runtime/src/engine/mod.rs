//! The transport-agnostic core: one decoded message in, its effects and typed answer out.
//!
//! [`ServerCore`] is what every transport holds. [`dispatch`] is its one method table for both
//! protocol eras; [`stateless`] is what the 2026-07-28 revision adds (its `_meta` checks,
//! `server/discover`, `subscriptions/listen`, the per-request exchange); [`tasks`] answers the
//! tasks extension's requests.

mod connection;
pub(crate) mod dispatch;
mod run;
pub(crate) mod stateless;
pub(crate) mod tasks;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::catalog::{Catalog, Registry};
use crate::protocol::{Implementation, Request};
use crate::state::StateMap;

pub(crate) use self::connection::Received;
pub(crate) use self::dispatch::{Era, Opened, Reply};
pub(crate) use self::stateless::StatelessConfig;

/// Bounds on tool calls; see [`Server::call_timeout`], [`Server::max_calls_per_session`] and
/// [`Server::max_argument_values`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallLimits {
    pub(crate) timeout: Option<Duration>,
    pub(crate) per_session: usize,
    pub(crate) argument_values: usize,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            timeout: Some(Duration::from_secs(30 * 60)),
            per_session: 64,
            argument_values: 100_000,
        }
    }
}

/// The server every transport dispatches into.
pub(crate) struct ServerCore {
    pub(crate) info: Implementation,
    /// `info` as the stateless wire puts it in every result's `_meta`, encoded once.
    pub(crate) server_info: Value,
    pub(crate) instructions: Option<String>,
    pub(crate) live: Arc<Registry>,
    pub(crate) state: Arc<StateMap>,
    pub(crate) page_size: usize,
    pub(crate) limits: CallLimits,
    pub(crate) stateless: StatelessConfig,
}

impl ServerCore {
    /// What the server offers now; a request reads this once and keeps it.
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        self.live.catalog()
    }

    /// The scopes a request needs beyond a valid token: those of the tool a `tools/call`
    /// names. Transports check them before answering, so a refusal can be a status (`403`).
    pub(crate) fn scopes_needed(&self, request: &Request) -> &'static [&'static str] {
        if request.method != "tools/call" {
            return &[];
        }
        request
            .params
            .as_ref()
            .and_then(|params| params.get("name"))
            .and_then(Value::as_str)
            .and_then(|name| self.catalog().find_tool(name).map(|tool| tool.spec.scopes))
            .unwrap_or(&[])
    }
}

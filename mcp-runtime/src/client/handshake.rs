//! Establishing what the server speaks: `initialize` (the session era's handshake) or
//! `server/discover` (the stateless 2026-07-28 wire).

use std::sync::atomic::Ordering;

use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::error::ClientError;
use super::link::Link;
use super::results::{decode_result, InitializeResult};
use super::{Client, Wire, PROTOCOL_VERSION, STATELESS_PROTOCOL_VERSION};
use crate::protocol::headers::{METHOD_HEADER, VERSION_HEADER};
use crate::protocol::meta::{SERVER_INFO_KEY, UNSUPPORTED_PROTOCOL_VERSION};
use crate::protocol::{Implementation, ProtocolVersion};

impl Client {
    /// `initialize` and `notifications/initialized`.
    pub(super) async fn initialize(&self) -> Result<(), ClientError> {
        let (asked, oldest) = match self.inner.link {
            Link::Legacy(_) => (ProtocolVersion::V2024_11_05, ProtocolVersion::V2024_11_05),
            Link::Stdio(_) => (PROTOCOL_VERSION, ProtocolVersion::V2024_11_05),
            Link::Http(_) => (PROTOCOL_VERSION, ProtocolVersion::V2025_03_26),
        };
        let params = json!({
            "protocolVersion": asked.as_str(),
            "capabilities": self.inner.capabilities,
            "clientInfo": self.inner.client_info,
        });
        let init: InitializeResult = self.request_as("initialize", Some(params)).await?;
        ProtocolVersion::parse(&init.protocol_version)
            .filter(|v| *v >= oldest)
            .ok_or_else(|| {
                ClientError::protocol(format!(
                    "the server chose protocol version {:?}, which this client does not speak \
                     over this transport",
                    init.protocol_version
                ))
            })?;
        self.inner.set_state(Wire::Handshake, init);
        self.notify("notifications/initialized", None).await
    }

    /// `server/discover` (2026-07-28), as an [`InitializeResult`]; an error when the server
    /// does not list 2026-07-28 among its versions. A server that refuses the revision
    /// (`-32022`) while listing it among the ones it supports is asked once more.
    pub(super) async fn discover(&self) -> Result<InitializeResult, ClientError> {
        match self.discover_once().await {
            Err(e) if offers_stateless(&e) => self.discover_once().await,
            found => found,
        }
    }

    async fn discover_once(&self) -> Result<InitializeResult, ClientError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Discover {
            #[serde(default)]
            supported_versions: Vec<String>,
            #[serde(default)]
            capabilities: Value,
            #[serde(default)]
            instructions: Option<String>,
            #[serde(default)]
            server_info: Option<Implementation>,
            #[serde(default, rename = "_meta")]
            meta: Map<String, Value>,
        }
        let mut params = json!({});
        self.inner.stateless_meta(&mut params);
        let headers = vec![
            (
                HeaderName::from_static(VERSION_HEADER),
                HeaderValue::from_static(STATELESS_PROTOCOL_VERSION),
            ),
            (
                HeaderName::from_static(METHOD_HEADER),
                HeaderValue::from_static("server/discover"),
            ),
        ];
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let found: Discover = decode_result(
            "server/discover",
            self.exchange(id, "server/discover", Some(&params), headers, &mut None)
                .await?,
        )?;
        if !found
            .supported_versions
            .iter()
            .any(|v| v == STATELESS_PROTOCOL_VERSION)
        {
            return Err(ClientError::protocol(format!(
                "the server does not speak {STATELESS_PROTOCOL_VERSION}; it lists {:?}",
                found.supported_versions
            )));
        }
        let server_info = found
            .meta
            .get(SERVER_INFO_KEY)
            .and_then(|v| Implementation::deserialize(v).ok())
            .or(found.server_info)
            .unwrap_or_else(|| Implementation::new("", ""));
        Ok(InitializeResult {
            protocol_version: STATELESS_PROTOCOL_VERSION.into(),
            capabilities: found.capabilities,
            server_info,
            instructions: found.instructions,
        })
    }
}

/// Whether `error` refuses the stateless revision while naming it among the supported ones.
fn offers_stateless(error: &ClientError) -> bool {
    error
        .rpc_error()
        .filter(|e| e.code == UNSUPPORTED_PROTOCOL_VERSION)
        .and_then(|e| e.data.as_ref()?.get("supported")?.as_array())
        .is_some_and(|supported| supported.iter().any(|v| v == STATELESS_PROTOCOL_VERSION))
}

//! The per-request protocol fields of the stateless 2026-07-28 revision: what a request's
//! `params._meta` must carry, and the errors a request is refused with before it is served.
//!
//! A 2026 request names its revision and the client's capabilities in every request:
//!
//! ```json
//! {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
//!   "io.modelcontextprotocol/protocolVersion": "2026-07-28",
//!   "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
//!   "io.modelcontextprotocol/logLevel": "info"
//! }}}
//! ```

use serde_json::{json, Value};

use super::{ErrorCode, Implementation, LoggingLevel, ProtocolVersion, RpcError};

/// `_meta` key of the request's protocol revision (required).
pub const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the client's capabilities (required).
pub const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the client's name and version (optional).
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of the lowest log level the client wants for this request (optional; without
/// it the request gets no log messages).
pub const LOG_LEVEL_KEY: &str = "io.modelcontextprotocol/logLevel";
/// Notification `_meta` key naming the `subscriptions/listen` stream it was delivered on.
pub const SUBSCRIPTION_ID_KEY: &str = "io.modelcontextprotocol/subscriptionId";
/// Result `_meta` key naming the server.
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// `-32020`: an HTTP header disagrees with the body, or a required one is missing.
pub const HEADER_MISMATCH: ErrorCode = ErrorCode(-32020);
/// `-32021`: serving the request needs a client capability the request did not declare.
pub const MISSING_REQUIRED_CLIENT_CAPABILITY: ErrorCode = ErrorCode(-32021);
/// `-32022`: the request's protocol revision is not served here.
pub const UNSUPPORTED_PROTOCOL_VERSION: ErrorCode = ErrorCode(-32022);

/// Why a stateless request was refused before (or instead of) being served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum StatelessError {
    /// `_meta` or one of its required fields is missing or malformed (`-32602`).
    #[error("Invalid params: {0}")]
    InvalidMeta(String),
    /// A header is missing or disagrees with the body (`-32020`).
    #[error("Header mismatch: {0}")]
    HeaderMismatch(String),
    /// The requested revision is not served (`-32022`).
    #[error("Unsupported protocol version {requested:?}")]
    UnsupportedVersion { requested: String },
    /// The request needs capabilities the client did not declare (`-32021`); the value is the
    /// `requiredCapabilities` object, e.g. `{"sampling": {}}`.
    #[error("the request needs the client capabilities {0}, which this request did not declare")]
    MissingCapability(Value),
    /// The method does not exist in this revision (`-32601`).
    #[error("Method not found: {0}")]
    MethodNotFound(String),
    /// `inputResponses` or `requestState` cannot be used (`-32602`).
    #[error("Invalid params: {0}")]
    InvalidInput(String),
    /// What the request needs from a store cannot be had now (`-32603`).
    #[error("Internal error: {0}")]
    Unavailable(String),
}

impl StatelessError {
    /// The refusal of a request that needs the top-level client capability `capability`.
    pub(crate) fn missing(capability: &str) -> StatelessError {
        StatelessError::MissingCapability(json!({ capability: {} }))
    }

    /// The JSON-RPC error this refusal is sent as; the one place its code and data are chosen.
    pub(crate) fn to_rpc_error(&self) -> RpcError {
        let message = self.to_string();
        match self {
            StatelessError::InvalidMeta(_) | StatelessError::InvalidInput(_) => {
                RpcError::invalid_params(message)
            }
            StatelessError::HeaderMismatch(_) => RpcError::new(HEADER_MISMATCH, message),
            StatelessError::UnsupportedVersion { requested } => {
                let mut error = RpcError::new(UNSUPPORTED_PROTOCOL_VERSION, message);
                error.data = Some(json!({
                    "supported": supported_versions(),
                    "requested": requested,
                }));
                error
            }
            StatelessError::MissingCapability(required) => {
                let mut error = RpcError::new(MISSING_REQUIRED_CLIENT_CAPABILITY, message);
                error.data = Some(json!({ "requiredCapabilities": required }));
                error
            }
            StatelessError::MethodNotFound(method) => RpcError::method_not_found(method),
            StatelessError::Unavailable(_) => RpcError::new(ErrorCode::INTERNAL_ERROR, message),
        }
    }
}

/// Every revision this runtime serves, oldest first: the session era's, then the stateless.
pub(crate) fn supported_versions() -> Vec<&'static str> {
    ProtocolVersion::ALL
        .into_iter()
        .chain(ProtocolVersion::STATELESS)
        .map(ProtocolVersion::as_str)
        .collect()
}

/// The protocol fields of one stateless request, validated.
#[derive(Debug, Clone)]
pub(crate) struct RequestMeta {
    pub(crate) version: ProtocolVersion,
    /// The revision as the request spelled it.
    pub(crate) requested: String,
    pub(crate) capabilities: Value,
    pub(crate) client_info: Option<Implementation>,
    pub(crate) log_level: Option<LoggingLevel>,
}

impl RequestMeta {
    /// Reads `params._meta`. Missing or malformed required fields are `-32602`; a revision
    /// that is not a stateless one is `-32022`.
    pub(crate) fn from_params(params: Option<&Value>) -> Result<RequestMeta, StatelessError> {
        let meta = params
            .and_then(|p| p.get("_meta"))
            .and_then(Value::as_object)
            .ok_or_else(|| {
                StatelessError::InvalidMeta(format!(
                    "params._meta is required and must carry `{PROTOCOL_VERSION_KEY}` and `{CLIENT_CAPABILITIES_KEY}`"
                ))
            })?;
        let requested = meta
            .get(PROTOCOL_VERSION_KEY)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                StatelessError::InvalidMeta(format!(
                    "params._meta[\"{PROTOCOL_VERSION_KEY}\"] is required (a string)"
                ))
            })?
            .to_owned();
        let capabilities = meta
            .get(CLIENT_CAPABILITIES_KEY)
            .filter(|c| c.is_object())
            .cloned()
            .ok_or_else(|| {
                StatelessError::InvalidMeta(format!(
                    "params._meta[\"{CLIENT_CAPABILITIES_KEY}\"] is required (an object)"
                ))
            })?;
        let log_level = match meta.get(LOG_LEVEL_KEY) {
            None | Some(Value::Null) => None,
            Some(level) => Some(
                level
                    .as_str()
                    .and_then(|l| l.parse::<LoggingLevel>().ok())
                    .ok_or_else(|| {
                        StatelessError::InvalidMeta(format!(
                            "params._meta[\"{LOG_LEVEL_KEY}\"] is not a log level: {level}"
                        ))
                    })?,
            ),
        };
        let client_info = meta
            .get(CLIENT_INFO_KEY)
            .and_then(|info| serde::Deserialize::deserialize(info).ok());
        Ok(RequestMeta {
            version: ProtocolVersion::V2026_07_28,
            requested,
            capabilities,
            client_info,
            log_level,
        })
    }

    /// Checks the requested revision is a stateless one this runtime serves.
    pub(crate) fn check_version(mut self) -> Result<RequestMeta, StatelessError> {
        self.version = ProtocolVersion::parse_stateless(&self.requested).ok_or_else(|| {
            StatelessError::UnsupportedVersion {
                requested: self.requested.clone(),
            }
        })?;
        Ok(self)
    }
}

/// Whether a request's `params._meta` names a protocol revision: the mark of a stateless
/// request, whatever its method.
pub(crate) fn names_version(params: Option<&Value>) -> bool {
    params
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(PROTOCOL_VERSION_KEY))
        .is_some()
}

/// A header value as the client meant it: surrounding whitespace trimmed, and an
/// `=?base64?<data>?=` value decoded (that is how clients send values that are not plain
/// ASCII). `None` when the encoded form is malformed or not UTF-8.
pub(crate) fn decode_header_value(raw: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    use base64::Engine;
    let text = std::str::from_utf8(raw).ok()?.trim();
    let Some(encoded) =
        strip_prefix_ignore_case(text, "=?base64?").and_then(|t| t.strip_suffix("?="))
    else {
        return Some(text.into());
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    String::from_utf8(bytes).ok().map(Into::into)
}

/// A header value as the 2026 wire sends it: as is when it is visible ASCII and spaces (not at
/// either end), otherwise `=?base64?<the UTF-8 bytes in base64>?=`; the inverse of
/// [`decode_header_value`].
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn encode_header_value(value: &str) -> String {
    use base64::Engine;
    let plain = value.bytes().all(|b| (0x20..0x7F).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ');
    if plain {
        value.to_owned()
    } else {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
        )
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Who may reuse a cached list or read result (`cacheScope` of 2026-era results).
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::{protocol::CacheScope, Server};
///
/// let server = Server::new("demo", "1.0.0").cache_hints(Duration::from_secs(60), CacheScope::Public);
/// # let _ = server;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheScope {
    /// Any client may reuse it: the result is the same for everyone.
    Public,
    /// Only the same authorization context may reuse it (results vary per caller).
    #[default]
    Private,
}

impl CacheScope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CacheScope::Public => "public",
            CacheScope::Private => "private",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_fields_are_required_except_client_info() {
        let ok =
            json!({"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: {}}});
        let meta = RequestMeta::from_params(Some(&ok))
            .unwrap()
            .check_version()
            .unwrap();
        assert_eq!(meta.version, ProtocolVersion::V2026_07_28);
        assert!(meta.client_info.is_none() && meta.log_level.is_none());

        for bad in [
            json!({}),
            json!({"_meta": {CLIENT_CAPABILITIES_KEY: {}}}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28"}}),
            json!({"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: {}, LOG_LEVEL_KEY: "loud"}}),
        ] {
            let error = RequestMeta::from_params(Some(&bad)).unwrap_err();
            assert_eq!(
                error.to_rpc_error().code,
                ErrorCode::INVALID_PARAMS,
                "{bad}"
            );
        }
        let old = json!({"_meta": {PROTOCOL_VERSION_KEY: "v9", CLIENT_CAPABILITIES_KEY: {}}});
        let error = RequestMeta::from_params(Some(&old))
            .unwrap()
            .check_version()
            .unwrap_err()
            .to_rpc_error();
        assert_eq!(error.code, UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(error.data.unwrap()["requested"], "v9");
    }

    #[test]
    fn header_values_are_trimmed_and_decoded() {
        assert_eq!(
            decode_header_value(b"  tools/call ").as_deref(),
            Some("tools/call")
        );
        assert_eq!(
            decode_header_value(b"=?BASE64?w6lsw6g=?=").as_deref(),
            Some("\u{e9}l\u{e8}")
        );
        assert_eq!(
            decode_header_value(b"=?base64?w6lsw6g?="),
            None,
            "bad padding"
        );
        for value in ["tools/call", "h\u{e9}llo", " padded", "tab\there", ""] {
            let encoded = encode_header_value(value);
            assert!(
                encoded.bytes().all(|b| (0x20..0x7F).contains(&b)),
                "{encoded}"
            );
            assert_eq!(
                decode_header_value(encoded.as_bytes()).as_deref(),
                Some(value)
            );
        }
        assert_eq!(encode_header_value("h\u{e9}llo"), "=?base64?aMOpbGxv?=");
        assert_eq!(
            StatelessError::missing("sampling").to_rpc_error().data,
            Some(json!({"requiredCapabilities": {"sampling": {}}}))
        );
    }
}

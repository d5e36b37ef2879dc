//! MCP data types shared by every transport.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A log severity (RFC 5424), lowest first. `Ord` follows severity.
///
/// ```
/// use mcp_runtime::LoggingLevel;
/// assert!(LoggingLevel::Error > LoggingLevel::Info);
/// assert_eq!("warning".parse::<LoggingLevel>().unwrap(), LoggingLevel::Warning);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoggingLevel {
    /// Detailed debugging information.
    Debug,
    /// Normal operation.
    Info,
    /// Normal but significant.
    Notice,
    /// Warning conditions.
    Warning,
    /// Error conditions.
    Error,
    /// Critical conditions.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LoggingLevel {
    /// Every level, lowest first.
    pub const ALL: [LoggingLevel; 8] = [
        LoggingLevel::Debug,
        LoggingLevel::Info,
        LoggingLevel::Notice,
        LoggingLevel::Warning,
        LoggingLevel::Error,
        LoggingLevel::Critical,
        LoggingLevel::Alert,
        LoggingLevel::Emergency,
    ];

    /// The wire name, e.g. `"warning"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LoggingLevel::Debug => "debug",
            LoggingLevel::Info => "info",
            LoggingLevel::Notice => "notice",
            LoggingLevel::Warning => "warning",
            LoggingLevel::Error => "error",
            LoggingLevel::Critical => "critical",
            LoggingLevel::Alert => "alert",
            LoggingLevel::Emergency => "emergency",
        }
    }

    pub(crate) fn from_u8(n: u8) -> Option<LoggingLevel> {
        Self::ALL.get(n as usize).copied()
    }
}

impl fmt::Display for LoggingLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the eight level names.
#[derive(Debug, thiserror::Error)]
#[error("unknown logging level {0:?}; expected one of debug, info, notice, warning, error, critical, alert, emergency")]
pub struct UnknownLevel(pub String);

impl FromStr for LoggingLevel {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

/// Name and version of a client or server implementation (`clientInfo` / `serverInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Other fields the peer sent (description, icons, websiteUrl ...), kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Implementation {
    /// A name and a version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Implementation {
        Implementation {
            name: name.into(),
            version: version.into(),
            title: None,
            extra: Map::new(),
        }
    }
}

/// Hints about a tool's behaviour. All optional; clients treat them as untrusted hints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    /// The tool does not modify its environment (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may perform destructive updates (default true; meaningful when not read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling again with the same arguments has no further effect (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool interacts with an open world of external entities (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl ToolAnnotations {
    pub(crate) fn is_empty(&self) -> bool {
        *self == ToolAnnotations::default()
    }
}

/// Audience and priority hints attached to a content block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotations {
    /// Who the content is for: `"user"`, `"assistant"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<String>>,
    /// 0.0 (least) ..= 1.0 (most important).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<f64>,
    /// ISO 8601 timestamp of the last modification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// The contents of a resource: one item of a `resources/read` result, what a
/// `#[mcp_resource]` function may return, and the resource embedded in a tool result or prompt
/// message. On the wire `{uri, mimeType?, text}` or `{uri, mimeType?, blob}`.
///
/// The same type is also reachable as `mcp_runtime::resource::ResourceContents`.
///
/// ```
/// use mcp_runtime::protocol::ResourceContents;
/// let c = ResourceContents::text("file:///a.txt", "hi").with_mime_type("text/plain");
/// assert_eq!(
///     serde_json::to_value(&c).unwrap(),
///     serde_json::json!({"uri": "file:///a.txt", "mimeType": "text/plain", "text": "hi"})
/// );
/// assert_eq!((c.uri(), c.as_text(), c.as_blob()), ("file:///a.txt", Some("hi"), None));
///
/// let b = ResourceContents::blob("file:///a.bin", "aGkh");
/// assert_eq!(
///     serde_json::to_value(&b).unwrap(),
///     serde_json::json!({"uri": "file:///a.bin", "blob": "aGkh"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResourceContents {
    /// Text contents.
    Text {
        /// The resource's URI.
        uri: String,
        /// MIME type, e.g. `text/plain`.
        #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// The text.
        text: String,
    },
    /// Binary contents, base64-encoded.
    Blob {
        /// The resource's URI.
        uri: String,
        /// MIME type, e.g. `image/png`.
        #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// Base64 of the bytes.
        blob: String,
    },
}

impl ResourceContents {
    /// Text contents.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> ResourceContents {
        ResourceContents::Text {
            uri: uri.into(),
            mime_type: None,
            text: text.into(),
        }
    }

    /// Binary contents, given base64-encoded (see [`resource::Blob`](crate::resource::Blob)
    /// to encode bytes).
    pub fn blob(uri: impl Into<String>, base64: impl Into<String>) -> ResourceContents {
        ResourceContents::Blob {
            uri: uri.into(),
            mime_type: None,
            blob: base64.into(),
        }
    }

    /// Sets the MIME type.
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> ResourceContents {
        match &mut self {
            ResourceContents::Text { mime_type: m, .. }
            | ResourceContents::Blob { mime_type: m, .. } => {
                *m = Some(mime_type.into());
            }
        }
        self
    }

    /// The URI these contents are of.
    pub fn uri(&self) -> &str {
        match self {
            ResourceContents::Text { uri, .. } | ResourceContents::Blob { uri, .. } => uri,
        }
    }

    /// Their MIME type, if given.
    pub fn mime_type(&self) -> Option<&str> {
        match self {
            ResourceContents::Text { mime_type, .. } | ResourceContents::Blob { mime_type, .. } => {
                mime_type.as_deref()
            }
        }
    }

    /// The text, for text contents.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ResourceContents::Text { text, .. } => Some(text),
            ResourceContents::Blob { .. } => None,
        }
    }

    /// The base64 data, for binary contents.
    pub fn as_blob(&self) -> Option<&str> {
        match self {
            ResourceContents::Blob { blob, .. } => Some(blob),
            ResourceContents::Text { .. } => None,
        }
    }
}

/// One block of a tool result's `content`.
///
/// ```
/// use mcp_runtime::Content;
/// let c = Content::text("hello");
/// assert_eq!(serde_json::to_value(&c).unwrap()["type"], "text");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Plain text.
    Text {
        /// The text.
        text: String,
        /// Optional hints.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotations: Option<Annotations>,
    },
    /// An image, base64-encoded.
    Image {
        /// Base64 of the image bytes.
        data: String,
        /// MIME type, e.g. `image/png`.
        #[serde(rename = "mimeType")]
        mime_type: String,
        /// Optional hints.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotations: Option<Annotations>,
    },
    /// Audio, base64-encoded.
    Audio {
        /// Base64 of the audio bytes.
        data: String,
        /// MIME type, e.g. `audio/wav`.
        #[serde(rename = "mimeType")]
        mime_type: String,
        /// Optional hints.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotations: Option<Annotations>,
    },
    /// A resource embedded in the result.
    Resource {
        /// The contents.
        resource: ResourceContents,
        /// Optional hints.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotations: Option<Annotations>,
    },
    /// A link to a resource the client may read.
    ResourceLink {
        /// The resource's URI.
        uri: String,
        /// The resource's name.
        name: String,
        /// Description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// MIME type.
        #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// Optional hints.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotations: Option<Annotations>,
    },
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Content {
        Content::Text {
            text: text.into(),
            annotations: None,
        }
    }

    /// An image block from base64 data.
    pub fn image(base64_data: impl Into<String>, mime_type: impl Into<String>) -> Content {
        Content::Image {
            data: base64_data.into(),
            mime_type: mime_type.into(),
            annotations: None,
        }
    }

    /// An audio block from base64 data.
    pub fn audio(base64_data: impl Into<String>, mime_type: impl Into<String>) -> Content {
        Content::Audio {
            data: base64_data.into(),
            mime_type: mime_type.into(),
            annotations: None,
        }
    }

    /// An embedded text resource.
    pub fn embedded_text(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Content {
        Content::Resource {
            resource: ResourceContents::text(uri, text).with_mime_type(mime_type),
            annotations: None,
        }
    }

    /// An embedded binary resource from base64 data.
    pub fn embedded_blob(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        base64_blob: impl Into<String>,
    ) -> Content {
        Content::Resource {
            resource: ResourceContents::blob(uri, base64_blob).with_mime_type(mime_type),
            annotations: None,
        }
    }

    /// A link to a resource.
    pub fn resource_link(uri: impl Into<String>, name: impl Into<String>) -> Content {
        Content::ResourceLink {
            uri: uri.into(),
            name: name.into(),
            description: None,
            mime_type: None,
            annotations: None,
        }
    }
}

impl From<String> for Content {
    /// A text block.
    fn from(text: String) -> Content {
        Content::text(text)
    }
}

impl From<&str> for Content {
    /// A text block.
    fn from(text: &str) -> Content {
        Content::text(text)
    }
}

/// The result of `tools/call`.
///
/// ```
/// use mcp_runtime::CallToolResult;
/// let r = CallToolResult::error("disk full");
/// assert_eq!(r.is_error, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Unstructured content blocks.
    pub content: Vec<Content>,
    /// Structured content matching the tool's `outputSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// `true` when the tool failed; the content explains why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
}

impl CallToolResult {
    /// A successful result with these blocks.
    pub fn success(content: Vec<Content>) -> CallToolResult {
        CallToolResult {
            content,
            structured_content: None,
            is_error: None,
        }
    }

    /// A failed tool execution (`isError: true`) with a text explanation.
    pub fn error(message: impl Into<String>) -> CallToolResult {
        CallToolResult {
            content: vec![Content::text(message)],
            structured_content: None,
            is_error: Some(true),
        }
    }
}

/// Who a message is from (prompt messages, sampling messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The assistant (the model).
    Assistant,
}

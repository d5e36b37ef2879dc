//! What the client does with messages the server sends on its own: log messages, progress, and
//! anything else.

use serde::Deserialize;
use serde_json::Value;

use crate::protocol::{LoggingLevel, Message, Notification};

/// Receives what the server sends besides responses, the moment each message arrives.
///
/// Every method has an empty default, so implement only what you need. For each notification
/// the client first calls [`on_message`](Self::on_message), then the typed method when the
/// notification is a well-formed `notifications/message` ([`on_log`](Self::on_log)) or
/// `notifications/progress` ([`on_progress`](Self::on_progress)). The calls run on the task
/// reading the response, in stream order: return quickly (hand heavy work to a channel).
///
/// ```
/// use mcp_runtime::client::MessageHandler;
/// use mcp_runtime::LoggingLevel;
/// use serde_json::Value;
///
/// struct Printer;
///
/// impl MessageHandler for Printer {
///     fn on_log(&self, level: LoggingLevel, _logger: Option<&str>, data: &Value) {
///         println!("[{level}] {}", data.as_str().unwrap_or_default());
///     }
///     fn on_progress(&self, _token: &Value, progress: f64, total: Option<f64>, message: Option<&str>) {
///         println!("{progress}/{} {}", total.unwrap_or(f64::NAN), message.unwrap_or(""));
///     }
/// }
/// # let _ = Printer;
/// ```
pub trait MessageHandler: Send + Sync + 'static {
    /// Every notification and request the server sends (responses to the client's own requests
    /// are returned by the call instead).
    fn on_message(&self, message: &Message) {
        let _ = message;
    }

    /// A `notifications/message` log entry.
    fn on_log(&self, level: LoggingLevel, logger: Option<&str>, data: &Value) {
        let _ = (level, logger, data);
    }

    /// A `notifications/progress` update for a request that asked for progress.
    fn on_progress(&self, token: &Value, progress: f64, total: Option<f64>, message: Option<&str>) {
        let _ = (token, progress, total, message);
    }
}

/// A shared handler: keep an `Arc` to read what it collected while the client uses it.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use mcp_runtime::client::MessageHandler;
/// use mcp_runtime::LoggingLevel;
///
/// #[derive(Default)]
/// struct Collect(Mutex<Vec<String>>);
/// impl MessageHandler for Collect {
///     fn on_log(&self, _: LoggingLevel, _: Option<&str>, data: &serde_json::Value) {
///         self.0.lock().unwrap().push(data.to_string());
///     }
/// }
/// let shared = Arc::new(Collect::default());
/// // client.set_handler(shared.clone()); ... later: shared.0.lock()
/// shared.on_log(LoggingLevel::Info, None, &"hi".into());
/// assert_eq!(shared.0.lock().unwrap().len(), 1);
/// ```
impl<H: MessageHandler + ?Sized> MessageHandler for std::sync::Arc<H> {
    fn on_message(&self, message: &Message) {
        (**self).on_message(message)
    }
    fn on_log(&self, level: LoggingLevel, logger: Option<&str>, data: &Value) {
        (**self).on_log(level, logger, data)
    }
    fn on_progress(&self, token: &Value, progress: f64, total: Option<f64>, message: Option<&str>) {
        (**self).on_progress(token, progress, total, message)
    }
}

/// A handler that does nothing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ignore;

impl MessageHandler for Ignore {}

/// Adapts a closure over notifications; see [`Client::on_notification`](super::Client::on_notification).
pub(crate) struct NotificationFn<F>(pub(crate) F);

impl<F: Fn(&Notification) + Send + Sync + 'static> MessageHandler for NotificationFn<F> {
    fn on_message(&self, message: &Message) {
        if let Message::Notification(n) = message {
            (self.0)(n)
        }
    }
}

/// A `notifications/message` log entry, decoded.
///
/// ```
/// use mcp_runtime::client::LogMessage;
/// use mcp_runtime::protocol::Notification;
/// use mcp_runtime::LoggingLevel;
///
/// let n = Notification {
///     method: "notifications/message".into(),
///     params: Some(serde_json::json!({"level": "info", "data": "hello"})),
/// };
/// let log = LogMessage::from_notification(&n).unwrap();
/// assert_eq!((log.level, log.data.as_str()), (LoggingLevel::Info, Some("hello")));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogMessage {
    /// The severity.
    pub level: LoggingLevel,
    /// The logger's name, when the server named one.
    #[serde(default)]
    pub logger: Option<String>,
    /// The payload: any JSON, usually a string.
    #[serde(default)]
    pub data: Value,
}

impl LogMessage {
    /// Decodes a `notifications/message`; `None` for other methods or malformed params.
    pub fn from_notification(notification: &Notification) -> Option<LogMessage> {
        decode(notification, "notifications/message")
    }
}

/// A `notifications/progress` update, decoded.
///
/// ```
/// use mcp_runtime::client::Progress;
/// use mcp_runtime::protocol::Notification;
///
/// let n = Notification {
///     method: "notifications/progress".into(),
///     params: Some(serde_json::json!({"progressToken": 1, "progress": 2, "total": 5})),
/// };
/// let p = Progress::from_notification(&n).unwrap();
/// assert_eq!((p.progress, p.total), (2.0, Some(5.0)));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The token of the request this is about.
    pub progress_token: Value,
    /// Work done so far; increases with every update.
    pub progress: f64,
    /// Total work, when known.
    #[serde(default)]
    pub total: Option<f64>,
    /// A description of the current step.
    #[serde(default)]
    pub message: Option<String>,
}

impl Progress {
    /// Decodes a `notifications/progress`; `None` for other methods or malformed params.
    pub fn from_notification(notification: &Notification) -> Option<Progress> {
        decode(notification, "notifications/progress")
    }
}

fn decode<T: serde::de::DeserializeOwned>(notification: &Notification, method: &str) -> Option<T> {
    if notification.method != method {
        return None;
    }
    T::deserialize(notification.params.as_ref()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(method: &str, params: Value) -> Notification {
        Notification {
            method: method.into(),
            params: Some(params),
        }
    }

    #[test]
    fn malformed_notifications_decode_to_none() {
        assert!(LogMessage::from_notification(&n(
            "notifications/message",
            json!({"level": "loud"})
        ))
        .is_none());
        assert!(LogMessage::from_notification(&n(
            "notifications/progress",
            json!({"level": "info"})
        ))
        .is_none());
        assert!(Progress::from_notification(&n(
            "notifications/progress",
            json!({"progress": "x"})
        ))
        .is_none());
        let bare = Notification {
            method: "notifications/progress".into(),
            params: None,
        };
        assert!(Progress::from_notification(&bare).is_none());
    }

    #[test]
    fn optional_fields_default() {
        let log = LogMessage::from_notification(&n(
            "notifications/message",
            json!({"level": "error", "logger": "db", "data": {"code": 7}}),
        ))
        .unwrap();
        assert_eq!(log.logger.as_deref(), Some("db"));
        assert_eq!(log.data, json!({"code": 7}));
        let p = Progress::from_notification(&n(
            "notifications/progress",
            json!({"progressToken": "t", "progress": 1.5}),
        ))
        .unwrap();
        assert_eq!((p.total, p.message), (None, None));
    }
}

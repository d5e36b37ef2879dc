//! The protocol layer shared by every transport: numbering requests, matching responses to the
//! calls waiting for them, routing notifications to the handler and the calls' progress
//! callbacks, and answering the server's requests.

use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::error::ClientError;
use super::handler::{LogMessage, MessageHandler, Progress};
use super::link::{Ended, Link};
use super::param_headers::KnownTools;
use super::requests::Responders;
use super::results::InitializeResult;
use super::Wire;
use crate::protocol::jsonrpc::encode;
use crate::protocol::{Implementation, LoggingLevel, Message, Notification, Request, RequestId};

/// What a waiting call receives.
pub(super) enum Event {
    Progress(Progress),
    Done(Result<Value, ClientError>),
}

/// The calls waiting for their response, by request id.
#[derive(Default)]
pub(super) struct Calls {
    pub(super) waiting: HashMap<i64, mpsc::UnboundedSender<Event>>,
    pub(super) ended: Option<Ended>,
}

/// What connecting established.
pub(super) struct Negotiated {
    pub(super) wire: Wire,
    pub(super) init: InitializeResult,
}

/// The protocol layer, shared with the reader task and the tasks answering server requests.
pub(super) struct Inner {
    pub(super) link: Link,
    pub(super) next_id: AtomicI64,
    pub(super) handler: RwLock<Arc<dyn MessageHandler>>,
    pub(super) calls: Mutex<Calls>,
    pub(super) responders: Responders,
    pub(super) client_info: Implementation,
    pub(super) capabilities: Value,
    pub(super) state: OnceLock<Negotiated>,
    /// The level asked for with `set_log_level`; sent in `_meta` on the stateless wire.
    pub(super) log_level: Mutex<Option<LoggingLevel>>,
    /// The `x-mcp-header` marks of the tools listed so far (stateless wire).
    pub(super) known_tools: RwLock<KnownTools>,
    pub(super) reader: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = self
            .reader
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

/// Removes a call from the waiting ones when it is over, however it ends.
pub(super) struct Waiting<'a> {
    inner: &'a Inner,
    id: i64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.inner.lock_calls().waiting.remove(&self.id);
    }
}

impl Inner {
    /// The protocol layer over `link`, before connecting.
    pub(super) fn new(
        link: Link,
        handler: Arc<dyn MessageHandler>,
        responders: Responders,
        client_info: Implementation,
        capabilities: Value,
    ) -> Inner {
        Inner {
            link,
            next_id: AtomicI64::new(0),
            handler: RwLock::new(handler),
            calls: Mutex::new(Calls::default()),
            responders,
            client_info,
            capabilities,
            state: OnceLock::new(),
            log_level: Mutex::new(None),
            known_tools: RwLock::new(KnownTools::default()),
            reader: Mutex::new(None),
        }
    }

    pub(super) fn lock_calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn wire(&self) -> Wire {
        self.state.get().map_or(Wire::Handshake, |n| n.wire)
    }

    /// What connecting established; empty before.
    pub(super) fn init(&self) -> &InitializeResult {
        static NONE: OnceLock<InitializeResult> = OnceLock::new();
        match self.state.get() {
            Some(negotiated) => &negotiated.init,
            None => NONE.get_or_init(|| InitializeResult {
                protocol_version: String::new(),
                capabilities: Value::Null,
                server_info: Implementation::new("", ""),
                instructions: None,
            }),
        }
    }

    pub(super) fn set_state(&self, wire: Wire, init: InitializeResult) {
        if let Link::Http(http) = &self.link {
            http.set_protocol_version(&init.protocol_version);
        }
        let _ = self.state.set(Negotiated { wire, init });
    }

    pub(super) fn handler(&self) -> Arc<dyn MessageHandler> {
        self.handler
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Registers call `id`; fails when the connection is already over.
    pub(super) fn wait_for(
        &self,
        id: i64,
    ) -> Result<(Waiting<'_>, mpsc::UnboundedReceiver<Event>), ClientError> {
        let mut calls = self.lock_calls();
        if let Some(ended) = &calls.ended {
            return Err(ended.error());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        calls.waiting.insert(id, tx);
        Ok((Waiting { inner: self, id }, rx))
    }

    /// The connection is over: every waiting call, and every later one, fails with `ended`.
    pub(super) fn end(&self, ended: Ended) {
        let mut calls = self.lock_calls();
        for (_, call) in calls.waiting.drain() {
            let _ = call.send(Event::Done(Err(ended.error())));
        }
        calls.ended.get_or_insert(ended);
    }

    /// Delivers one message from the server: a response to its waiting call; a notification
    /// to the handler (and progress to its call); a request to the matching callback, in a
    /// task of its own, whose answer is sent back.
    pub(super) fn route(self: &Arc<Self>, message: Message) {
        match message {
            Message::Response(response) => {
                let Some(RequestId::Number(id)) = response.id else {
                    return; // an error about a message the server could not read
                };
                let waiting = self.lock_calls().waiting.remove(&id);
                if let Some(call) = waiting {
                    let _ = call.send(Event::Done(response.outcome.map_err(ClientError::Rpc)));
                }
            }
            Message::Notification(notification) => self.notification(notification),
            Message::Request(request) => {
                let handler = self.handler();
                handler.on_message(&Message::Request(request.clone()));
                let inner = self.clone();
                tokio::spawn(async move { inner.answer(request).await });
            }
        }
    }

    pub(super) fn notification(&self, notification: Notification) {
        let handler = self.handler();
        let message = Message::Notification(notification);
        handler.on_message(&message);
        let Message::Notification(n) = &message else {
            return;
        };
        if let Some(log) = LogMessage::from_notification(n) {
            handler.on_log(log.level, log.logger.as_deref(), &log.data);
        } else if let Some(p) = Progress::from_notification(n) {
            handler.on_progress(&p.progress_token, p.progress, p.total, p.message.as_deref());
            if let Some(id) = p.progress_token.as_i64() {
                if let Some(call) = self.lock_calls().waiting.get(&id) {
                    let _ = call.send(Event::Progress(p));
                }
            }
        }
    }

    /// Answers a server request with the matching callback.
    pub(super) async fn answer(&self, request: Request) {
        let params = request.params.unwrap_or_else(|| json!({}));
        let body = match self.responders.answer(&request.method, params).await {
            Ok(result) => encode::result(&request.id, result),
            Err(error) => encode::error(Some(&request.id), &error),
        };
        // Best effort: the server's request is not what the caller waits for.
        if let Ok(Some(mut replies)) = self.link.send(body, self.headers("", None)).await {
            while let Some(Ok(_)) = replies.next().await {}
        }
    }
}

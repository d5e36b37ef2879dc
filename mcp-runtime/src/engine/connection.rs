//! The one place a message reaching a session-era connection is handled, for every transport
//! (Streamable HTTP, stdio, legacy HTTP+SSE): `initialize`, what comes before it, requests,
//! notifications and the client's responses.

use std::sync::Arc;

use super::dispatch::{Era, Opened, Reply};
use super::ServerCore;
use crate::auth::Identity;
use crate::peer::Session;
use crate::protocol::{Message, Response};

/// What a message asks of its transport.
pub(crate) enum Received {
    /// Nothing to send back: a notification, a client's response, or a message that refers to
    /// a session the connection does not have yet.
    Nothing,
    /// Answer the request with this.
    Reply(Reply),
    /// `initialize` opened a session: the connection keeps it, then sends the response.
    Opened(Opened),
}

impl ServerCore {
    /// Handles one message on a connection whose session is `session` (none before
    /// `initialize`). `caller` is who the transport authenticated, if it does.
    pub(crate) fn receive(
        &self,
        session: Option<&Arc<Session>>,
        message: Message,
        caller: Option<Arc<Identity>>,
    ) -> Received {
        match (message, session) {
            (Message::Request(request), None) if request.method == "initialize" => {
                match self.initialize(&request) {
                    Ok(opened) => Received::Opened(opened),
                    Err(error) => {
                        Received::Reply(Reply::Now(Response::new(request.id, Err(error))))
                    }
                }
            }
            (Message::Request(request), None) => {
                Received::Reply(Reply::Now(self.request_before_initialize(&request)))
            }
            (Message::Request(request), Some(session)) => {
                Received::Reply(self.request(Era::Session(session), request, caller))
            }
            (Message::Notification(notification), Some(session)) => {
                self.notification(session, notification);
                Received::Nothing
            }
            // An answer to a server→client request (elicitation, sampling, roots).
            (Message::Response(response), Some(session)) => {
                self.response(session, response);
                Received::Nothing
            }
            // Before `initialize` there is nothing a notification or response could refer to.
            (Message::Notification(_) | Message::Response(_), None) => Received::Nothing,
        }
    }
}

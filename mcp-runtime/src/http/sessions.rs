//! The endpoint's sessions: finding the one a request names, keeping the one `initialize`
//! opened (in the process and in the [`SessionStore`](crate::store::SessionStore)), its
//! stream (`GET`, resumed with `Last-Event-ID`), and ending one on `DELETE`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};

use super::error::HttpError;
use super::request::{self, Accepts, SESSION_HEADER};
use super::resume::Resumed;
use super::{sse, sse_response, stateless, Endpoint};
use crate::auth::Identity;
use crate::engine::Opened;
use crate::peer::Session;
use crate::protocol::RequestId;

impl Endpoint {
    /// The session a request names, if `caller` may use it: another subject's session is
    /// "not found", so its existence does not leak.
    pub(super) fn session(
        &self,
        req: &HttpRequest,
        id: Option<&RequestId>,
        caller: Option<&Identity>,
    ) -> Result<Arc<Session>, HttpError> {
        let session_id = request::session_id(req.headers())
            .ok_or_else(|| HttpError::MissingSession(id.cloned()))?;
        let session = self
            .sessions
            .get(session_id)
            .filter(|s| s.is_usable_by(caller.map(|c| c.subject())))
            .ok_or_else(|| HttpError::UnknownSession(id.cloned()))?;
        request::check_protocol_version(req.headers(), id)?;
        if id.is_some() {
            session.mark_used(); // a request: the session is in use
        }
        Ok(session)
    }

    /// Keeps the session `initialize` opened (owned by the caller, if authenticated) and
    /// answers with its id, once its record is stored: a store that fails means no session
    /// (`503`), never one other replicas cannot find.
    /// The client's address counts toward its per-address session limit.
    pub(super) async fn opened(
        &self,
        opened: Opened,
        caller: Option<&Identity>,
        peer: Option<IpAddr>,
    ) -> Result<HttpResponse, HttpError> {
        if let Some(caller) = caller {
            opened.session.set_owner(caller.subject());
        }
        if let Some(peer) = peer {
            opened.session.set_peer(peer);
        }
        let id = opened.session.id().to_owned();
        self.sessions.insert(opened.session.clone())?;
        let stored = opened
            .session
            .store_in(self.config.session_store.clone(), self.config.idle_timeout);
        if let Err(error) = stored.await {
            self.sessions.remove(&id);
            return Err(HttpError::StoreUnavailable(error));
        }
        Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((SESSION_HEADER, id))
            .body(opened.response.encode()))
    }
}

pub(super) async fn delete(
    req: HttpRequest,
    endpoint: web::Data<Endpoint>,
) -> Result<HttpResponse, HttpError> {
    endpoint.config.policy.check(&req)?;
    let caller = endpoint.authenticate(&req).await?;
    if stateless::sessionless_new_version(req.headers()) {
        // No session to end on the stateless revision.
        return Err(HttpError::MethodNotAllowedHere("POST"));
    }
    let id = request::session_id(req.headers()).ok_or(HttpError::MissingSession(None))?;
    let usable = endpoint
        .sessions
        .get(id)
        .is_some_and(|s| s.is_usable_by(caller.as_deref().map(|c| c.subject())));
    if usable && endpoint.sessions.remove(id) {
        Ok(HttpResponse::Ok().finish())
    } else {
        Err(HttpError::UnknownSession(None))
    }
}

pub(super) async fn get(
    req: HttpRequest,
    endpoint: web::Data<Endpoint>,
) -> Result<HttpResponse, HttpError> {
    endpoint.config.policy.check(&req)?;
    let caller = endpoint.authenticate(&req).await?;
    if stateless::sessionless_new_version(req.headers()) {
        // The stateless revision has no server-initiated stream: POST is all it uses.
        return Err(HttpError::MethodNotAllowedHere("POST"));
    }
    if !Accepts::from_headers(req.headers()).sse {
        return Err(HttpError::NotAcceptable("text/event-stream"));
    }
    let session = endpoint.session(&req, None, caller.as_deref())?;
    let recorder = endpoint.recorder(&session);
    let last_event = request::last_event_id(req.headers())?;
    let resumed = match (last_event, &recorder) {
        (Some((stream, after)), Some(recorder)) => {
            match recorder.resume(&session, stream, after).await? {
                Resumed::Call { missed, live } => {
                    let keep_alive = endpoint.config.keep_alive;
                    let body = sse::CallStream::resumed(missed, live, recorder.clone(), keep_alive);
                    return Ok(sse_response().streaming(body));
                }
                Resumed::Session(missed) => Some(missed),
                Resumed::Tail(tail) => {
                    let body = sse::TailStream::new(tail, endpoint.config.keep_alive);
                    return Ok(sse_response().streaming(body));
                }
            }
        }
        // Without resumption there is nothing to replay: a fresh stream.
        _ => None,
    };
    let open = |resumed| {
        sse::SessionStream::open(
            &session,
            resumed,
            endpoint.priming(&session),
            recorder.clone(),
            endpoint.config.keep_alive,
            endpoint.shutdown.draining(),
        )
    };
    let stream = match open(resumed) {
        Some(stream) => stream,
        // The open stream's client may have just closed it: the server learns that only
        // when writing, so write now rather than refuse until the next keep-alive.
        None if closed_when_probed(&session).await => {
            open(None).ok_or(HttpError::StreamAlreadyOpen)?
        }
        None => return Err(HttpError::StreamAlreadyOpen),
    };
    Ok(sse_response().streaming(stream))
}

/// Whether the session's open GET stream closes when written to a few times, 50 ms apart: a
/// connection its client closed fails at the second write or so.
async fn closed_when_probed(session: &Session) -> bool {
    for _ in 0..10 {
        if !session.stream_open() {
            return true;
        }
        session.probe_stream();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    !session.stream_open()
}

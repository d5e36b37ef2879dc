//! The endpoint's sessions: finding the one a request names, keeping the one `initialize`
//! opened (in the process and in the [`SessionStore`](crate::store::SessionStore)), and
//! ending one on `DELETE`.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};

use super::error::HttpError;
use super::request::{self, SESSION_HEADER};
use super::{stateless, Endpoint};
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

//! Resuming a lost stream: `GET` with `Last-Event-ID` (2025-11-25, "Resumability and
//! Redelivery"; SSE polling, SEP-1699).
//!
//! Every event of a resumable stream is recorded in the [`EventStore`] as it is sent. When a
//! call's stream ends before its response, the call is *parked*: a task goes on reading its
//! messages and recording them, so the tool never waits for a client that left. A client that
//! comes back names the last event it got; it receives the recorded events after it, of that
//! stream only, and then, if the call still runs, the rest live, numbered on.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::error::HttpError;
use super::sse::EventWriter;
use crate::peer::Outgoing;
use crate::peer::Session;
use crate::store::{EventStore, EventTail, ReplayError, StoreError, StoreFuture};

/// What a resumable stream needs to record its events and to park.
#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) store: Arc<dyn EventStore>,
    pub(crate) session: Arc<str>,
    pub(crate) streams: Arc<Streams>,
}

impl Recorder {
    /// Frames one message as the writer's next event and hands it to the store; the event
    /// may be sent once the returned future resolves (store, then send).
    pub(crate) fn record(&self, writer: &mut EventWriter, json: &[u8]) -> Storing {
        let seq = writer.seq;
        let event = writer.message(json);
        let stored = self.store.append(
            &self.session,
            writer.stream,
            seq,
            std::slice::from_ref(&event),
        );
        Storing { event, stored }
    }

    /// Hands a running call to a task that records its messages until a client claims it.
    /// `claims` is where claims of the stream arrive (from [`Streams::attach`]).
    /// `storing`: an event of the stream the store has not confirmed yet, stored first.
    pub(crate) fn park(self, live: RunningCall, claims: Claims, storing: Option<Storing>) {
        // Streams are dropped on actix's workers, inside a runtime; outside one there is no
        // task to park on, and the call's messages are dropped as before resumability.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.finish(live.writer.stream);
            return;
        };
        runtime.spawn(async move {
            if let Some(storing) = storing {
                if storing.await.is_err() {
                    self.finish(live.writer.stream);
                    return;
                }
            }
            drain(live, self, claims).await
        });
    }

    /// The call of `stream` is over: nobody may claim it any more, and the store marks it
    /// finished, which ends the tails of it.
    pub(crate) fn finish(&self, stream: u64) {
        self.streams.finish(stream);
        crate::store::detach(self.store.finish_stream(&self.session, stream));
    }

    /// Hands `live` to the claimant behind `reply`; if it is gone, takes the stream back and
    /// registers it again, returning it with its new claims.
    pub(crate) fn hand_over(
        &self,
        live: RunningCall,
        reply: Reply,
    ) -> Option<(RunningCall, Claims)> {
        match reply.send(live) {
            Ok(()) => None,
            Err(live) => {
                let claims = self.streams.attach(live.writer.stream, &self.session);
                Some((live, claims))
            }
        }
    }
}

/// An event on its way into the store: resolves to the event, to be sent, once it is stored.
/// An in-memory store's is ready at once.
pub(crate) struct Storing {
    event: Bytes,
    stored: StoreFuture<'static, Result<(), StoreError>>,
}

impl Future for Storing {
    type Output = Result<Bytes, StoreError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        Pin::new(&mut this.stored)
            .poll(cx)
            .map_ok(|()| std::mem::take(&mut this.event))
    }
}

/// The part of a call stream that moves between HTTP response bodies and the parking task.
pub(crate) struct RunningCall {
    pub(crate) writer: EventWriter,
    pub(crate) messages: mpsc::Receiver<Outgoing>,
}

/// Where a claimant wants the stream's [`RunningCall`] part sent.
pub(crate) type Reply = oneshot::Sender<RunningCall>;
/// Where the holder of a stream (a response body or the parking task) hears of claims.
pub(crate) type Claims = oneshot::Receiver<Reply>;

/// How long a resuming client waits for the holder of its stream to hand it over. A body
/// whose connection died unnoticed is woken at once by the claim; this only bounds the wait
/// on a body that cannot be polled (its socket buffer full).
const HAND_OVER_WAIT: Duration = Duration::from_secs(2);

/// The resumable call streams whose call still runs, by stream id (unique in the process),
/// each with the way to claim it from whoever holds it.
#[derive(Default)]
pub(crate) struct Streams {
    entries: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    session: Arc<str>,
    claim: oneshot::Sender<Reply>,
}

/// Where a stream named by `Last-Event-ID` stands.
enum Found {
    /// Its call still runs: the caller now holds it.
    RunningCall(RunningCall),
    /// Its call still runs, but its holder did not hand it over in time.
    Busy,
    /// No call runs on it (finished, or never a call stream of this session).
    Idle,
}

impl Streams {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a stream whose call runs; claims of it arrive on the returned receiver.
    pub(crate) fn attach(&self, stream: u64, session: &Arc<str>) -> Claims {
        let (claim, claims) = oneshot::channel();
        self.lock().insert(
            stream,
            Entry {
                session: session.clone(),
                claim,
            },
        );
        claims
    }

    pub(crate) fn finish(&self, stream: u64) {
        self.lock().remove(&stream);
    }

    /// Takes `stream` of `session` over from whoever holds it: the response body still
    /// sending it (its client may be gone without the server having noticed) or the task
    /// recording it.
    async fn find(&self, session: &str, stream: u64) -> Found {
        let claim = {
            let mut entries = self.lock();
            match entries.get(&stream) {
                Some(entry) if &*entry.session == session => match entries.remove(&stream) {
                    Some(entry) => entry.claim,
                    None => return Found::Idle,
                },
                _ => return Found::Idle,
            }
        };
        let (reply, live) = oneshot::channel();
        if claim.send(reply).is_err() {
            return Found::Idle;
        }
        match tokio::time::timeout(HAND_OVER_WAIT, live).await {
            Ok(Ok(live)) => Found::RunningCall(live),
            // The holder saw the response first; a replay has it all.
            Ok(Err(_)) => Found::Idle,
            // The holder takes the stream back when it finds the claimant gone.
            Err(_) => Found::Busy,
        }
    }
}

/// Records a parked call's messages until the response, or until a client claims the stream.
async fn drain(mut live: RunningCall, recorder: Recorder, claims: Claims) {
    let stream = live.writer.stream;
    let mut claims = Some(claims);
    loop {
        let claimed = async {
            match claims.as_mut() {
                Some(claims) => claims.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            claim = claimed => match claim {
                Ok(reply) => match recorder.hand_over(live, reply) {
                    None => return,
                    Some((back, again)) => {
                        live = back;
                        claims = Some(again);
                    }
                },
                Err(_) => claims = None,
            },
            message = live.messages.recv() => match message {
                Some(Outgoing::Notification(json)) => {
                    // A store that fails cannot give the client these events back: stop
                    // recording (the call goes on; its messages are dropped).
                    if recorder.record(&mut live.writer, &json).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::CloseStream) => {}
                Some(Outgoing::Response(response)) => {
                    let _ = recorder.record(&mut live.writer, &response.encode()).await;
                    break;
                }
                None => break,
            },
        }
    }
    recorder.finish(stream);
}

/// The answer to a resumption whose events cannot be replayed.
fn replay_refused(error: ReplayError) -> HttpError {
    match error {
        ReplayError::UnknownStream(stream) => HttpError::UnknownStream(stream),
        ReplayError::Store(error) => HttpError::StoreUnavailable(error),
        gone => HttpError::EventsGone(gone),
    }
}

/// What a `GET` with `Last-Event-ID` resumes.
pub(crate) enum Resumed {
    /// A call's stream: the events missed, then the call itself if it still runs.
    Call {
        missed: Vec<Bytes>,
        live: Option<RunningCall>,
    },
    /// The session's own server stream: the events missed, before a new one opens.
    Session(Vec<Bytes>),
    /// A call's stream no call of this process holds: the store's replay then tail.
    Tail(EventTail),
}

impl Recorder {
    /// Resumes `stream` of `session` after event `after`: takes the call over from whoever
    /// holds it (if it still runs) and gathers the recorded events the client missed.
    pub(crate) async fn resume(
        &self,
        session: &Session,
        stream: u64,
        after: u64,
    ) -> Result<Resumed, HttpError> {
        let found = self.streams.find(&self.session, stream).await;
        let standalone = matches!(found, Found::Idle) && session.was_stream(stream);
        if matches!(found, Found::Idle) && !standalone {
            // No call runs on it here: it finished (its events end with the response), or
            // runs elsewhere. Replay then tail: the store delivers the rest as it is stored,
            // so an answer still on its way into the store is not missed.
            return match self.store.tail(&self.session, stream, after).await {
                Ok(tail) => Ok(Resumed::Tail(tail)),
                Err(error) => Err(replay_refused(error)),
            };
        }
        // A stream that exists but recorded nothing yet has simply sent nothing; only a stream
        // no call and no session stream ever had is an unknown id.
        let known = !matches!(found, Found::Idle) || standalone;
        let missed = match self.store.replay(&self.session, stream, after).await {
            Ok(events) => events,
            Err(ReplayError::UnknownStream(_)) if known => Vec::new(),
            Err(error) => {
                if let Found::RunningCall(live) = found {
                    let claims = self.streams.attach(stream, &self.session);
                    self.clone().park(live, claims, None);
                }
                return Err(replay_refused(error));
            }
        };
        Ok(match found {
            Found::RunningCall(live) => Resumed::Call {
                missed,
                live: Some(live),
            },
            // The client may be retrying a resumption whose answer it never saw: what the
            // session's later streams carried is missed too.
            _ if standalone => {
                let mut missed = missed;
                for later in session.streams_after(stream) {
                    match self.store.replay(&self.session, later, 0).await {
                        Ok(events) => missed.extend(events),
                        Err(ReplayError::UnknownStream(_)) => {} // it sent nothing
                        Err(ReplayError::Store(error)) => {
                            return Err(HttpError::StoreUnavailable(error))
                        }
                        Err(gone) => return Err(HttpError::EventsGone(gone)),
                    }
                }
                Resumed::Session(missed)
            }
            // A call whose holder did not hand it over in time: what was missed, and the
            // client comes back after `retry`.
            Found::Busy | Found::Idle => Resumed::Call { missed, live: None },
        })
    }
}

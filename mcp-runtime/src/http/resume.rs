//! Resuming a lost stream: `GET` with `Last-Event-ID` (2025-11-25, "Resumability and
//! Redelivery"; SSE polling, SEP-1699).
//!
//! Every event of a resumable stream is recorded in the [`EventStore`] as it is sent. When a
//! call's stream ends before its response, the call is *parked*: a task goes on reading its
//! messages and recording them, so the tool never waits for a client that left. A client that
//! comes back names the last event it got; it receives the recorded events after it, of that
//! stream only, and then, if the call still runs, the rest live, numbered on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::error::HttpError;
use super::sse::EventWriter;
use crate::ctx::Outgoing;
use crate::event_store::{EventStore, ReplayError};

/// What a resumable stream needs to record its events and to park.
#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) store: Arc<dyn EventStore>,
    pub(crate) session: Arc<str>,
    pub(crate) streams: Arc<Streams>,
}

impl Recorder {
    /// Frames one message as the writer's next event and records it.
    pub(crate) fn record(&self, writer: &mut EventWriter, json: &[u8]) -> Bytes {
        let seq = writer.seq;
        let event = writer.message(json);
        self.store
            .append(&self.session, writer.stream, seq, event.clone());
        event
    }

    /// Hands a running call to a task that records its messages until a client claims it.
    pub(crate) fn park(self, live: Live) {
        // Streams are dropped on actix's workers, inside a runtime; outside one there is no
        // task to park on, and the call's messages are dropped as before resumability.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.streams.finish(live.writer.stream);
            return;
        };
        let (claim, claims) = oneshot::channel();
        self.streams.lock().insert(
            live.writer.stream,
            Entry {
                session: self.session.clone(),
                state: State::Parked(claim),
            },
        );
        runtime.spawn(drain(live, self, claims));
    }
}

/// The part of a call stream that moves between the HTTP body and the parking task.
pub(crate) struct Live {
    pub(crate) writer: EventWriter,
    pub(crate) messages: mpsc::Receiver<Outgoing>,
}

type Claim = oneshot::Sender<oneshot::Sender<Live>>;

/// The resumable call streams whose call still runs, by stream id (unique in the process).
#[derive(Default)]
pub(crate) struct Streams {
    entries: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    session: Arc<str>,
    state: State,
}

enum State {
    /// An HTTP response body is sending it.
    Attached,
    /// A task records it; sending on the claim takes it over.
    Parked(Claim),
}

/// Where a stream named by `Last-Event-ID` stands.
pub(crate) enum Found {
    /// Its call still runs and nobody sends it: the caller takes it over.
    Parked(Live),
    /// Its call still runs and a response body still sends it: the server has not yet noticed
    /// that the old connection is gone.
    Attached,
    /// No call runs on it (finished, or never a call stream of this session).
    Idle,
}

impl Streams {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn attach(&self, stream: u64, session: &Arc<str>) {
        self.lock().insert(
            stream,
            Entry {
                session: session.clone(),
                state: State::Attached,
            },
        );
    }

    pub(crate) fn finish(&self, stream: u64) {
        self.lock().remove(&stream);
    }

    /// Looks `stream` up for `session`, taking it over from its parking task if it is parked.
    pub(crate) async fn find(&self, session: &str, stream: u64) -> Found {
        let claim = {
            let mut entries = self.lock();
            match entries.get(&stream) {
                Some(entry) if &*entry.session == session => {
                    if matches!(entry.state, State::Attached) {
                        return Found::Attached;
                    }
                    match entries.remove(&stream).map(|e| e.state) {
                        Some(State::Parked(claim)) => claim,
                        _ => return Found::Idle,
                    }
                }
                _ => return Found::Idle,
            }
        };
        let (reply, live) = oneshot::channel();
        if claim.send(reply).is_err() {
            return Found::Idle;
        }
        // An error: the task saw the response first and recorded it; a replay has it all.
        live.await.map_or(Found::Idle, Found::Parked)
    }
}

/// Records a parked call's messages until the response, or until a client claims the stream.
async fn drain(
    mut live: Live,
    recorder: Recorder,
    claims: oneshot::Receiver<oneshot::Sender<Live>>,
) {
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
                Ok(reply) => {
                    // The claimant is gone if this fails; then nobody resumes this stream
                    // until the next request, and the messages are dropped with it.
                    let _ = reply.send(live);
                    return;
                }
                Err(_) => claims = None,
            },
            message = live.messages.recv() => match message {
                Some(Outgoing::Notification(json)) => {
                    recorder.record(&mut live.writer, &json);
                }
                Some(Outgoing::CloseStream) => {}
                Some(Outgoing::Response(json)) => {
                    recorder.record(&mut live.writer, &json);
                    break;
                }
                None => break,
            },
        }
    }
    recorder.streams.finish(stream);
}

/// The recorded events of `stream` after `after`. `known`: the stream exists, so nothing
/// recorded means it has not sent anything yet rather than an id this session never had.
pub(crate) fn missed(
    recorder: &Recorder,
    stream: u64,
    after: u64,
    known: bool,
) -> Result<Vec<Bytes>, HttpError> {
    match recorder.store.replay(&recorder.session, stream, after) {
        Ok(events) => Ok(events),
        Err(ReplayError::UnknownStream(_)) if known => Ok(Vec::new()),
        Err(ReplayError::UnknownStream(stream)) => Err(HttpError::UnknownStream(stream)),
        Err(gone @ ReplayError::Evicted { .. }) => Err(HttpError::EventsGone(gone)),
    }
}

//! Streamable HTTP (MCP 2025-03-26 .. 2025-11-25, and the stateless 2026-07-28) on actix-web,
//! and optionally the legacy HTTP+SSE transport (2024-11-05) beside it.
//!
//! One endpoint (default `/mcp`): `POST` carries client messages and is answered with JSON or
//! an SSE stream, `GET` opens the session's server-initiated stream, `DELETE` ends the session.
//! Both eras share it: `initialize` opens a 2025 session, while a request whose `params._meta`
//! names a protocol revision (with the matching `MCP-Protocol-Version` header) is served
//! statelessly, by the same tools, prompts and resources.
//! With [`StreamableHttp::legacy_sse`], `GET /sse` and `POST /messages` serve older clients
//! from the same tools.
//!
//! Serve on its own with [`Server::serve`](crate::Server::serve), or mount into an existing actix-web `App`:
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer};
//! use mcp_runtime::{mcp_tool, Server};
//!
//! /// Add two integers.
//! #[mcp_tool]
//! async fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let mcp = Server::new("demo", "1.0.0").tool::<add>().into_http().path("/mcp");
//!     HttpServer::new(move || {
//!         App::new()
//!             .service(mcp.service())
//!             .route("/health", web::get().to(|| async { "ok" }))
//!     })
//!     .bind("127.0.0.1:8000")?
//!     .run()
//!     .await
//! }
//! ```

mod auth;
mod cors;
mod error;
mod legacy_sse;
mod request;
mod resume;
mod security;
mod sessions;
mod shutdown;
mod sse;
mod stateless;
#[cfg(feature = "tls")]
mod tls;

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use self::error::HttpError;
use self::request::Accepts;
use self::security::{AllowList, OriginPolicy};
pub use self::shutdown::ShutdownHandle;
#[cfg(feature = "tls")]
pub use self::tls::{TlsConfig, TlsError};
use crate::auth::{Identity, ProtectedResource, TokenVerifier};
use crate::engine::ServerCore;
use crate::engine::{Received, Reply};
use crate::peer::Outgoing;
use crate::peer::{LiveSessions, Session};
use crate::protocol::Message;
use crate::store::{EventStore, InMemoryEventStore, InMemorySessionStore, SessionStore};

/// The Streamable HTTP endpoint of a [`Server`](crate::Server): configure it, then mount
/// [`service`](Self::service) in an actix-web `App` or call [`serve`](Self::serve).
///
/// Cloning is cheap and clones share sessions, so the handle can be moved into
/// `HttpServer::new`'s factory. Configure before cloning.
#[derive(Clone)]
pub struct StreamableHttp {
    shared: Arc<Endpoint>,
}

/// How a standalone server's listener speaks.
enum Encryption {
    None,
    #[cfg(feature = "tls")]
    Tls(Box<rustls::ServerConfig>),
}

struct Endpoint {
    core: Arc<ServerCore>,
    sessions: LiveSessions,
    /// The open connections of the legacy HTTP+SSE transport.
    legacy: legacy_sse::Connections,
    shutdown: shutdown::Shutdown,
    /// Resumable call streams whose call still runs.
    streams: Arc<resume::Streams>,
    config: Config,
}

#[derive(Clone)]
struct Config {
    path: String,
    policy: OriginPolicy,
    max_body_bytes: usize,
    body_timeout: Duration,
    /// `None`: the default, from the process's file descriptor limit.
    max_connections: Option<usize>,
    idle_timeout: Duration,
    unused_session_timeout: Duration,
    max_sessions: usize,
    max_sessions_per_address: usize,
    sse_retry: Duration,
    keep_alive: Duration,
    workers: Option<usize>,
    legacy_sse: bool,
    legacy_sse_path: String,
    legacy_messages_path: String,
    cors: bool,
    drain_timeout: Duration,
    /// Where events of resumable streams are recorded; `None` turns resumption off.
    events: Option<Arc<dyn EventStore>>,
    /// Where session records are kept.
    session_store: Arc<dyn SessionStore>,
    /// Checks the bearer token of every request; `None`: no authentication.
    auth: Option<Arc<dyn TokenVerifier>>,
    protected_resource: Option<Arc<ProtectedResource>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: "/mcp".into(),
            policy: OriginPolicy::default(),
            max_body_bytes: 4 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
            max_connections: None,
            idle_timeout: Duration::from_secs(30 * 60),
            unused_session_timeout: Duration::from_secs(60),
            max_sessions: 10_000,
            max_sessions_per_address: 1_000,
            sse_retry: Duration::from_secs(1),
            keep_alive: Duration::from_secs(15),
            workers: None,
            legacy_sse: false,
            legacy_sse_path: "/sse".into(),
            legacy_messages_path: "/messages".into(),
            cors: false,
            drain_timeout: Duration::from_secs(30),
            events: Some(Arc::new(InMemoryEventStore::default())),
            session_store: Arc::new(InMemorySessionStore::new()),
            auth: None,
            protected_resource: None,
        }
    }
}

impl StreamableHttp {
    /// The endpoint of a server's core, with the default settings.
    pub(crate) fn new(core: Arc<ServerCore>) -> StreamableHttp {
        StreamableHttp::with_config(core, Config::default())
    }

    fn with_config(core: Arc<ServerCore>, config: Config) -> StreamableHttp {
        let sessions = LiveSessions::new(config.idle_timeout, config.max_sessions)
            .with_admission(
                config.unused_session_timeout,
                config.max_sessions_per_address,
            )
            .with_events(config.events.clone());
        StreamableHttp {
            shared: Arc::new(Endpoint {
                core,
                sessions,
                legacy: legacy_sse::Connections::default(),
                shutdown: shutdown::Shutdown::default(),
                streams: Arc::default(),
                config,
            }),
        }
    }

    fn reconfigure(self, change: impl FnOnce(&mut Config)) -> StreamableHttp {
        let mut config = self.shared.config.clone();
        change(&mut config);
        // Sessions only exist once requests were served; configuring happens before that.
        StreamableHttp::with_config(self.shared.core.clone(), config)
    }

    /// The endpoint path (default `/mcp`).
    pub fn path(self, path: impl Into<String>) -> StreamableHttp {
        let path = path.into();
        self.reconfigure(|c| c.path = path)
    }

    /// Host names (optionally `name:port`) the endpoint answers; any other `Host` gets 403.
    /// Default: `localhost`, `127.0.0.1` and `[::1]` on any port.
    pub fn allowed_hosts<I, S>(self, hosts: I) -> StreamableHttp
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let hosts = hosts
            .into_iter()
            .map(|h| h.into().to_ascii_lowercase())
            .collect();
        self.reconfigure(|c| c.policy.hosts = AllowList::Only(hosts))
    }

    /// Answer any `Host` (when a reverse proxy in front validates it).
    pub fn allow_any_host(self) -> StreamableHttp {
        self.reconfigure(|c| c.policy.hosts = AllowList::Any)
    }

    /// Browser origins (`scheme://host[:port]`) allowed to call; any other `Origin` gets 403.
    /// Requests without `Origin` (non-browser clients) are always allowed. Default: loopback
    /// origins.
    pub fn allowed_origins<I, S>(self, origins: I) -> StreamableHttp
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let origins = origins
            .into_iter()
            .map(|o| o.into().to_ascii_lowercase())
            .collect();
        self.reconfigure(|c| c.policy.origins = AllowList::Only(origins))
    }

    /// Allow every `Origin`.
    pub fn allow_any_origin(self) -> StreamableHttp {
        self.reconfigure(|c| c.policy.origins = AllowList::Any)
    }

    /// The largest accepted request body (default 4 MiB); larger bodies get 413.
    pub fn max_body_bytes(self, limit: usize) -> StreamableHttp {
        self.reconfigure(|c| c.max_body_bytes = limit)
    }

    /// How long a request body may take to arrive, whole, once the headers are in (default
    /// 30 s); a slower or stalled body gets `408` and its connection is closed. actix-web only
    /// times out the headers (`client_request_timeout`, 5 s), so without this a client that
    /// sends one byte of its body and then nothing would hold its connection forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// let http = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .body_timeout(Duration::from_secs(10));
    /// # let _ = http;
    /// ```
    pub fn body_timeout(self, timeout: Duration) -> StreamableHttp {
        self.reconfigure(|c| c.body_timeout = timeout)
    }

    /// The most connections [`serve`](Self::serve) and [`listen`](Self::listen) hold open at
    /// once, over all workers (default: 10,000, or fewer when the process may open fewer
    /// files: its `RLIMIT_NOFILE` less 64 for everything else). Beyond it, new connections
    /// wait in the listen backlog, unanswered, until one closes: no status can be sent on a
    /// connection not accepted. Mounted endpoints use the `HttpServer`'s own
    /// `max_connections`, which counts per worker.
    ///
    /// ```
    /// let http = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .max_connections(2_000);
    /// # let _ = http;
    /// ```
    pub fn max_connections(self, max: usize) -> StreamableHttp {
        self.reconfigure(|c| c.max_connections = Some(max.max(1)))
    }

    /// How long a session may stay unused before it is dropped (default 30 minutes).
    pub fn session_idle_timeout(self, timeout: Duration) -> StreamableHttp {
        self.reconfigure(|c| c.idle_timeout = timeout)
    }

    /// How long a session is kept when its client sends no request after `initialize`
    /// (default 60 s, and never longer than the idle timeout). Such sessions cost nothing to
    /// open, so a flood of bare `initialize` requests would otherwise fill
    /// [`max_sessions`](Self::max_sessions) for the whole idle timeout. A session with a
    /// call running or its GET stream open is kept.
    ///
    /// ```
    /// use std::time::Duration;
    /// let http = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .unused_session_timeout(Duration::from_secs(20));
    /// # let _ = http;
    /// ```
    pub fn unused_session_timeout(self, timeout: Duration) -> StreamableHttp {
        self.reconfigure(|c| c.unused_session_timeout = timeout)
    }

    /// The most sessions one client address may hold at once (default 1,000); `initialize`
    /// beyond it gets `429`. The address is the connection's peer: behind a reverse proxy it
    /// is the proxy's, so raise this to [`max_sessions`](Self::max_sessions) there and limit
    /// per client in the proxy.
    ///
    /// ```
    /// let http = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .max_sessions_per_address(32);
    /// # let _ = http;
    /// ```
    pub fn max_sessions_per_address(self, max: usize) -> StreamableHttp {
        self.reconfigure(|c| c.max_sessions_per_address = max.max(1))
    }

    /// The most sessions held at once (default 10,000); `initialize` beyond it gets 503.
    pub fn max_sessions(self, max: usize) -> StreamableHttp {
        self.reconfigure(|c| c.max_sessions = max.max(1))
    }

    /// The reconnection delay sent in SSE `retry` fields (default 1 s).
    pub fn sse_retry(self, retry: Duration) -> StreamableHttp {
        self.reconfigure(|c| c.sse_retry = retry)
    }

    /// Where the events of resumable streams are kept (default: an [`InMemoryEventStore`] of
    /// 16 MiB). A client that loses a stream reconnects with `GET` and `Last-Event-ID` and
    /// receives the events it missed from here; plug in a shared store when clients may come
    /// back to another instance.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_runtime::{Server, store::InMemoryEventStore};
    ///
    /// let http = Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .event_store(Arc::new(InMemoryEventStore::new(64 * 1024 * 1024)));
    /// # let _ = http;
    /// ```
    pub fn event_store(self, store: Arc<dyn EventStore>) -> StreamableHttp {
        self.reconfigure(|c| c.events = Some(store))
    }

    /// Where the records of sessions are kept (default: [`InMemorySessionStore`]). The
    /// endpoint stores a session's record before it answers `initialize`, keeps it alive
    /// while the session is used (its TTL is the [idle timeout](Self::session_idle_timeout)),
    /// and removes it when the session ends.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_runtime::{Server, store::InMemorySessionStore};
    ///
    /// let http = Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .session_store(Arc::new(InMemorySessionStore::new()));
    /// # let _ = http;
    /// ```
    pub fn session_store(self, store: Arc<dyn SessionStore>) -> StreamableHttp {
        self.reconfigure(|c| c.session_store = store)
    }

    /// Turns stream resumption off (default on): no event is recorded, a lost stream's
    /// remaining messages are dropped, and `Last-Event-ID` is ignored.
    pub fn without_resumption(self) -> StreamableHttp {
        self.reconfigure(|c| c.events = None)
    }

    /// The interval of keep-alive comments on quiet streams: GET streams, a call's stream while
    /// its tool is quiet, legacy SSE streams (default 15 s). A client that went away is noticed
    /// at the next write, so this also bounds how long its stream outlives it. A call's stream
    /// on the stateless 2026 wire, where hanging up is how a client cancels, gets one at least
    /// every second.
    pub fn keep_alive(self, interval: Duration) -> StreamableHttp {
        self.reconfigure(|c| c.keep_alive = interval)
    }

    /// How many actix-web worker threads [`serve`](Self::serve) and [`listen`](Self::listen)
    /// start (default: one per physical core). Mounted endpoints use the `HttpServer`'s own.
    pub fn workers(self, workers: usize) -> StreamableHttp {
        self.reconfigure(|c| c.workers = Some(workers.max(1)))
    }

    /// Also serves the legacy HTTP+SSE transport of MCP 2024-11-05 (default off): `GET /sse`
    /// opens a stream whose first event names the URI to `POST` messages to
    /// (`/messages?sessionId=<id>`), and every answer travels on that stream. The same tools,
    /// `Host`/`Origin` policy, body limit and keep-alive apply; the number of open streams is
    /// bounded by [`max_sessions`](Self::max_sessions), separately from `/mcp` sessions.
    ///
    /// Enable it while clients still speak 2024-11-05, beside `/mcp`, and mount with
    /// [`configure`](Self::configure) (or use [`serve`](Self::serve) / [`listen`](Self::listen)).
    ///
    /// ```
    /// use mcp_runtime::{mcp_tool, Server};
    ///
    /// /// Add two integers.
    /// #[mcp_tool]
    /// async fn add(a: i64, b: i64) -> i64 { a + b }
    ///
    /// let http = Server::new("demo", "1.0.0").tool::<add>().into_http().legacy_sse(true);
    /// # let _ = http;
    /// ```
    pub fn legacy_sse(self, enabled: bool) -> StreamableHttp {
        self.reconfigure(|c| c.legacy_sse = enabled)
    }

    /// The paths of the legacy HTTP+SSE endpoints (default `/sse` and `/messages`); they take
    /// effect with [`legacy_sse(true)`](Self::legacy_sse). The `endpoint` event names the
    /// messages path under the same mount prefix as the SSE path.
    ///
    /// ```
    /// let http = mcp_runtime::Server::new("demo", "1.0.0")
    ///     .into_http()
    ///     .legacy_sse(true)
    ///     .legacy_sse_paths("/legacy/sse", "/legacy/messages");
    /// # let _ = http;
    /// ```
    pub fn legacy_sse_paths(
        self,
        sse: impl Into<String>,
        messages: impl Into<String>,
    ) -> StreamableHttp {
        let (sse, messages) = (sse.into(), messages.into());
        self.reconfigure(|c| {
            c.legacy_sse_path = sse;
            c.legacy_messages_path = messages;
        })
    }

    /// Registers every route of this endpoint in an actix-web `App` or scope: `/mcp`, the
    /// Protected Resource Metadata when [`protected_resource`](Self::protected_resource) is
    /// set, plus the legacy HTTP+SSE endpoints when [`legacy_sse`](Self::legacy_sse) is on.
    ///
    /// ```no_run
    /// use actix_web::{web, App, HttpServer};
    /// use mcp_runtime::Server;
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let mcp = Server::new("demo", "1.0.0").into_http().legacy_sse(true);
    /// HttpServer::new(move || {
    ///     App::new()
    ///         .configure(|cfg| mcp.configure(cfg))
    ///         .route("/health", web::get().to(|| async { "ok" }))
    /// })
    /// .bind("127.0.0.1:8000")?
    /// .run()
    /// .await
    /// # }
    /// ```
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        self.shared.core.stateless.keys.prefetch();
        cfg.service(self.service());
        self.configure_auth(cfg);
        let config = &self.shared.config;
        if !config.legacy_sse {
            return;
        }
        let data = web::Data::from(self.shared.clone());
        cfg.service(
            web::resource(config.legacy_sse_path.as_str())
                .app_data(data.clone())
                .route(web::get().to(legacy_sse::open))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(HttpError::MethodNotAllowedHere("GET"))
                })),
        );
        cfg.service(
            web::resource(config.legacy_messages_path.as_str())
                .app_data(data)
                .route(web::post().to(legacy_sse::post))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(HttpError::MethodNotAllowedHere("POST"))
                })),
        );
    }

    /// The actix-web resource serving the Streamable HTTP endpoint, for `App::service`. It
    /// does not carry the legacy HTTP+SSE endpoints: mount with [`configure`](Self::configure)
    /// to get those too.
    pub fn service(&self) -> actix_web::Resource {
        self.shared.core.stateless.keys.prefetch();
        web::resource(self.shared.config.path.as_str())
            .app_data(web::Data::from(self.shared.clone()))
            .route(web::post().to(post))
            .route(web::get().to(sessions::get))
            .route(web::delete().to(sessions::delete))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(HttpError::MethodNotAllowed)
            }))
    }

    /// Serves the endpoint on `addr` until the process is stopped.
    pub async fn serve(self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let listener = TcpListener::bind(addr)?;
        self.listen(listener)?.await
    }

    /// Serves the endpoint on an already-bound listener; returns the running server, a future
    /// that also offers a handle to stop it. Useful with port 0 in tests. With the `tls`
    /// feature (which builds HTTP/2 in), clients may also speak HTTP/2 here with prior
    /// knowledge (h2c), as proxies that terminate TLS in front often do.
    pub fn listen(self, listener: TcpListener) -> io::Result<actix_web::dev::Server> {
        self.start(listener, Encryption::None)
    }

    /// The one place a standalone server is built, for plain and encrypted listeners alike.
    fn start(
        self,
        listener: TcpListener,
        encryption: Encryption,
    ) -> io::Result<actix_web::dev::Server> {
        let addr = listener.local_addr()?;
        self.check_exposure(addr)?;
        let workers = self.shared.config.workers;
        let endpoint = self.shared.clone();
        let http = self;
        let mut server = actix_web::HttpServer::new(move || {
            let cors = actix_web::middleware::Condition::new(
                http.shared.config.cors,
                http.cors_middleware(),
            );
            actix_web::App::new()
                .wrap(cors)
                .configure(|cfg| http.configure(cfg))
        })
        .tcp_nodelay(true);
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        // actix counts connections per worker (and starts one per CPU unless told).
        let workers = workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let connections = endpoint
            .config
            .max_connections
            .unwrap_or_else(default_max_connections);
        server = server.max_connections(connections.div_ceil(workers).max(1));
        // actix stops accepting when the signal completes and force-closes what is left a little
        // after the drain deadline, by which time the drain has ended every stream cleanly.
        let grace = endpoint.config.drain_timeout + Duration::from_secs(2);
        server = server
            .shutdown_signal(endpoint.shutdown_signal())
            .shutdown_timeout(grace.as_secs());
        let server = match encryption {
            // With HTTP/2 built in, a plain listener also speaks it to clients that know
            // (prior knowledge, h2c): proxies in front of TLS termination often do.
            #[cfg(feature = "tls")]
            Encryption::None => server.listen_auto_h2c(listener)?,
            #[cfg(not(feature = "tls"))]
            Encryption::None => server.listen(listener)?,
            #[cfg(feature = "tls")]
            Encryption::Tls(config) => server.listen_rustls_0_23(listener, *config)?,
        };
        Ok(server.run())
    }

    /// A server reachable from other machines must say which `Host` names it answers, or it
    /// would either refuse every real client or be open to DNS rebinding.
    fn check_exposure(&self, addr: SocketAddr) -> io::Result<()> {
        if addr.ip().is_loopback()
            || !matches!(self.shared.config.policy.hosts, AllowList::Loopback)
        {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "refusing to serve on {addr}: it is reachable from other machines, but only \
                 loopback Host headers are allowed. Name the hosts clients use with \
                 .into_http().allowed_hosts([\"mcp.example.com\"]) (and .allowed_origins([..]) \
                 for browser clients), or call .allow_any_host() if a reverse proxy checks Host"
            ),
        ))
    }
}

/// 10,000 connections, or as many as the process may open files for, less 64 for the rest
/// (listeners, files, outgoing connections): at the limit, accepting fails and nothing is
/// answered, so the limit must be reached first.
fn default_max_connections() -> usize {
    const DEFAULT: usize = 10_000;
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the current limits into the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let files = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
            return DEFAULT.min(files.saturating_sub(64).max(16));
        }
    }
    DEFAULT
}

impl Endpoint {
    /// The message a POST carries, once the request passed the Host/Origin policy,
    /// authentication, the transport's own `checks` and the content-type check, with the
    /// authenticated caller. A refused POST has its unread body drained first where that
    /// keeps the refusal from being lost (see [`request::refuse_unread`]).
    async fn message(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        checks: impl std::future::Future<Output = Result<(), HttpError>>,
    ) -> Result<(Option<Arc<Identity>>, Message), HttpError> {
        let checked = async {
            self.config.policy.check(req)?;
            let caller = self.authenticate(req).await?;
            checks.await?;
            request::require_json_body(req.headers())?;
            Ok(caller)
        };
        let (limit, timeout) = (self.config.max_body_bytes, self.config.body_timeout);
        let caller = match checked.await {
            Ok(caller) => caller,
            Err(refusal) => {
                return Err(request::refuse_unread(req, payload, limit, timeout, refusal).await)
            }
        };
        let body = request::read_body(req.headers(), payload, limit, timeout).await?;
        Ok((caller, Message::from_slice(&body)?))
    }

    fn priming(&self, session: &Session) -> Option<Duration> {
        session
            .protocol_version()
            .primes_streams()
            .then_some(self.config.sse_retry)
    }

    /// How a session's streams are recorded, if they can be resumed: clients learn event ids
    /// from the priming event, which revisions before 2025-11-25 do not send.
    fn recorder(&self, session: &Session) -> Option<resume::Recorder> {
        let store = self.config.events.as_ref()?;
        session
            .protocol_version()
            .primes_streams()
            .then(|| resume::Recorder {
                store: store.clone(),
                session: session.shared_id(),
                streams: self.streams.clone(),
            })
    }
}

async fn post(
    req: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<Endpoint>,
) -> Result<HttpResponse, HttpError> {
    let endpoint = endpoint.into_inner();
    let accepts = Accepts::from_headers(req.headers());
    let checked = std::future::ready(match accepts.json && accepts.sse {
        true => Ok(()),
        false => Err(HttpError::NotAcceptable(
            "both application/json and text/event-stream",
        )),
    });
    let (caller, message) = endpoint.message(&req, payload, checked).await?;
    if stateless::is_stateless(req.headers(), &message) {
        return match message {
            Message::Request(request) => stateless::post(&endpoint, &req, request, caller).await,
            // No client notification means anything on the stateless wire: accepted, ignored.
            _ => Ok(HttpResponse::Accepted().finish()),
        };
    }

    // `initialize` opens a new session whatever the request names; anything else must name
    // a live session of the caller's.
    let opens = matches!(&message, Message::Request(r) if r.method == "initialize");
    let id = match &message {
        Message::Request(request) => Some(request.id.clone()),
        _ => None,
    };
    let session = match opens {
        true => None,
        false => Some(endpoint.session(&req, id.as_ref(), caller.as_deref())?),
    };
    if let Message::Request(request) = &message {
        // Before the response mode is chosen: a refused call is a status, not a stream.
        if !opens {
            endpoint.authorize(&req, caller.as_deref(), request, id.as_ref())?;
        }
        if endpoint.shutdown.is_draining() {
            return Err(HttpError::ShuttingDown(id));
        }
    }
    match endpoint
        .core
        .receive(session.as_ref(), message, caller.clone())
    {
        Received::Nothing => Ok(HttpResponse::Accepted().finish()),
        Received::Opened(opened) => {
            endpoint
                .opened(opened, caller.as_deref(), req.peer_addr().map(|a| a.ip()))
                .await
        }
        Received::Reply(Reply::Now(response) | Reply::Refused(response)) => {
            Ok(json_response(response.encode()))
        }
        Received::Reply(Reply::Call {
            notifies: false,
            mut messages,
            ..
        }) => {
            // The tool cannot notify, so nothing precedes the result: answer with plain JSON.
            loop {
                match messages.recv().await {
                    Some(Outgoing::Response(response)) => {
                        return Ok(json_response(response.encode()))
                    }
                    Some(Outgoing::Notification(_) | Outgoing::CloseStream) => continue,
                    None => return Ok(HttpResponse::Accepted().finish()),
                }
            }
        }
        Received::Reply(Reply::Call { messages, .. }) => {
            let session = session.expect("only a session's request runs a call");
            Ok(sse_response().streaming(sse::CallStream::new(
                messages,
                endpoint.priming(&session),
                endpoint.recorder(&session),
                endpoint.config.keep_alive,
            )))
        }
        Received::Reply(Reply::Listen { .. }) => {
            unreachable!("subscriptions/listen is a method of the stateless wire only")
        }
    }
}

fn json_response(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

pub(super) fn sse_response() -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("x-accel-buffering", "no"));
    builder
}

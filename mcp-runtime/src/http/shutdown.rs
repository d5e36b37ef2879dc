//! Graceful shutdown: stop accepting, end the idle streams, let running calls finish up to a
//! deadline, then cancel what is left, so every client sees a clean end of stream.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Endpoint, StreamableHttp};

/// The shutdown state of one endpoint.
#[derive(Default)]
pub(crate) struct Shutdown {
    /// Set by a [`ShutdownHandle`].
    requested: CancellationToken,
    /// Set once shutting down: new requests get 503, GET streams end.
    draining: CancellationToken,
}

impl Shutdown {
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.is_cancelled()
    }

    pub(crate) fn draining(&self) -> CancellationToken {
        self.draining.clone()
    }
}

/// Starts the graceful shutdown of a running endpoint, as SIGINT or SIGTERM would.
///
/// ```
/// use mcp_runtime::Server;
/// let mcp = Server::new("s", "1").into_http();
/// let handle = mcp.shutdown_handle();
/// // ... later, from anywhere:
/// handle.shutdown();
/// ```
#[derive(Clone)]
pub struct ShutdownHandle(CancellationToken);

impl ShutdownHandle {
    /// Begins the shutdown; returns at once.
    pub fn shutdown(&self) {
        self.0.cancel();
    }
}

impl StreamableHttp {
    /// How long running calls may take to finish once shutdown begins (default 30 s); then
    /// they are cancelled and their streams end.
    pub fn shutdown_timeout(self, timeout: Duration) -> StreamableHttp {
        self.reconfigure(|c| c.drain_timeout = timeout)
    }

    /// A handle that shuts the endpoint down gracefully, for tests and embedding. Servers
    /// started with [`serve`](Self::serve) or [`listen`](Self::listen) also shut down on
    /// SIGINT and SIGTERM.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shared.shutdown.requested.clone())
    }

    /// Completes when shutdown is requested (SIGINT, SIGTERM or a [`ShutdownHandle`]), after
    /// starting the drain. Pass it to your own `HttpServer::shutdown_signal` when mounting.
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        self.shared.clone().shutdown_signal()
    }
}

impl Endpoint {
    pub(crate) async fn shutdown_signal(self: Arc<Self>) {
        tokio::select! {
            _ = os_signal() => {}
            _ = self.shutdown.requested.cancelled() => {}
        }
        self.shutdown.draining.cancel();
        let endpoint = self.clone();
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + endpoint.config.drain_timeout;
            while endpoint.sessions.calls_in_flight() > 0 && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            endpoint.sessions.close_all();
        });
    }
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM. If the handlers cannot be installed, never completes
/// (the handle still works).
async fn os_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

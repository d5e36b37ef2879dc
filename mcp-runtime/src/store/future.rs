//! The future every store method returns: ready at once (an in-memory store, no allocation)
//! or boxed (a networked store).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What a store method returns: either its answer, already there, or a boxed future that
/// produces it.
///
/// An in-memory store answers at once with [`StoreFuture::ready`], which neither allocates
/// nor suspends, so the calls the runtime makes per request or per event cost nothing over a
/// plain function call. A store that waits on the network returns [`StoreFuture::new`]. The
/// type is `Unpin`, so it can be kept in a struct and polled there, and it keeps the store
/// traits object-safe (`Arc<dyn EventStore>`).
///
/// ```
/// use mcp_runtime::store::StoreFuture;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let now: StoreFuture<'static, u32> = StoreFuture::ready(7);
/// let later: StoreFuture<'static, u32> = StoreFuture::new(async { 7 });
/// assert_eq!(now.await, later.await);
/// # }
/// ```
#[must_use = "a store call does nothing until it is awaited"]
pub struct StoreFuture<'a, T>(Inner<'a, T>);

enum Inner<'a, T> {
    Ready(Option<T>),
    Boxed(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<'a, T> StoreFuture<'a, T> {
    /// An answer that is already there.
    pub fn ready(value: T) -> StoreFuture<'a, T> {
        StoreFuture(Inner::Ready(Some(value)))
    }

    /// An answer `future` produces.
    pub fn new(future: impl Future<Output = T> + Send + 'a) -> StoreFuture<'a, T> {
        StoreFuture(Inner::Boxed(Box::pin(future)))
    }

    /// The answer if it is already there (an in-memory store's), without polling; otherwise
    /// the future back.
    ///
    /// ```
    /// use mcp_runtime::store::StoreFuture;
    ///
    /// assert_eq!(StoreFuture::<u8>::ready(1).into_ready().ok(), Some(1));
    /// assert!(StoreFuture::new(async { 1u8 }).into_ready().is_err());
    /// ```
    pub fn into_ready(self) -> Result<T, StoreFuture<'a, T>> {
        match self.0 {
            Inner::Ready(Some(value)) => Ok(value),
            other => Err(StoreFuture(other)),
        }
    }
}

// The answer is moved out by value, never pinned: the future is `Unpin` whatever `T` is.
impl<T> Unpin for StoreFuture<'_, T> {}

impl<T> Future for StoreFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.get_mut().0 {
            Inner::Ready(value) => Poll::Ready(value.take().expect("polled after completion")),
            Inner::Boxed(future) => future.as_mut().poll(cx),
        }
    }
}

impl<T> fmt::Debug for StoreFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Inner::Ready(_) => "StoreFuture::Ready",
            Inner::Boxed(_) => "StoreFuture::Boxed",
        })
    }
}

/// Runs a store call whose answer nobody waits for (a clean-up, a touch): at once when it is
/// ready, else on the current tokio runtime, else not at all (no runtime: the process is
/// ending). A failure is dropped: the store's own expiry cleans up after it.
pub(crate) fn detach<T: Send + 'static>(future: StoreFuture<'static, T>) {
    if let Err(future) = future.into_ready() {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = future.await;
            });
        }
    }
}

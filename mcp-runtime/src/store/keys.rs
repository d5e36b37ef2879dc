//! The keys the stateless wire's `requestState` is sealed and opened with.

use std::sync::{Arc, Mutex, RwLock};

use ring::hmac;

use super::{StoreError, StoreFuture};

/// How many earlier keys [`InMemoryKeyRing::rotate`] keeps accepting.
const KEPT_PREVIOUS: usize = 3;

/// The keys of a [`KeyRing`] at one moment: `requestState` is sealed (HMAC-SHA256) with the
/// current key and opened with any of them, so a key can be rotated without failing the
/// multi-round-trip requests under way. Cloning is cheap.
///
/// ```
/// use mcp_runtime::store::RequestStateKeys;
///
/// let keys = RequestStateKeys::new(b"the key of this week, 32 bytes or more")
///     .with_previous(b"the key of last week, 32 bytes or more");
/// assert_eq!(keys.len(), 2);
/// ```
#[derive(Clone)]
pub struct RequestStateKeys(Arc<Keys>);

struct Keys {
    current: hmac::Key,
    previous: Vec<hmac::Key>,
}

impl RequestStateKeys {
    /// Seals with `current` (a secret of at least 32 bytes: every replica must have the same).
    pub fn new(current: &[u8]) -> RequestStateKeys {
        RequestStateKeys(Arc::new(Keys {
            current: hmac::Key::new(hmac::HMAC_SHA256, current),
            previous: Vec::new(),
        }))
    }

    /// A random key of 32 bytes: a `requestState` can then only come back to this process.
    ///
    /// ```
    /// assert_eq!(mcp_runtime::store::RequestStateKeys::random().len(), 1);
    /// ```
    pub fn random() -> RequestStateKeys {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides random bytes");
        RequestStateKeys::new(&secret)
    }

    /// Also opens what `previous` sealed (an earlier current key).
    pub fn with_previous(self, previous: &[u8]) -> RequestStateKeys {
        let keys = Arc::unwrap_or_clone(self.0);
        let mut previous_keys = keys.previous;
        previous_keys.push(hmac::Key::new(hmac::HMAC_SHA256, previous));
        RequestStateKeys(Arc::new(Keys {
            current: keys.current,
            previous: previous_keys,
        }))
    }

    /// How many keys open a `requestState`: the current one and the previous ones.
    pub fn len(&self) -> usize {
        1 + self.0.previous.len()
    }

    /// Never: there is always a current key.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The key new `requestState`s are sealed with.
    pub(crate) fn sealing(&self) -> &hmac::Key {
        &self.0.current
    }

    /// The keys a `requestState` may have been sealed with, the current one first.
    pub(crate) fn opening(&self) -> impl Iterator<Item = &hmac::Key> {
        std::iter::once(&self.0.current).chain(&self.0.previous)
    }
}

impl Clone for Keys {
    fn clone(&self) -> Keys {
        Keys {
            current: self.current.clone(),
            previous: self.previous.clone(),
        }
    }
}

impl std::fmt::Debug for RequestStateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        f.debug_struct("RequestStateKeys")
            .field("len", &self.len())
            .finish()
    }
}

/// Where the `requestState` keys come from: the same ring on every replica lets a client's
/// retry land on any of them.
///
/// The runtime asks for the keys when it seals a `requestState` (awaiting the answer) and
/// when it opens one. Opening happens while a request is dispatched, which does not wait: a
/// ready answer is used at once; a pending one is awaited in the background and the keys the
/// ring gave last are used meanwhile (the endpoint asks once as it starts; if the ring has
/// still not answered, the request is refused as unavailable, `-32603`). A networked ring
/// therefore answers from a local copy it refreshes on its own, and the stateless wire makes
/// no round trip to it per request.
///
/// ```
/// use mcp_runtime::store::{InMemoryKeyRing, KeyRing, RequestStateKeys};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let ring = InMemoryKeyRing::new(RequestStateKeys::new(b"a shared secret of 32 bytes or more"));
/// assert_eq!(ring.keys().await.unwrap().len(), 1);
/// ring.rotate(b"the next shared secret, 32 bytes or more");
/// assert_eq!(ring.keys().await.unwrap().len(), 2);
/// # }
/// ```
pub trait KeyRing: Send + Sync + 'static {
    /// The keys as they stand. The future is `'static`: it may be awaited on a task of its own.
    fn keys(&self) -> StoreFuture<'static, Result<RequestStateKeys, StoreError>>;
}

/// The default [`KeyRing`]: keys held in this process, rotated by [`rotate`](Self::rotate).
/// Without configuration, one random key per process.
///
/// ```
/// use std::sync::Arc;
/// use mcp_runtime::{Server, store::{InMemoryKeyRing, RequestStateKeys}};
///
/// let keys = RequestStateKeys::new(b"a shared secret of at least 32 bytes!!");
/// let server = Server::new("demo", "1.0.0").request_state_keys(Arc::new(InMemoryKeyRing::new(keys)));
/// # let _ = server;
/// ```
#[derive(Debug)]
pub struct InMemoryKeyRing {
    keys: RwLock<RequestStateKeys>,
}

impl InMemoryKeyRing {
    /// A ring holding `keys`.
    pub fn new(keys: RequestStateKeys) -> InMemoryKeyRing {
        InMemoryKeyRing {
            keys: RwLock::new(keys),
        }
    }

    /// Seals with `secret` from now on; the current key and the last few before it still
    /// open what they sealed.
    pub fn rotate(&self, secret: &[u8]) {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let old = Arc::unwrap_or_clone(keys.0.clone());
        let mut previous = vec![old.current];
        previous.extend(old.previous.into_iter().take(KEPT_PREVIOUS - 1));
        *keys = RequestStateKeys(Arc::new(Keys {
            current: hmac::Key::new(hmac::HMAC_SHA256, secret),
            previous,
        }));
    }
}

impl Default for InMemoryKeyRing {
    /// One random key.
    fn default() -> InMemoryKeyRing {
        InMemoryKeyRing::new(RequestStateKeys::random())
    }
}

impl KeyRing for InMemoryKeyRing {
    fn keys(&self) -> StoreFuture<'static, Result<RequestStateKeys, StoreError>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner()).clone();
        StoreFuture::ready(Ok(keys))
    }
}

/// The runtime's hold on a [`KeyRing`]: asks it, and keeps the keys it gave last for opening
/// without waiting.
pub(crate) struct KeyCache {
    ring: Arc<dyn KeyRing>,
    last: Arc<Mutex<Option<RequestStateKeys>>>,
}

impl KeyCache {
    pub(crate) fn new(ring: Arc<dyn KeyRing>) -> KeyCache {
        KeyCache {
            ring,
            last: Arc::default(),
        }
    }

    /// The keys to seal with, from the ring (waiting for it); kept for opening.
    pub(crate) async fn sealing(&self) -> Result<RequestStateKeys, StoreError> {
        let keys = self.ring.keys().await?;
        *lock(&self.last) = Some(keys.clone());
        Ok(keys)
    }

    /// Asks the ring for its keys now, when none were kept yet, so the first `requestState`
    /// to open does not find the cache empty (called as an endpoint starts).
    pub(crate) fn prefetch(&self) {
        if lock(&self.last).is_some() {
            return;
        }
        let (fetch, last) = (self.ring.keys(), self.last.clone());
        match fetch.into_ready() {
            Ok(keys) => *lock(&last) = keys.ok(),
            Err(pending) => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        if let Ok(keys) = pending.await {
                            lock(&last).get_or_insert(keys);
                        }
                    });
                }
            }
        }
    }

    /// The keys to open with, without waiting: the ring's answer when it is ready, else (it
    /// is fetched on a task, for the next time) the keys it gave last.
    pub(crate) fn opening(&self) -> Result<RequestStateKeys, StoreError> {
        match self.ring.keys().into_ready() {
            Ok(keys) => keys,
            Err(pending) => {
                let last = self.last.clone();
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        if let Ok(keys) = pending.await {
                            *lock(&last) = Some(keys);
                        }
                    });
                }
                lock(&self.last)
                    .clone()
                    .ok_or_else(|| StoreError::unavailable("the key ring has not answered yet"))
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ring: &InMemoryKeyRing) -> RequestStateKeys {
        ring.keys().into_ready().ok().unwrap().unwrap()
    }

    #[test]
    fn rotation_seals_with_the_new_key_and_opens_with_the_last_few() {
        let ring = InMemoryKeyRing::new(RequestStateKeys::new(b"k0"));
        let tag = hmac::sign(keys(&ring).sealing(), b"state");
        for n in 1..=5 {
            ring.rotate(format!("k{n}").as_bytes());
            let opens = keys(&ring)
                .opening()
                .any(|key| hmac::verify(key, b"state", tag.as_ref()).is_ok());
            // k0 is kept while it is among the last `KEPT_PREVIOUS` keys.
            assert_eq!(opens, n <= KEPT_PREVIOUS, "after {n} rotations");
            assert_eq!(keys(&ring).len(), 1 + n.min(KEPT_PREVIOUS));
        }
        let sealed = hmac::sign(keys(&ring).sealing(), b"state");
        let fresh = hmac::Key::new(hmac::HMAC_SHA256, b"k5");
        assert!(hmac::verify(&fresh, b"state", sealed.as_ref()).is_ok());
    }
}

//! [`ApiKeyVerifier`]: a fixed set of API keys, each standing for an [`Identity`].

use super::{AuthError, Identity, TokenVerifier, VerifyFuture};

/// Accepts a fixed set of API keys, sent as `Authorization: Bearer <key>`; each key stands for
/// an [`Identity`] (its subject and scopes). Keys are compared in constant time: how long a
/// check takes does not depend on how much of a guess was right.
///
/// ```
/// use mcp_runtime::auth::{ApiKeyVerifier, Identity};
///
/// let keys = ApiKeyVerifier::new()
///     .key("k-3f9a1c0e2b", Identity::new("ci-bot").with_scopes(["files:read"]))
///     .key("k-77d0e4a9c1", Identity::new("admin").with_scopes(["files:read", "files:write"]));
/// let http = mcp_runtime::Server::new("s", "1").into_http().auth(keys);
/// # let _ = http;
/// ```
#[derive(Default)]
pub struct ApiKeyVerifier {
    keys: Vec<(Vec<u8>, Identity)>,
}

impl ApiKeyVerifier {
    /// A verifier that knows no key yet.
    pub fn new() -> ApiKeyVerifier {
        ApiKeyVerifier::default()
    }

    /// Adds a key and the identity it stands for.
    ///
    /// # Panics
    /// If `key` is empty: an empty key would let anyone in.
    pub fn key(mut self, key: impl Into<String>, identity: Identity) -> ApiKeyVerifier {
        let key = key.into().into_bytes();
        assert!(!key.is_empty(), "an API key must not be empty");
        self.keys.push((key, identity));
        self
    }

    /// The identity of `token`: every key is compared, whichever matches.
    fn find(&self, token: &str) -> Option<&Identity> {
        let token = token.as_bytes();
        let mut found = None;
        for (key, identity) in &self.keys {
            if constant_time_eq(key, token) {
                found = Some(identity);
            }
        }
        found
    }
}

impl TokenVerifier for ApiKeyVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        let outcome = self.find(token).cloned().ok_or(AuthError::UnknownApiKey);
        Box::pin(std::future::ready(outcome))
    }
}

/// Whether `candidate` equals `key`, in a time that depends on the length of `key` only.
fn constant_time_eq(key: &[u8], candidate: &[u8]) -> bool {
    let mut diff = u8::from(key.len() != candidate.len());
    for (i, &k) in key.iter().enumerate() {
        let c = candidate.get(i).copied().unwrap_or(!k);
        diff |= k ^ c;
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_whole_keys() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"secret", b"secre"));
        assert!(!constant_time_eq(b"secret", b""));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn keys_map_to_their_identities() {
        let keys = ApiKeyVerifier::new()
            .key("one", Identity::new("a").with_scopes(["r"]))
            .key("two", Identity::new("b"));
        let a = keys.verify("one").await.unwrap();
        assert_eq!((a.subject(), a.scopes()), ("a", &["r".to_owned()][..]));
        assert_eq!(keys.verify("two").await.unwrap().subject(), "b");
        assert_eq!(keys.verify("three").await, Err(AuthError::UnknownApiKey));
        assert_eq!(keys.verify("").await, Err(AuthError::UnknownApiKey));
    }
}

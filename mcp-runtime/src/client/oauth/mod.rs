//! OAuth 2.1 for reaching protected MCP servers (feature `oauth`).
//!
//! When the server answers `401` with a `Bearer` challenge, the client finds the server's
//! authorization server (protected-resource metadata, RFC 9728, at the URL the challenge
//! names, else path-based, else at the root; then RFC 8414 or OpenID discovery), identifies
//! itself (pre-registration, a client ID metadata document, or dynamic registration), runs
//! the authorization code grant with PKCE S256 and the `resource` parameter (or the client
//! credentials grant for a machine client), and retries with the token. A `403` with
//! `insufficient_scope` asks for the larger scope (a limited number of times); an expired
//! token is refreshed when a refresh token was issued. Tokens are kept in a [`TokenStore`].
//!
//! ```no_run
//! use mcp_runtime::client::oauth::{OAuth, OAuthError, Url};
//! use mcp_runtime::client::Client;
//!
//! # async fn run() -> Result<(), mcp_runtime::client::ClientError> {
//! let oauth = OAuth::authorization_code("http://127.0.0.1:8765/callback", |url: Url| async move {
//!     println!("open {url} and paste the address you were sent back to:");
//!     let mut line = String::new();
//!     std::io::stdin().read_line(&mut line).map_err(|e| OAuthError::Authorizer(e.to_string()))?;
//!     Url::parse(line.trim()).map_err(|e| OAuthError::Authorizer(e.to_string()))
//! });
//! let client = Client::builder("https://mcp.example.com/mcp").oauth(oauth).connect().await?;
//! # Ok(()) }
//! ```

mod assertion;
mod discovery;
mod dpop;
mod error;
mod flow;
mod grant;
mod store;

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
/// The URL type of the authorization flow, re-exported from `reqwest`.
pub use reqwest::Url;

pub use self::assertion::SigningKey;
pub use self::error::OAuthError;
pub(crate) use self::flow::{Attempts, Session};
pub use self::store::{FileTokenStore, MemoryTokenStore, TokenStore, TokenStoreError, Tokens};

/// The grant type of RFC 7523 JWT bearer assertions.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How many step-up authorizations one request may take before giving up (then the request
/// fails with [`OAuthError::StepUpLimit`]).
///
/// ```
/// assert_eq!(mcp_runtime::client::oauth::MAX_STEP_UPS, 2);
/// ```
pub const MAX_STEP_UPS: usize = 2;

/// Obtains the user's consent: given the authorization URL, returns the redirect URL the
/// authorization server sent the user agent back to (with `code` and `state`). A closure
/// `Fn(Url) -> impl Future<Output = Result<Url, OAuthError>>` is one.
///
/// ```
/// use mcp_runtime::client::oauth::{Authorizer, OAuthError, Url};
/// fn check(_: impl Authorizer) {}
/// check(|url: Url| async move { Err::<Url, _>(OAuthError::Authorizer(format!("open {url}"))) });
/// ```
pub trait Authorizer: Send + Sync + 'static {
    /// Sends the user to `authorization_url` and returns where they were redirected.
    fn authorize(&self, authorization_url: Url) -> BoxFuture<'static, Result<Url, OAuthError>>;
}

impl<F, Fut> Authorizer for F
where
    F: Fn(Url) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Url, OAuthError>> + Send + 'static,
{
    fn authorize(&self, authorization_url: Url) -> BoxFuture<'static, Result<Url, OAuthError>> {
        Box::pin(self(authorization_url))
    }
}

/// How the client authenticates at the token endpoint.
///
/// ```
/// use mcp_runtime::client::oauth::ClientAuth;
/// assert_ne!(ClientAuth::SecretBasic, ClientAuth::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the client id and secret.
    SecretBasic,
    /// `client_secret_post`: the id and secret in the form.
    SecretPost,
    /// `none`: a public client, only its id in the form.
    None,
    /// `private_key_jwt`: a JWT signed with the client's private key (RFC 7523).
    PrivateKeyJwt,
}

/// The client's identity at the authorization server.
#[derive(Debug, Clone)]
pub(crate) struct ClientIdentity {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<String>,
    /// `None`: chosen from what the server supports.
    pub(crate) auth: Option<ClientAuth>,
    /// For `private_key_jwt`.
    pub(crate) signing_key: Option<SigningKey>,
}

impl ClientIdentity {
    /// This identity with its token endpoint authentication settled against `supported`.
    fn settled(mut self, supported: Option<&[String]>) -> ClientIdentity {
        if self.auth.is_none() && self.signing_key.is_some() {
            self.auth = Some(ClientAuth::PrivateKeyJwt);
        }
        if self.auth.is_none() {
            let offers = |m: &str| supported.is_none_or(|s| s.iter().any(|have| have == m));
            self.auth = Some(match &self.client_secret {
                Some(_) if offers("client_secret_basic") => ClientAuth::SecretBasic,
                Some(_) if offers("client_secret_post") => ClientAuth::SecretPost,
                Some(_) if !offers("none") => ClientAuth::SecretBasic,
                _ => ClientAuth::None,
            });
        }
        self
    }
}

enum Grant {
    AuthorizationCode {
        redirect_uri: String,
        authorizer: Arc<dyn Authorizer>,
    },
    ClientCredentials,
    /// RFC 7523 JWT bearer grant: a workload's identity token, swapped for an access token.
    JwtBearer {
        assertion: String,
    },
    /// Enterprise-managed authorization: the user's identity-provider ID token, exchanged
    /// there for an identity assertion grant (ID-JAG), then swapped with the JWT bearer grant.
    Enterprise(EnterpriseIdentity),
}

/// The enterprise identity provider's side of enterprise-managed authorization: where to
/// exchange the user's ID token, as which client.
///
/// ```
/// let idp = mcp_runtime::client::oauth::EnterpriseIdentity {
///     token_endpoint: "https://idp.example.com/token".into(),
///     client_id: "agent-at-idp".into(),
///     id_token: "eyJhbGciOi...".into(),
/// };
/// # drop(idp);
/// ```
#[derive(Debug, Clone)]
pub struct EnterpriseIdentity {
    /// The identity provider's token endpoint (RFC 8693 token exchange).
    pub token_endpoint: String,
    /// This client's id at the identity provider.
    pub client_id: String,
    /// The user's ID token from the identity provider.
    pub id_token: String,
}

/// OAuth settings of a client; see the [module documentation](self).
///
/// ```
/// use mcp_runtime::client::oauth::{ClientAuth, OAuth};
/// let oauth = OAuth::client_credentials("agent-7", "s3cret").scope("files:read");
/// # drop(oauth);
/// ```
pub struct OAuth {
    grant: Grant,
    client_name: String,
    client_metadata_url: Option<String>,
    client: Option<ClientIdentity>,
    scope: Option<String>,
    store: Arc<dyn TokenStore>,
}

impl OAuth {
    /// The authorization code grant for a person: `authorizer` sends them to the
    /// authorization URL and hands back the redirect to `redirect_uri`.
    ///
    /// ```
    /// use mcp_runtime::client::oauth::{OAuth, OAuthError, Url};
    /// let oauth = OAuth::authorization_code("http://127.0.0.1:8765/callback", |url: Url| async move {
    ///     Err::<Url, _>(OAuthError::Authorizer(format!("please open {url}")))
    /// });
    /// # drop(oauth);
    /// ```
    pub fn authorization_code(
        redirect_uri: impl Into<String>,
        authorizer: impl Authorizer,
    ) -> OAuth {
        OAuth::with_grant(Grant::AuthorizationCode {
            redirect_uri: redirect_uri.into(),
            authorizer: Arc::new(authorizer),
        })
    }

    /// The client credentials grant for a machine client registered with `client_id` and
    /// `client_secret` (sent with `client_secret_basic`).
    ///
    /// ```
    /// let oauth = mcp_runtime::client::oauth::OAuth::client_credentials("agent-7", "s3cret");
    /// # drop(oauth);
    /// ```
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> OAuth {
        let mut oauth = OAuth::with_grant(Grant::ClientCredentials);
        oauth.client = Some(ClientIdentity {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            auth: None,
            signing_key: None,
        });
        oauth
    }

    /// The client credentials grant for a machine client that authenticates with a JWT
    /// signed by its private key (`private_key_jwt`).
    ///
    /// ```
    /// use mcp_runtime::client::oauth::{OAuth, SigningKey};
    /// # fn run(pem: &[u8]) -> Result<(), mcp_runtime::client::oauth::OAuthError> {
    /// let oauth = OAuth::client_credentials_jwt("agent-7", SigningKey::from_pem(pem, "ES256")?);
    /// # drop(oauth); Ok(()) }
    /// ```
    pub fn client_credentials_jwt(client_id: impl Into<String>, key: SigningKey) -> OAuth {
        let mut oauth = OAuth::with_grant(Grant::ClientCredentials);
        oauth.client = Some(ClientIdentity {
            client_id: client_id.into(),
            client_secret: None,
            auth: Some(ClientAuth::PrivateKeyJwt),
            signing_key: Some(key),
        });
        oauth
    }

    /// The JWT bearer grant (RFC 7523) for a workload whose platform issued it an identity
    /// token (`assertion`) that the authorization server trusts (workload identity
    /// federation). A refused assertion is an error, never retried.
    ///
    /// ```
    /// let oauth = mcp_runtime::client::oauth::OAuth::jwt_bearer("my-workload", "eyJhbGciOi...");
    /// # drop(oauth);
    /// ```
    pub fn jwt_bearer(client_id: impl Into<String>, assertion: impl Into<String>) -> OAuth {
        let mut oauth = OAuth::with_grant(Grant::JwtBearer {
            assertion: assertion.into(),
        });
        oauth.client = Some(ClientIdentity {
            client_id: client_id.into(),
            client_secret: None,
            auth: Some(ClientAuth::None),
            signing_key: None,
        });
        oauth
    }

    /// Enterprise-managed authorization: the user's ID token from `identity` is exchanged at
    /// the identity provider for an identity assertion grant for the MCP server's
    /// authorization server, which this client (`client_id`, `client_secret`) then presents
    /// with the JWT bearer grant; the user sees no consent screen.
    ///
    /// ```
    /// use mcp_runtime::client::oauth::{EnterpriseIdentity, OAuth};
    /// let idp = EnterpriseIdentity {
    ///     token_endpoint: "https://idp.example.com/token".into(),
    ///     client_id: "agent-at-idp".into(),
    ///     id_token: "eyJhbGciOi...".into(),
    /// };
    /// let oauth = OAuth::enterprise("agent", Some("s3cret".into()), idp);
    /// # drop(oauth);
    /// ```
    pub fn enterprise(
        client_id: impl Into<String>,
        client_secret: Option<String>,
        identity: EnterpriseIdentity,
    ) -> OAuth {
        let mut oauth = OAuth::with_grant(Grant::Enterprise(identity));
        oauth.client = Some(ClientIdentity {
            client_id: client_id.into(),
            client_secret,
            auth: None,
            signing_key: None,
        });
        oauth
    }

    fn with_grant(grant: Grant) -> OAuth {
        OAuth {
            grant,
            client_name: "mcp-runtime-client".into(),
            client_metadata_url: None,
            client: None,
            scope: None,
            store: Arc::new(MemoryTokenStore::default()),
        }
    }

    /// A client registered beforehand: its id, secret (if confidential) and token endpoint
    /// authentication; with `auth` `None`, the first the server supports of
    /// `client_secret_basic`, `client_secret_post` (with a secret) and `none`. Without a
    /// registered client, the client uses its metadata document or registers dynamically.
    ///
    /// ```
    /// use mcp_runtime::client::oauth::{ClientAuth, OAuth};
    /// let oauth = OAuth::client_credentials("id", "secret")
    ///     .client("id", Some("secret".into()), Some(ClientAuth::SecretPost));
    /// # drop(oauth);
    /// ```
    pub fn client(
        mut self,
        client_id: impl Into<String>,
        client_secret: Option<String>,
        auth: Option<ClientAuth>,
    ) -> OAuth {
        self.client = Some(ClientIdentity {
            client_id: client_id.into(),
            client_secret,
            auth,
            signing_key: None,
        });
        self
    }

    /// The HTTPS URL of this client's metadata document, used as its client id where the
    /// authorization server supports client ID metadata documents.
    ///
    /// ```
    /// # use mcp_runtime::client::oauth::OAuth;
    /// let oauth = OAuth::client_credentials("id", "secret").client_metadata_url("https://agent.example/client.json");
    /// # drop(oauth);
    /// ```
    pub fn client_metadata_url(mut self, url: impl Into<String>) -> OAuth {
        self.client_metadata_url = Some(url.into());
        self
    }

    /// The `client_name` sent in dynamic registration (default `mcp-runtime-client`).
    ///
    /// ```
    /// # use mcp_runtime::client::oauth::OAuth;
    /// let oauth = OAuth::client_credentials("id", "secret").client_name("my-agent");
    /// # drop(oauth);
    /// ```
    pub fn client_name(mut self, name: impl Into<String>) -> OAuth {
        self.client_name = name.into();
        self
    }

    /// The scope to ask for, instead of the challenge's or the server's `scopes_supported`.
    ///
    /// ```
    /// # use mcp_runtime::client::oauth::OAuth;
    /// let oauth = OAuth::client_credentials("id", "secret").scope("files:read");
    /// # drop(oauth);
    /// ```
    pub fn scope(mut self, scope: impl Into<String>) -> OAuth {
        self.scope = Some(scope.into());
        self
    }

    /// Where tokens are kept (default: in memory, for this process).
    ///
    /// ```
    /// use mcp_runtime::client::oauth::{MemoryTokenStore, OAuth};
    /// let oauth = OAuth::client_credentials("id", "secret").token_store(MemoryTokenStore::default());
    /// # drop(oauth);
    /// ```
    pub fn token_store(mut self, store: impl TokenStore) -> OAuth {
        self.store = Arc::new(store);
        self
    }
}

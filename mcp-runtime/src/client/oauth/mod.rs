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
mod grant;
mod store;

use std::future::Future;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
/// The URL type of the authorization flow, re-exported from `reqwest`.
pub use reqwest::Url;

pub use self::assertion::SigningKey;
use self::discovery::{Challenge, ServerMetadata};
use self::dpop::DpopKey;
pub use self::error::OAuthError;
use self::grant::{AuthorizationRequest, Pkce};
pub use self::store::{FileTokenStore, MemoryTokenStore, TokenStore, TokenStoreError, Tokens};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

/// The grant type of RFC 7523 JWT bearer assertions.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How many step-up authorizations one request may take before giving up.
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

/// What the flow learnt about the server, kept for refreshes and step-ups.
#[derive(Default)]
struct Learnt {
    metadata: Option<ServerMetadata>,
    resource: Option<String>,
    /// The registration, and the issuer it is valid at (never used at another).
    client: Option<(String, ClientIdentity)>,
    tokens: Option<Tokens>,
    loaded: bool,
}

/// The OAuth state of one connection.
pub(crate) struct Session {
    config: OAuth,
    server: Url,
    learnt: Mutex<Learnt>,
    /// The DPoP key, made when an authorization server offers DPoP.
    dpop: Mutex<Option<Arc<DpopKey>>>,
    /// One authorization at a time.
    flow: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("oauth::Session")
            .field("server", &self.server.as_str())
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(config: OAuth, server: Url) -> Session {
        Session {
            config,
            server,
            learnt: Mutex::new(Learnt::default()),
            dpop: Mutex::new(None),
            flow: tokio::sync::Mutex::new(()),
        }
    }

    fn learnt(&self) -> std::sync::MutexGuard<'_, Learnt> {
        self.learnt.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers a refused response: authorizes, steps up or takes a DPoP nonce. `true` when
    /// the request is worth sending again.
    pub(crate) async fn answer(
        &self,
        http: &reqwest::Client,
        response: &reqwest::Response,
        sent: Option<&str>,
        attempts: &mut Attempts,
    ) -> Result<bool, OAuthError> {
        match Refusal::of(response) {
            Some(Refusal::DpopNonce(nonce)) if !attempts.nonce_retried => {
                attempts.nonce_retried = true;
                let dpop = self.dpop.lock().unwrap_or_else(|e| e.into_inner()).clone();
                match dpop {
                    Some(key) => {
                        *key.resource_nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            Some(Refusal::Unauthorized(www)) if !attempts.reauthorized => {
                attempts.reauthorized = true;
                self.unauthorized(http, www.as_deref(), sent).await?;
                Ok(true)
            }
            Some(Refusal::InsufficientScope(www)) => {
                if attempts.step_ups == MAX_STEP_UPS {
                    return Err(OAuthError::StepUpLimit(MAX_STEP_UPS));
                }
                attempts.step_ups += 1;
                self.insufficient_scope(http, &www).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The headers that present the access token on a `method` request to `url`:
    /// `Authorization: Bearer`, or `Authorization: DPoP` with a fresh proof; and the token.
    pub(crate) async fn credentials(
        &self,
        method: &str,
        url: &Url,
    ) -> (Option<String>, Vec<(HeaderName, HeaderValue)>) {
        let Some(token) = self.bearer().await else {
            return (None, Vec::new());
        };
        let dpop_bound = self
            .learnt()
            .tokens
            .as_ref()
            .and_then(|t| t.token_type.as_deref())
            .is_some_and(|t| t.eq_ignore_ascii_case("dpop"));
        let key = self.dpop.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut headers = Vec::new();
        match key.filter(|_| dpop_bound) {
            Some(key) => {
                let nonce = key
                    .resource_nonce
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                if let Ok(proof) = key.proof(method, url, Some(&token), nonce.as_deref()) {
                    if let Ok(value) = HeaderValue::from_str(&proof) {
                        headers.push((HeaderName::from_static("dpop"), value));
                    }
                }
                if let Ok(value) = HeaderValue::from_str(&format!("DPoP {token}")) {
                    headers.push((AUTHORIZATION, value));
                }
            }
            None => {
                if let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) {
                    headers.push((AUTHORIZATION, value));
                }
            }
        }
        (Some(token), headers)
    }

    /// The access token to send, if any (loaded from the store the first time).
    async fn bearer(&self) -> Option<String> {
        if !self.learnt().loaded {
            // A store that cannot be read is as good as an empty one: the flow runs again.
            let stored = self
                .config
                .store
                .load(self.server.as_str())
                .await
                .ok()
                .flatten();
            let mut learnt = self.learnt();
            learnt.loaded = true;
            if learnt.tokens.is_none() {
                learnt.tokens = stored;
            }
        }
        self.learnt()
            .tokens
            .as_ref()
            .map(|t| t.access_token.clone())
    }

    /// The server refused `sent` (`401`): refresh, or authorize anew.
    pub(crate) async fn unauthorized(
        &self,
        http: &reqwest::Client,
        www_authenticate: Option<&str>,
        sent: Option<&str>,
    ) -> Result<(), OAuthError> {
        let _flow = self.flow.lock().await;
        if self
            .learnt()
            .tokens
            .as_ref()
            .map(|t| t.access_token.as_str())
            != sent
        {
            return Ok(()); // another request got a new token meanwhile
        }
        let challenge = www_authenticate.map(Challenge::parse).unwrap_or_default();
        if self.refresh(http).await {
            return Ok(());
        }
        self.authorize(http, &challenge, None).await
    }

    /// The server wants more scope (`403 insufficient_scope`): authorize again with it.
    pub(crate) async fn insufficient_scope(
        &self,
        http: &reqwest::Client,
        www_authenticate: &str,
    ) -> Result<(), OAuthError> {
        let _flow = self.flow.lock().await;
        let challenge = Challenge::parse(www_authenticate);
        let granted = self.learnt().tokens.as_ref().and_then(|t| t.scope.clone());
        let mut scopes: Vec<String> = Vec::new();
        for scope in granted.iter().chain(challenge.scope.iter()) {
            for s in scope.split_whitespace() {
                if !scopes.iter().any(|have| have == s) {
                    scopes.push(s.to_owned());
                }
            }
        }
        let scope = (!scopes.is_empty()).then(|| scopes.join(" "));
        self.authorize(http, &challenge, scope).await
    }

    /// Swaps the refresh token for new tokens; `false` when there is nothing to refresh with
    /// or the authorization server refused (the caller then authorizes anew).
    async fn refresh(&self, http: &reqwest::Client) -> bool {
        let (metadata, refresh, resource, registered) = {
            let learnt = self.learnt();
            let refresh = learnt.tokens.as_ref().and_then(|t| t.refresh_token.clone());
            match (&learnt.metadata, refresh, &learnt.resource) {
                (Some(m), Some(r), Some(res)) => (m.clone(), r, res.clone(), learnt.client.clone()),
                _ => return false,
            }
        };
        let supported = metadata.token_endpoint_auth_methods_supported.as_deref();
        let client = match (&self.config.client, registered) {
            (Some(client), _) => client.clone().settled(supported),
            (None, Some((issuer, client))) if issuer == metadata.issuer => client,
            _ => return false,
        };
        let (Ok(endpoint), Ok(dpop)) = (token_endpoint(&metadata), self.dpop_for(&metadata)) else {
            return false;
        };
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh.clone()),
            ("resource", resource),
        ];
        match grant::token(
            http,
            &endpoint,
            &metadata.issuer,
            &client,
            dpop.as_deref(),
            form,
        )
        .await
        {
            Ok(mut tokens) => {
                tokens.refresh_token.get_or_insert(refresh);
                self.keep(tokens).await.is_ok()
            }
            Err(_) => false,
        }
    }

    /// The DPoP key to bind tokens to, when the authorization server offers DPoP with ES256
    /// (made on first use, then kept for the connection).
    fn dpop_for(&self, metadata: &ServerMetadata) -> Result<Option<Arc<DpopKey>>, OAuthError> {
        let offered = metadata
            .dpop_signing_alg_values_supported
            .as_ref()
            .is_some_and(|algs| algs.iter().any(|a| a == "ES256"));
        if !offered {
            return Ok(None);
        }
        let mut dpop = self.dpop.lock().unwrap_or_else(|e| e.into_inner());
        if dpop.is_none() {
            *dpop = Some(Arc::new(DpopKey::generate()?));
        }
        Ok(dpop.clone())
    }

    /// Uses `tokens` from now on and saves them in the store.
    async fn keep(&self, tokens: Tokens) -> Result<(), OAuthError> {
        self.learnt().tokens = Some(tokens.clone());
        self.config
            .store
            .save(self.server.as_str(), tokens)
            .await
            .map_err(OAuthError::from)
    }

    /// Discovery, identification and a grant; `scope` overrides the scope selection.
    async fn authorize(
        &self,
        http: &reqwest::Client,
        challenge: &Challenge,
        scope: Option<String>,
    ) -> Result<(), OAuthError> {
        let resource_metadata = discovery::resource_metadata(http, &self.server, challenge).await?;
        let issuer = resource_metadata
            .authorization_servers
            .first()
            .cloned()
            .ok_or_else(|| OAuthError::NoServerMetadata {
                issuer: "(the protected-resource metadata names no authorization server)".into(),
            })?;
        let metadata = discovery::server_metadata(http, &issuer).await?;
        let resource = resource_metadata
            .resource
            .clone()
            .unwrap_or_else(|| self.server.to_string());
        let mut scope = scope
            .or_else(|| self.config.scope.clone())
            .or_else(|| challenge.scope.clone())
            .or_else(|| {
                resource_metadata
                    .scopes_supported
                    .as_ref()
                    .map(|s| s.join(" "))
            });
        let offers_refresh = metadata
            .grant_types_supported
            .as_ref()
            .is_none_or(|g| g.iter().any(|g| g == "refresh_token"));
        let offers_offline = metadata
            .scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s == "offline_access"));
        if offers_refresh
            && offers_offline
            && matches!(self.config.grant, Grant::AuthorizationCode { .. })
        {
            let current = scope.take().unwrap_or_default();
            if !current.split_whitespace().any(|s| s == "offline_access") {
                scope = Some(format!("{current} offline_access").trim().to_owned());
            } else {
                scope = Some(current);
            }
        }
        let scope = scope.filter(|s| !s.is_empty());
        {
            let mut learnt = self.learnt();
            learnt.metadata = Some(metadata.clone());
            learnt.resource = Some(resource.clone());
        }
        let endpoint = token_endpoint(&metadata)?;
        let tokens = match &self.config.grant {
            Grant::ClientCredentials | Grant::JwtBearer { .. } | Grant::Enterprise(_) => {
                let client = self.identity(http, &metadata, "", scope.as_deref()).await?;
                let mut form = match &self.config.grant {
                    Grant::JwtBearer { assertion } => vec![
                        ("grant_type", JWT_BEARER_GRANT.to_owned()),
                        ("assertion", assertion.clone()),
                    ],
                    Grant::Enterprise(identity) => {
                        let exchange = grant::IdJagRequest {
                            identity,
                            audience: &metadata.issuer,
                            resource: &resource,
                            scope: scope.as_deref(),
                        };
                        vec![
                            ("grant_type", JWT_BEARER_GRANT.to_owned()),
                            ("assertion", grant::id_jag(http, exchange).await?),
                        ]
                    }
                    _ => vec![("grant_type", "client_credentials".to_owned())],
                };
                form.push(("resource", resource));
                if let Some(scope) = scope {
                    form.push(("scope", scope));
                }
                grant::token(
                    http,
                    &endpoint,
                    &metadata.issuer,
                    &client,
                    self.dpop_for(&metadata)?.as_deref(),
                    form,
                )
                .await?
            }
            Grant::AuthorizationCode {
                redirect_uri,
                authorizer,
            } => {
                let client = self
                    .identity(http, &metadata, redirect_uri, scope.as_deref())
                    .await?;
                let pkce = Pkce::new();
                let state = grant::random_token(16);
                let authorization_endpoint =
                    metadata.authorization_endpoint.clone().ok_or_else(|| {
                        OAuthError::NoServerMetadata {
                            issuer: format!("{issuer} (no authorization_endpoint)"),
                        }
                    })?;
                let url = AuthorizationRequest {
                    endpoint: &authorization_endpoint,
                    client_id: &client.client_id,
                    redirect_uri,
                    challenge: &pkce.challenge,
                    state: &state,
                    resource: &resource,
                    scope: scope.as_deref(),
                }
                .url()?;
                let redirect = authorizer.authorize(url).await?;
                let code = check_redirect(&redirect, &state, &metadata)?;
                let form = vec![
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code),
                    ("redirect_uri", redirect_uri.clone()),
                    ("code_verifier", pkce.verifier),
                    ("resource", resource),
                ];
                grant::token(
                    http,
                    &endpoint,
                    &metadata.issuer,
                    &client,
                    self.dpop_for(&metadata)?.as_deref(),
                    form,
                )
                .await?
            }
        };
        self.keep(tokens).await
    }

    /// The client's identity at this authorization server: pre-registered, its metadata
    /// document's URL, or a dynamic registration (kept for later flows).
    async fn identity(
        &self,
        http: &reqwest::Client,
        metadata: &ServerMetadata,
        redirect_uri: &str,
        scope: Option<&str>,
    ) -> Result<ClientIdentity, OAuthError> {
        if let Some(client) = &self.config.client {
            let supported = metadata.token_endpoint_auth_methods_supported.as_deref();
            return Ok(client.clone().settled(supported));
        }
        let registered = self.learnt().client.clone();
        if let Some((_, client)) = registered.filter(|(issuer, _)| *issuer == metadata.issuer) {
            return Ok(client);
        }
        let client = match (
            &self.config.client_metadata_url,
            &metadata.registration_endpoint,
        ) {
            (Some(url), _) if metadata.client_id_metadata_document_supported => ClientIdentity {
                client_id: url.clone(),
                client_secret: None,
                auth: Some(ClientAuth::None),
                signing_key: None,
            },
            (_, Some(endpoint)) => {
                let registration = grant::Registration {
                    endpoint,
                    client_name: &self.config.client_name,
                    redirect_uri,
                    scope,
                    auth_methods: metadata.token_endpoint_auth_methods_supported.as_deref(),
                };
                grant::register(http, registration).await?
            }
            _ => {
                return Err(OAuthError::NoClientIdentity {
                    issuer: metadata.issuer.clone(),
                })
            }
        };
        self.learnt().client = Some((metadata.issuer.clone(), client.clone()));
        Ok(client)
    }
}

fn token_endpoint(metadata: &ServerMetadata) -> Result<String, OAuthError> {
    metadata
        .token_endpoint
        .clone()
        .ok_or_else(|| OAuthError::NoServerMetadata {
            issuer: format!("{} (no token_endpoint)", metadata.issuer),
        })
}

/// The `code` of an authorization response, after checking its `state` and (RFC 9207) `iss`.
fn check_redirect(
    redirect: &Url,
    state: &str,
    metadata: &ServerMetadata,
) -> Result<String, OAuthError> {
    let param = |name: &str| {
        redirect
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        return Err(OAuthError::Refused { error });
    }
    if param("state").as_deref() != Some(state) {
        return Err(OAuthError::StateMismatch);
    }
    let iss = param("iss");
    let iss_ok = match &iss {
        Some(iss) => *iss == metadata.issuer,
        None => !metadata.authorization_response_iss_parameter_supported,
    };
    if !iss_ok {
        return Err(OAuthError::WrongIssuerParameter {
            expected: metadata.issuer.clone(),
            found: iss,
        });
    }
    param("code").ok_or_else(|| OAuthError::Refused {
        error: "the redirect carries no code".into(),
    })
}

/// What a refused response asks of the OAuth layer.
enum Refusal {
    /// `401`: authorize (the `WWW-Authenticate` value, if any).
    Unauthorized(Option<String>),
    /// `403` with `insufficient_scope`: step up.
    InsufficientScope(String),
    /// `401` with `use_dpop_nonce`: send the proof again with this nonce.
    DpopNonce(String),
}

impl Refusal {
    fn of(response: &reqwest::Response) -> Option<Refusal> {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let www = header("www-authenticate");
        let error = www.as_deref().map(Challenge::parse).and_then(|c| c.error);
        match (response.status().as_u16(), error.as_deref()) {
            (401, Some("use_dpop_nonce")) => match header("dpop-nonce") {
                Some(nonce) => Some(Refusal::DpopNonce(nonce)),
                None => Some(Refusal::Unauthorized(www)),
            },
            (401, _) => Some(Refusal::Unauthorized(www)),
            (403, Some("insufficient_scope")) => www.map(Refusal::InsufficientScope),
            _ => None,
        }
    }
}

/// What one request has already tried, so that a refusal is answered a bounded number of
/// times.
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    reauthorized: bool,
    step_ups: usize,
    nonce_retried: bool,
}

//! The OAuth state of one connection: answering refusals (authorize, step up, DPoP nonce),
//! presenting the token, refreshing it, and running a grant after discovery.

use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::Url;

use super::discovery::{self, Challenge, ServerMetadata};
use super::dpop::DpopKey;
use super::error::OAuthError;
use super::grant::{self, AuthorizationRequest, Pkce};
use super::{ClientAuth, ClientIdentity, Grant, OAuth, Tokens, JWT_BEARER_GRANT, MAX_STEP_UPS};

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
        let (resource_metadata, metadata) =
            discovery::locate(http, &self.server, challenge).await?;
        let issuer = metadata.issuer.clone();
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
        let (client, form) = match &self.config.grant {
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
                (client, form)
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
                (client, form)
            }
        };
        let dpop = self.dpop_for(&metadata)?;
        let tokens = grant::token(
            http,
            &endpoint,
            &metadata.issuer,
            &client,
            dpop.as_deref(),
            form,
        )
        .await?;
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

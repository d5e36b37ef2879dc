//! The requests that get a token: dynamic client registration (RFC 7591), the authorization
//! code grant with PKCE S256 (RFC 7636) and the `resource` parameter (RFC 8707), refresh, and
//! client credentials; each authenticated at the token endpoint as the client was told to.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use super::assertion::JWT_BEARER;
use super::dpop::DpopKey;
use super::error::{decode_answer, OAuthError};
use super::{ClientAuth, ClientIdentity, EnterpriseIdentity, Tokens};

/// A random URL-safe string of `bytes` random bytes (PKCE verifiers, `state`).
pub(super) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random number generator");
    URL_SAFE_NO_PAD.encode(buf)
}

/// A PKCE verifier and its S256 challenge.
pub(super) struct Pkce {
    pub(super) verifier: String,
    pub(super) challenge: String,
}

impl Pkce {
    pub(super) fn new() -> Pkce {
        let verifier = random_token(32);
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        Pkce {
            challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()),
            verifier,
        }
    }
}

/// What a dynamic registration asks for.
pub(super) struct Registration<'a> {
    pub(super) endpoint: &'a str,
    pub(super) client_name: &'a str,
    pub(super) redirect_uri: &'a str,
    pub(super) scope: Option<&'a str>,
    /// The server's `token_endpoint_auth_methods_supported`, if it said.
    pub(super) auth_methods: Option<&'a [String]>,
}

/// Registers the client dynamically (RFC 7591) as a native application, asking for the
/// first token endpoint authentication the server supports (of the ones this client has).
pub(super) async fn register(
    http: &reqwest::Client,
    registration: Registration<'_>,
) -> Result<ClientIdentity, OAuthError> {
    let Registration {
        endpoint,
        client_name,
        redirect_uri,
        scope,
        auth_methods,
    } = registration;
    #[derive(Deserialize)]
    struct Registered {
        client_id: String,
        #[serde(default)]
        client_secret: Option<String>,
        #[serde(default)]
        token_endpoint_auth_method: Option<String>,
    }
    let mut body = json!({
        "client_name": client_name,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "application_type": "native",
    });
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    let asked = auth_methods.and_then(|methods| {
        methods.iter().find(|m| {
            matches!(
                m.as_str(),
                "client_secret_basic" | "client_secret_post" | "none"
            )
        })
    });
    if let Some(method) = asked {
        body["token_endpoint_auth_method"] = json!(method);
    }
    let request = http.post(endpoint).json(&body);
    let registered: Registered = send_json(request, endpoint).await?;
    let method = registered
        .token_endpoint_auth_method
        .as_deref()
        .or(asked.map(String::as_str));
    let auth = match (method, &registered.client_secret) {
        (Some("client_secret_post"), Some(_)) => ClientAuth::SecretPost,
        (Some("none"), _) | (_, None) => ClientAuth::None,
        _ => ClientAuth::SecretBasic,
    };
    Ok(ClientIdentity {
        client_id: registered.client_id,
        client_secret: registered.client_secret,
        auth: Some(auth),
        signing_key: None,
    })
}

/// Sends a request and decodes its JSON answer; an error status is an [`OAuthError::Endpoint`].
async fn send_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    url: &str,
) -> Result<T, OAuthError> {
    let transport = |source| OAuthError::Transport {
        url: url.to_owned(),
        source,
    };
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    let body = response.bytes().await.map_err(transport)?;
    decode_answer(url, status, &body)
}

/// The authorization URL the user is sent to.
pub(super) struct AuthorizationRequest<'a> {
    pub(super) endpoint: &'a str,
    pub(super) client_id: &'a str,
    pub(super) redirect_uri: &'a str,
    pub(super) challenge: &'a str,
    pub(super) state: &'a str,
    pub(super) resource: &'a str,
    pub(super) scope: Option<&'a str>,
}

impl AuthorizationRequest<'_> {
    pub(super) fn url(&self) -> Result<Url, OAuthError> {
        let mut url = super::discovery::parse_url(self.endpoint)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", self.client_id)
                .append_pair("redirect_uri", self.redirect_uri)
                .append_pair("code_challenge", self.challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", self.state)
                .append_pair("resource", self.resource);
            if let Some(scope) = self.scope {
                query.append_pair("scope", scope);
            }
        }
        Ok(url)
    }
}

/// POSTs a token request with `form`, authenticating the client as `client.auth` says, with
/// a DPoP proof when `dpop` is given (sent once more with the server's nonce when it asks for
/// one).
pub(super) async fn token(
    http: &reqwest::Client,
    endpoint: &str,
    issuer: &str,
    client: &ClientIdentity,
    dpop: Option<&DpopKey>,
    form: Vec<(&str, String)>,
) -> Result<Tokens, OAuthError> {
    #[derive(Deserialize)]
    struct TokenResponse {
        access_token: String,
        #[serde(default)]
        token_type: Option<String>,
        #[serde(default)]
        refresh_token: Option<String>,
        #[serde(default)]
        scope: Option<String>,
        #[serde(default)]
        expires_in: Option<u64>,
    }
    #[derive(Deserialize)]
    struct ErrorResponse {
        error: String,
    }
    let url = super::discovery::parse_url(endpoint)?;
    let transport = |source| OAuthError::Transport {
        url: endpoint.to_owned(),
        source,
    };
    let mut nonce_retried = false;
    loop {
        let (request, form) = authenticate(http.post(endpoint), client, issuer, form.clone())?;
        let mut request = request.header("accept", "application/json");
        if let Some(key) = dpop {
            let nonce = key
                .token_nonce
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            request = request.header("dpop", key.proof("POST", &url, None, nonce.as_deref())?);
        }
        let response = request.form(&form).send().await.map_err(transport)?;
        let status = response.status();
        let nonce = response
            .headers()
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(transport)?;
        if let (Some(key), Some(nonce)) = (dpop, nonce) {
            *key.token_nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
            let asks_nonce = serde_json::from_slice::<ErrorResponse>(&body)
                .is_ok_and(|e| e.error == "use_dpop_nonce");
            if status.as_u16() == 400 && asks_nonce && !nonce_retried {
                nonce_retried = true;
                continue;
            }
        }
        let answer: TokenResponse = decode_answer(endpoint, status, &body)?;
        return Ok(Tokens {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token,
            scope: answer.scope,
            expires_at: answer
                .expires_in
                .map(|s| std::time::SystemTime::now() + std::time::Duration::from_secs(s)),
            token_type: answer.token_type,
        });
    }
}

/// A token request's form fields.
type Form<'a> = Vec<(&'a str, String)>;

/// Adds the client's authentication to a token request: HTTP Basic, the secret in the form,
/// a signed assertion, or only the client id.
fn authenticate<'a>(
    mut request: reqwest::RequestBuilder,
    client: &ClientIdentity,
    issuer: &str,
    mut form: Form<'a>,
) -> Result<(reqwest::RequestBuilder, Form<'a>), OAuthError> {
    match (client.auth, &client.client_secret) {
        (Some(ClientAuth::SecretBasic), Some(secret)) => {
            let encode =
                |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let pair = format!("{}:{}", encode(&client.client_id), encode(secret));
            request = request.header("authorization", format!("Basic {}", STANDARD.encode(pair)));
        }
        (Some(ClientAuth::PrivateKeyJwt), _) => {
            let key = client.signing_key.as_ref().ok_or_else(|| {
                OAuthError::InvalidSigningKey("private_key_jwt without a signing key".into())
            })?;
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_assertion_type", JWT_BEARER.to_owned()));
            form.push((
                "client_assertion",
                key.assertion(&client.client_id, issuer)?,
            ));
        }
        (Some(ClientAuth::SecretPost), Some(secret)) => {
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_secret", secret.clone()));
        }
        _ => form.push(("client_id", client.client_id.clone())),
    }
    Ok((request, form))
}

/// An identity assertion grant (ID-JAG) to ask the identity provider for.
pub(super) struct IdJagRequest<'a> {
    pub(super) identity: &'a EnterpriseIdentity,
    /// The issuer of the authorization server the grant is for.
    pub(super) audience: &'a str,
    pub(super) resource: &'a str,
    pub(super) scope: Option<&'a str>,
}

/// Exchanges the user's ID token at the identity provider for an identity assertion grant
/// (RFC 8693 token exchange).
pub(super) async fn id_jag(
    http: &reqwest::Client,
    request: IdJagRequest<'_>,
) -> Result<String, OAuthError> {
    #[derive(Deserialize)]
    struct Exchanged {
        access_token: String,
    }
    let identity = request.identity;
    let mut form = vec![
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange".to_owned(),
        ),
        (
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:id-jag".to_owned(),
        ),
        ("subject_token", identity.id_token.clone()),
        (
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:id_token".to_owned(),
        ),
        ("audience", request.audience.to_owned()),
        ("resource", request.resource.to_owned()),
        ("client_id", identity.client_id.clone()),
    ];
    if let Some(scope) = request.scope {
        form.push(("scope", scope.to_owned()));
    }
    let endpoint = &identity.token_endpoint;
    let exchange = http
        .post(endpoint)
        .header("accept", "application/json")
        .form(&form);
    let exchanged: Exchanged = send_json(exchange, endpoint).await?;
    Ok(exchanged.access_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_the_s256_of_the_verifier() {
        let pkce = Pkce::new();
        assert_eq!(pkce.verifier.len(), 43);
        let digest = ring::digest::digest(&ring::digest::SHA256, pkce.verifier.as_bytes());
        assert_eq!(pkce.challenge, URL_SAFE_NO_PAD.encode(digest));
        assert_ne!(Pkce::new().verifier, pkce.verifier);
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_resource_and_scope() {
        let url = AuthorizationRequest {
            endpoint: "http://127.0.0.1:1/authorize",
            client_id: "c",
            redirect_uri: "http://127.0.0.1:2/callback",
            challenge: "ch",
            state: "st",
            resource: "http://127.0.0.1:3/mcp",
            scope: Some("a b"),
        }
        .url()
        .unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("code_challenge_method".into(), "S256".into())));
        assert!(pairs.contains(&("resource".into(), "http://127.0.0.1:3/mcp".into())));
        assert!(pairs.contains(&("scope".into(), "a b".into())));
    }
}

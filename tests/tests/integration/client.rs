//! `mcp_runtime::client::Client` against a real server on a loopback port: the whole lifecycle,
//! and notifications that arrive live, well before the result.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_runtime::client::{Client, ClientError, MessageHandler, WirePreference};
use mcp_runtime::protocol::ErrorCode;
use mcp_runtime::{mcp_tool, Content, Ctx, LoggingLevel, Server, ToolError};
use serde_json::{json, Value};
use tests::TestServer;

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Work through `items`, logging and reporting progress for each, `delay_ms` apart.
#[mcp_tool]
async fn slow_steps(ctx: Ctx, items: Vec<String>, delay_ms: u64) -> String {
    let n = items.len();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        ctx.debug(format!("debug {item}")).await;
        ctx.info(format!("step {}/{n}: {item}", i + 1)).await;
        ctx.progress_message(i + 1, n, item).await;
    }
    format!("{n} done")
}

/// Always fails.
#[mcp_tool]
async fn fail() -> Result<String, ToolError> {
    Err(ToolError::msg("nope"))
}

fn server() -> TestServer {
    TestServer::start(
        Server::new("client-tests", "1.2.3")
            .tool::<add>()
            .tool::<slow_steps>()
            .tool::<fail>()
            .into_http(),
    )
}

/// Records what arrives, and when.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<(Instant, String)>>>);

impl Recorder {
    fn push(&self, what: String) {
        self.0.lock().unwrap().push((Instant::now(), what));
    }
    fn take(&self) -> Vec<(Instant, String)> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl MessageHandler for Recorder {
    fn on_log(&self, level: LoggingLevel, _logger: Option<&str>, data: &Value) {
        self.push(format!("log {level} {}", data.as_str().unwrap_or("?")));
    }
    fn on_progress(
        &self,
        _token: &Value,
        progress: f64,
        total: Option<f64>,
        message: Option<&str>,
    ) {
        self.push(format!(
            "progress {progress}/{} {}",
            total.unwrap_or(0.0),
            message.unwrap_or("")
        ));
    }
}

#[tokio::test]
async fn notifications_arrive_live_before_the_result() {
    let server = server();
    let recorder = Recorder::default();
    let client = Client::builder(&server.url)
        .handler(recorder.clone())
        .connect()
        .await
        .unwrap();
    client.set_log_level(LoggingLevel::Info).await.unwrap();

    let mut callback = Vec::new();
    let args = json!({"items": ["a", "b", "c"], "delay_ms": 300});
    let result = client
        .call_tool_with_progress("slow_steps", args, |p| {
            callback.push((Instant::now(), p.progress))
        })
        .await
        .unwrap();
    let done = Instant::now();
    assert_eq!(result.content, vec![Content::text("3 done")]);

    let seen = recorder.take();
    let names: Vec<&str> = seen.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "log info step 1/3: a",
            "progress 1/3 a",
            "log info step 2/3: b",
            "progress 2/3 b",
            "log info step 3/3: c",
            "progress 3/3 c",
        ],
        "debug logs are filtered by the session level; everything else in order"
    );
    let first = seen[0].0;
    // The tool sleeps 300 ms twice after the first notification: it must not wait for the end.
    assert!(
        done - first >= Duration::from_millis(500),
        "first notification {:?} before the result",
        done - first
    );
    // And the notifications themselves are spread out, not delivered in one burst.
    assert!(seen[2].0 - seen[0].0 >= Duration::from_millis(200));
    assert!(seen[4].0 - seen[2].0 >= Duration::from_millis(200));
    // The per-call callback saw the same progress, as it arrived.
    assert_eq!(
        callback.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        [1.0, 2.0, 3.0]
    );
    assert!(done - callback[0].0 >= Duration::from_millis(500));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_whole_session() {
    let server = server();
    let client = Client::builder(&server.url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap();
    assert_eq!(client.server_info().server_info.name, "client-tests");
    assert_eq!(client.server_info().server_info.version, "1.2.3");
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert!(client.session_id().is_some());
    client.ping().await.unwrap();

    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["add", "slow_steps", "fail"]);
    assert_eq!(tools[0].description.as_deref(), Some("Add two integers."));
    assert_eq!(tools[0].input_schema["properties"]["a"]["type"], "integer");

    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    assert_eq!(sum.content, vec![Content::text("5")]);
    assert_eq!(sum.is_error, None);

    // A tool that fails is a result; a call that cannot happen is an error.
    let failed = client.call_tool("fail", json!({})).await.unwrap();
    assert_eq!(failed.is_error, Some(true));
    let e = client.call_tool("missing", json!({})).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Rpc(r) if r.code == ErrorCode::INVALID_PARAMS),
        "{e}"
    );
    client.set_log_level(LoggingLevel::Debug).await.unwrap();

    // Without a progress callback there is no token: the server sends logs only.
    let recorder = Recorder::default();
    client.set_handler(recorder.clone());
    let args = json!({"items": ["x"], "delay_ms": 0});
    client.call_tool("slow_steps", args).await.unwrap();
    let seen: Vec<String> = recorder.take().into_iter().map(|(_, s)| s).collect();
    assert_eq!(seen, ["log debug debug x", "log info step 1/1: x"]);

    // Concurrent calls on one client each get their own answer.
    let calls = (0..8).map(|i| client.call_tool("add", json!({"a": i, "b": 100})));
    let results = futures_util::future::join_all(calls).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(
            result.unwrap().content,
            vec![Content::text((i + 100).to_string())]
        );
    }

    // Closing ends the session (see the next test for what a client of an ended session
    // sees); connecting again opens a new one.
    let url = server.url.clone();
    client.close().await.unwrap();
    let again = Client::builder(&url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap();
    assert_ne!(again.session_id(), None);
}

#[tokio::test]
async fn an_ended_session_is_reported_as_expired() {
    let server = server();
    let client = Client::builder(&server.url)
        .wire(WirePreference::Handshake)
        .connect()
        .await
        .unwrap();
    let session = client.session_id().unwrap().to_owned();
    // End the session behind the client's back.
    let response = server
        .request(reqwest::Method::DELETE)
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let e = client
        .call_tool("add", json!({"a": 1, "b": 1}))
        .await
        .unwrap_err();
    assert!(e.is_session_expired(), "{e}");
    assert_eq!(e.http_status(), Some(404));
    assert!(
        e.rpc_error().is_some(),
        "the 404 carries a JSON-RPC error body: {e}"
    );
}

/// A small OAuth 2.1 authorization server for the OAuth test: metadata (RFC 8414), dynamic
/// registration, an authorization endpoint that consents at once (redirecting with a code
/// that remembers the scope and the PKCE challenge), and a token endpoint that checks the
/// verifier and mints HS256 tokens for the requested resource.
mod authorization_server {
    use std::collections::HashMap;
    use std::net::TcpListener;
    use std::sync::{mpsc, Arc, Mutex};
    use std::thread;

    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use jsonwebtoken::{encode, get_current_timestamp, Algorithm, EncodingKey, Header};
    use serde_json::json;

    pub const SECRET: &[u8] = b"oauth test secret, 32 bytes long";

    /// What the server saw: the `scope` of each authorization request, in order.
    #[derive(Default)]
    pub struct Seen {
        pub scopes: Vec<String>,
        /// code -> (scope, PKCE challenge)
        codes: HashMap<String, (String, String)>,
    }

    pub struct AuthorizationServer {
        pub issuer: String,
        pub seen: Arc<Mutex<Seen>>,
        handle: actix_web::dev::ServerHandle,
    }

    impl Drop for AuthorizationServer {
        fn drop(&mut self) {
            drop(self.handle.stop(false));
        }
    }

    fn query(req: &HttpRequest) -> HashMap<String, String> {
        web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default()
    }

    pub fn start() -> AuthorizationServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tx, rx) = mpsc::channel();
        let (app_issuer, app_seen) = (issuer.clone(), seen.clone());
        thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let (issuer, seen) = (app_issuer.clone(), app_seen.clone());
                    let metadata = issuer.clone();
                    let authorize_seen = seen.clone();
                    let authorize_issuer = issuer.clone();
                    App::new()
                        .route(
                            "/.well-known/oauth-authorization-server",
                            web::get().to(move || {
                                let i = metadata.clone();
                                async move {
                                    HttpResponse::Ok().json(json!({
                                        "issuer": i,
                                        "authorization_endpoint": format!("{i}/authorize"),
                                        "token_endpoint": format!("{i}/token"),
                                        "registration_endpoint": format!("{i}/register"),
                                        "code_challenge_methods_supported": ["S256"],
                                        "token_endpoint_auth_methods_supported": ["none"],
                                        "authorization_response_iss_parameter_supported": true,
                                    }))
                                }
                            }),
                        )
                        .route(
                            "/register",
                            web::post().to(|| async {
                                HttpResponse::Created().json(json!({
                                    "client_id": "registered-client",
                                    "token_endpoint_auth_method": "none",
                                }))
                            }),
                        )
                        .route(
                            "/authorize",
                            web::get().to(move |req: HttpRequest| {
                                let (seen, issuer) =
                                    (authorize_seen.clone(), authorize_issuer.clone());
                                async move {
                                    let q = query(&req);
                                    assert_eq!(q["code_challenge_method"], "S256");
                                    assert_eq!(q["client_id"], "registered-client");
                                    let scope = q.get("scope").cloned().unwrap_or_default();
                                    let mut seen = seen.lock().unwrap();
                                    seen.scopes.push(scope.clone());
                                    let code = format!("code-{}", seen.scopes.len());
                                    seen.codes
                                        .insert(code.clone(), (scope, q["code_challenge"].clone()));
                                    let mut to = reqwest::Url::parse(&q["redirect_uri"]).unwrap();
                                    to.query_pairs_mut()
                                        .append_pair("code", &code)
                                        .append_pair("state", &q["state"])
                                        .append_pair("iss", &issuer);
                                    HttpResponse::Found()
                                        .insert_header(("location", to.to_string()))
                                        .finish()
                                }
                            }),
                        )
                        .route(
                            "/token",
                            web::post().to(move |form: web::Form<HashMap<String, String>>| {
                                let (seen, issuer) = (seen.clone(), issuer.clone());
                                async move {
                                    let form = form.into_inner();
                                    assert_eq!(form["grant_type"], "authorization_code");
                                    let (scope, challenge) =
                                        seen.lock().unwrap().codes.remove(&form["code"]).unwrap();
                                    let digest = ring_sha256(form["code_verifier"].as_bytes());
                                    if URL_SAFE_NO_PAD.encode(digest) != challenge {
                                        return HttpResponse::BadRequest()
                                            .json(json!({"error": "invalid_grant"}));
                                    }
                                    let now = get_current_timestamp();
                                    let claims = json!({
                                        "iss": issuer, "aud": form["resource"], "sub": "ada",
                                        "scope": scope, "iat": now, "exp": now + 300,
                                    });
                                    let token = encode(
                                        &Header::new(Algorithm::HS256),
                                        &claims,
                                        &EncodingKey::from_secret(SECRET),
                                    )
                                    .unwrap();
                                    HttpResponse::Ok().json(json!({
                                        "access_token": token, "token_type": "Bearer",
                                        "expires_in": 300, "scope": scope,
                                    }))
                                }
                            }),
                        )
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run();
                tx.send(server.handle()).unwrap();
                server.await
            })
        });
        let handle = rx.recv().unwrap();
        AuthorizationServer {
            issuer,
            seen,
            handle,
        }
    }

    fn ring_sha256(bytes: &[u8]) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, bytes)
            .as_ref()
            .to_vec()
    }
}

/// Read a file (needs `files:read`).
#[mcp_tool(scopes = ["files:read"])]
async fn read_file(path: String) -> String {
    format!("contents of {path}")
}

/// Write a file (needs `files:read` and `files:write`).
#[mcp_tool(scopes = ["files:read", "files:write"])]
async fn write_file(path: String) -> String {
    format!("wrote {path}")
}

/// The consent of a person who agrees at once: the redirect the authorization server answers.
async fn consent(
    url: mcp_runtime::client::oauth::Url,
) -> Result<mcp_runtime::client::oauth::Url, mcp_runtime::client::oauth::OAuthError> {
    let agent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = agent.get(url).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    Ok(reqwest::Url::parse(&location).unwrap())
}

#[tokio::test]
async fn oauth_reaches_a_protected_server_and_steps_up_for_more_scope() {
    use mcp_runtime::auth::{JwtVerifier, ProtectedResource};
    use mcp_runtime::client::oauth::OAuth;

    let authorization = authorization_server::start();
    let issuer = authorization.issuer.clone();
    let server = TestServer::start_with(|authority| {
        let resource = format!("http://{authority}/mcp");
        Server::new("files", "1")
            .tool::<read_file>()
            .tool::<write_file>()
            .into_http()
            .auth(JwtVerifier::hs256(
                authorization_server::SECRET,
                &issuer,
                &resource,
            ))
            .protected_resource(
                ProtectedResource::new(&resource, &issuer)
                    .scopes_supported(["files:read", "files:write"]),
            )
    });
    for wire in [WirePreference::Handshake, WirePreference::Stateless] {
        authorization.seen.lock().unwrap().scopes.clear();
        let oauth =
            OAuth::authorization_code("http://127.0.0.1:1/callback", consent).scope("files:read");
        let client = Client::builder(server.url.clone())
            .wire(wire)
            .oauth(oauth)
            .connect()
            .await
            .unwrap();
        let read = client
            .call_tool("read_file", json!({"path": "a.txt"}))
            .await
            .unwrap();
        assert_eq!(read.content, vec![Content::text("contents of a.txt")]);
        assert_eq!(
            authorization.seen.lock().unwrap().scopes,
            ["files:read"],
            "{wire:?}: one authorization, for the scope asked"
        );
        let wrote = client
            .call_tool("write_file", json!({"path": "a.txt"}))
            .await
            .unwrap();
        assert_eq!(wrote.content, vec![Content::text("wrote a.txt")]);
        assert_eq!(
            authorization.seen.lock().unwrap().scopes,
            ["files:read", "files:read files:write"],
            "{wire:?}: a step-up to the scope the 403 named"
        );
        client.close().await.unwrap();
    }
}

//! Bearer-token authentication over a real socket: JWTs minted here (HS256, RS256 from an
//! inline JWKS, ES256 from a JWKS served by the test), API keys, the `WWW-Authenticate`
//! challenges, Protected Resource Metadata, per-tool scopes, session ownership and
//! `Ctx::identity`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{encode, get_current_timestamp, Algorithm, EncodingKey, Header};
use mcp_runtime::auth::{ApiKeyVerifier, Identity, JwtVerifier, ProtectedResource};
use mcp_runtime::http::StreamableHttp;
use mcp_runtime::{mcp_tool, Ctx, Server};
use reqwest::Method;
use serde_json::{json, Value};
use tests::{header, initialize_request, messages, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// Every test runs over HTTP/1.1 and over HTTP/2.
tests::over_http1_and_http2!(
    a_request_without_a_token_gets_401_and_the_challenge,
    bad_tokens_get_401_invalid_token,
    a_token_in_the_query_string_is_ignored,
    protected_resource_metadata_is_served_at_both_paths,
    tools_list_shows_only_the_tools_the_token_allows,
    a_call_lacking_the_tool_scopes_gets_403_before_any_stream,
    another_subject_cannot_use_a_session,
    tools_see_the_caller,
    api_keys_stand_for_their_identities,
    rs256_tokens_verify_against_an_inline_jwks,
    es256_tokens_verify_against_a_fetched_and_cached_jwks,
    unknown_key_ids_refetch_at_most_once_per_interval,
    an_unreachable_jwks_url_is_503_not_401,
    the_legacy_sse_endpoints_are_guarded_too,
    without_a_verifier_scoped_tools_work_as_before,
);

const SECRET: &[u8] = b"test secret: 32 bytes or longer!";
const ISSUER: &str = "https://as.test";

/// Say who is calling.
#[mcp_tool]
async fn whoami(ctx: Ctx) -> String {
    match ctx.identity() {
        Some(id) => format!(
            "{} [{}] team={}",
            id.subject(),
            id.scopes().join(" "),
            id.claim("team").and_then(Value::as_str).unwrap_or("-")
        ),
        None => "anonymous".into(),
    }
}

/// Read a file.
#[mcp_tool(scopes = ["files:read"])]
async fn read_file(path: String) -> String {
    format!("contents of {path}")
}

/// Write a file, reporting as it goes.
#[mcp_tool(scopes = ["files:read", "files:write"])]
async fn write_file(ctx: Ctx, path: String) -> String {
    ctx.info(format!("writing {path}")).await;
    format!("wrote {path}")
}

fn server() -> Server {
    Server::new("auth", "1")
        .tool::<whoami>()
        .tool::<read_file>()
        .tool::<write_file>()
}

/// The canonical URL of a test server (the audience of its tokens).
fn resource(authority: &str) -> String {
    format!("http://{authority}/mcp")
}

fn metadata_url(server: &TestServer) -> String {
    format!(
        "http://{}/.well-known/oauth-protected-resource/mcp",
        server.authority
    )
}

fn with_metadata(http: StreamableHttp, authority: &str) -> StreamableHttp {
    http.protected_resource(
        ProtectedResource::new(resource(authority), ISSUER)
            .scopes_supported(["files:read", "files:write"]),
    )
}

/// A server checking HS256 tokens for itself.
fn start() -> TestServer {
    TestServer::start_with(|authority| {
        let verifier = JwtVerifier::hs256(SECRET, ISSUER, resource(authority));
        with_metadata(server().into_http().auth(verifier), authority)
    })
}

fn now() -> u64 {
    get_current_timestamp()
}

/// Claims of a token for `server`, for `sub`, with `scope`.
fn claims(server: &TestServer, sub: &str, scope: &str) -> Value {
    json!({
        "iss": ISSUER,
        "aud": resource(&server.authority),
        "sub": sub,
        "scope": scope,
        "exp": now() + 300,
        "iat": now(),
        "team": "blue",
    })
}

fn hs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

fn token(server: &TestServer, sub: &str, scope: &str) -> String {
    hs256(&claims(server, sub, scope))
}

/// Opens a session with `token`; returns its id.
async fn open(server: &TestServer, token: &str) -> String {
    let response = server
        .post(None)
        .bearer_auth(token)
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), server.version());
    header(&response, "mcp-session-id").expect("a session id")
}

/// Sends `body` in `session` with `token`.
async fn send(server: &TestServer, session: &str, token: &str, body: Value) -> reqwest::Response {
    server
        .post(Some(session))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn call(server: &TestServer, session: &str, token: &str, body: Value) -> Vec<Value> {
    let response = send(server, session, token, body.clone()).await;
    assert_eq!(response.status(), 200, "{body}");
    messages(response).await
}

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_request_without_a_token_gets_401_and_the_challenge() {
    let server = start();
    let response = server
        .post(None)
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.version(), server.version());
    assert_eq!(
        header(&response, "www-authenticate").as_deref(),
        Some(
            format!(
                "Bearer scope=\"files:read files:write\", resource_metadata=\"{}\"",
                metadata_url(&server)
            )
            .as_str()
        )
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32000);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Unauthorized: no access token"));

    // Every method of the endpoint is guarded, before anything else is looked at.
    for method in [Method::GET, Method::DELETE] {
        let response = server
            .request(method.clone())
            .header("accept", "text/event-stream")
            .header("mcp-session-id", "0123")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method}");
        assert!(header(&response, "www-authenticate").is_some());
    }
    // Another scheme is no bearer token.
    let basic = server
        .post(None)
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
}

async fn bad_tokens_get_401_invalid_token() {
    let server = start();
    let good = claims(&server, "alice", "files:read");
    let with = |key: &str, value: Value| {
        let mut claims = good.clone();
        claims[key] = value;
        hs256(&claims)
    };
    let wrong_key = encode(
        &Header::new(Algorithm::HS256),
        &good,
        &EncodingKey::from_secret(b"another secret, also 32 bytes..."),
    )
    .unwrap();
    let cases = [
        (with("exp", json!(now() - 600)), "the access token expired"),
        (
            with("aud", json!("http://127.0.0.1:1/mcp")),
            "the access token was not issued for this server (audience)",
        ),
        (
            with("iss", json!("https://evil.test")),
            "the access token was issued by an untrusted issuer",
        ),
        (wrong_key, "the access token's signature does not verify"),
        (
            "not-a-jwt".to_owned(),
            "malformed access token: not a JSON Web Token",
        ),
    ];
    for (token, description) in cases {
        let response = server
            .post(None)
            .bearer_auth(&token)
            .json(&initialize_request("auth-tests"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{description}");
        assert_eq!(
            header(&response, "www-authenticate").unwrap(),
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{description}\", \
                 scope=\"files:read files:write\", resource_metadata=\"{}\"",
                metadata_url(&server)
            )
        );
    }
    // The same claims, properly signed, are accepted.
    let response = server
        .post(None)
        .bearer_auth(hs256(&good))
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(header(&response, "mcp-session-id").is_some());
}

async fn a_token_in_the_query_string_is_ignored() {
    let server = start();
    let token = token(&server, "alice", "files:read");
    for name in ["access_token", "token"] {
        let response = server
            .http()
            .clone()
            .post(format!("{}?{name}={token}", server.url))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .json(&initialize_request("auth-tests"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{name}");
        assert!(!header(&response, "www-authenticate")
            .unwrap()
            .contains("invalid_token"));
    }
}

async fn protected_resource_metadata_is_served_at_both_paths() {
    let server = start();
    let expected = json!({
        "resource": resource(&server.authority),
        "authorization_servers": [ISSUER],
        "scopes_supported": ["files:read", "files:write"],
        "bearer_methods_supported": ["header"],
    });
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let response = reqwest::get(format!("http://{}{path}", server.authority))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            header(&response, "content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(response.json::<Value>().await.unwrap(), expected, "{path}");
    }
    // The challenge names the path-suffixed document, which is one of them.
    assert!(metadata_url(&server).ends_with("/.well-known/oauth-protected-resource/mcp"));
}

async fn tools_list_shows_only_the_tools_the_token_allows() {
    let server = start();
    let reader = token(&server, "alice", "files:read");
    let session = open(&server, &reader).await;
    let list = call(
        &server,
        &session,
        &reader,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await;
    assert_eq!(tool_names(&list[0]), ["whoami", "read_file"]);

    let writer = token(&server, "alice", "files:read files:write");
    let list = call(
        &server,
        &session,
        &writer,
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    assert_eq!(tool_names(&list[0]), ["whoami", "read_file", "write_file"]);

    let nobody = token(&server, "alice", "");
    let list = call(
        &server,
        &session,
        &nobody,
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
    )
    .await;
    assert_eq!(tool_names(&list[0]), ["whoami"]);
}

async fn a_call_lacking_the_tool_scopes_gets_403_before_any_stream() {
    let server = start();
    let reader = token(&server, "alice", "files:read");
    let session = open(&server, &reader).await;
    let response = send(
        &server,
        &session,
        &reader,
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
               "params": {"name": "write_file", "arguments": {"path": "a.txt"}}}),
    )
    .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        header(&response, "www-authenticate").unwrap(),
        format!(
            "Bearer error=\"insufficient_scope\", error_description=\"insufficient scope: this \
             request needs files:read files:write\", scope=\"files:read files:write\", \
             resource_metadata=\"{}\"",
            metadata_url(&server)
        )
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], 7);
    assert_eq!(body["error"]["code"], -32000);

    // With the scopes, the same call streams its log and its result.
    let writer = token(&server, "alice", "files:read files:write");
    let answer = call(
        &server,
        &session,
        &writer,
        json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
               "params": {"name": "write_file", "arguments": {"path": "a.txt"}}}),
    )
    .await;
    assert_eq!(answer[0]["params"]["data"], "writing a.txt");
    assert_eq!(
        answer.last().unwrap()["result"]["content"][0]["text"],
        "wrote a.txt"
    );
    // And a tool the token allows is called as usual.
    let answer = call(
        &server,
        &session,
        &reader,
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
               "params": {"name": "read_file", "arguments": {"path": "b"}}}),
    )
    .await;
    assert_eq!(answer[0]["result"]["content"][0]["text"], "contents of b");
}

async fn another_subject_cannot_use_a_session() {
    let server = start();
    let alice = token(&server, "alice", "files:read");
    let bob = token(&server, "bob", "files:read");
    let session = open(&server, &alice).await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});

    let response = send(&server, &session, &bob, ping.clone()).await;
    assert_eq!(response.status(), 404);
    let notification = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(&server, &session, &bob, notification).await.status(),
        404
    );
    for method in [Method::GET, Method::DELETE] {
        let response = server
            .request(method.clone())
            .bearer_auth(&bob)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method}");
    }
    // Bob's DELETE did not end it: Alice goes on, with a fresh token of hers.
    let alice_again = token(&server, "alice", "files:read files:write");
    let answer = call(&server, &session, &alice_again, ping).await;
    assert_eq!(answer[0]["result"], json!({}));
}

async fn tools_see_the_caller() {
    let server = start();
    let alice = token(&server, "alice", "files:read");
    let session = open(&server, &alice).await;
    let answer = call(
        &server,
        &session,
        &alice,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami"}}),
    )
    .await;
    assert_eq!(
        answer.last().unwrap()["result"]["content"][0]["text"],
        "alice [files:read] team=blue"
    );
}

async fn api_keys_stand_for_their_identities() {
    let server = TestServer::start_with(|authority| {
        let keys = ApiKeyVerifier::new()
            .key(
                "key-of-the-robot",
                Identity::new("robot").with_scopes(["files:read"]),
            )
            .key("key-of-the-admin", Identity::new("admin"));
        with_metadata(server().into_http().auth(keys), authority)
    });
    let session = open(&server, "key-of-the-robot").await;
    let answer = call(
        &server,
        &session,
        "key-of-the-robot",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami"}}),
    )
    .await;
    assert_eq!(
        answer.last().unwrap()["result"]["content"][0]["text"],
        "robot [files:read] team=-"
    );
    // The admin key is valid but the session is the robot's.
    let response = send(
        &server,
        &session,
        "key-of-the-admin",
        json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
    )
    .await;
    assert_eq!(response.status(), 404);

    for wrong in ["key-of-the-robo", "key-of-the-robot!", "KEY-OF-THE-ROBOT"] {
        let response = server
            .post(None)
            .bearer_auth(wrong)
            .json(&initialize_request("auth-tests"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{wrong}");
        assert!(header(&response, "www-authenticate")
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\", error_description=\"unknown API key\""));
    }
}

async fn rs256_tokens_verify_against_an_inline_jwks() {
    let jwks = include_str!("../../fixtures/rsa_test_jwks.json");
    let server = TestServer::start_with(|authority| {
        let verifier = JwtVerifier::jwks(jwks, ISSUER, resource(authority)).unwrap();
        with_metadata(server().into_http().auth(verifier), authority)
    });
    let key = EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/rsa_test_key.pem")).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-test".into());
    let rs256 = encode(&header, &claims(&server, "carol", "files:read"), &key).unwrap();
    let session = open(&server, &rs256).await;
    let answer = call(
        &server,
        &session,
        &rs256,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami"}}),
    )
    .await;
    assert_eq!(
        answer.last().unwrap()["result"]["content"][0]["text"],
        "carol [files:read] team=blue"
    );

    // An HS256 token is refused outright by a verifier of public keys.
    let forged = hs256(&claims(&server, "carol", "files:read"));
    let response = server
        .post(None)
        .bearer_auth(forged)
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // So is a token naming a key id the set lacks.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("other".into());
    let unknown = encode(&header, &claims(&server, "carol", "files:read"), &key).unwrap();
    let response = server
        .post(None)
        .bearer_auth(unknown)
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// An ES256 key pair: the key to sign with, and its public JWK.
fn es256_key(kid: &str) -> (EncodingKey, Value) {
    let pair = rcgen::KeyPair::generate().unwrap();
    let point = pair.public_key_raw();
    assert_eq!(
        (point.len(), point[0]),
        (65, 4),
        "an uncompressed P-256 point"
    );
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
        "x": base64url(&point[1..33]), "y": base64url(&point[33..]),
    });
    (EncodingKey::from_ec_der(&pair.serialize_der()), jwk)
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A JWKS document served on a loopback port by this test's runtime, counting its fetches.
struct JwksServer {
    url: String,
    document: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn serve_jwks(keys: Vec<Value>) -> JwksServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let document = Arc::new(Mutex::new(json!({ "keys": keys })));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (doc, count) = (document.clone(), fetches.clone());
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            count.fetch_add(1, Ordering::SeqCst);
            let body = doc.lock().unwrap().to_string();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    JwksServer {
        url,
        document,
        fetches,
    }
}

async fn es256_tokens_verify_against_a_fetched_and_cached_jwks() {
    let (first, first_jwk) = es256_key("k1");
    let (second, second_jwk) = es256_key("k2");
    let jwks = serve_jwks(vec![first_jwk.clone()]).await;
    let url = jwks.url.clone();
    let server = TestServer::start_with(|authority| {
        let verifier = JwtVerifier::jwks_url(url, ISSUER, resource(authority))
            .min_refetch_interval(Duration::ZERO);
        with_metadata(server().into_http().auth(verifier), authority)
    });
    let es256 = |key: &EncodingKey, kid: &str| {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        encode(&header, &claims(&server, "dave", "files:read"), key).unwrap()
    };
    let session = open(&server, &es256(&first, "k1")).await;
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 1);
    // Cached: more requests fetch nothing.
    for id in 1..=3 {
        let answer = call(
            &server,
            &session,
            &es256(&first, "k1"),
            json!({"jsonrpc": "2.0", "id": id, "method": "ping"}),
        )
        .await;
        assert_eq!(answer[0]["result"], json!({}));
    }
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 1);

    // The issuer rotates in a new key: a token naming it makes the verifier fetch again.
    *jwks.document.lock().unwrap() = json!({ "keys": [first_jwk, second_jwk] });
    let answer = call(
        &server,
        &session,
        &es256(&second, "k2"),
        json!({"jsonrpc": "2.0", "id": 9, "method": "ping"}),
    )
    .await;
    assert_eq!(answer[0]["result"], json!({}));
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 2);

    // A key nobody published is refused (after one more look).
    let (stranger, _) = es256_key("k3");
    let response = send(
        &server,
        &session,
        &es256(&stranger, "k3"),
        json!({"jsonrpc": "2.0", "id": 10, "method": "ping"}),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 3);
    // A published kid with a forged signature is refused without fetching.
    let response = send(
        &server,
        &session,
        &es256(&stranger, "k1"),
        json!({"jsonrpc": "2.0", "id": 11, "method": "ping"}),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 3);
}

async fn unknown_key_ids_refetch_at_most_once_per_interval() {
    let (first, first_jwk) = es256_key("k1");
    let jwks = serve_jwks(vec![first_jwk]).await;
    let url = jwks.url.clone();
    let server = TestServer::start_with(|authority| {
        let verifier = JwtVerifier::jwks_url(url, ISSUER, resource(authority))
            .min_refetch_interval(Duration::from_secs(3600));
        server().into_http().auth(verifier)
    });
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("k1".into());
    let good = encode(&header, &claims(&server, "erin", ""), &first).unwrap();
    open(&server, &good).await;
    header.kid = Some("nope".into());
    let unknown = encode(&header, &claims(&server, "erin", ""), &first).unwrap();
    for _ in 0..5 {
        let response = server
            .post(None)
            .bearer_auth(&unknown)
            .json(&initialize_request("auth-tests"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        // Without Protected Resource Metadata, the challenge has no resource_metadata.
        assert_eq!(
            header_of(&response),
            "Bearer error=\"invalid_token\", error_description=\"the access token's signature does not verify\""
        );
    }
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 1);
}

fn header_of(response: &reqwest::Response) -> String {
    header(response, "www-authenticate").unwrap_or_default()
}

async fn an_unreachable_jwks_url_is_503_not_401() {
    // A port that was bound and released: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = TestServer::start_with(|authority| {
        let verifier = JwtVerifier::jwks_url(
            format!("http://127.0.0.1:{port}/jwks.json"),
            ISSUER,
            resource(authority),
        );
        server().into_http().auth(verifier)
    });
    let (key, _) = es256_key("k1");
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("k1".into());
    let token = encode(&header, &claims(&server, "frank", ""), &key).unwrap();
    let response = server
        .post(None)
        .bearer_auth(token)
        .json(&initialize_request("auth-tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(header_of(&response), "");
}

async fn the_legacy_sse_endpoints_are_guarded_too() {
    let server = TestServer::start_with(|authority| {
        let verifier = JwtVerifier::hs256(SECRET, ISSUER, resource(authority));
        with_metadata(server().into_http().auth(verifier), authority).legacy_sse(true)
    });
    let sse = format!("http://{}/sse", server.authority);
    let client = server.http().clone();
    let response = client
        .get(&sse)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(header_of(&response).contains("resource_metadata="));

    // Alice opens a stream; Bob cannot post to it.
    let alice = token(&server, "alice", "files:read");
    let bob = token(&server, "bob", "files:read");
    let stream = client
        .get(&sse)
        .bearer_auth(&alice)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut events = tests::EventReader::new(stream);
    let endpoint = events.expect(Duration::from_secs(5)).await;
    let messages_url = format!(
        "http://{}{}",
        server.authority,
        endpoint.data.expect("the messages URI")
    );
    let post = |token: &str| {
        client
            .post(&messages_url)
            .bearer_auth(token)
            .json(&initialize_request("auth-tests"))
    };
    assert_eq!(post(&bob).send().await.unwrap().status(), 404);
    assert_eq!(
        client
            .post(&messages_url)
            .json(&initialize_request("auth-tests"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(post(&alice).send().await.unwrap().status(), 202);
    assert_eq!(events.message().await["id"], 0);
}

async fn without_a_verifier_scoped_tools_work_as_before() {
    let server = TestServer::start(server().into_http());
    let session = server.session().await;
    let list = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        )
        .await;
    assert_eq!(tool_names(&list[0]), ["whoami", "read_file", "write_file"]);
    let answer = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "write_file", "arguments": {"path": "x"}}}),
        )
        .await;
    assert_eq!(
        answer.last().unwrap()["result"]["content"][0]["text"],
        "wrote x"
    );
    let answer = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "whoami"}}),
        )
        .await;
    assert_eq!(
        answer.last().unwrap()["result"]["content"][0]["text"],
        "anonymous"
    );
    // No metadata is served without it.
    let response = reqwest::get(format!(
        "http://{}/.well-known/oauth-protected-resource",
        server.authority
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 404);
}

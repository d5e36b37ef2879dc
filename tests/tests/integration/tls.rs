//! HTTPS with a certificate made in the test: HTTP/1.1 and HTTP/2, and a clear start-up error
//! for unusable files.

use std::net::TcpListener;
use std::sync::Arc;

use mcp_runtime::auth::{ApiKeyVerifier, Identity};
use mcp_runtime::http::{StreamableHttp, TlsConfig};
use mcp_runtime::{mcp_tool, Server};
use serde_json::{json, Value};

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

struct Tls {
    url: String,
    port: u16,
    /// The server's certificate (PEM), which clients trust.
    cert: std::path::PathBuf,
    root: rustls::pki_types::CertificateDer<'static>,
    _dir: TempDir,
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start() -> Tls {
    start_with(|http| http)
}

/// A TLS server whose endpoint `configure` finishes (to add authentication, say).
fn start_with(configure: impl FnOnce(StreamableHttp) -> StreamableHttp + Send + 'static) -> Tls {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir =
        std::env::temp_dir().join(format!("mcp-tls-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    let cert_path_for_server = cert_path.clone();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let tls = TlsConfig::from_pem_files(&cert_path_for_server, &key_path).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = configure(Server::new("tls", "1").tool::<add>().into_http())
                .listen_tls(listener, tls)
                .unwrap();
            tx.send(()).unwrap();
            server.await
        })
    });
    rx.recv().unwrap();
    Tls {
        url: format!("https://localhost:{port}/mcp"),
        port,
        cert: cert_path,
        root: cert.cert.der().clone(),
        _dir: TempDir(dir),
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// One HTTPS request with hyper over tokio-rustls, speaking HTTP/2 or HTTP/1.1 as ALPN picks;
/// it must succeed.
async fn post(
    tls: &Tls,
    http2: bool,
    session: Option<&str>,
    body: Value,
) -> (hyper::Version, hyper::HeaderMap, Value) {
    let (status, version, headers, body) = send(tls, http2, session, &[], body)
        .await
        .expect("a response");
    assert_eq!(status, 200);
    (version, headers, serde_json::from_slice(&body).unwrap())
}

/// One HTTPS request as [`post`] sends it, with `extra` headers; its status, version, headers
/// and body, or the error that got in the way of them (a reset stream, say).
async fn send(
    tls: &Tls,
    http2: bool,
    session: Option<&str>,
    extra: &[(&str, &str)],
    body: Value,
) -> Result<(u16, hyper::Version, hyper::HeaderMap, bytes::Bytes), String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(tls.root.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![if http2 {
        b"h2".to_vec()
    } else {
        b"http/1.1".to_vec()
    }];
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", tls.port))
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(
        stream.get_ref().1.alpn_protocol(),
        Some(if http2 { &b"h2"[..] } else { &b"http/1.1"[..] })
    );
    let io = hyper_util::rt::TokioIo::new(stream);
    let mut request = hyper::Request::post(&tls.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if !http2 {
        request = request.header("host", format!("localhost:{}", tls.port));
    }
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap();
    let response = if http2 {
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                .await
                .unwrap();
        tokio::spawn(connection);
        sender.send_request(request).await
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(connection);
        sender.send_request(request).await
    }
    .map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let version = response.version();
    let headers = response.headers().clone();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .map_err(|e| format!("reading the body: {e:?}"))?
        .to_bytes();
    Ok((status, version, headers, bytes))
}

fn initialize() -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})
}

#[tokio::test]
async fn https_over_http1_and_http2() {
    let tls = start();
    let (version, _, body) = post(&tls, false, None, initialize()).await;
    assert_eq!(version, hyper::Version::HTTP_11);
    assert_eq!(body["result"]["serverInfo"]["name"], "tls");

    let (version, headers, _) = post(&tls, true, None, initialize()).await;
    assert_eq!(version, hyper::Version::HTTP_2);
    let session = headers["mcp-session-id"].to_str().unwrap().to_owned();
    // Host validation works on HTTP/2, where the host travels as `:authority`.
    let call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}});
    let (version, _, body) = post(&tls, true, Some(&session), call).await;
    assert_eq!(version, hyper::Version::HTTP_2);
    assert_eq!(body["result"]["content"][0]["text"], "5");
}

#[tokio::test]
async fn plain_http_to_the_tls_port_fails_cleanly() {
    let tls = start();
    let plain = tls.url.replace("https://", "http://");
    if let Ok(response) = reqwest::Client::new().post(&plain).body("{}").send().await {
        assert!(!response.status().is_success());
    }
    // The server still serves TLS clients.
    let (_, _, body) = post(&tls, false, None, initialize()).await;
    assert_eq!(body["result"]["serverInfo"]["name"], "tls");
}

/// `curl` as browsers' HTTP/2 stacks behave: the request body follows its headers at once.
/// Returns curl's exit code and the status it saw (0 when none).
async fn curl_post(
    tls: &Tls,
    http2: bool,
    token: Option<&str>,
    body: &std::path::Path,
) -> (i32, u16) {
    let mut curl = tokio::process::Command::new("curl");
    curl.args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(if http2 { "--http2" } else { "--http1.1" })
        .arg("--cacert")
        .arg(&tls.cert)
        .arg("--resolve")
        .arg(format!("localhost:{}:127.0.0.1", tls.port))
        .args(["-H", "content-type: application/json"])
        .args(["-H", "accept: application/json, text/event-stream"])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()));
    if let Some(token) = token {
        curl.args(["-H", &format!("authorization: Bearer {token}")]);
    }
    let output = curl
        .arg(&tls.url)
        .output()
        .await
        .expect("curl runs (the tests need it: apt-get install curl)");
    let status = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    (output.status.code().unwrap_or(-1), status)
}

/// A refused request is answered, not reset, over both protocols: the refusal used to race
/// the request body it did not read, and over HTTP/2 the stream was often reset before the
/// client saw the `401` (curl exit 92), so OAuth discovery failed in browsers.
#[tokio::test]
async fn the_401_challenge_arrives_over_http1_and_http2() {
    let tls = start_with(|http| http.auth(ApiKeyVerifier::new().key("k-1", Identity::new("ci"))));
    // A body still on its way when the refusal is ready.
    let body = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"},
        "_padding": "x".repeat(300 * 1024)}});
    let file = tls.cert.with_file_name("body.json");
    std::fs::write(&file, body.to_string()).unwrap();
    for http2 in [false, true] {
        for token in [None, Some("wrong")] {
            for attempt in 0..20 {
                let (exit, status) = curl_post(&tls, http2, token, &file).await;
                assert_eq!(
                    (exit, status),
                    (0, 401),
                    "http2 {http2}, token {token:?}, attempt {attempt}"
                );
            }
        }
    }
    // hyper sees the challenge and its JSON-RPC body.
    for http2 in [false, true] {
        let (status, version, headers, bytes) =
            send(&tls, http2, None, &[], body.clone()).await.unwrap();
        assert_eq!((status, version == hyper::Version::HTTP_2), (401, http2));
        let challenge = headers["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        let error: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(error["error"]["code"], -32000);
    }
    // With the key, the same request is served over HTTP/2.
    assert_eq!(curl_post(&tls, true, Some("k-1"), &file).await, (0, 200));
}

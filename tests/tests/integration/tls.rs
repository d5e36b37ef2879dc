//! HTTPS with a certificate made in the test: HTTP/1.1 and HTTP/2, and a clear start-up error
//! for unusable files.

use std::net::TcpListener;
use std::sync::Arc;

use mcp_runtime::http::TlsConfig;
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
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir =
        std::env::temp_dir().join(format!("mcp-tls-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let tls = TlsConfig::from_pem_files(&cert_path, &key_path).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = Server::new("tls", "1")
                .tool::<add>()
                .into_http()
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
        root: cert.cert.der().clone(),
        _dir: TempDir(dir),
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// One HTTPS request with hyper over tokio-rustls, speaking HTTP/2 or HTTP/1.1 as ALPN picks.
async fn post(
    tls: &Tls,
    http2: bool,
    session: Option<&str>,
    body: Value,
) -> (hyper::Version, hyper::HeaderMap, Value) {
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
        sender.send_request(request).await.unwrap()
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(connection);
        sender.send_request(request).await.unwrap()
    };
    assert_eq!(response.status(), 200);
    let version = response.version();
    let headers = response.headers().clone();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (version, headers, serde_json::from_slice(&bytes).unwrap())
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

//! CORS over a real socket: preflights answered for allowed origins only, MCP headers allowed,
//! `Mcp-Session-Id` readable by the page.

use mcp_runtime::{mcp_tool, Server};
use reqwest::Method;
use serde_json::json;
use tests::TestServer;

// Every test runs over HTTP/1.1 and over HTTP/2.
tests::over_http1_and_http2!(
    preflight_allows_the_mcp_headers_for_allowed_origins,
    responses_expose_the_session_id,
    without_cors_there_are_no_cors_headers,
);

/// Add two integers.
#[mcp_tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn start(cors: bool) -> TestServer {
    TestServer::start(
        Server::new("cors", "1")
            .tool::<add>()
            .into_http()
            .allowed_origins(["https://app.example.com"])
            .cors(cors),
    )
}

/// Header `name` in lower case, or "".
fn header(response: &reqwest::Response, name: &str) -> String {
    tests::header(response, name)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn preflight(server: &TestServer, origin: &str) -> reqwest::RequestBuilder {
    server
        .request(Method::OPTIONS)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, mcp-session-id, mcp-protocol-version",
        )
}

async fn preflight_allows_the_mcp_headers_for_allowed_origins() {
    let server = start(true);
    let response = preflight(&server, "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.version(), server.version());
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        "https://app.example.com"
    );
    let allowed = header(&response, "access-control-allow-headers");
    for name in ["content-type", "mcp-session-id", "mcp-protocol-version"] {
        assert!(allowed.contains(name), "{allowed} lacks {name}");
    }
    assert!(header(&response, "access-control-allow-methods").contains("post"));

    let refused = preflight(&server, "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&refused, "access-control-allow-origin"), "");
}

async fn responses_expose_the_session_id() {
    let server = start(true);
    let response = server
        .post(None)
        .header("origin", "https://app.example.com")
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        "https://app.example.com"
    );
    assert!(header(&response, "access-control-expose-headers").contains("mcp-session-id"));

    // An origin outside the allow-list is still refused by the endpoint itself.
    let evil = server
        .post(None)
        .header("origin", "https://evil.example.com")
        .json(&json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
}

async fn without_cors_there_are_no_cors_headers() {
    let server = start(false);
    let response = preflight(&server, "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "access-control-allow-origin"), "");
}

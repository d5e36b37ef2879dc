//! Resources over a real socket: `resources/list`, `resources/templates/list`,
//! `resources/read` (text, binary, templates, errors), `resources/subscribe` /
//! `resources/unsubscribe`, and the capability that announces them.

use mcp_runtime::{
    mcp_resource, mcp_tool,
    prompt::CompletionRequest,
    resource::{Blob, ResourceContents},
    Ctx, Server,
};
use serde_json::{json, Value};
use tests::TestServer;

/// Say hello.
#[mcp_tool]
async fn hello() -> &'static str {
    "hello"
}

/// A static text resource.
#[mcp_resource(
    uri = "test://static-text",
    mime_type = "text/plain",
    title = "Static text"
)]
async fn static_text() -> &'static str {
    "static text"
}

/// A static binary resource.
#[mcp_resource(uri = "test://static-binary", mime_type = "application/octet-stream")]
async fn static_binary() -> Blob {
    Blob::new(b"hi!")
}

/// Data by id.
#[mcp_resource(uri_template = "test://template/{id}/data", mime_type = "text/plain")]
async fn template_data(id: String) -> String {
    format!("data of {id}")
}

/// Ids that start with what the user typed.
fn complete_id(prefix: &str) -> Vec<String> {
    ["alpha", "beta", "alpine"]
        .into_iter()
        .filter(|id| id.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// Files of a user: both variables complete, the second from the first.
#[mcp_resource(uri_template = "test://users/{user}/files/{file}")]
async fn user_file(
    #[mcp(complete = complete_id)] user: String,
    #[mcp(complete = complete_file)] file: String,
) -> String {
    format!("{user}/{file}")
}

async fn complete_file(request: CompletionRequest) -> Vec<String> {
    let user = request.arguments.get("user").cloned().unwrap_or_default();
    vec![format!("{user}-{}notes.txt", request.value)]
}

/// Numbered items: the variable is a `u32`.
#[mcp_resource(uri_template = "test://items/{n}")]
async fn item(ctx: Ctx, n: u32) -> Vec<ResourceContents> {
    let _ = ctx;
    vec![
        ResourceContents::text(format!("test://items/{n}"), format!("item {n}"))
            .with_mime_type("text/markdown"),
    ]
}

/// Always fails.
#[mcp_resource(uri = "test://broken")]
async fn broken() -> Result<String, String> {
    Err("the disk is on fire".into())
}

fn server(page_size: usize) -> TestServer {
    TestServer::start(
        Server::new("resources", "1")
            .tool::<hello>()
            .resource::<static_text>()
            .resource::<static_binary>()
            .resource::<template_data>()
            .resource::<item>()
            .resource::<user_file>()
            .resource::<broken>()
            .page_size(page_size)
            .into_http(),
    )
}

#[actix_web::test]
async fn capability_is_advertised_only_with_resources() {
    let server = server(100);
    let caps = &server.initialize().await["result"]["capabilities"];
    assert_eq!(
        caps["resources"],
        json!({"subscribe": true, "listChanged": true})
    );

    let bare = TestServer::start(Server::new("bare", "1").tool::<hello>().into_http());
    let caps = &bare.initialize().await["result"]["capabilities"];
    assert!(caps.get("resources").is_none(), "{caps}");
    let session = bare.session().await;
    for method in ["resources/list", "resources/read", "resources/subscribe"] {
        let answer = bare
            .rpc(&session, 1, method, json!({"uri": "test://x"}))
            .await;
        assert_eq!(answer["error"]["code"], -32601, "{method}");
    }
}

#[actix_web::test]
async fn lists_resources_and_templates_with_pagination() {
    let server = server(2);
    let session = server.session().await;
    let first = server.rpc(&session, 1, "resources/list", json!({})).await;
    assert_eq!(
        first["result"]["resources"],
        json!([
            {"uri": "test://static-text", "name": "static_text", "title": "Static text",
             "description": "A static text resource.", "mimeType": "text/plain"},
            {"uri": "test://static-binary", "name": "static_binary",
             "description": "A static binary resource.", "mimeType": "application/octet-stream"},
        ])
    );
    let cursor = first["result"]["nextCursor"].clone();
    let second = server
        .rpc(&session, 2, "resources/list", json!({"cursor": cursor}))
        .await;
    assert_eq!(second["result"]["resources"][0]["uri"], "test://broken");
    assert!(second["result"].get("nextCursor").is_none(), "{second}");

    let templates = server
        .rpc(&session, 3, "resources/templates/list", json!({}))
        .await;
    assert_eq!(
        templates["result"]["resourceTemplates"],
        json!([
            {"uriTemplate": "test://template/{id}/data", "name": "template_data",
             "description": "Data by id.", "mimeType": "text/plain"},
            {"uriTemplate": "test://items/{n}", "name": "item",
             "description": "Numbered items: the variable is a `u32`."},
        ])
    );
}

#[actix_web::test]
async fn reads_static_binary_and_templated_resources() {
    let server = server(100);
    let session = server.session().await;
    let read = |id, uri: &str| server.rpc(&session, id, "resources/read", json!({"uri": uri}));

    assert_eq!(
        read(1, "test://static-text").await["result"],
        json!({"contents": [{"uri": "test://static-text", "mimeType": "text/plain", "text": "static text"}]})
    );
    assert_eq!(
        read(2, "test://static-binary").await["result"],
        json!({"contents": [{"uri": "test://static-binary", "mimeType": "application/octet-stream", "blob": "aGkh"}]})
    );
    assert_eq!(
        read(3, "test://template/123/data").await["result"],
        json!({"contents": [{"uri": "test://template/123/data", "mimeType": "text/plain", "text": "data of 123"}]})
    );
    // Variables are percent-decoded.
    let decoded = read(4, "test://template/a%20b%2Fc/data").await;
    assert_eq!(decoded["result"]["contents"][0]["text"], "data of a b/c");
    assert_eq!(
        read(5, "test://items/7").await["result"]["contents"],
        json!([{"uri": "test://items/7", "mimeType": "text/markdown", "text": "item 7"}])
    );
}

#[actix_web::test]
async fn read_errors() {
    let server = server(100);
    let session = server.session().await;
    let read = |id, params: Value| server.rpc(&session, id, "resources/read", params);

    for (id, uri) in [
        (1, "test://nonexistent"),
        (2, "test://template/1/2/data"),
        (3, "test://template//data"),
        (4, "test://static-text/"),
    ] {
        let answer = read(id, json!({"uri": uri})).await;
        assert_eq!(answer["error"]["code"], -32002, "{uri}: {answer}");
        assert_eq!(answer["error"]["data"], json!({"uri": uri}), "{uri}");
    }
    // A variable that does not parse as its parameter's type.
    let answer = read(5, json!({"uri": "test://items/seven"})).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("`n`"));
    // The read function's own error.
    let answer = read(6, json!({"uri": "test://broken"})).await;
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    assert_eq!(answer["error"]["message"], "the disk is on fire");
    // No `uri`.
    let answer = read(7, json!({})).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
}

#[actix_web::test]
async fn subscribe_and_unsubscribe() {
    let server = server(100);
    let session = server.session().await;
    let subscribe = server
        .rpc(
            &session,
            1,
            "resources/subscribe",
            json!({"uri": "test://static-text"}),
        )
        .await;
    assert_eq!(subscribe["result"], json!({}), "{subscribe}");
    let templated = server
        .rpc(
            &session,
            2,
            "resources/subscribe",
            json!({"uri": "test://template/9/data"}),
        )
        .await;
    assert_eq!(templated["result"], json!({}), "{templated}");
    let unknown = server
        .rpc(
            &session,
            3,
            "resources/subscribe",
            json!({"uri": "test://nope"}),
        )
        .await;
    assert_eq!(unknown["error"]["code"], -32002, "{unknown}");
    assert_eq!(unknown["error"]["data"]["uri"], "test://nope");
    for (id, uri) in [(4, "test://static-text"), (5, "test://never-subscribed")] {
        let answer = server
            .rpc(&session, id, "resources/unsubscribe", json!({"uri": uri}))
            .await;
        assert_eq!(answer["result"], json!({}), "{answer}");
    }
}

#[actix_web::test]
async fn template_variables_complete() {
    let server = server(100);
    let init = server.initialize().await;
    assert_eq!(init["result"]["capabilities"]["completions"], json!({}));
    let s = server.session().await;
    let complete = |uri: &str, name: &str, value: &str, context: Value| {
        json!({
            "ref": {"type": "ref/resource", "uri": uri},
            "argument": {"name": name, "value": value},
            "context": {"arguments": context}
        })
    };
    let template = "test://users/{user}/files/{file}";
    let answer = server
        .rpc(
            &s,
            1,
            "completion/complete",
            complete(template, "user", "al", json!({})),
        )
        .await;
    assert_eq!(
        answer["result"]["completion"]["values"],
        json!(["alpha", "alpine"])
    );
    let answer = server
        .rpc(
            &s,
            2,
            "completion/complete",
            complete(template, "file", "my", json!({"user": "beta"})),
        )
        .await;
    assert_eq!(
        answer["result"]["completion"]["values"],
        json!(["beta-mynotes.txt"])
    );
    // A variable without a completer completes to nothing.
    let answer = server
        .rpc(
            &s,
            3,
            "completion/complete",
            complete("test://template/{id}/data", "id", "x", json!({})),
        )
        .await;
    assert_eq!(answer["result"]["completion"]["values"], json!([]));
    // Mistakes name what was wrong.
    let answer = server
        .rpc(
            &s,
            4,
            "completion/complete",
            complete(template, "nope", "", json!({})),
        )
        .await;
    assert_eq!(answer["error"]["code"], -32602);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("has no variable `nope`"));
    let answer = server
        .rpc(
            &s,
            5,
            "completion/complete",
            complete("test://static-text", "x", "", json!({})),
        )
        .await;
    assert_eq!(answer["error"]["code"], -32602);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Unknown resource template"));
}

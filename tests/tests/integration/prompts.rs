//! Prompts and completions over a real socket: `prompts/list`, `prompts/get`,
//! `completion/complete`, their errors, and the capabilities that announce them.

use mcp_runtime::{
    mcp_prompt, mcp_tool,
    prompt::{Completion, CompletionRequest, PromptError, PromptMessage},
    Content, Ctx, Server,
};
use serde_json::json;
use tests::TestServer;

/// Say hello.
#[mcp_tool]
async fn hello() -> &'static str {
    "hello"
}

/// A prompt without arguments.
#[mcp_prompt(title = "Simple")]
async fn simple() -> &'static str {
    "A simple prompt."
}

fn complete_language(prefix: &str) -> Completion {
    Completion::matching(["python", "perl", "rust"], prefix)
}

async fn complete_framework(request: CompletionRequest) -> Vec<String> {
    match request.arguments.get("language").map(String::as_str) {
        Some("rust") => vec!["actix-web".into(), "axum".into()],
        _ => vec![],
    }
}

fn complete_many(_: &str) -> Vec<String> {
    (0..250).map(|i| format!("v{i}")).collect()
}

/// Ask for a code review.
#[mcp_prompt]
async fn review(
    /// The code to review.
    code: String,
    /// Its language.
    #[mcp(complete = complete_language)]
    language: Option<String>,
    /// A framework it uses.
    #[mcp(complete = complete_framework)]
    framework: Option<String>,
    /// How many remarks at most.
    #[mcp(default = 3)]
    limit: u32,
    /// Anything.
    #[mcp(complete = complete_many)]
    tag: Option<String>,
) -> Vec<PromptMessage> {
    let _ = tag;
    vec![
        PromptMessage::user(format!(
            "Review this {} code ({} remarks at most, framework {}):",
            language.as_deref().unwrap_or("unknown"),
            limit,
            framework.as_deref().unwrap_or("none"),
        )),
        PromptMessage::user(Content::embedded_text("file:///code", "text/plain", code)),
        PromptMessage::assistant("Sure."),
    ]
}

/// Fails on purpose.
#[mcp_prompt]
async fn failing(
    /// `bad` for -32602, anything else for -32603.
    how: String,
) -> Result<String, PromptError> {
    match how.as_str() {
        "bad" => Err(PromptError::invalid_params("`how` must not be bad")),
        _ => Err(PromptError::msg("it broke")),
    }
}

/// Logs while rendering.
#[mcp_prompt]
async fn chatty(ctx: Ctx) -> String {
    ctx.info("rendering").await;
    "done".into()
}

fn server() -> TestServer {
    TestServer::start(
        Server::new("prompts", "1")
            .tool::<hello>()
            .prompt::<simple>()
            .prompt::<review>()
            .prompt::<failing>()
            .prompt::<chatty>()
            .into_http(),
    )
}

#[actix_web::test]
async fn capabilities_are_advertised_only_with_prompts() {
    let server = server();
    let caps = &server.initialize().await["result"]["capabilities"];
    assert_eq!(caps["prompts"], json!({"listChanged": true}));
    assert_eq!(caps["completions"], json!({}));

    let bare = TestServer::start(Server::new("bare", "1").tool::<hello>().into_http());
    let caps = &bare.initialize().await["result"]["capabilities"];
    assert!(caps.get("prompts").is_none(), "{caps}");
    assert!(caps.get("completions").is_none(), "{caps}");
    let session = bare.session().await;
    let answer = bare.rpc(&session, 1, "prompts/list", json!({})).await;
    assert_eq!(answer["error"]["code"], -32601);
}

#[actix_web::test]
async fn list_describes_every_prompt_and_argument() {
    let server = server();
    let session = server.session().await;
    let list = server.rpc(&session, 1, "prompts/list", json!({})).await;
    let prompts = list["result"]["prompts"].as_array().unwrap();
    assert_eq!(prompts.len(), 4);
    assert_eq!(
        prompts[0],
        json!({"name": "simple", "title": "Simple", "description": "A prompt without arguments.", "arguments": []})
    );
    assert_eq!(prompts[1]["description"], "Ask for a code review.");
    assert_eq!(
        prompts[1]["arguments"],
        json!([
            {"name": "code", "required": true, "description": "The code to review."},
            {"name": "language", "required": false, "description": "Its language."},
            {"name": "framework", "required": false, "description": "A framework it uses."},
            {"name": "limit", "required": false, "description": "How many remarks at most."},
            {"name": "tag", "required": false, "description": "Anything."}
        ])
    );
    assert!(list["result"].get("nextCursor").is_none());
}

#[actix_web::test]
async fn list_is_paginated() {
    let server = TestServer::start(
        Server::new("p", "1")
            .prompt::<simple>()
            .prompt::<review>()
            .prompt::<failing>()
            .page_size(2)
            .into_http(),
    );
    let session = server.session().await;
    let first = server.rpc(&session, 1, "prompts/list", json!({})).await;
    assert_eq!(first["result"]["prompts"].as_array().unwrap().len(), 2);
    let cursor = first["result"]["nextCursor"].clone();
    let second = server
        .rpc(&session, 2, "prompts/list", json!({"cursor": cursor}))
        .await;
    assert_eq!(second["result"]["prompts"][0]["name"], "failing");
    assert!(second["result"].get("nextCursor").is_none());
    let bad = server
        .rpc(&session, 3, "prompts/list", json!({"cursor": "x"}))
        .await;
    assert_eq!(bad["error"]["code"], -32602);
}

#[actix_web::test]
async fn get_without_arguments() {
    let server = server();
    let session = server.session().await;
    let got = server
        .rpc(&session, 1, "prompts/get", json!({"name": "simple"}))
        .await;
    assert_eq!(
        got["result"],
        json!({
            "description": "A prompt without arguments.",
            "messages": [{"role": "user", "content": {"type": "text", "text": "A simple prompt."}}]
        })
    );
}

#[actix_web::test]
async fn get_with_arguments_parses_and_defaults_them() {
    let server = server();
    let session = server.session().await;
    let got = server
        .rpc(
            &session,
            1,
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "fn main() {}", "language": "rust"}}),
        )
        .await;
    let messages = &got["result"]["messages"];
    assert_eq!(
        messages[0]["content"]["text"],
        "Review this rust code (3 remarks at most, framework none):"
    );
    assert_eq!(messages[1]["content"]["type"], "resource");
    assert_eq!(messages[1]["content"]["resource"]["text"], "fn main() {}");
    assert_eq!(messages[2]["role"], "assistant");

    let got = server
        .rpc(
            &session,
            2,
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "x", "limit": "7"}}),
        )
        .await;
    assert!(got["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap()
        .contains("7 remarks"));
}

#[actix_web::test]
async fn argument_errors_are_invalid_params_naming_the_argument() {
    let server = server();
    let session = server.session().await;
    let cases = [
        (json!({}), "missing required argument `code`"),
        (
            json!({"code": "x", "limit": "many"}),
            "invalid value for argument `limit`: invalid digit found in string",
        ),
        (
            json!({"code": 5}),
            "invalid value for argument `code`: prompt arguments must be strings",
        ),
    ];
    for (i, (arguments, message)) in cases.into_iter().enumerate() {
        let got = server
            .rpc(
                &session,
                i as i64,
                "prompts/get",
                json!({"name": "review", "arguments": arguments}),
            )
            .await;
        assert_eq!(got["error"]["code"], -32602, "{got}");
        assert_eq!(got["error"]["message"], message);
    }
}

#[actix_web::test]
async fn unknown_prompts_and_prompt_errors() {
    let server = server();
    let session = server.session().await;
    let got = server
        .rpc(&session, 1, "prompts/get", json!({"name": "nope"}))
        .await;
    assert_eq!(got["error"]["code"], -32602);
    assert_eq!(got["error"]["message"], "Unknown prompt: nope");

    let args = |how: &str| json!({"name": "failing", "arguments": {"how": how}});
    let got = server.rpc(&session, 2, "prompts/get", args("bad")).await;
    assert_eq!(
        (
            got["error"]["code"].clone(),
            got["error"]["message"].clone()
        ),
        (json!(-32602), json!("`how` must not be bad"))
    );
    let got = server.rpc(&session, 3, "prompts/get", args("other")).await;
    assert_eq!(
        (
            got["error"]["code"].clone(),
            got["error"]["message"].clone()
        ),
        (json!(-32603), json!("it broke"))
    );
}

#[actix_web::test]
async fn a_prompt_with_ctx_streams_its_notifications_first() {
    let server = server();
    let session = server.session().await;
    let messages = server
        .call(
            &session,
            json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "chatty"}}),
        )
        .await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["method"], "notifications/message");
    assert_eq!(
        messages[1]["result"]["messages"][0]["content"]["text"],
        "done"
    );
}

#[actix_web::test]
async fn completion_of_prompt_arguments() {
    let server = server();
    let session = server.session().await;
    let complete = |name: &str, argument: &str, value: &str| {
        json!({
            "ref": {"type": "ref/prompt", "name": name},
            "argument": {"name": argument, "value": value}
        })
    };
    let got = server
        .rpc(
            &session,
            1,
            "completion/complete",
            complete("review", "language", "p"),
        )
        .await;
    assert_eq!(
        got["result"],
        json!({"completion": {"values": ["python", "perl"]}})
    );

    // An async completer sees the other arguments.
    let mut params = complete("review", "framework", "");
    params["context"] = json!({"arguments": {"language": "rust"}});
    let got = server.rpc(&session, 2, "completion/complete", params).await;
    assert_eq!(
        got["result"]["completion"]["values"],
        json!(["actix-web", "axum"])
    );

    // At most 100 values, with the total.
    let got = server
        .rpc(
            &session,
            3,
            "completion/complete",
            complete("review", "tag", ""),
        )
        .await;
    let completion = &got["result"]["completion"];
    assert_eq!(completion["values"].as_array().unwrap().len(), 100);
    assert_eq!(
        (completion["total"].clone(), completion["hasMore"].clone()),
        (json!(250), json!(true))
    );

    // No completer: no values.
    let got = server
        .rpc(
            &session,
            4,
            "completion/complete",
            complete("review", "code", "f"),
        )
        .await;
    assert_eq!(got["result"], json!({"completion": {"values": []}}));

    // A resource template this server does not have (template completion: resources.rs).
    let params = json!({"ref": {"type": "ref/resource", "uri": "file:///{x}"}, "argument": {"name": "x", "value": ""}});
    let got = server.rpc(&session, 5, "completion/complete", params).await;
    assert_eq!(got["error"]["code"], -32602);
    assert!(got["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Unknown resource template: file:///{x}"));

    // Unknown prompt, unknown argument, unknown ref type.
    let got = server
        .rpc(
            &session,
            6,
            "completion/complete",
            complete("nope", "a", ""),
        )
        .await;
    assert_eq!(got["error"]["code"], -32602);
    assert_eq!(got["error"]["message"], "Unknown prompt: nope");
    let got = server
        .rpc(
            &session,
            7,
            "completion/complete",
            complete("review", "nope", ""),
        )
        .await;
    assert_eq!(got["error"]["code"], -32602);
    let params = json!({"ref": {"type": "ref/other"}, "argument": {"name": "x", "value": ""}});
    let got = server.rpc(&session, 8, "completion/complete", params).await;
    assert_eq!(got["error"]["code"], -32602);
}

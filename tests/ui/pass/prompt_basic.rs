use std::net::IpAddr;

use mcp_runtime::{mcp_prompt, Content, Ctx, Server, prompt::{GetPromptResult, Prompt, PromptError, PromptMessage}};

/// Greet someone.
#[mcp_prompt(name = "greeting", title = "Greeting")]
async fn greet(
    /// Who to greet.
    name: String,
    /// How many times.
    times: Option<u8>,
    /// Be formal.
    #[mcp(default)]
    formal: bool,
    /// The separator.
    #[mcp(default = ", ".to_owned())]
    separator: String,
) -> String {
    let word = if formal { "Good day" } else { "Hi" };
    vec![format!("{word} {name}"); times.unwrap_or(1).into()].join(&separator)
}

/// Describe a host, with context.
#[mcp_prompt(description = "Describe a host.")]
async fn host(ctx: Ctx, #[mcp(rename = "ipAddress")] ip_address: IpAddr) -> Vec<PromptMessage> {
    ctx.info("rendering").await;
    vec![
        PromptMessage::user(format!("What is at {ip_address}?")),
        PromptMessage::assistant(Content::image("iVBORw0KGgo=", "image/png")),
    ]
}

/// Validate the topic.
#[mcp_prompt]
async fn topic(topic: String) -> Result<GetPromptResult, PromptError> {
    if topic.is_empty() {
        return Err(PromptError::invalid_params("empty topic"));
    }
    Ok(GetPromptResult::new(vec![PromptMessage::user(topic)]).with_description("A topic."))
}

/// Fails with any error type.
#[mcp_prompt]
async fn fallible() -> Result<&'static str, std::io::Error> {
    Ok("fine")
}

fn main() {
    let server = Server::new("s", "1")
        .prompt::<greet>()
        .prompt::<host>()
        .prompt::<topic>()
        .prompt::<fallible>();
    assert_eq!(
        server.prompt_names().collect::<Vec<_>>(),
        ["greeting", "host", "topic", "fallible"]
    );
    let spec = <greet as Prompt>::SPEC;
    assert_eq!(spec.title(), Some("Greeting"));
    let required: Vec<bool> = spec.arguments().iter().map(|a| a.required()).collect();
    assert_eq!(required, [true, false, false, false]);
    assert_eq!(<host as Prompt>::SPEC.arguments()[0].name(), "ipAddress");
    assert!(<host as Prompt>::SPEC.uses_ctx());
    // The function stays callable.
    let _future = greet("Ada".into(), None, false, ", ".into());
}

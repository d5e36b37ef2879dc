//! The fixtures the official MCP conformance suite calls, written with `#[mcp_tool]`,
//! `#[mcp_prompt]` and `#[mcp_resource]`.
//!
//! ```text
//! cargo run -p examples --example conformance_server -- --bind 127.0.0.1:3000
//! ../shared/conformance/run.sh http://127.0.0.1:3000/mcp
//! ```

use std::time::Duration;

use mcp_runtime::serde_json::{json, Value};
use mcp_runtime::{
    elicit::{CreateMessageRequest, Elicitation, SamplingMessage},
    JsonSchema, ToolError,
};

use mcp_runtime::{
    mcp_prompt, mcp_resource, mcp_tool,
    prompt::{Completion, PromptMessage},
    resource::Blob,
    Content, Ctx, Server, ServerHandle,
};

/// A 1x1 red PNG.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A 44-byte WAV header with one silent 8-bit sample.
const WAV_BASE64: &str = "UklGRiUAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQEAAACA";

/// Returns a simple text response.
#[mcp_tool]
async fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Returns an image (a 1x1 PNG).
#[mcp_tool]
async fn test_image_content() -> Content {
    Content::image(PNG_BASE64, "image/png")
}

/// Returns audio (a tiny WAV file).
#[mcp_tool]
async fn test_audio_content() -> Content {
    Content::audio(WAV_BASE64, "audio/wav")
}

/// Returns an embedded text resource.
#[mcp_tool]
async fn test_embedded_resource() -> Content {
    Content::embedded_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Returns text, an image and an embedded resource together.
#[mcp_tool]
async fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(PNG_BASE64, "image/png"),
        Content::embedded_text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        ),
    ]
}

/// Sends three log messages while it runs, 50 ms apart.
#[mcp_tool]
async fn test_tool_with_logging(ctx: Ctx) -> &'static str {
    ctx.info("Tool execution started").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool processing data").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool execution completed").await;
    "Tool with logging executed successfully"
}

/// Reports progress 0, 50 and 100 out of 100, 50 ms apart.
#[mcp_tool]
async fn test_tool_with_progress(ctx: Ctx) -> &'static str {
    for step in [0, 50, 100] {
        ctx.progress_message(step, 100, &format!("Completed step {step} of 100"))
            .await;
        if step < 100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    "Progress test completed"
}

/// Closes its SSE stream mid-call, then finishes: the client resumes with `Last-Event-ID` and
/// receives the result on the resumed stream (SSE polling, SEP-1699).
#[mcp_tool]
async fn test_reconnection(ctx: Ctx) -> &'static str {
    ctx.close_sse_stream().await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    "Reconnection test completed successfully"
}

/// Always fails, to test error reporting.
#[mcp_tool]
async fn test_error_handling() -> Result<String, String> {
    Err("This tool intentionally returns an error for testing".into())
}

/// Asks the client's model to answer a prompt and returns its text.
#[mcp_tool]
async fn test_sampling(
    ctx: Ctx,
    /// What to ask the model.
    prompt: String,
) -> Result<String, ToolError> {
    let request = CreateMessageRequest::new(vec![SamplingMessage::user(prompt)], 100);
    let answer = ctx.sample(request).await?;
    Ok(format!("LLM response: {}", answer.text()))
}

/// The user's details, asked by `test_elicitation`.
#[derive(serde::Deserialize, serde::Serialize, JsonSchema)]
#[schemars(crate = "mcp_runtime::schemars")]
struct UserInfo {
    /// Your user name.
    username: String,
    /// Your email address.
    #[schemars(email)]
    email: String,
}

/// Asks the user for a user name and an email address and returns the answer.
#[mcp_tool]
async fn test_elicitation(
    ctx: Ctx,
    /// The message shown to the user.
    message: String,
) -> Result<String, ToolError> {
    Ok(match ctx.elicit::<UserInfo>(message).await? {
        Elicitation::Accept(info) => format!(
            "User response: action=accept, content={}",
            json!({"username": info.username, "email": info.email})
        ),
        other => format!("User response: action={}", other.action()),
    })
}

/// Status of the account in `test_elicitation_sep1034_defaults`.
#[derive(serde::Deserialize, serde::Serialize, JsonSchema, Default)]
#[schemars(crate = "mcp_runtime::schemars")]
#[serde(rename_all = "lowercase")]
enum AccountStatus {
    #[default]
    Active,
    Inactive,
    Pending,
}

/// A form whose every field has a default (SEP-1034).
#[derive(serde::Deserialize, serde::Serialize, JsonSchema)]
#[schemars(crate = "mcp_runtime::schemars")]
#[serde(default)]
struct WithDefaults {
    /// Your name.
    name: String,
    /// Your age.
    age: i64,
    /// Your score.
    score: f64,
    /// Account status.
    status: AccountStatus,
    /// Whether the account is verified.
    verified: bool,
}

impl Default for WithDefaults {
    fn default() -> Self {
        WithDefaults {
            name: "John Doe".into(),
            age: 30,
            score: 95.5,
            status: AccountStatus::Active,
            verified: true,
        }
    }
}

/// Asks for a form whose fields all have defaults (SEP-1034).
#[mcp_tool]
async fn test_elicitation_sep1034_defaults(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .elicit::<WithDefaults>("Please review and update the form fields with defaults")
        .await?;
    Ok(match answer {
        Elicitation::Accept(form) => format!(
            "Elicitation completed: action=accept, content={}",
            mcp_runtime::serde_json::to_string(&form)?
        ),
        other => format!("Elicitation completed: action={}", other.action()),
    })
}

/// Asks for every enum form of SEP-1330, with a hand-written schema (the legacy `enumNames`
/// form cannot be derived).
#[mcp_tool]
async fn test_elicitation_sep1330_enums(ctx: Ctx) -> Result<String, ToolError> {
    let titled = json!([
        {"const": "value1", "title": "First Option"},
        {"const": "value2", "title": "Second Option"},
        {"const": "value3", "title": "Third Option"}
    ]);
    let schema = json!({
        "type": "object",
        "properties": {
            "untitledSingle": {
                "type": "string", "description": "Select one option",
                "enum": ["option1", "option2", "option3"]
            },
            "titledSingle": {"type": "string", "description": "Select one option", "oneOf": titled},
            "legacyEnum": {
                "type": "string", "description": "Select one option (legacy)",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"]
            },
            "untitledMulti": {
                "type": "array", "description": "Select several options",
                "items": {"type": "string", "enum": ["option1", "option2", "option3"]}
            },
            "titledMulti": {
                "type": "array", "description": "Select several options",
                "items": {"anyOf": titled}
            }
        },
        "required": []
    });
    let answer: Elicitation<Value> = ctx
        .elicit_schema("Please select options from the enum fields", schema)
        .await?;
    Ok(match answer {
        Elicitation::Accept(content) => {
            format!("Elicitation completed: action=accept, content={content}")
        }
        other => format!("Elicitation completed: action={}", other.action()),
    })
}

/// A tool that comes and goes: `test_trigger_tool_change` toggles it.
#[mcp_tool]
async fn test_dynamic_tool() -> &'static str {
    "I come and go"
}

/// Adds `test_dynamic_tool` if it is absent, removes it if present: clients listening for
/// tool list changes are told.
#[mcp_tool]
async fn test_trigger_tool_change(ctx: Ctx) -> Result<&'static str, ToolError> {
    let handle = ctx.state::<ServerHandle>()?;
    if handle.remove_tool("test_dynamic_tool") {
        return Ok("removed test_dynamic_tool");
    }
    handle
        .add_tool::<test_dynamic_tool>()
        .map_err(ToolError::msg)?;
    Ok("added test_dynamic_tool")
}

/// A prompt that comes and goes: `test_trigger_prompt_change` toggles it.
#[mcp_prompt]
async fn test_dynamic_prompt() -> &'static str {
    "I come and go"
}

/// Adds `test_dynamic_prompt` if it is absent, removes it if present: clients listening for
/// prompt list changes are told.
#[mcp_tool]
async fn test_trigger_prompt_change(ctx: Ctx) -> Result<&'static str, ToolError> {
    let handle = ctx.state::<ServerHandle>()?;
    if handle.remove_prompt("test_dynamic_prompt") {
        return Ok("removed test_dynamic_prompt");
    }
    handle
        .add_prompt::<test_dynamic_prompt>()
        .map_err(ToolError::msg)?;
    Ok("added test_dynamic_prompt")
}

/// A simple prompt without arguments.
#[mcp_prompt]
async fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// Suggestions for `arg1` of `test_prompt_with_arguments`.
fn complete_arg1(prefix: &str) -> Completion {
    Completion::matching(["test", "testValue1", "example", "sample"], prefix)
}

/// A prompt with two arguments, both substituted into its message.
#[mcp_prompt]
async fn test_prompt_with_arguments(
    /// The first argument.
    #[mcp(complete = complete_arg1)]
    arg1: String,
    /// The second argument.
    arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt that embeds a resource.
#[mcp_prompt]
async fn test_prompt_with_embedded_resource(
    /// The URI of the resource to embed.
    #[mcp(rename = "resourceUri")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::embedded_text(
            resource_uri,
            "text/plain",
            "Embedded resource content for testing.",
        )),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[mcp_prompt]
async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(PNG_BASE64, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// A static text resource.
#[mcp_resource(uri = "test://static-text", mime_type = "text/plain")]
async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource: a 1x1 PNG.
#[mcp_resource(uri = "test://static-binary", mime_type = "image/png")]
async fn static_binary() -> Blob {
    Blob::from_base64(PNG_BASE64)
}

/// A resource template whose contents name the requested id.
#[mcp_resource(uri_template = "test://template/{id}/data", mime_type = "text/plain")]
async fn template_data(id: String) -> String {
    format!("Data for resource id {id}")
}

/// A resource clients subscribe to.
#[mcp_resource(uri = "test://watched-resource", mime_type = "text/plain")]
async fn watched_resource() -> &'static str {
    "This resource is watched for updates."
}

/// The input schema of `json_schema_2020_12_tool`, sent as written: JSON Schema 2020-12 with
/// `$defs`, `$anchor`, composition and conditionals, which a derived schema would not produce.
fn contact_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
            }
        },
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
    })
}

/// Records a contact; its input schema uses JSON Schema 2020-12 features.
#[mcp_tool(input_schema = contact_schema)]
#[allow(non_snake_case)]
async fn json_schema_2020_12_tool(
    name: Option<String>,
    address: Option<Value>,
    contactMethod: Option<String>,
    phone: Option<String>,
    email: Option<String>,
) -> String {
    let reach = match contactMethod.as_deref() {
        Some("phone") => phone.unwrap_or_default(),
        _ => email.or(phone).unwrap_or_default(),
    };
    let place = address.map(|a| format!(" at {a}")).unwrap_or_default();
    format!("ok: {}{place} via {reach}", name.unwrap_or_default())
}

// ---- Fixtures of the stateless 2026-07-28 scenarios. The tools are written the same way as
// ---- the session-era ones: on the 2026 wire the runtime turns `ctx.elicit`/`sample`/
// ---- `list_roots` into an `InputRequiredResult` and runs the tool again with the answers.

/// A form asking for one string property, `name`.
fn one_string_form(property: &str) -> Value {
    json!({
        "type": "object",
        "properties": { property: { "type": "string" } },
        "required": [property]
    })
}

/// The text of an accepted form's `property`, or how the user answered.
fn form_text(answer: Elicitation<Value>, property: &str) -> String {
    match answer {
        Elicitation::Accept(content) => content[property].as_str().unwrap_or_default().to_owned(),
        other => other.action().to_owned(),
    }
}

/// Needs the client's `sampling` capability: refused with -32021 when the request lacks it.
#[mcp_tool]
async fn test_missing_capability(ctx: Ctx) -> Result<String, ToolError> {
    let request = CreateMessageRequest::new(vec![SamplingMessage::user("Say hello")], 20);
    Ok(ctx.sample(request).await?.text())
}

/// Asks the user for a name: an input request, never a request on the response stream.
#[mcp_tool]
async fn test_streaming_elicitation(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .with_input_key("user_name")
        .elicit_schema("What is your name?", one_string_form("name"))
        .await?;
    Ok(format!("Hello, {}!", form_text(answer, "name")))
}

/// Logs three messages at info; they reach the client only when its request asked for logs.
#[mcp_tool]
async fn test_logging_tool(ctx: Ctx) -> &'static str {
    ctx.info("Logging tool started").await;
    ctx.info("Logging tool working").await;
    ctx.info("Logging tool finished").await;
    "Logging tool completed"
}

/// Asks for the user's name (input `user_name`) and greets them.
#[mcp_tool]
async fn test_input_required_result_elicitation(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .with_input_key("user_name")
        .elicit_schema("What is your name?", one_string_form("name"))
        .await?;
    Ok(format!("Hello, {}!", form_text(answer, "name")))
}

/// Asks the client's model for the capital of France (input `capital_question`).
#[mcp_tool]
async fn test_input_required_result_sampling(ctx: Ctx) -> Result<String, ToolError> {
    let request = CreateMessageRequest::new(
        vec![SamplingMessage::user("What is the capital of France?")],
        100,
    );
    let answer = ctx
        .with_input_key("capital_question")
        .sample(request)
        .await?;
    Ok(format!("The model said: {}", answer.text()))
}

/// Lists the client's roots (input `client_roots`).
#[mcp_tool]
async fn test_input_required_result_list_roots(ctx: Ctx) -> Result<String, ToolError> {
    let roots = ctx.with_input_key("client_roots").list_roots().await?;
    let uris: Vec<&str> = roots.iter().map(|r| r.uri.as_str()).collect();
    Ok(format!("Client roots: {}", uris.join(", ")))
}

/// Asks for a confirmation (input `confirm`); the retry's signed `requestState` is checked by
/// the runtime before the tool runs again.
#[mcp_tool]
async fn test_input_required_result_request_state(ctx: Ctx) -> Result<String, ToolError> {
    confirm(&ctx).await
}

/// Like `test_input_required_result_request_state`; a tampered `requestState` is refused.
#[mcp_tool]
async fn test_input_required_result_tampered_state(ctx: Ctx) -> Result<String, ToolError> {
    confirm(&ctx).await
}

async fn confirm(ctx: &Ctx) -> Result<String, ToolError> {
    let schema = json!({
        "type": "object",
        "properties": { "ok": { "type": "boolean" } },
        "required": ["ok"]
    });
    let answer = ctx
        .with_input_key("confirm")
        .elicit_schema("Please confirm", schema)
        .await?;
    let confirmed = answer.accepted().is_some_and(|c| c["ok"] == true);
    Ok(format!("state-ok: confirmed={confirmed}"))
}

/// Asks three questions at once: a name, a greeting from the model and the client's roots.
#[mcp_tool]
async fn test_input_required_result_multiple_inputs(ctx: Ctx) -> Result<String, ToolError> {
    let name_ctx = ctx.with_input_key("user_name");
    let greeting_ctx = ctx.with_input_key("greeting");
    let roots_ctx = ctx.with_input_key("client_roots");
    let greeting =
        CreateMessageRequest::new(vec![SamplingMessage::user("Generate a greeting")], 50);
    let (name, greeting, roots) = tokio::join!(
        name_ctx.elicit_schema("What is your name?", one_string_form("name")),
        greeting_ctx.sample(greeting),
        roots_ctx.list_roots(),
    );
    Ok(format!(
        "{} {} (roots: {})",
        greeting?.text(),
        form_text(name?, "name"),
        roots?.len()
    ))
}

/// Two rounds of questions: a name, then a favourite colour.
#[mcp_tool]
async fn test_input_required_result_multi_round(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx
        .with_input_key("step1")
        .elicit_schema("Step 1: What is your name?", one_string_form("name"))
        .await?;
    let color = ctx
        .with_input_key("step2")
        .elicit_schema(
            "Step 2: What is your favorite color?",
            one_string_form("color"),
        )
        .await?;
    Ok(format!(
        "{} likes {}",
        form_text(name, "name"),
        form_text(color, "color")
    ))
}

/// Asks only for what the client declared: a form if it takes elicitation, the model if it
/// takes sampling.
#[mcp_tool]
async fn test_input_required_result_capabilities(ctx: Ctx) -> Result<String, ToolError> {
    let mut parts = Vec::new();
    match ctx
        .with_input_key("user_name")
        .elicit_schema("What is your name?", one_string_form("name"))
        .await
    {
        Ok(answer) => parts.push(form_text(answer, "name")),
        Err(mcp_runtime::elicit::ClientRequestError::NotSupported(_)) => {}
        Err(other) => return Err(other.into()),
    }
    let request = CreateMessageRequest::new(vec![SamplingMessage::user("Say hello")], 20);
    match ctx.with_input_key("greeting").sample(request).await {
        Ok(answer) => parts.push(answer.text()),
        Err(mcp_runtime::elicit::ClientRequestError::NotSupported(_)) => {}
        Err(other) => return Err(other.into()),
    }
    Ok(format!("Answers: {}", parts.join(", ")))
}

/// Echoes a value that 2026 clients also send in the `Mcp-Param-Value` header.
#[mcp_tool]
async fn test_custom_header(
    /// The value to echo.
    #[mcp(header = "Value")]
    value: String,
) -> String {
    format!("Echo: {value}")
}

/// A prompt that asks the user for context first (input `user_context`).
#[mcp_prompt]
async fn test_input_required_result_prompt(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .with_input_key("user_context")
        .elicit_schema(
            "What context should the prompt use?",
            one_string_form("context"),
        )
        .await?;
    Ok(format!(
        "Use this context: {}",
        form_text(answer, "context")
    ))
}

// ---- Fixtures of the tasks extension (io.modelcontextprotocol/tasks) on the 2026 wire.

/// Greets someone at once (never a task).
#[mcp_tool]
async fn greet(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

/// Sleeps for `seconds`, then reports; runs as a task for clients that take tasks.
#[mcp_tool(task = "optional")]
async fn slow_compute(
    /// How long to work, in seconds.
    seconds: u64,
    /// A label echoed in the result.
    label: Option<String>,
) -> String {
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    format!(
        "Computed {} after {seconds}s",
        label.as_deref().unwrap_or("result")
    )
}

/// Fails with a tool error after about a second; only runs as a task.
#[mcp_tool(task = "required")]
async fn failing_job() -> Result<String, String> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err("The job failed, as it always does".into())
}

/// Crashes after a moment: the task fails with a protocol error.
#[mcp_tool(task = "optional")]
async fn protocol_error_job() -> String {
    tokio::time::sleep(Duration::from_millis(100)).await;
    panic!("protocol_error_job crashes on purpose")
}

/// Deletes a file once the user confirms; runs as a task that waits for the answer.
#[mcp_tool(task = "optional")]
async fn confirm_delete(
    ctx: Ctx,
    /// The file to delete.
    filename: String,
) -> Result<String, ToolError> {
    ctx.run_as_task().await;
    let form = json!({
        "type": "object",
        "properties": { "confirm": { "type": "boolean" } },
        "required": ["confirm"]
    });
    let answer = ctx
        .elicit_schema(format!("Delete {filename}?"), form)
        .await?;
    let confirmed = answer.accepted().is_some_and(|c| c["confirm"] == true);
    Ok(if confirmed {
        format!("Deleted {filename}")
    } else {
        format!("Kept {filename}")
    })
}

/// Asks two questions at once, as a task.
#[mcp_tool(task = "optional")]
async fn multi_input(ctx: Ctx) -> Result<String, ToolError> {
    ctx.run_as_task().await;
    let form = json!({
        "type": "object",
        "properties": { "name": { "type": "string" }, "confirm": { "type": "boolean" } }
    });
    let (first, second) = tokio::join!(
        ctx.elicit_schema("First input?", form.clone()),
        ctx.elicit_schema("Second input?", form.clone()),
    );
    Ok(format!(
        "{} and {}",
        form_text(first?, "name"),
        form_text(second?, "name")
    ))
}

/// Asks for the user's name (an input request), then finishes as a task.
#[mcp_tool(task = "required")]
async fn test_tool_with_task(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .with_input_key("user_name")
        .elicit_schema("What is your name?", one_string_form("name"))
        .await?;
    let name = form_text(answer, "name");
    ctx.run_as_task().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(format!("Hello, {name}! (finished as a task)"))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let server = Server::new("mcp-runtime-conformance", env!("CARGO_PKG_VERSION"))
        .tool::<test_simple_text>()
        .tool::<test_image_content>()
        .tool::<test_audio_content>()
        .tool::<test_embedded_resource>()
        .tool::<test_multiple_content_types>()
        .tool::<test_tool_with_logging>()
        .tool::<test_tool_with_progress>()
        .tool::<test_error_handling>()
        .tool::<test_reconnection>()
        .tool::<test_sampling>()
        .tool::<test_elicitation>()
        .tool::<test_elicitation_sep1034_defaults>()
        .tool::<test_elicitation_sep1330_enums>()
        .tool::<json_schema_2020_12_tool>()
        .tool::<test_missing_capability>()
        .tool::<test_streaming_elicitation>()
        .tool::<test_logging_tool>()
        .tool::<test_input_required_result_elicitation>()
        .tool::<test_input_required_result_sampling>()
        .tool::<test_input_required_result_list_roots>()
        .tool::<test_input_required_result_request_state>()
        .tool::<test_input_required_result_tampered_state>()
        .tool::<test_input_required_result_multiple_inputs>()
        .tool::<test_input_required_result_multi_round>()
        .tool::<test_input_required_result_capabilities>()
        .tool::<test_custom_header>()
        .tool::<greet>()
        .tool::<slow_compute>()
        .tool::<failing_job>()
        .tool::<protocol_error_job>()
        .tool::<confirm_delete>()
        .tool::<multi_input>()
        .tool::<test_tool_with_task>()
        .prompt::<test_input_required_result_prompt>()
        .prompt::<test_simple_prompt>()
        .prompt::<test_prompt_with_arguments>()
        .prompt::<test_prompt_with_embedded_resource>()
        .prompt::<test_prompt_with_image>()
        .resource::<static_text>()
        .resource::<static_binary>()
        .resource::<template_data>()
        .resource::<watched_resource>()
        .tool::<test_trigger_tool_change>()
        .tool::<test_trigger_prompt_change>();
    let handle = server.handle();
    let server = server.state(handle);
    examples::serve(server.into_http()).await
}

//! The client fixture of the official MCP conformance suite: the harness starts a scripted
//! server per scenario and runs this program with the server's URL as its last argument, the
//! scenario in `MCP_CONFORMANCE_SCENARIO`, the revision in `MCP_CONFORMANCE_PROTOCOL_VERSION`
//! and scenario data (such as the tool calls to make) in `MCP_CONFORMANCE_CONTEXT`. It does
//! what each scenario asks, with the public client API only.
//!
//! ```text
//! cargo build -p examples --example conformance_client
//! REQUIREMENTS=2026-07-28 ../shared/conformance/run-client.sh target/debug/examples/conformance_client
//! ```

use std::process::ExitCode;

use mcp_runtime::client::oauth::{EnterpriseIdentity, OAuth, OAuthError, SigningKey, Url};
use mcp_runtime::client::{Client, ClientError, ElicitRequest, ToolInfo, WirePreference};
use mcp_runtime::elicit::Elicitation;
use serde_json::{json, Map, Value};

/// What the harness asked for.
struct Scenario {
    name: String,
    url: String,
    /// The revision the scenario runs at; `2026-07-28` is the stateless wire.
    version: String,
    context: Value,
}

impl Scenario {
    fn from_env() -> Result<Scenario, String> {
        let url = std::env::args()
            .skip(1)
            .last()
            .ok_or("usage: conformance_client URL (with MCP_CONFORMANCE_SCENARIO set)")?;
        let name = std::env::var("MCP_CONFORMANCE_SCENARIO")
            .map_err(|_| "MCP_CONFORMANCE_SCENARIO is not set")?;
        let version = std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").unwrap_or_default();
        let context = match std::env::var("MCP_CONFORMANCE_CONTEXT") {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("MCP_CONFORMANCE_CONTEXT is not JSON: {e}"))?,
            Err(_) => Value::Null,
        };
        Ok(Scenario {
            name,
            url,
            version,
            context,
        })
    }

    /// The stateless wire for 2026-07-28, the `initialize` handshake for the dated 2025
    /// revisions, and whichever the server speaks when the harness names none.
    fn wire(&self) -> WirePreference {
        match self.version.as_str() {
            "2026-07-28" => WirePreference::Stateless,
            "" => WirePreference::Auto,
            _ => WirePreference::Handshake,
        }
    }
}

/// Where the scripted authorization server sends the user agent back to; nothing listens
/// there, the fixture reads the redirect itself.
const REDIRECT_URI: &str = "http://localhost:3000/callback";

/// The client ID metadata document URL the auth scenarios expect.
const CLIENT_METADATA_URL: &str = "https://conformance-test.local/client-metadata.json";

/// A user agent that consents at once: it opens the authorization URL and returns the
/// redirect the authorization server answers with, without following it.
async fn consent(authorization_url: Url) -> Result<Url, OAuthError> {
    let fail = |e: &dyn std::fmt::Display| OAuthError::Authorizer(e.to_string());
    let agent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| fail(&e))?;
    let response = agent
        .get(authorization_url)
        .send()
        .await
        .map_err(|e| fail(&e))?;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| fail(&format!("HTTP {} without a redirect", response.status())))?;
    Url::parse(location).map_err(|e| fail(&e))
}

/// The OAuth settings for the scenario: client credentials for the machine-client ones (with
/// a secret or a signing key), else the authorization code grant (pre-registered when the
/// context names a client).
fn oauth(scenario: &Scenario) -> Result<OAuth, OAuthError> {
    let text = |key: &str| scenario.context.get(key).and_then(Value::as_str);
    if let (true, Some(id), Some(pem)) = (
        scenario.name.starts_with("auth/client-credentials"),
        text("client_id"),
        text("private_key_pem"),
    ) {
        let algorithm = text("signing_algorithm").unwrap_or("ES256");
        let key = SigningKey::from_pem(pem.as_bytes(), algorithm)?;
        return Ok(OAuth::client_credentials_jwt(id, key));
    }
    if let (Some(token_endpoint), Some(idp_client), Some(id_token), Some(id)) = (
        text("idp_token_endpoint"),
        text("idp_client_id"),
        text("idp_id_token"),
        text("client_id"),
    ) {
        let identity = EnterpriseIdentity {
            token_endpoint: token_endpoint.into(),
            client_id: idp_client.into(),
            id_token: id_token.into(),
        };
        let secret = text("client_secret").map(str::to_owned);
        return Ok(OAuth::enterprise(id, secret, identity));
    }
    if let (Some(id), Some(assertion)) = (text("client_id"), text("valid_jwt")) {
        return Ok(OAuth::jwt_bearer(id, assertion));
    }
    if let (true, Some(id), Some(secret)) = (
        scenario.name.starts_with("auth/client-credentials"),
        text("client_id"),
        text("client_secret"),
    ) {
        return Ok(OAuth::client_credentials(id, secret));
    }
    let oauth = OAuth::authorization_code(REDIRECT_URI, consent)
        .client_name("mcp-runtime-conformance-client")
        .client_metadata_url(CLIENT_METADATA_URL);
    Ok(match text("client_id") {
        Some(id) => oauth.client(id, text("client_secret").map(str::to_owned), None),
        None => oauth,
    })
}

/// Accepts a form with every field the schema gives a default for, filled with that default.
async fn accept_defaults(
    request: ElicitRequest,
) -> Result<Elicitation<Value>, mcp_runtime::protocol::RpcError> {
    let mut content = Map::new();
    let properties = request
        .requested_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for (name, schema) in properties.into_iter().flatten() {
        if let Some(default) = schema.get("default") {
            content.insert(name.clone(), default.clone());
        } else if schema.get("type").and_then(Value::as_str) == Some("boolean") {
            content.insert(name.clone(), Value::Bool(true));
        }
    }
    Ok(Elicitation::Accept(Value::Object(content)))
}

/// Arguments a tool's schema accepts: a plain value of the declared type for each required
/// property.
fn sample_arguments(tool: &ToolInfo) -> Value {
    let mut arguments = Map::new();
    let required = tool.input_schema.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        let kind = tool.input_schema["properties"][name]["type"].as_str();
        let value = match kind {
            Some("integer" | "number") => json!(1),
            Some("boolean") => json!(true),
            Some("object") => json!({}),
            Some("array") => json!([]),
            Some("null") => Value::Null,
            _ => json!("value"),
        };
        arguments.insert(name.to_owned(), value);
    }
    Value::Object(arguments)
}

async fn run(scenario: &Scenario) -> Result<(), ClientError> {
    let client = Client::builder(scenario.url.clone())
        .client_info("mcp-runtime-conformance-client", env!("CARGO_PKG_VERSION"))
        .wire(scenario.wire())
        // The scripted 2025 servers send their requests (elicitation) on the session's GET
        // stream; sse-retry counts GET streams, so it gets none besides the resumption.
        .listen(scenario.name != "sse-retry")
        .on_elicitation(accept_defaults)
        .oauth(oauth(scenario)?)
        .connect()
        .await?;
    match scenario.name.as_str() {
        "initialize" | "request-metadata" | "json-schema-ref-no-deref" => {
            client.list_tools().await?;
        }
        "tools_call" => {
            client.list_tools().await?;
            client
                .call_tool("add_numbers", json!({"a": 5, "b": 3}))
                .await?;
        }
        "elicitation-sep1034-client-defaults" => {
            client.list_tools().await?;
            client
                .call_tool("test_client_elicitation_defaults", json!({}))
                .await?;
        }
        "sse-retry" => {
            client.list_tools().await?;
            client.call_tool("test_reconnection", json!({})).await?;
        }
        "sep-2322-client-request-state" => {
            client.list_tools().await?;
            for tool in [
                "test_mrtr_echo_state",
                "test_mrtr_unrelated",
                "test_mrtr_no_state",
                "test_mrtr_no_result_type",
            ] {
                client.call_tool(tool, json!({})).await?;
            }
        }
        "http-standard-headers" => {
            for tool in client.list_tools().await? {
                client
                    .call_tool(&tool.name, sample_arguments(&tool))
                    .await?;
            }
            for resource in client.list_resources().await? {
                client.read_resource(&resource.uri).await?;
            }
            for prompt in client.list_prompts().await? {
                client.get_prompt(&prompt.name, json!({})).await?;
            }
        }
        "json-schema-2020-12-preservation" => {
            let tools = client.list_tools().await?;
            if let Some(focal) = tools.iter().find(|t| t.name == "json_schema_2020_12_tool") {
                let schema = focal.input_schema.clone();
                client
                    .call_tool("json_schema_echo", json!({ "schema": schema }))
                    .await?;
            }
        }
        _ => {
            // Scenarios that script their calls in the context (http-custom-headers) make
            // them; the rest list the tools and call each one (http-invalid-tool-headers,
            // and the auth scenarios, whose first request meets the authorization).
            let tools = client.list_tools().await?;
            match scenario.context.get("toolCalls").and_then(Value::as_array) {
                Some(calls) => {
                    for call in calls {
                        let name = call["name"].as_str().unwrap_or_default();
                        client.call_tool(name, call["arguments"].clone()).await?;
                    }
                }
                None => {
                    for tool in &tools {
                        client.call_tool(&tool.name, sample_arguments(tool)).await?;
                    }
                }
            }
        }
    }
    client.close().await
}

#[tokio::main]
async fn main() -> ExitCode {
    let scenario = match Scenario::from_env() {
        Ok(scenario) => scenario,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&scenario).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", scenario.name);
            ExitCode::FAILURE
        }
    }
}

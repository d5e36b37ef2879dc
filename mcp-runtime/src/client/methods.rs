//! The MCP methods a client calls: listings (every page), prompts, resources, tools, logging,
//! `ping`, and any raw request or notification.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::ClientError;
use super::handler::Progress;
use super::options::CallOptions;
use super::param_headers::ParamHeaders;
use super::results::{
    decode_result, Page, PromptInfo, ResourceInfo, ResourceTemplateInfo, ToolInfo,
};
use super::{Client, Wire};
use crate::prompt::GetPromptResult;
use crate::protocol::jsonrpc::encode;
use crate::protocol::ResourceContents;
use crate::protocol::{CallToolResult, LoggingLevel};

impl Client {
    /// Lists every tool, following `nextCursor` through all pages. On the stateless wire the
    /// client remembers each tool's `x-mcp-header` parameters, to repeat them in
    /// `Mcp-Param-*` headers when calling it, and leaves out tools whose marks are invalid.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for tool in client.list_tools().await? {
    ///     println!("{}", tool.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_tools(&self) -> Result<Vec<ToolInfo>, ClientError> {
        let mut tools: Vec<ToolInfo> = self.list_all("tools/list", "tools").await?;
        if self.wire() == Wire::Stateless {
            let mut known = self
                .inner
                .known_tools
                .write()
                .unwrap_or_else(|e| e.into_inner());
            tools.retain(|tool| match ParamHeaders::from_schema(&tool.input_schema) {
                Some(marks) => {
                    known.insert(tool.name.clone(), marks);
                    true
                }
                None => false,
            });
        }
        Ok(tools)
    }

    /// Lists every prompt, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for prompt in client.list_prompts().await? {
    ///     println!("{} ({} arguments)", prompt.name, prompt.arguments.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_prompts(&self) -> Result<Vec<PromptInfo>, ClientError> {
        self.list_all("prompts/list", "prompts").await
    }

    /// Renders a prompt with `arguments` (an object of strings).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let prompt = client.get_prompt("review", serde_json::json!({"code": "fn main() {}"})).await?;
    /// println!("{} messages", prompt.messages.len());
    /// # Ok(()) }
    /// ```
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<GetPromptResult, ClientError> {
        let params = json!({ "name": name, "arguments": arguments });
        self.request_as("prompts/get", Some(params)).await
    }

    /// Lists every resource, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for resource in client.list_resources().await? {
    ///     println!("{} {}", resource.uri, resource.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_resources(&self) -> Result<Vec<ResourceInfo>, ClientError> {
        self.list_all("resources/list", "resources").await
    }

    /// Lists every resource template, following `nextCursor` through all pages.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for template in client.list_resource_templates().await? {
    ///     println!("{}", template.uri_template);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_resource_templates(&self) -> Result<Vec<ResourceTemplateInfo>, ClientError> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
    }

    /// Reads a resource: its contents (text or base64 blobs).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// for contents in client.read_resource("motto://today").await? {
    ///     println!("{}", contents.as_text().unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<ResourceContents>, ClientError> {
        #[derive(Deserialize)]
        struct Read {
            contents: Vec<ResourceContents>,
        }
        let read: Read = self
            .request_as("resources/read", Some(json!({ "uri": uri })))
            .await?;
        Ok(read.contents)
    }

    async fn list_all<T: DeserializeOwned>(
        &self,
        method: &str,
        field: &str,
    ) -> Result<Vec<T>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
            let mut page: Page = self.request_as(method, params).await?;
            let list = page.rest.remove(field).unwrap_or(Value::Null);
            items.extend(decode_result::<Vec<T>>(method, list)?);
            match page.next_cursor {
                Some(next) if cursor.as_ref() == Some(&next) => {
                    return Err(ClientError::protocol(format!(
                        "{method} returned the cursor {next:?} it was given: the listing would never end"
                    )));
                }
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// Calls a tool. A tool that ran and failed is `Ok` with `is_error: Some(true)`; `Err` means
    /// the call itself failed (unknown tool, transport, protocol). The arguments are anything
    /// that serializes to a JSON object: `json!({..})`, or a struct of your own.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// use mcp_runtime::Content;
    /// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
    /// assert_eq!(result.content, vec![Content::text("5")]);
    ///
    /// #[derive(serde::Serialize)]
    /// struct Add { a: i64, b: i64 }
    /// let result = client.call_tool("add", Add { a: 2, b: 3 }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<CallToolResult, ClientError> {
        self.call_tool_with(name, arguments, CallOptions::new())
            .await
    }

    /// Calls a tool with [`CallOptions`]: a progress callback (each update handed over as it
    /// arrives; the handler sees them too), a cancellation token, a timeout.
    ///
    /// ```no_run
    /// use mcp_runtime::client::CallOptions;
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let args = serde_json::json!({"items": ["a.pdf", "b.pdf"]});
    /// let options = CallOptions::new().on_progress(|p| {
    ///     println!("{}/{:?} {}", p.progress, p.total, p.message.as_deref().unwrap_or(""));
    /// });
    /// let result = client.call_tool_with("process_files", args, options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_with(
        &self,
        name: &str,
        arguments: impl Serialize,
        mut options: CallOptions<'_>,
    ) -> Result<CallToolResult, ClientError> {
        let arguments = serde_json::to_value(arguments).map_err(ClientError::Arguments)?;
        let params = json!({ "name": name, "arguments": arguments });
        let result = self
            .request_with("tools/call", Some(params), &mut options)
            .await?;
        decode_result("tools/call", result)
    }

    /// Calls a tool with a progress callback; shorthand for [`call_tool_with`](Self::call_tool_with)
    /// and [`CallOptions::on_progress`].
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let args = serde_json::json!({"items": ["a.pdf", "b.pdf"]});
    /// let result = client
    ///     .call_tool_with_progress("process_files", args, |p| println!("{}", p.progress))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: impl Serialize,
        on_progress: impl FnMut(&Progress) + Send,
    ) -> Result<CallToolResult, ClientError> {
        self.call_tool_with(name, arguments, CallOptions::new().on_progress(on_progress))
            .await
    }

    /// Calls a tool and decodes its `structuredContent` (or, for tools without one, the JSON
    /// of its first text block) as `T`. A tool that failed (`isError`) is
    /// [`ClientError::ToolFailed`].
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let sum: i64 = client.call_tool_as("add", serde_json::json!({"a": 2, "b": 3})).await?;
    /// assert_eq!(sum, 5);
    /// # Ok(()) }
    /// ```
    pub async fn call_tool_as<T: DeserializeOwned>(
        &self,
        name: &str,
        arguments: impl Serialize,
    ) -> Result<T, ClientError> {
        let result = self.call_tool(name, arguments).await?;
        let text = |result: &CallToolResult| {
            result
                .content
                .iter()
                .find_map(|c| match c {
                    crate::Content::Text { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        if result.is_error == Some(true) {
            return Err(ClientError::ToolFailed(text(&result)));
        }
        let value = match result.structured_content {
            Some(value) => value,
            None => serde_json::from_str(&text(&result)).map_err(|source| {
                ClientError::InvalidResult {
                    method: "tools/call".into(),
                    source,
                }
            })?,
        };
        decode_result("tools/call", value)
    }

    /// Sets the lowest level of log messages the server sends: `logging/setLevel` on the
    /// handshake wire; on the stateless wire the level travels in every later request's
    /// `_meta` (without it, a 2026 server sends no log messages at all).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.set_log_level(mcp_runtime::LoggingLevel::Warning).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_log_level(&self, level: LoggingLevel) -> Result<(), ClientError> {
        *self
            .inner
            .log_level
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(level);
        if self.wire() == Wire::Stateless {
            return Ok(());
        }
        self.request("logging/setLevel", Some(json!({ "level": level })))
            .await
            .map(drop)
    }

    /// Checks the server is alive: `ping`, or `server/discover` on the stateless wire (which
    /// has no `ping`).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<(), ClientError> {
        if self.wire() == Wire::Stateless {
            return self.discover().await.map(drop);
        }
        self.request("ping", None).await.map(drop)
    }

    /// Sends any request and returns its raw result; notifications that precede it go to the
    /// handler.
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let page = client.request("tools/list", None).await?;
    /// println!("{}", page["tools"]);
    /// # Ok(()) }
    /// ```
    pub async fn request(&self, method: &str, params: Option<Value>) -> Result<Value, ClientError> {
        self.request_with(method, params, &mut CallOptions::new())
            .await
    }

    /// Sends a notification (no answer expected).
    ///
    /// ```no_run
    /// # async fn run(client: mcp_runtime::client::Client) -> Result<(), mcp_runtime::client::ClientError> {
    /// let params = serde_json::json!({"requestId": 7, "reason": "user pressed stop"});
    /// client.notify("notifications/cancelled", Some(params)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), ClientError> {
        if let Some(ended) = &self.inner.lock_calls().ended {
            return Err(ended.error());
        }
        let body = encode::request(None, method, params.as_ref());
        let headers = self.inner.headers(method, params.as_ref());
        if let Some(mut replies) = self.inner.link.send(body, headers).await? {
            // A server may answer a notification with a body; nothing in it is for us, except
            // messages for the handler.
            while let Some(message) = replies.next().await {
                self.inner.route(message?);
            }
        }
        Ok(())
    }

    pub(super) async fn request_as<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Option<Value>,
    ) -> Result<T, ClientError> {
        let result = self.request(method, params).await?;
        decode_result(method, result)
    }
}

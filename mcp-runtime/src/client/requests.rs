//! Requests the server sends the client: elicitation, sampling, roots. The client answers
//! them with callbacks set on the [`ClientBuilder`](super::ClientBuilder), and declares the
//! matching capability only when a callback is set.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::elicit::{CreateMessageRequest, CreateMessageResult, Elicitation, Root};
use crate::protocol::RpcError;

/// An `elicitation/create` request: the server asks the user for input, through a form
/// (`requested_schema`) or by sending them to a URL.
///
/// ```
/// use mcp_runtime::client::ElicitRequest;
/// let request: ElicitRequest = serde_json::from_value(serde_json::json!({
///     "mode": "form", "message": "Your name?",
///     "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}
/// })).unwrap();
/// assert_eq!(request.message, "Your name?");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitRequest {
    /// What to show the user.
    pub message: String,
    /// `form` (the default when absent) or `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Form mode: a flat object schema of the fields to ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_schema: Option<Value>,
    /// URL mode: where to send the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// URL mode: the id of this elicitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation_id: Option<String>,
}

/// Answers one kind of server request: params in, result out.
pub(super) type Responder =
    Arc<dyn Fn(Value) -> BoxFuture<'static, Result<Value, RpcError>> + Send + Sync>;

/// The callbacks for server requests.
#[derive(Clone, Default)]
pub(super) struct Responders {
    pub(super) elicitation: Option<Responder>,
    pub(super) sampling: Option<Responder>,
    pub(super) roots: Option<Responder>,
}

impl Responders {
    /// The client capabilities the callbacks stand for, added to `capabilities` where absent.
    pub(super) fn declare(&self, capabilities: &mut Value) {
        if !capabilities.is_object() {
            *capabilities = json!({});
        }
        let map = capabilities.as_object_mut().expect("an object");
        if self.elicitation.is_some() {
            map.entry("elicitation").or_insert(json!({"form": {}}));
        }
        if self.sampling.is_some() {
            map.entry("sampling").or_insert(json!({}));
        }
        if self.roots.is_some() {
            map.entry("roots").or_insert(json!({}));
        }
    }

    /// The answer to the server request `method` with `params`.
    pub(super) async fn answer(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let responder = match method {
            "ping" => return Ok(json!({})),
            "elicitation/create" => &self.elicitation,
            "sampling/createMessage" => &self.sampling,
            "roots/list" => &self.roots,
            _ => &None,
        };
        match responder {
            Some(responder) => responder(params).await,
            None => Err(RpcError::method_not_found(method)),
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, RpcError> {
    T::deserialize(params).map_err(|e| RpcError::invalid_params(e.to_string()))
}

pub(super) fn elicitation<F, Fut>(callback: F) -> Responder
where
    F: Fn(ElicitRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Elicitation<Value>, RpcError>> + Send + 'static,
{
    let callback = Arc::new(callback);
    Arc::new(move |params| {
        let callback = callback.clone();
        Box::pin(async move {
            let answer = callback(decode(params)?).await?;
            Ok(match answer {
                Elicitation::Accept(content) => json!({"action": "accept", "content": content}),
                other => json!({"action": other.action()}),
            })
        })
    })
}

pub(super) fn sampling<F, Fut>(callback: F) -> Responder
where
    F: Fn(CreateMessageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<CreateMessageResult, RpcError>> + Send + 'static,
{
    let callback = Arc::new(callback);
    Arc::new(move |params| {
        let callback = callback.clone();
        Box::pin(async move {
            let answer = callback(decode(params)?).await?;
            serde_json::to_value(answer).map_err(|e| RpcError::internal(e.to_string()))
        })
    })
}

pub(super) fn roots<F, Fut>(callback: F) -> Responder
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Root>, RpcError>> + Send + 'static,
{
    let callback = Arc::new(callback);
    Arc::new(move |_params| {
        let callback = callback.clone();
        Box::pin(async move { Ok(json!({"roots": callback().await?})) })
    })
}

//! What the stateless 2026-07-28 wire adds to each request: the `_meta` fields and the headers
//! repeating the body, and the rounds of `input_required` answers.

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{json, Map, Value};

use super::error::ClientError;
use super::link::ExtraHeaders;
use super::routing::Inner;
use super::{Client, Wire, STATELESS_PROTOCOL_VERSION};
use crate::protocol::headers::{named_field, METHOD_HEADER, NAME_HEADER};
use crate::protocol::meta::{
    encode_header_value, CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, LOG_LEVEL_KEY,
    PROTOCOL_VERSION_KEY,
};
use crate::protocol::ErrorCode;

impl Inner {
    /// The extra HTTP headers of a message on the stateless wire.
    pub(super) fn headers(&self, method: &str, params: Option<&Value>) -> ExtraHeaders {
        if self.wire() != Wire::Stateless || method.is_empty() {
            return Vec::new();
        }
        let mut headers = Vec::new();
        if let Ok(value) = HeaderValue::from_str(method) {
            headers.push((HeaderName::from_static(METHOD_HEADER), value));
        }
        let name = named_field(method).and_then(|field| params?.get(field));
        if let Some(name) = name.and_then(Value::as_str) {
            if let Ok(value) = HeaderValue::from_str(&encode_header_value(name)) {
                headers.push((HeaderName::from_static(NAME_HEADER), value));
            }
            if method == "tools/call" {
                let known = self.known_tools.read().unwrap_or_else(|e| e.into_inner());
                if let Some(marks) = known.get(name) {
                    headers.extend(marks.headers(params.and_then(|p| p.get("arguments"))));
                }
            }
        }
        headers
    }

    /// Adds the per-request `_meta` fields of the stateless wire.
    pub(super) fn stateless_meta(&self, params: &mut Value) {
        if !params.is_object() {
            *params = json!({});
        }
        let object = params.as_object_mut().expect("an object");
        let meta = object.entry("_meta").or_insert_with(|| json!({}));
        if !meta.is_object() {
            *meta = json!({});
        }
        let meta = meta.as_object_mut().expect("an object");
        meta.insert(
            PROTOCOL_VERSION_KEY.into(),
            STATELESS_PROTOCOL_VERSION.into(),
        );
        meta.insert(CLIENT_CAPABILITIES_KEY.into(), self.capabilities.clone());
        meta.insert(
            CLIENT_INFO_KEY.into(),
            serde_json::to_value(&self.client_info).unwrap_or(Value::Null),
        );
        if let Some(level) = *self.log_level.lock().unwrap_or_else(|e| e.into_inner()) {
            meta.insert(LOG_LEVEL_KEY.into(), json!(level));
        }
    }
}

impl Client {
    /// Answers the `inputRequests` of an `input_required` result and returns the params of the
    /// retry: the original ones with `inputResponses` and the echoed `requestState`.
    pub(super) async fn provide_input(
        &self,
        params: Option<Value>,
        result: Value,
    ) -> Result<Value, ClientError> {
        let mut params = params.unwrap_or_else(|| json!({}));
        let mut responses = Map::new();
        if let Some(requests) = result.get("inputRequests").and_then(Value::as_object) {
            for (key, request) in requests {
                let method = request.get("method").and_then(Value::as_str).unwrap_or("");
                let request_params = request.get("params").cloned().unwrap_or_else(|| json!({}));
                let answer = self
                    .inner
                    .responders
                    .answer(method, request_params)
                    .await
                    .map_err(|e| {
                        ClientError::protocol(if e.code == ErrorCode::METHOD_NOT_FOUND {
                            format!(
                                "the server asked for input with `{method}`, which this client \
                                 has no callback for (see ClientBuilder::on_elicitation, \
                                 on_sampling, on_roots)"
                            )
                        } else {
                            format!("answering the server's `{method}` failed: {e}")
                        })
                    })?;
                responses.insert(key.clone(), answer);
            }
        }
        params["inputResponses"] = Value::Object(responses);
        match result.get("requestState") {
            Some(state) => params["requestState"] = state.clone(),
            None => {
                if let Some(p) = params.as_object_mut() {
                    p.remove("requestState");
                }
            }
        }
        Ok(params)
    }
}

/// Whether a result asks for input before the request can complete.
pub(super) fn is_input_required(result: &Value) -> bool {
    result.get("resultType").and_then(Value::as_str) == Some("input_required")
}

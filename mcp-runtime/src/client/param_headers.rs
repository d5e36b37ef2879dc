//! `Mcp-Param-*` headers (2026-07-28): a tool's input schema may mark parameters with
//! `x-mcp-header: <Name>`, and every call of that tool then repeats those arguments in
//! `Mcp-Param-<Name>` headers. The client learns the marks from `tools/list`, and leaves out
//! the tools whose marks are invalid (the specification makes clients reject them).

use std::collections::{HashMap, HashSet};

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use crate::protocol::meta::encode_header_value;

/// The `x-mcp-header` marks of one tool: (argument name, header suffix).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ParamHeaders(Vec<(String, String)>);

impl ParamHeaders {
    /// Reads the marks of a tool's input schema; `None` when one is invalid: empty, not an
    /// HTTP token, on a parameter that is not a string, integer or boolean, or repeated
    /// (ignoring case).
    pub(super) fn from_schema(input_schema: &Value) -> Option<ParamHeaders> {
        let Some(properties) = input_schema.get("properties").and_then(Value::as_object) else {
            return Some(ParamHeaders::default());
        };
        let mut seen = HashSet::new();
        let mut marks = Vec::new();
        for (param, schema) in properties {
            let Some(mark) = schema.get("x-mcp-header") else {
                continue;
            };
            let name = mark.as_str()?;
            let token = !name.is_empty() && name.bytes().all(is_token_byte);
            let primitive = matches!(
                schema.get("type").and_then(Value::as_str),
                Some("string" | "integer" | "boolean")
            );
            if !token || !primitive || !seen.insert(name.to_ascii_lowercase()) {
                return None;
            }
            marks.push((param.clone(), name.to_owned()));
        }
        Some(ParamHeaders(marks))
    }

    /// The headers repeating `arguments`: one per marked argument that is present and not
    /// `null`; strings encoded as header values are, numbers and booleans as their JSON text.
    pub(super) fn headers(&self, arguments: Option<&Value>) -> Vec<(HeaderName, HeaderValue)> {
        let mut headers = Vec::new();
        for (param, name) in &self.0 {
            let text = match arguments.and_then(|a| a.get(param)) {
                None | Some(Value::Null) => continue,
                Some(Value::String(text)) => encode_header_value(text),
                Some(Value::Number(number)) => number.to_string(),
                Some(Value::Bool(flag)) => flag.to_string(),
                Some(_) => continue,
            };
            let name = HeaderName::try_from(format!("mcp-param-{}", name.to_ascii_lowercase()));
            if let (Ok(name), Ok(value)) = (name, HeaderValue::from_str(&text)) {
                headers.push((name, value));
            }
        }
        headers
    }
}

/// An HTTP token character (RFC 9110 `tchar`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The marks of every tool listed so far, by tool name.
#[derive(Debug, Default)]
pub(super) struct KnownTools(HashMap<String, ParamHeaders>);

impl KnownTools {
    pub(super) fn insert(&mut self, tool: String, headers: ParamHeaders) {
        self.0.insert(tool, headers);
    }

    pub(super) fn get(&self, tool: &str) -> Option<&ParamHeaders> {
        self.0.get(tool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(properties: Value) -> Value {
        json!({"type": "object", "properties": properties})
    }

    #[test]
    fn invalid_marks_reject_the_tool() {
        for bad in [
            json!({"v": {"type": "string", "x-mcp-header": ""}}),
            json!({"v": {"type": "object", "x-mcp-header": "Data"}}),
            json!({"v": {"type": "number", "x-mcp-header": "Score"}}),
            json!({"v": {"type": "string", "x-mcp-header": "My Region"}}),
            json!({"v": {"type": "string", "x-mcp-header": "Region:1"}}),
            json!({"v": {"type": "string", "x-mcp-header": "R\u{e9}gion"}}),
            json!({"a": {"type": "string", "x-mcp-header": "Id"}, "b": {"type": "string", "x-mcp-header": "ID"}}),
        ] {
            assert_eq!(
                ParamHeaders::from_schema(&schema(bad.clone())),
                None,
                "{bad}"
            );
        }
        assert_eq!(
            ParamHeaders::from_schema(&json!({"type": "object"})),
            Some(ParamHeaders::default())
        );
    }

    #[test]
    fn marked_arguments_become_headers() {
        let marks = ParamHeaders::from_schema(&schema(json!({
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"},
            "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
            "note": {"type": "string", "x-mcp-header": "Note"},
            "query": {"type": "string"}
        })))
        .unwrap();
        let headers = marks.headers(Some(&json!({
            "region": "us west", "priority": 42, "verbose": null, "note": " padded", "query": "q"
        })));
        let text: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            text,
            vec![
                ("mcp-param-region".to_owned(), "us west".to_owned()),
                ("mcp-param-priority".to_owned(), "42".to_owned()),
                (
                    "mcp-param-note".to_owned(),
                    "=?base64?IHBhZGRlZA==?=".to_owned()
                ),
            ]
        );
    }
}

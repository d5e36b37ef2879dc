//! The HTTP headers of Streamable HTTP that carry protocol facts, shared by the server and the
//! client: the session id, the protocol revision, and on the 2026-07-28 wire the method and
//! the name of what a request addresses, repeated from its body.

/// The session id the server assigns in its `initialize` answer (session era).
pub(crate) const SESSION_HEADER: &str = "mcp-session-id";
/// The protocol revision of every request after `initialize` (and of every 2026 request).
pub(crate) const VERSION_HEADER: &str = "mcp-protocol-version";
/// The request's method, repeated from the body (2026-07-28).
pub(crate) const METHOD_HEADER: &str = "mcp-method";
/// The name (or URI, or task id) the request addresses, repeated from the body (2026-07-28).
pub(crate) const NAME_HEADER: &str = "mcp-name";

/// The `params` field that the `Mcp-Name` header repeats for `method`; `None` for methods
/// that address nothing by name.
pub(crate) fn named_field(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_addressing_method_names_its_field() {
        assert_eq!(named_field("tools/call"), Some("name"));
        assert_eq!(named_field("prompts/get"), Some("name"));
        assert_eq!(named_field("resources/read"), Some("uri"));
        assert_eq!(named_field("tasks/cancel"), Some("taskId"));
        assert_eq!(named_field("tools/list"), None);
    }
}

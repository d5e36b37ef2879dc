//! Resources: what a resource is to the runtime ([`Resource`], [`ResourceSpec`]), how a URI
//! template is matched against a requested URI ([`UriTemplate`]), and how a read function's
//! return value becomes `resources/read` contents ([`IntoResourceContents`]).
//!
//! `#[mcp_resource]` implements [`Resource`] for a unit-like struct named after the function.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde_json::{json, Map, Value};

use crate::ctx::Ctx;
use crate::protocol::{ErrorCode, RpcError};
// What a read function returns is the wire type itself, re-exported for handlers.
#[doc(no_inline)]
pub use crate::protocol::ResourceContents;

/// `-32002 Resource not found` (2025-era revisions).
pub const RESOURCE_NOT_FOUND: ErrorCode = ErrorCode::RESOURCE_NOT_FOUND;

/// A resource (fixed URI) or resource template the server can list and read. Implemented by
/// `#[mcp_resource]`.
///
/// ```
/// use mcp_runtime::{mcp_resource, resource::Resource};
///
/// /// The greeting of the day.
/// #[mcp_resource(uri = "greeting://today", mime_type = "text/plain")]
/// async fn greeting() -> &'static str {
///     "Hello!"
/// }
///
/// assert_eq!(<greeting as Resource>::SPEC.uri(), "greeting://today");
/// assert!(!<greeting as Resource>::SPEC.is_template());
/// ```
pub trait Resource: 'static {
    /// URI (or template), name and metadata.
    const SPEC: ResourceSpec;

    /// Reads the resource at `uri`; `vars` holds the template's variables (empty for a fixed
    /// URI). The future need not be `Send`.
    fn read(ctx: Ctx, uri: String, vars: TemplateVars) -> ResourceFuture;
}

/// The static description of a resource, built at compile time by `#[mcp_resource]`. Read it
/// through its methods; only the macro builds one, so a new attribute is not a breaking change.
///
/// ```
/// use mcp_runtime::{mcp_resource, resource::Resource};
///
/// /// A user's profile.
/// #[mcp_resource(uri_template = "users://{id}/profile", mime_type = "application/json")]
/// async fn profile(id: u32) -> String {
///     format!("{{\"id\": {id}}}")
/// }
///
/// let spec = <profile as Resource>::SPEC;
/// assert_eq!((spec.uri(), spec.is_template()), ("users://{id}/profile", true));
/// assert_eq!((spec.name(), spec.title()), ("profile", None));
/// assert_eq!(spec.description(), Some("A user's profile."));
/// assert_eq!(spec.mime_type(), Some("application/json"));
/// assert!(!spec.uses_ctx());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ResourceSpec {
    uri: &'static str,
    is_template: bool,
    name: &'static str,
    title: Option<&'static str>,
    description: Option<&'static str>,
    mime_type: Option<&'static str>,
    uses_ctx: bool,
    extras: crate::protocol::Extras,
    completions: &'static [VariableCompleter],
}

impl ResourceSpec {
    /// The URI, or the RFC 6570 (level 1) URI template when [`is_template`](Self::is_template).
    pub const fn uri(&self) -> &'static str {
        self.uri
    }

    /// Whether [`uri`](Self::uri) is a template (`resources/templates/list`) or a fixed URI
    /// (`resources/list`).
    pub const fn is_template(&self) -> bool {
        self.is_template
    }

    /// The name (default: the function's name).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The display name, if any.
    pub const fn title(&self) -> Option<&'static str> {
        self.title
    }

    /// What the resource is, if said.
    pub const fn description(&self) -> Option<&'static str> {
        self.description
    }

    /// The MIME type of its contents, also the default of text contents.
    pub const fn mime_type(&self) -> Option<&'static str> {
        self.mime_type
    }

    /// Whether the read function takes a [`Ctx`].
    pub const fn uses_ctx(&self) -> bool {
        self.uses_ctx
    }

    /// The completer of a template variable, from `#[mcp(complete = ...)]` on its parameter.
    pub(crate) fn completer(&self, variable: &str) -> Option<crate::prompt::CompleteFn> {
        self.completions
            .iter()
            .find(|c| c.variable == variable)
            .and_then(|c| c.complete)
    }
}

/// A template variable's completer, for `completion/complete` with a `ref/resource`. Built by
/// `#[mcp_resource]` only.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct VariableCompleter {
    variable: &'static str,
    complete: Option<crate::prompt::CompleteFn>,
}

impl std::fmt::Debug for VariableCompleter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VariableCompleter")
            .field("variable", &self.variable)
            .finish_non_exhaustive()
    }
}

/// The constructors the code `#[mcp_resource]` generates calls, reachable only through
/// `__private`: their parameters change whenever the macro's attributes do.
pub(crate) mod build {
    use super::{ResourceSpec, VariableCompleter};
    use crate::prompt::CompleteFn;
    use crate::protocol::Extras;

    /// A [`ResourceSpec`] from every field, in declaration order.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn resource_spec(
        uri: &'static str,
        is_template: bool,
        name: &'static str,
        title: Option<&'static str>,
        description: Option<&'static str>,
        mime_type: Option<&'static str>,
        uses_ctx: bool,
        extras: Extras,
        completions: &'static [VariableCompleter],
    ) -> ResourceSpec {
        ResourceSpec {
            uri,
            is_template,
            name,
            title,
            description,
            mime_type,
            uses_ctx,
            extras,
            completions,
        }
    }

    /// A [`VariableCompleter`] for `variable`.
    #[doc(hidden)]
    pub const fn variable_completer(
        variable: &'static str,
        complete: Option<CompleteFn>,
    ) -> VariableCompleter {
        VariableCompleter { variable, complete }
    }
}

/// The `resources/list` or `resources/templates/list` entry of a resource.
pub(crate) fn definition(spec: &ResourceSpec) -> Value {
    let mut def = Map::new();
    let key = if spec.is_template {
        "uriTemplate"
    } else {
        "uri"
    };
    def.insert(key.into(), json!(spec.uri));
    def.insert("name".into(), json!(spec.name));
    if let Some(title) = spec.title {
        def.insert("title".into(), json!(title));
    }
    if let Some(description) = spec.description {
        def.insert("description".into(), json!(description));
    }
    if let Some(mime_type) = spec.mime_type {
        def.insert("mimeType".into(), json!(mime_type));
    }
    spec.extras.write_into(&mut def);
    Value::Object(def)
}

/// The future a `resources/read` runs as. Not `Send`: actix-web workers are single-threaded.
pub struct ResourceFuture(Pin<Box<dyn Future<Output = Result<Vec<ResourceContents>, RpcError>>>>);

impl ResourceFuture {
    /// Wraps a read whose template variables may fail to parse.
    pub fn new<F>(body: F) -> ResourceFuture
    where
        F: Future<Output = Result<Result<Vec<ResourceContents>, String>, TemplateVarError>>
            + 'static,
    {
        ResourceFuture(Box::pin(async move {
            match body.await {
                Ok(contents) => contents.map_err(RpcError::internal),
                Err(e) => Err(RpcError::invalid_params(e.to_string())),
            }
        }))
    }

    pub(crate) fn into_inner(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<ResourceContents>, RpcError>>>> {
        self.0
    }
}

/// Binary resource contents, sent base64-encoded as `blob` with the resource's MIME type.
///
/// ```
/// use mcp_runtime::resource::Blob;
/// assert_eq!(Blob::new(b"hi!".to_vec()).base64(), "aGkh");
/// assert_eq!(Blob::from_base64("aGkh").base64(), "aGkh");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob(String);

impl Blob {
    /// Bytes, encoded here.
    pub fn new(bytes: impl AsRef<[u8]>) -> Blob {
        Blob(base64_encode(bytes.as_ref()))
    }

    /// Already base64-encoded data (standard alphabet, padded), taken as is.
    pub fn from_base64(base64: impl Into<String>) -> Blob {
        Blob(base64.into())
    }

    /// The base64 text.
    pub fn base64(&self) -> &str {
        &self.0
    }
}

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What a resource read function may return: `String` / `&'static str` (text with the
/// resource's MIME type), [`Blob`] (binary), [`ResourceContents`], `Vec<ResourceContents>`, or
/// `Result<T, E>` with `E: Display` (an `Err` is answered with JSON-RPC error `-32603`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "not convertible into resource contents",
    note = "return `String`, `&'static str`, `Blob`, `ResourceContents`, `Vec<ResourceContents>`, or a `Result` of one"
)]
pub trait IntoResourceContents {
    /// Converts into the `contents` of a `resources/read` result for `uri`.
    fn into_resource_contents(
        self,
        uri: &str,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String>;
}

fn with_mime(contents: ResourceContents, mime_type: Option<&'static str>) -> ResourceContents {
    match mime_type {
        Some(mime_type) => contents.with_mime_type(mime_type),
        None => contents,
    }
}

impl IntoResourceContents for String {
    fn into_resource_contents(
        self,
        uri: &str,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String> {
        Ok(vec![with_mime(
            ResourceContents::text(uri, self),
            mime_type,
        )])
    }
}

impl IntoResourceContents for &'static str {
    fn into_resource_contents(
        self,
        uri: &str,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String> {
        self.to_owned().into_resource_contents(uri, mime_type)
    }
}

impl IntoResourceContents for Blob {
    fn into_resource_contents(
        self,
        uri: &str,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String> {
        Ok(vec![with_mime(
            ResourceContents::blob(uri, self.0),
            mime_type,
        )])
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_resource_contents(
        self,
        _: &str,
        _: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String> {
        Ok(vec![self])
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_resource_contents(
        self,
        _: &str,
        _: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String> {
        Ok(self)
    }
}

impl<T: IntoResourceContents, E: fmt::Display> IntoResourceContents for Result<T, E> {
    fn into_resource_contents(
        self,
        uri: &str,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, String> {
        match self {
            Ok(value) => value.into_resource_contents(uri, mime_type),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// The variables a URI template matched, percent-decoded, taken apart one by one by the code
/// `#[mcp_resource]` generates. Each is parsed with `FromStr` like a prompt argument.
///
/// ```
/// use mcp_runtime::resource::UriTemplate;
/// let t = UriTemplate::parse("users://{id}/profile").unwrap();
/// let mut vars = t.match_uri("users://42/profile").unwrap();
/// assert_eq!(vars.take::<u32>("id").unwrap(), 42);
/// ```
#[derive(Debug, Default)]
pub struct TemplateVars(Vec<(&'static str, String)>);

impl TemplateVars {
    /// Removes and parses a variable.
    pub fn take<T: UriVariable>(&mut self, name: &'static str) -> Result<T, TemplateVarError> {
        let i = self
            .0
            .iter()
            .position(|(n, _)| *n == name)
            .ok_or(TemplateVarError {
                name,
                message: "missing".into(),
            })?;
        let (_, value) = self.0.swap_remove(i);
        T::parse_variable(value).map_err(|message| TemplateVarError { name, message })
    }
}

/// A type a URI template variable's parameter can be: every `T: FromStr` whose error is
/// `Display` (`String`, numbers, your own types).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a URI template variable: variables are parsed from the URI",
    label = "not parsable from a string",
    note = "use `String` or a type implementing `FromStr` with an `Err: Display`"
)]
pub trait UriVariable: Sized {
    /// Parses the variable's percent-decoded value.
    fn parse_variable(value: String) -> Result<Self, String>;
}

impl<T> UriVariable for T
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    fn parse_variable(value: String) -> Result<T, String> {
        value.parse::<T>().map_err(|e| e.to_string())
    }
}

/// A template variable that did not parse as its parameter's type (answered with `-32602`).
#[derive(Debug)]
pub struct TemplateVarError {
    name: &'static str,
    message: String,
}

impl fmt::Display for TemplateVarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URI variable `{}`: {}", self.name, self.message)
    }
}

impl std::error::Error for TemplateVarError {}

/// An RFC 6570 level-1 URI template (`{var}` simple expansions between literals), matched
/// against concrete URIs. A variable matches a non-empty run of characters without `/`, and is
/// percent-decoded.
///
/// ```
/// use mcp_runtime::resource::UriTemplate;
/// let t = UriTemplate::parse("test://template/{id}/data").unwrap();
/// assert!(t.match_uri("test://template/a%20b/data").is_some());
/// assert!(t.match_uri("test://template/1/2/data").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct UriTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(&'static str),
    Var(&'static str),
}

impl UriTemplate {
    /// Parses a template; `Err` says what is wrong (unclosed `{`, an operator, an empty or
    /// invalid name, two adjacent variables).
    pub fn parse(template: &'static str) -> Result<UriTemplate, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest));
                    break;
                }
                Some(i) if rest.as_bytes()[i] == b'}' => {
                    return Err(format!("unmatched `}}` in URI template {template:?}"))
                }
                Some(i) => {
                    if i > 0 {
                        parts.push(Part::Literal(&rest[..i]));
                    }
                    let after = &rest[i + 1..];
                    let end = after
                        .find('}')
                        .ok_or_else(|| format!("unclosed `{{` in URI template {template:?}"))?;
                    let name = &after[..end];
                    if !is_var_name(name) {
                        return Err(format!(
                            "`{{{name}}}` is not a simple variable: only `{{name}}` with letters, \
                             digits and `_` is supported (RFC 6570 level 1)"
                        ));
                    }
                    if matches!(parts.last(), Some(Part::Var(_))) {
                        return Err(format!(
                            "two adjacent variables in URI template {template:?} cannot be told apart"
                        ));
                    }
                    parts.push(Part::Var(name));
                    rest = &after[end + 1..];
                }
            }
        }
        Ok(UriTemplate { parts })
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(name) => Some(*name),
            Part::Literal(_) => None,
        })
    }

    /// The variables if `uri` matches the template, else `None`.
    pub fn match_uri(&self, uri: &str) -> Option<TemplateVars> {
        let mut raw = Vec::new();
        if !match_parts(&self.parts, uri, &mut raw) {
            return None;
        }
        let mut vars = Vec::with_capacity(raw.len());
        for (name, value) in raw {
            vars.push((name, percent_decode(value)?));
        }
        Some(TemplateVars(vars))
    }
}

/// Whether `name` is a level-1 variable name (`varchar` without pct-encoding or dots).
pub fn is_var_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn match_parts<'u>(parts: &[Part], uri: &'u str, out: &mut Vec<(&'static str, &'u str)>) -> bool {
    match parts.split_first() {
        None => uri.is_empty(),
        Some((Part::Literal(lit), rest)) => uri
            .strip_prefix(lit)
            .is_some_and(|uri| match_parts(rest, uri, out)),
        Some((Part::Var(name), rest)) => {
            let limit = uri.find('/').unwrap_or(uri.len());
            // Shortest first, backtracking when the rest does not match.
            for end in (1..=limit).filter(|&e| uri.is_char_boundary(e)) {
                out.push((name, &uri[..end]));
                if match_parts(rest, &uri[end..], out) {
                    return true;
                }
                out.pop();
            }
            false
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `-32002` error for a URI no resource answers to, with `data.uri`.
pub(crate) fn not_found(uri: &str) -> RpcError {
    RpcError {
        code: RESOURCE_NOT_FOUND,
        message: format!("Resource not found: {uri}"),
        data: Some(json!({ "uri": uri })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(t: &UriTemplate, uri: &str) -> Option<Vec<(&'static str, String)>> {
        t.match_uri(uri).map(|v| v.0)
    }

    #[test]
    fn matches_simple_templates() {
        let t = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(
            vars(&t, "test://template/123/data"),
            Some(vec![("id", "123".to_owned())])
        );
        assert_eq!(t.variables().collect::<Vec<_>>(), ["id"]);
        let t = UriTemplate::parse("repo://{owner}/{name}").unwrap();
        assert_eq!(
            vars(&t, "repo://a/b"),
            Some(vec![("owner", "a".to_owned()), ("name", "b".to_owned())])
        );
        let t = UriTemplate::parse("file://{stem}.txt").unwrap();
        assert_eq!(
            vars(&t, "file://a.b.txt"),
            Some(vec![("stem", "a.b".to_owned())])
        );
    }

    #[test]
    fn decodes_percent_encoding() {
        let t = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(
            vars(&t, "test://template/a%20b%2Fc%C3%A9/data"),
            Some(vec![("id", "a b/cé".to_owned())])
        );
        assert_eq!(vars(&t, "test://template/%zz/data"), None);
        assert_eq!(vars(&t, "test://template/%ff/data"), None);
        assert_eq!(vars(&t, "test://template/%4/data"), None);
    }

    #[test]
    fn rejects_non_matching_uris() {
        let t = UriTemplate::parse("test://template/{id}/data").unwrap();
        for uri in [
            "test://template//data",
            "test://template/1/2/data",
            "test://template/1/data/",
            "test://template/1",
            "test://other/1/data",
            "",
        ] {
            assert_eq!(vars(&t, uri), None, "{uri}");
        }
    }

    #[test]
    fn rejects_unsupported_templates() {
        for bad in ["a{", "a}", "{+x}", "{?x}", "{}", "{a,b}", "{a}{b}", "{a.b}"] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn template_vars_parse() {
        let t = UriTemplate::parse("n://{n}").unwrap();
        let mut v = t.match_uri("n://x").unwrap();
        assert!(v.take::<u32>("n").unwrap_err().to_string().contains("`n`"));
    }

    #[test]
    fn subscriptions_are_per_session() {
        use crate::peer::Session;
        use crate::protocol::{Implementation, ProtocolVersion};
        let new = || {
            Session::new(
                ProtocolVersion::negotiate("2025-06-18"),
                Implementation::new("c", "1"),
                Value::Null,
            )
        };
        let (a, b) = (new(), new());
        a.subscribe("test://x".into());
        assert!(a.is_subscribed("test://x") && !b.is_subscribed("test://x"));
        a.unsubscribe("test://x");
        a.unsubscribe("test://never");
        assert!(!a.is_subscribed("test://x"));
    }

    /// A fixed URI that a template would also match.
    #[crate::mcp_resource(uri = "t://items/special")]
    async fn special() -> &'static str {
        "special"
    }

    /// Any item.
    #[crate::mcp_resource(uri_template = "t://items/{id}")]
    async fn any_item(id: String) -> String {
        id
    }

    #[test]
    fn fixed_uris_win_over_templates_and_definitions_follow_the_spec() {
        let catalog = crate::Server::new("s", "1")
            .resource::<any_item>()
            .resource::<special>()
            .into_core()
            .catalog();
        let (found, _) = catalog.find_resource("t://items/special").unwrap();
        assert_eq!(found.spec.name(), "special");
        let (found, mut vars) = catalog.find_resource("t://items/7").unwrap();
        assert_eq!(found.spec.name(), "any_item");
        assert_eq!(vars.take::<String>("id").unwrap(), "7");
        assert!(catalog.find_resource("t://other/7").is_none());
        assert_eq!(
            catalog.resources[0].definition,
            json!({"uriTemplate": "t://items/{id}", "name": "any_item", "description": "Any item."})
        );
        assert_eq!(
            catalog.resources[1].definition,
            json!({"uri": "t://items/special", "name": "special",
                   "description": "A fixed URI that a template would also match."})
        );
    }

    #[test]
    fn not_found_carries_the_uri() {
        let error = not_found("t://x");
        assert_eq!(error.code, RESOURCE_NOT_FOUND);
        assert_eq!(error.data, Some(json!({"uri": "t://x"})));
    }

    #[test]
    fn one_contents_type_with_the_wire_format_of_both_old_ones() {
        let text: crate::protocol::ResourceContents =
            ResourceContents::text("t://a", "x").with_mime_type("text/plain");
        let blob = Blob::new(b"hi!")
            .into_resource_contents("t://b", None)
            .unwrap();
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            r#"{"uri":"t://a","mimeType":"text/plain","text":"x"}"#
        );
        assert_eq!(
            serde_json::to_string(&blob).unwrap(),
            r#"[{"uri":"t://b","blob":"aGkh"}]"#
        );
        let back: ResourceContents =
            serde_json::from_str(r#"{"uri":"t://b","mimeType":"a/b","blob":"aGkh"}"#).unwrap();
        assert_eq!(
            (back.uri(), back.mime_type(), back.as_blob(), back.as_text()),
            ("t://b", Some("a/b"), Some("aGkh"), None)
        );
        let embedded = crate::Content::Resource {
            resource: text,
            annotations: None,
        };
        assert_eq!(
            embedded,
            crate::Content::embedded_text("t://a", "text/plain", "x")
        );
    }

    #[test]
    fn base64() {
        for (input, out) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), out);
        }
    }
}

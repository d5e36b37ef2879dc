//! Parsing of the `#[mcp_tool(...)]` arguments, the `#[mcp(...)]` parameter attributes and
//! `///` doc comments.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, Token};

use crate::ctxt::Ctxt;

const TOOL_KEYS: &str = "`name`, `title`, `description`, `annotations(...)`, `icons`, `meta`, \
                         `input_schema`, `scopes`, `task`, `crate`";
const PROMPT_KEYS: &str = "`name`, `title`, `description`, `icons`, `meta`, `crate`";
const ANNOTATION_KEYS: &str =
    "`read_only_hint`, `destructive_hint`, `idempotent_hint`, `open_world_hint`";
const TOOL_PARAM_KEYS: &str = "`default`, `default = EXPR`, `header = \"...\"`";
const PROMPT_PARAM_KEYS: &str =
    "`default`, `default = EXPR`, `rename = \"...\"`, `complete = path::to::completer`";

/// Which macro is expanding: the two share parsing, checks and most messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tool,
    Prompt,
}

impl Kind {
    /// `#[mcp_tool]` or `#[mcp_prompt]`.
    pub fn attr(self) -> &'static str {
        match self {
            Kind::Tool => "#[mcp_tool]",
            Kind::Prompt => "#[mcp_prompt]",
        }
    }

    /// `tool` or `prompt`.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Prompt => "prompt",
        }
    }

    fn keys(self) -> &'static str {
        match self {
            Kind::Tool => TOOL_KEYS,
            Kind::Prompt => PROMPT_KEYS,
        }
    }

    fn param_keys(self) -> &'static str {
        match self {
            Kind::Tool => TOOL_PARAM_KEYS,
            Kind::Prompt => PROMPT_PARAM_KEYS,
        }
    }
}

/// A value given in the attribute, with the span of the literal it came from.
pub struct WithSpan<T> {
    pub value: T,
    pub span: Span,
}

/// The arguments of `#[mcp_tool(...)]` or `#[mcp_prompt(...)]` (which has no `annotations`).
#[derive(Default)]
pub struct ToolAttrs {
    pub name: Option<WithSpan<String>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub annotations: Annotations,
    pub extras: ExtrasAttrs,
    /// `input_schema = path` (tools only).
    pub input_schema: Option<syn::Path>,
    /// `scopes = ["a", "b"]` (tools only).
    pub scopes: Option<Vec<String>>,
    /// `task = "optional" | "required"` (tools only): whether the tool may run as a task.
    pub task: Option<String>,
    pub krate: Option<syn::Path>,
}

/// `icons = EXPR` and `meta = path`, which every macro takes.
#[derive(Default)]
pub struct ExtrasAttrs {
    /// An expression of type `&'static [Icon]`, checked by the compiler where it lands.
    pub icons: Option<Expr>,
    /// A `fn() -> serde_json::Map<String, Value>`.
    pub meta: Option<syn::Path>,
}

impl ExtrasAttrs {
    /// Takes `icons` and `meta`; `false` for any other key, for the caller to handle.
    pub fn parse_key(&mut self, cx: &mut Ctxt, meta: &Meta, key: &str, keys: &str) -> bool {
        match key {
            "icons" => {
                match meta {
                    Meta::NameValue(nv) => {
                        set_once(cx, &mut self.icons, nv.value.clone(), meta, key, keys)
                    }
                    _ => cx.error_spanned_by(
                        meta,
                        "expected `icons = ICONS`, a `&'static [Icon]` (e.g. a `const`)",
                    ),
                }
                true
            }
            "meta" => {
                if let Some(path) = fn_path(cx, meta, key, "serde_json::Map<String, Value>") {
                    set_once(cx, &mut self.meta, path, meta, key, keys);
                }
                true
            }
            _ => false,
        }
    }
}

/// The function path of `key = path::to::f`, or an error naming what `f` must return.
pub(crate) fn fn_path(cx: &mut Ctxt, meta: &Meta, key: &str, returns: &str) -> Option<syn::Path> {
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Path(path) if path.qself.is_none() => Some(path.path.clone()),
            other => {
                cx.error_spanned_by(
                    other,
                    format!("expected the path of a function `fn() -> {returns}`: `{key} = my_fn`"),
                );
                None
            }
        },
        _ => {
            cx.error_spanned_by(meta, format!("expected `{key} = my_fn`"));
            None
        }
    }
}

/// `annotations(...)`: each hint is `None` unless given.
#[derive(Default, PartialEq)]
pub struct Annotations {
    pub read_only_hint: Option<bool>,
    pub destructive_hint: Option<bool>,
    pub idempotent_hint: Option<bool>,
    pub open_world_hint: Option<bool>,
}

/// The single-identifier key of a meta item (`crate` included), if it is one.
pub(crate) fn key_of(meta: &Meta) -> Option<String> {
    let path = meta.path();
    if path.leading_colon.is_none() && path.segments.len() == 1 {
        let segment = &path.segments[0];
        if segment.arguments.is_none() {
            return Some(segment.ident.to_string());
        }
    }
    None
}

pub(crate) fn parse_list(cx: &mut Ctxt, tokens: proc_macro2::TokenStream) -> Vec<Meta> {
    match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(items) => items.into_iter().collect(),
        Err(e) => {
            cx.syn_error(e);
            Vec::new()
        }
    }
}

pub(crate) fn string_value(cx: &mut Ctxt, meta: &Meta, key: &str) -> Option<LitStr> {
    match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.clone()),
            other => {
                cx.error_spanned_by(
                    other,
                    format!("expected a string literal: `{key} = \"...\"`"),
                );
                None
            }
        },
        _ => {
            cx.error_spanned_by(meta, format!("expected `{key} = \"...\"`"));
            None
        }
    }
}

/// `scopes = ["files:read", "files:write"]`: an array of OAuth scope tokens (RFC 6749 §3.3:
/// non-empty, printable ASCII without space, `"` or `\\`). Each error is spanned at the
/// offending token.
fn scopes_value(cx: &mut Ctxt, meta: &Meta) -> Option<Vec<String>> {
    const EXAMPLE: &str = "`scopes = [\"files:read\", \"files:write\"]`";
    let array = match meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Array(array) => array,
            other => {
                cx.error_spanned_by(
                    other,
                    format!("expected an array of string literals: {EXAMPLE}"),
                );
                return None;
            }
        },
        _ => {
            cx.error_spanned_by(meta, format!("expected {EXAMPLE}"));
            return None;
        }
    };
    let mut scopes = Vec::new();
    for element in &array.elems {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) = element
        else {
            cx.error_spanned_by(
                element,
                format!("expected a string literal: each scope is a string, {EXAMPLE}"),
            );
            continue;
        };
        let scope = lit.value();
        let valid = !scope.is_empty()
            && scope
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if valid {
            scopes.push(scope);
        } else {
            cx.error_spanned_by(
                lit,
                format!(
                    "invalid scope {scope:?}: a scope is one or more printable ASCII characters \
                     without spaces, `\"` or `\\`"
                ),
            );
        }
    }
    Some(scopes)
}

/// Stores `value` into `slot`, or reports a duplicate key at `meta`.
pub(crate) fn set_once<T>(
    cx: &mut Ctxt,
    slot: &mut Option<T>,
    value: T,
    meta: &Meta,
    key: &str,
    valid: &str,
) {
    if slot.is_some() {
        cx.error_spanned_by(
            meta.path(),
            format!("duplicate key `{key}`; each of {valid} may be given once"),
        );
    } else {
        *slot = Some(value);
    }
}

impl ToolAttrs {
    /// Parses the tokens inside `#[mcp_tool(...)]` / `#[mcp_prompt(...)]`.
    pub fn parse(cx: &mut Ctxt, tokens: proc_macro2::TokenStream, kind: Kind) -> ToolAttrs {
        let keys = kind.keys();
        let mut attrs = ToolAttrs::default();
        let mut seen_annotations = false;
        for meta in parse_list(cx, tokens) {
            let key = key_of(&meta).unwrap_or_default();
            match key.as_str() {
                "name" => {
                    if let Some(lit) = string_value(cx, &meta, "name") {
                        let value = WithSpan {
                            value: lit.value(),
                            span: lit.span(),
                        };
                        set_once(cx, &mut attrs.name, value, &meta, "name", keys);
                    }
                }
                "title" => {
                    if let Some(lit) = string_value(cx, &meta, "title") {
                        set_once(cx, &mut attrs.title, lit.value(), &meta, "title", keys);
                    }
                }
                "description" => {
                    if let Some(lit) = string_value(cx, &meta, "description") {
                        let value = lit.value().trim().to_owned();
                        if value.is_empty() {
                            cx.error_spanned_by(
                                &lit,
                                format!("the {} description must not be empty", kind.noun()),
                            );
                        }
                        set_once(
                            cx,
                            &mut attrs.description,
                            value,
                            &meta,
                            "description",
                            keys,
                        );
                    }
                }
                "crate" => {
                    if let Some(lit) = string_value(cx, &meta, "crate") {
                        match lit.parse_with(syn::Path::parse_mod_style) {
                            Ok(path) => set_once(cx, &mut attrs.krate, path, &meta, "crate", keys),
                            Err(_) => cx.error_spanned_by(
                                &lit,
                                format!(
                                    "`{}` is not a path, e.g. `crate = \"my_crate::mcp\"`",
                                    lit.value()
                                ),
                            ),
                        }
                    }
                }
                "input_schema" if kind == Kind::Tool => {
                    if let Some(path) = fn_path(cx, &meta, "input_schema", "serde_json::Value") {
                        set_once(
                            cx,
                            &mut attrs.input_schema,
                            path,
                            &meta,
                            "input_schema",
                            keys,
                        );
                    }
                }
                "scopes" if kind == Kind::Tool => {
                    if let Some(scopes) = scopes_value(cx, &meta) {
                        set_once(cx, &mut attrs.scopes, scopes, &meta, "scopes", keys);
                    }
                }
                "task" if kind == Kind::Tool => {
                    if let Some(lit) = string_value(cx, &meta, "task") {
                        let value = lit.value();
                        if value == "optional" || value == "required" {
                            set_once(cx, &mut attrs.task, value, &meta, "task", keys);
                        } else {
                            cx.error_spanned_by(
                                &lit,
                                "expected `task = \"optional\"` (the client may get a task) or \
                                 `task = \"required\"` (only clients that take tasks may call it)",
                            );
                        }
                    }
                }
                key if attrs.extras.parse_key(cx, &meta, key, keys) => {}
                "annotations" if kind == Kind::Tool => {
                    if seen_annotations {
                        cx.error_spanned_by(
                            meta.path(),
                            format!("duplicate key `annotations`; each of {TOOL_KEYS} may be given once"),
                        );
                    }
                    seen_annotations = true;
                    match &meta {
                        Meta::List(list) => attrs.annotations.parse(cx, list.tokens.clone()),
                        _ => cx.error_spanned_by(
                            &meta,
                            format!("expected `annotations(...)` with any of {ANNOTATION_KEYS}"),
                        ),
                    }
                }
                _ => cx.error_spanned_by(
                    meta.path(),
                    format!(
                        "unknown key `{}` in {}; expected one of {keys}",
                        path_to_string(meta.path()),
                        kind.attr(),
                    ),
                ),
            }
        }
        attrs
    }
}

impl Annotations {
    fn parse(&mut self, cx: &mut Ctxt, tokens: proc_macro2::TokenStream) {
        for meta in parse_list(cx, tokens) {
            let key = key_of(&meta).unwrap_or_default();
            let slot = match key.as_str() {
                "read_only_hint" => &mut self.read_only_hint,
                "destructive_hint" => &mut self.destructive_hint,
                "idempotent_hint" => &mut self.idempotent_hint,
                "open_world_hint" => &mut self.open_world_hint,
                _ => {
                    cx.error_spanned_by(
                        meta.path(),
                        format!(
                            "unknown annotation `{}`; expected one of {ANNOTATION_KEYS}",
                            path_to_string(meta.path())
                        ),
                    );
                    continue;
                }
            };
            let value = match &meta {
                Meta::NameValue(nv) => match &nv.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Bool(b), ..
                    }) => Some(b.value),
                    other => {
                        cx.error_spanned_by(
                            other,
                            format!("expected `true` or `false`: `{key} = true`"),
                        );
                        None
                    }
                },
                _ => {
                    cx.error_spanned_by(
                        &meta,
                        format!("expected `{key} = true` or `{key} = false`"),
                    );
                    None
                }
            };
            if let Some(value) = value {
                set_once(cx, slot, value, &meta, &key, ANNOTATION_KEYS);
            }
        }
    }
}

/// How a missing argument is filled in, from `#[mcp(default)]` / `#[mcp(default = EXPR)]`.
pub enum DefaultValue {
    /// `#[mcp(default)]`: `Default::default()`; the span is that of the `default` key.
    Trait(Span),
    /// `#[mcp(default = EXPR)]`.
    Expr(Box<Expr>),
}

/// What the attributes of one parameter say.
#[derive(Default)]
pub struct ParamAttrs {
    /// From `///` comments.
    pub description: String,
    pub default: Option<DefaultValue>,
    /// `#[mcp(rename = "...")]` (prompts only): the argument's wire name.
    pub rename: Option<WithSpan<String>>,
    /// `#[mcp(complete = path)]` (prompts only): the argument's completer.
    pub complete: Option<syn::Path>,
    /// `#[mcp(header = "...")]` (tools only): the parameter is mirrored in the
    /// `Mcp-Param-<name>` HTTP header (`x-mcp-header`).
    pub header: Option<WithSpan<String>>,
    /// The first `#[mcp(...)]`, for errors about its placement.
    pub mcp_attr: Option<Attribute>,
}

impl ParamAttrs {
    /// Parses and removes the `#[doc]` and `#[mcp(...)]` attributes of a parameter; other
    /// attributes are left in place.
    pub fn take(cx: &mut Ctxt, attrs: &mut Vec<Attribute>, kind: Kind) -> ParamAttrs {
        let param_keys = kind.param_keys();
        let mut out = ParamAttrs {
            description: doc_string(attrs),
            ..ParamAttrs::default()
        };
        attrs.retain(|attr| {
            if attr.path().is_ident("doc") {
                return false;
            }
            if !attr.path().is_ident("mcp") {
                return true;
            }
            out.mcp_attr.get_or_insert_with(|| attr.clone());
            let tokens = match &attr.meta {
                Meta::List(list) => list.tokens.clone(),
                _ => {
                    cx.error_spanned_by(
                        attr,
                        format!("expected `#[mcp(...)]` with one of {param_keys}"),
                    );
                    return false;
                }
            };
            for meta in parse_list(cx, tokens) {
                let key = key_of(&meta).unwrap_or_default();
                match key.as_str() {
                    "default" => {}
                    "rename" if kind == Kind::Prompt => {
                        if let Some(lit) = string_value(cx, &meta, "rename") {
                            let value = WithSpan {
                                value: lit.value(),
                                span: lit.span(),
                            };
                            set_once(cx, &mut out.rename, value, &meta, "rename", param_keys);
                        }
                        continue;
                    }
                    "header" if kind == Kind::Tool => {
                        if let Some(lit) = string_value(cx, &meta, "header") {
                            let value = lit.value();
                            let valid = !value.is_empty()
                                && value
                                    .bytes()
                                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
                            if !valid {
                                cx.error_at(
                                    lit.span(),
                                    "a header name is letters, digits and `-` (clients send it \
                                     as `Mcp-Param-<name>`)",
                                );
                            }
                            let value = WithSpan {
                                value,
                                span: lit.span(),
                            };
                            set_once(cx, &mut out.header, value, &meta, "header", param_keys);
                        }
                        continue;
                    }
                    "complete" if kind == Kind::Prompt => {
                        let path = match &meta {
                            Meta::NameValue(syn::MetaNameValue {
                                value: Expr::Path(path),
                                ..
                            }) if path.qself.is_none() => Some(path.path.clone()),
                            _ => {
                                cx.error_spanned_by(
                                    &meta,
                                    "expected `complete = path::to::completer` (a function name)",
                                );
                                None
                            }
                        };
                        if let Some(path) = path {
                            set_once(cx, &mut out.complete, path, &meta, "complete", param_keys);
                        }
                        continue;
                    }
                    _ => {
                        cx.error_spanned_by(
                            meta.path(),
                            format!(
                                "unknown key `{}` in #[mcp(...)]; expected one of {param_keys}",
                                path_to_string(meta.path())
                            ),
                        );
                        continue;
                    }
                }
                let default = match meta {
                    Meta::Path(path) => DefaultValue::Trait(path.span()),
                    Meta::NameValue(nv) => DefaultValue::Expr(Box::new(nv.value)),
                    Meta::List(list) => {
                        cx.error_spanned_by(&list, "expected `default` or `default = EXPR`");
                        continue;
                    }
                };
                if out.default.is_some() {
                    cx.error_at(
                        match &default {
                            DefaultValue::Trait(span) => *span,
                            DefaultValue::Expr(expr) => expr.span(),
                        },
                        "duplicate `default` for this parameter",
                    );
                } else {
                    out.default = Some(default);
                }
            }
            false
        });
        out
    }
}

/// The text of the `#[doc = "..."]` attributes (`///` comments): lines joined, one leading
/// space stripped per line, trimmed. Doc attributes that are not string literals are skipped.
pub fn doc_string(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if let Meta::NameValue(nv) = &attr.meta {
            if !nv.path.is_ident("doc") {
                continue;
            }
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                for line in s.value().split('\n') {
                    lines.push(line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned());
                }
            }
        }
    }
    lines.join("\n").trim().to_owned()
}

pub(crate) fn path_to_string(path: &syn::Path) -> String {
    let mut s = String::new();
    if path.leading_colon.is_some() {
        s.push_str("::");
    }
    for (i, seg) in path.segments.iter().enumerate() {
        if i > 0 {
            s.push_str("::");
        }
        s.push_str(&seg.ident.to_string());
    }
    s
}

//! The internal model of a tool or prompt: what `#[mcp_tool]` / `#[mcp_prompt]` understood of
//! the function, with every check applied. [`crate::expand`] turns it into code.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::{
    FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type, Visibility,
};

use crate::attr::{
    doc_string, Annotations, DefaultValue, ExtrasAttrs, Kind, ParamAttrs, ToolAttrs,
};
use crate::ctxt::Ctxt;

/// A tool (or prompt) function, fully checked.
pub struct Tool {
    /// Which macro this is.
    pub kind: Kind,
    pub vis: Visibility,
    /// The function's identifier, which also names the generated struct.
    pub ident: Ident,
    /// The wire name.
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub annotations: Annotations,
    pub extras: ExtrasAttrs,
    /// `input_schema = path`: the schema sent instead of the derived one.
    pub input_schema: Option<syn::Path>,
    /// `scopes = [...]`: the OAuth scopes a caller needs (tools only).
    pub scopes: Vec<String>,
    /// `task = "..."`: `optional` or `required`; `None`: the tool never runs as a task.
    pub task: Option<String>,
    /// The path of the runtime crate (`::mcp_runtime` unless `crate = "..."`).
    pub krate: syn::Path,
    /// The parameters in declaration order.
    pub params: Vec<Param>,
    /// The declared return type; `None` for `()`.
    pub output: Option<Type>,
}

/// One parameter of the tool function.
pub enum Param {
    /// The `Ctx` parameter, passed through.
    Ctx,
    /// A JSON argument.
    Arg(Box<Arg>),
}

/// A parameter decoded from the call's `arguments`.
pub struct Arg {
    /// The property name (`rename`, or the identifier with `r#` stripped).
    pub name: String,
    pub ty: Type,
    /// For prompts: `T` when `ty` is `Option<T>` (parsed from a string when present).
    pub option_inner: Option<Type>,
    /// For prompts: the completer from `#[mcp(complete = ...)]`.
    pub complete: Option<syn::Path>,
    /// For tools: the `x-mcp-header` name from `#[mcp(header = "...")]`.
    pub header: Option<String>,
    pub description: String,
    pub default: Option<DefaultValue>,
    /// Whether the argument must be present: neither `Option<T>` nor defaulted.
    pub required: bool,
}

/// The runtime path when none is given.
pub fn default_crate_path() -> syn::Path {
    syn::parse_quote!(::mcp_runtime)
}

impl Tool {
    /// Checks the function and builds the model; every problem is recorded in `cx`. The
    /// parameters of `item` lose their `///` and `#[mcp(...)]` attributes, which rustc would
    /// reject, whether or not there were errors.
    pub fn from_ast(cx: &mut Ctxt, attr: TokenStream, item: &mut ItemFn, kind: Kind) -> Tool {
        let (mac, noun) = (kind.attr(), kind.noun());
        let attrs = ToolAttrs::parse(cx, attr, kind);
        if let Some(name) = &attrs.name {
            check_name(cx, &name.value, name.span, noun);
        }
        let sig = &mut item.sig;

        let why_generic = match kind {
            Kind::Tool => "every parameter type must be known to build the tool's input schema",
            Kind::Prompt => "every argument type must be known to parse it",
        };
        check_signature(cx, sig, mac, why_generic);

        let mut params = Vec::new();
        let mut seen_ctx = false;
        for input in sig.inputs.iter_mut() {
            let pt = match input {
                // Reported by `check_signature`.
                FnArg::Receiver(_) => continue,
                FnArg::Typed(pt) => pt,
            };
            let param_attrs = ParamAttrs::take(cx, &mut pt.attrs, kind);
            if is_ctx(&pt.ty) {
                if seen_ctx {
                    cx.error_spanned_by(
                        &pt.ty,
                        format!("a {noun} takes at most one `Ctx` parameter"),
                    );
                }
                seen_ctx = true;
                if let Some(attr) = &param_attrs.mcp_attr {
                    cx.error_spanned_by(attr, "#[mcp(...)] does not apply to the `Ctx` parameter");
                }
                params.push(Param::Ctx);
                continue;
            }
            let where_named = match kind {
                Kind::Tool => "in the input schema",
                Kind::Prompt => "in `prompts/list`",
            };
            let name = match &*pt.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => pat.ident.unraw().to_string(),
                Pat::Wild(_) => {
                    cx.error_spanned_by(
                        &pt.pat,
                        format!(
                            "{noun} parameters need a name: it becomes the argument's name \
                             {where_named}"
                        ),
                    );
                    continue;
                }
                other => {
                    cx.error_spanned_by(
                        other,
                        format!(
                            "{noun} parameters must be plain identifiers (the name becomes the \
                             argument's name {where_named}); destructure inside the body"
                        ),
                    );
                    continue;
                }
            };
            let name = match param_attrs.rename {
                Some(rename) => {
                    check_argument_name(cx, &rename.value, rename.span);
                    rename.value
                }
                None => name,
            };
            if !check_type(cx, &pt.ty, "parameter", kind) {
                continue;
            }
            if let Type::Reference(reference) = &*pt.ty {
                let message = match kind {
                    Kind::Tool => {
                        "tool parameters are decoded from JSON and must be owned: use `String` \
                         instead of `&str`, `Vec<T>` instead of `&[T]`"
                    }
                    Kind::Prompt => {
                        "prompt arguments are parsed from strings and must be owned: use \
                         `String` instead of `&str`"
                    }
                };
                cx.error_spanned_by(reference, message);
                continue;
            }
            let option_inner = option_inner(&pt.ty).cloned();
            if kind == Kind::Prompt {
                if let (Some(_), Some(DefaultValue::Trait(span))) =
                    (&option_inner, &param_attrs.default)
                {
                    cx.error_at(
                        *span,
                        "an `Option` argument is already optional: drop `default`, or use a \
                         non-`Option` type",
                    );
                }
            }
            let required = param_attrs.default.is_none() && option_inner.is_none();
            params.push(Param::Arg(Box::new(Arg {
                name,
                ty: (*pt.ty).clone(),
                option_inner: option_inner.filter(|_| kind == Kind::Prompt),
                complete: param_attrs.complete,
                header: param_attrs.header.map(|h| h.value),
                description: param_attrs.description,
                default: param_attrs.default,
                required,
            })));
        }

        let output = match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => {
                check_type(cx, ty, "return", kind);
                Some((**ty).clone())
            }
        };

        let ident = sig.ident.clone();
        let name = match attrs.name {
            Some(name) => name.value,
            None => {
                let name = ident.unraw().to_string();
                check_name(cx, &name, ident.span(), noun);
                name
            }
        };
        let description = attrs.description.unwrap_or_else(|| doc_string(&item.attrs));
        if description.is_empty() {
            let mac = mac.trim_end_matches(']');
            cx.error_spanned_by(
                &ident,
                format!(
                    "{noun} `{name}` has no description; MCP clients reject {noun}s without one\n\
                     help: add a `///` doc comment saying what the {noun} does, or \
                     {mac}(description = \"...\")]"
                ),
            );
        }
        if kind == Kind::Tool {
            for param in &params {
                if let Param::Arg(arg) = param {
                    if let Some(path) = &arg.complete {
                        cx.error_spanned_by(path, "`complete` applies to prompt arguments only");
                    }
                }
            }
        }

        Tool {
            kind,
            vis: item.vis.clone(),
            ident,
            name,
            title: attrs.title,
            description,
            annotations: attrs.annotations,
            extras: attrs.extras,
            input_schema: attrs.input_schema,
            scopes: attrs.scopes.unwrap_or_default(),
            task: attrs.task,
            krate: attrs.krate.unwrap_or_else(default_crate_path),
            params,
            output,
        }
    }

    /// Whether the tool takes a `Ctx`.
    pub fn uses_ctx(&self) -> bool {
        self.params.iter().any(|p| matches!(p, Param::Ctx))
    }
}

fn check_name(cx: &mut Ctxt, name: &str, span: Span, noun: &str) {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !(1..=128).contains(&name.len()) || !valid_chars {
        cx.error_at(
            span,
            format!(
                "invalid {noun} name {name:?}: use 1-128 characters of letters, digits, `_`, \
                 `-` and `.`"
            ),
        );
    }
}

fn check_argument_name(cx: &mut Ctxt, name: &str, span: Span) {
    if name.is_empty() {
        cx.error_at(span, "an argument name must not be empty");
    }
}

/// Whether the type is the runtime's `Ctx`, by the last segment of its path.
pub(crate) fn is_ctx(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Ctx" && s.arguments.is_none()),
        Type::Group(g) => is_ctx(&g.elem),
        Type::Paren(p) => is_ctx(&p.elem),
        _ => false,
    }
}

/// `T` if the type is syntactically `Option<T>` (by the last path segment).
fn option_inner(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let segment = p.path.segments.last()?;
            if segment.ident != "Option" {
                return None;
            }
            match &segment.arguments {
                PathArguments::AngleBracketed(args) if args.args.len() == 1 => {
                    match &args.args[0] {
                        GenericArgument::Type(inner) => Some(inner),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        Type::Group(g) => option_inner(&g.elem),
        Type::Paren(p) => option_inner(&p.elem),
        _ => None,
    }
}

/// Rejects `impl Trait` anywhere in a parameter or return type; `false` if it found one.
fn check_type(cx: &mut Ctxt, ty: &Type, what: &str, kind: Kind) -> bool {
    match find_impl_trait(ty) {
        Some(found) => {
            let message = match (kind, what == "return") {
                (Kind::Tool, true) => {
                    "#[mcp_tool] functions cannot return `impl Trait`: the tool's output schema \
                     needs the concrete type; name it, e.g. `-> String` or `-> Json<MyOutput>`"
                }
                (Kind::Tool, false) => {
                    "tool parameters cannot be `impl Trait`: each argument is decoded from JSON \
                     into a concrete type; name it, e.g. `String` or `Vec<i64>`"
                }
                (Kind::Prompt, true) => {
                    "#[mcp_prompt] functions cannot return `impl Trait`: name the type, e.g. \
                     `-> String` or `-> Vec<PromptMessage>`"
                }
                (Kind::Prompt, false) => {
                    "prompt arguments cannot be `impl Trait`: each argument is parsed from a \
                     string into a concrete type; name it, e.g. `String` or `u32`"
                }
            };
            cx.error_spanned_by(found, message);
            false
        }
        None => true,
    }
}

pub(crate) fn find_impl_trait(ty: &Type) -> Option<TokenStream> {
    match ty {
        Type::ImplTrait(t) => Some(quote!(#t)),
        Type::Array(t) => find_impl_trait(&t.elem),
        Type::Group(t) => find_impl_trait(&t.elem),
        Type::Paren(t) => find_impl_trait(&t.elem),
        Type::Ptr(t) => find_impl_trait(&t.elem),
        Type::Reference(t) => find_impl_trait(&t.elem),
        Type::Slice(t) => find_impl_trait(&t.elem),
        Type::Tuple(t) => t.elems.iter().find_map(find_impl_trait),
        Type::Path(t) => {
            let qself = t.qself.as_ref().and_then(|q| find_impl_trait(&q.ty));
            qself.or_else(|| {
                t.path.segments.iter().find_map(|seg| match &seg.arguments {
                    PathArguments::AngleBracketed(args) => {
                        args.args.iter().find_map(|arg| match arg {
                            GenericArgument::Type(ty) => find_impl_trait(ty),
                            _ => None,
                        })
                    }
                    _ => None,
                })
            })
        }
        _ => None,
    }
}

/// The checks every macro's function shares: a free, plain `async fn` without generics. Each
/// problem is recorded at its token; `why_generic` says why generics cannot work.
pub fn check_signature(cx: &mut Ctxt, sig: &syn::Signature, mac: &str, why_generic: &str) {
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, format!("{mac} functions cannot be `const`"));
    }
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!(
                "{mac} functions must be `async`: write `async fn {}`",
                sig.ident
            ),
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(unsafety, format!("{mac} functions cannot be `unsafe`"));
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, format!("{mac} functions cannot have an `extern` ABI"));
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!("{mac} functions cannot be generic: {why_generic}"),
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            format!("{mac} functions cannot have a `where` clause"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, format!("{mac} functions cannot be variadic"));
    }
    for input in &sig.inputs {
        if let FnArg::Receiver(receiver) = input {
            cx.error_spanned_by(
                receiver,
                format!(
                    "{mac} functions cannot take `self`: use a free `async fn`, and reach \
                     shared state through `Ctx::state`"
                ),
            );
        }
    }
}

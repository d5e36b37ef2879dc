//! The internal model of a tool: what `#[mcp_tool]` understood of the function, with every
//! check applied. [`crate::expand`] turns it into code.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::{
    FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type, Visibility,
};

use crate::attr::{doc_string, Annotations, DefaultValue, ParamAttrs, ToolAttrs};
use crate::ctxt::Ctxt;

/// A tool function, fully checked.
pub struct Tool {
    pub vis: Visibility,
    /// The function's identifier, which also names the generated struct.
    pub ident: Ident,
    /// The wire name.
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub annotations: Annotations,
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
    /// The property name (the identifier, `r#` stripped).
    pub name: String,
    pub ty: Type,
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
    pub fn from_ast(cx: &mut Ctxt, attr: TokenStream, item: &mut ItemFn) -> Tool {
        let attrs = ToolAttrs::parse(cx, attr);
        if let Some(name) = &attrs.name {
            check_name(cx, &name.value, name.span);
        }
        let sig = &mut item.sig;

        if let Some(constness) = &sig.constness {
            cx.error_spanned_by(constness, "#[mcp_tool] functions cannot be `const`");
        }
        if sig.asyncness.is_none() {
            cx.error_spanned_by(
                sig.fn_token,
                format!(
                    "#[mcp_tool] functions must be `async`: write `async fn {}`",
                    sig.ident
                ),
            );
        }
        if let Some(unsafety) = &sig.unsafety {
            cx.error_spanned_by(unsafety, "#[mcp_tool] functions cannot be `unsafe`");
        }
        if let Some(abi) = &sig.abi {
            cx.error_spanned_by(abi, "#[mcp_tool] functions cannot have an `extern` ABI");
        }
        if !sig.generics.params.is_empty() {
            cx.error_spanned_by(
                &sig.generics,
                "#[mcp_tool] functions cannot be generic: every parameter type must be known to \
                 build the tool's input schema",
            );
        }
        if let Some(where_clause) = &sig.generics.where_clause {
            cx.error_spanned_by(
                where_clause,
                "#[mcp_tool] functions cannot have a `where` clause",
            );
        }
        if let Some(variadic) = &sig.variadic {
            cx.error_spanned_by(variadic, "#[mcp_tool] functions cannot be variadic");
        }

        let mut params = Vec::new();
        let mut seen_ctx = false;
        for input in sig.inputs.iter_mut() {
            let pt = match input {
                FnArg::Receiver(receiver) => {
                    cx.error_spanned_by(
                        &*receiver,
                        "#[mcp_tool] functions cannot take `self`: use a free `async fn`, and \
                         reach shared state through `Ctx::state`",
                    );
                    continue;
                }
                FnArg::Typed(pt) => pt,
            };
            let param_attrs = ParamAttrs::take(cx, &mut pt.attrs);
            if is_ctx(&pt.ty) {
                if seen_ctx {
                    cx.error_spanned_by(&pt.ty, "a tool takes at most one `Ctx` parameter");
                }
                seen_ctx = true;
                if let Some(attr) = &param_attrs.mcp_attr {
                    cx.error_spanned_by(attr, "#[mcp(...)] does not apply to the `Ctx` parameter");
                }
                params.push(Param::Ctx);
                continue;
            }
            let name = match &*pt.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => pat.ident.unraw().to_string(),
                Pat::Wild(_) => {
                    cx.error_spanned_by(
                        &pt.pat,
                        "tool parameters need a name: it becomes the argument's name in the \
                         input schema",
                    );
                    continue;
                }
                other => {
                    cx.error_spanned_by(
                        other,
                        "tool parameters must be plain identifiers (the name becomes the \
                         argument's name in the input schema); destructure inside the body",
                    );
                    continue;
                }
            };
            if !check_type(cx, &pt.ty, "parameter") {
                continue;
            }
            if let Type::Reference(reference) = &*pt.ty {
                cx.error_spanned_by(
                    reference,
                    "tool parameters are decoded from JSON and must be owned: use `String` \
                     instead of `&str`, `Vec<T>` instead of `&[T]`",
                );
                continue;
            }
            let required = param_attrs.default.is_none() && !is_option(&pt.ty);
            params.push(Param::Arg(Box::new(Arg {
                name,
                ty: (*pt.ty).clone(),
                description: param_attrs.description,
                default: param_attrs.default,
                required,
            })));
        }

        let output = match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => {
                check_type(cx, ty, "return");
                Some((**ty).clone())
            }
        };

        let ident = sig.ident.clone();
        let name = match attrs.name {
            Some(name) => name.value,
            None => {
                let name = ident.unraw().to_string();
                check_name(cx, &name, ident.span());
                name
            }
        };
        let description = attrs.description.unwrap_or_else(|| doc_string(&item.attrs));
        if description.is_empty() {
            cx.error_spanned_by(
                &ident,
                format!(
                    "tool `{name}` has no description; MCP clients reject tools without one\n\
                     help: add a `///` doc comment saying what the tool does, or \
                     #[mcp_tool(description = \"...\")]"
                ),
            );
        }

        Tool {
            vis: item.vis.clone(),
            ident,
            name,
            title: attrs.title,
            description,
            annotations: attrs.annotations,
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

fn check_name(cx: &mut Ctxt, name: &str, span: Span) {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !(1..=128).contains(&name.len()) || !valid_chars {
        cx.error_at(
            span,
            format!(
                "invalid tool name {name:?}: use 1-128 characters of letters, digits, `_`, `-` \
                 and `.`"
            ),
        );
    }
}

/// Whether the type is the runtime's `Ctx`, by the last segment of its path.
fn is_ctx(ty: &Type) -> bool {
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

/// Whether the type is syntactically `Option<T>` (by the last path segment).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == "Option"
                && matches!(&s.arguments, PathArguments::AngleBracketed(args)
                    if args.args.len() == 1 && matches!(args.args[0], GenericArgument::Type(_)))
        }),
        Type::Group(g) => is_option(&g.elem),
        Type::Paren(p) => is_option(&p.elem),
        _ => false,
    }
}

/// Rejects `impl Trait` anywhere in a parameter or return type; `false` if it found one.
fn check_type(cx: &mut Ctxt, ty: &Type, what: &str) -> bool {
    match find_impl_trait(ty) {
        Some(found) => {
            let message = if what == "return" {
                "#[mcp_tool] functions cannot return `impl Trait`: the tool's output schema needs \
                 the concrete type; name it, e.g. `-> String` or `-> Json<MyOutput>`"
            } else {
                "tool parameters cannot be `impl Trait`: each argument is decoded from JSON into \
                 a concrete type; name it, e.g. `String` or `Vec<i64>`"
            };
            cx.error_spanned_by(found, message);
            false
        }
        None => true,
    }
}

fn find_impl_trait(ty: &Type) -> Option<TokenStream> {
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

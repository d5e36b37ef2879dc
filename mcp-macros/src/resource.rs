//! `#[mcp_resource]`: parsing, checks, code generation and fallback for resources and resource
//! templates. The argument helpers of [`crate::attr`] and the type checks of [`crate::model`]
//! are shared with the tool and prompt macros.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, Pat, ReturnType, Type};

use crate::attr::{
    doc_string, key_of, parse_list, path_to_string, set_once, string_value, ExtrasAttrs,
};
use crate::ctxt::Ctxt;
use crate::expand::{completer, extras, private_path};
use crate::model::{check_signature, default_crate_path, find_impl_trait, is_ctx};

const KEYS: &str = "`uri`, `uri_template`, `name`, `title`, `description`, `mime_type`, `icons`, \
                    `meta`, `crate`";

/// A resource function, fully checked.
pub struct Resource {
    ident: Ident,
    vis: syn::Visibility,
    uri: String,
    is_template: bool,
    name: String,
    title: Option<String>,
    description: Option<String>,
    mime_type: Option<String>,
    extras: ExtrasAttrs,
    pub krate: syn::Path,
    params: Vec<Param>,
    output: Option<Type>,
}

enum Param {
    Ctx,
    /// A template variable: its name, the parameter's type and its completer.
    Var(String, Box<Type>, Option<syn::Path>),
}

#[derive(Default)]
struct Attrs {
    uri: Option<LitStr>,
    uri_template: Option<LitStr>,
    name: Option<LitStr>,
    title: Option<String>,
    description: Option<String>,
    mime_type: Option<String>,
    extras: ExtrasAttrs,
    krate: Option<syn::Path>,
}

fn parse_attrs(cx: &mut Ctxt, tokens: TokenStream) -> Attrs {
    let mut attrs = Attrs::default();
    for meta in parse_list(cx, tokens) {
        let key = key_of(&meta).unwrap_or_default();
        match key.as_str() {
            "uri" | "uri_template" | "name" => {
                if let Some(lit) = string_value(cx, &meta, &key) {
                    let slot = match key.as_str() {
                        "uri" => &mut attrs.uri,
                        "uri_template" => &mut attrs.uri_template,
                        _ => &mut attrs.name,
                    };
                    set_once(cx, slot, lit, &meta, &key, KEYS);
                }
            }
            "title" | "description" | "mime_type" => {
                if let Some(lit) = string_value(cx, &meta, &key) {
                    let value = lit.value().trim().to_owned();
                    if value.is_empty() {
                        cx.error_spanned_by(&lit, format!("`{key}` must not be empty"));
                    }
                    let slot = match key.as_str() {
                        "title" => &mut attrs.title,
                        "description" => &mut attrs.description,
                        _ => &mut attrs.mime_type,
                    };
                    set_once(cx, slot, value, &meta, &key, KEYS);
                }
            }
            key if attrs.extras.parse_key(cx, &meta, key, KEYS) => {}
            "crate" => {
                if let Some(lit) = string_value(cx, &meta, "crate") {
                    match lit.parse_with(syn::Path::parse_mod_style) {
                        Ok(path) => set_once(cx, &mut attrs.krate, path, &meta, "crate", KEYS),
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
            _ => cx.error_spanned_by(
                meta.path(),
                format!(
                    "unknown key `{}` in #[mcp_resource]; expected one of {KEYS}",
                    path_to_string(meta.path())
                ),
            ),
        }
    }
    attrs
}

/// The variable names of a level-1 URI template, or what is wrong with it.
fn template_vars(template: &str) -> Result<Vec<String>, String> {
    let mut vars: Vec<String> = Vec::new();
    let mut rest = template;
    let mut last_was_var = false;
    while let Some(i) = rest.find(['{', '}']) {
        if rest.as_bytes()[i] == b'}' {
            return Err("unmatched `}` in the URI template".into());
        }
        if i > 0 {
            last_was_var = false;
        }
        let after = &rest[i + 1..];
        let end = after.find('}').ok_or("unclosed `{` in the URI template")?;
        let name = &after[..end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "`{{{name}}}` is not a simple variable: only `{{name}}` expansions (letters, \
                 digits and `_`; RFC 6570 level 1) are supported"
            ));
        }
        if last_was_var {
            return Err(format!(
                "`{{{name}}}` directly follows another variable: put a literal between them so \
                 a URI can be split"
            ));
        }
        if vars.iter().any(|v| v == name) {
            return Err(format!(
                "variable `{{{name}}}` appears twice in the URI template"
            ));
        }
        vars.push(name.to_owned());
        last_was_var = true;
        rest = &after[end + 1..];
    }
    Ok(vars)
}

impl Resource {
    pub fn from_ast(cx: &mut Ctxt, attr: TokenStream, item: &mut ItemFn) -> Resource {
        let mac = "#[mcp_resource]";
        let attrs = parse_attrs(cx, attr);
        let sig = &mut item.sig;

        // The URI or template, and the template's variables.
        let (uri, is_template, mut vars) = match (&attrs.uri, &attrs.uri_template) {
            (Some(uri), None) => {
                let value = uri.value();
                if value.is_empty() {
                    cx.error_spanned_by(uri, "the resource URI must not be empty");
                } else if value.contains(['{', '}']) {
                    cx.error_spanned_by(
                        uri,
                        "a fixed `uri` cannot contain `{` or `}`: for a URI template write \
                         `uri_template = \"...\"`",
                    );
                }
                (value, false, None)
            }
            (None, Some(template)) => {
                let value = template.value();
                if value.is_empty() {
                    cx.error_spanned_by(template, "the URI template must not be empty");
                }
                match template_vars(&value) {
                    Ok(vars) => {
                        let vars = vars.into_iter().map(|v| (v, false)).collect::<Vec<_>>();
                        (value, true, Some((template.clone(), vars)))
                    }
                    Err(message) => {
                        // Parameters cannot be checked against a template that does not parse.
                        cx.error_spanned_by(template, message);
                        (value, true, None)
                    }
                }
            }
            (Some(_), Some(template)) => {
                cx.error_spanned_by(
                    template,
                    "give either `uri` (a fixed resource) or `uri_template` (a resource \
                     template), not both",
                );
                (String::new(), false, None)
            }
            (None, None) => {
                cx.error_at(
                    Span::call_site(),
                    "#[mcp_resource] needs the resource's URI: `uri = \"scheme://...\"`, or \
                     `uri_template = \"scheme://{var}/...\"` for a template",
                );
                (String::new(), false, None)
            }
        };
        // Whether parameters cannot be checked (an error about the URI was already reported).
        let unchecked = vars.is_none() && attrs.uri_template.is_some();

        check_signature(cx, sig, mac, "each variable's type must be known");

        let mut params = Vec::new();
        let mut seen_ctx = false;
        for input in sig.inputs.iter_mut() {
            let pt = match input {
                // Reported by `check_signature`.
                FnArg::Receiver(_) => continue,
                FnArg::Typed(pt) => pt,
            };
            // `///` comments on parameters mean nothing here but are harmless; drop them so
            // rustc does not see them.
            pt.attrs.retain(|a| !a.path().is_ident("doc"));
            let complete = take_completer(cx, &mut pt.attrs);
            if is_ctx(&pt.ty) {
                if let Some(path) = &complete {
                    cx.error_spanned_by(path, "a `Ctx` parameter has nothing to complete");
                }
                if seen_ctx {
                    cx.error_spanned_by(&pt.ty, "a resource takes at most one `Ctx` parameter");
                }
                seen_ctx = true;
                params.push(Param::Ctx);
                continue;
            }
            let name = match &*pt.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => pat.ident.unraw().to_string(),
                other => {
                    cx.error_spanned_by(
                        other,
                        "resource parameters must be plain identifiers named after the URI \
                         template's variables",
                    );
                    continue;
                }
            };
            match &mut vars {
                None if unchecked => continue,
                None => {
                    cx.error_spanned_by(
                        &pt.pat,
                        format!(
                            "parameter `{name}` has no value: a resource with a fixed `uri` \
                             takes no parameters besides `Ctx`; for URI variables write \
                             `uri_template = \"...{{{name}}}...\"`"
                        ),
                    );
                    continue;
                }
                Some((_, vars)) => match vars.iter_mut().find(|(v, _)| *v == name) {
                    Some((_, used)) => *used = true,
                    None => {
                        let list = vars
                            .iter()
                            .map(|(v, _)| format!("`{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let list = if list.is_empty() { "none".into() } else { list };
                        cx.error_spanned_by(
                            &pt.pat,
                            format!(
                                "parameter `{name}` is not a variable of the URI template \
                                 (variables: {list}); add `{{{name}}}` to the template or \
                                 remove the parameter"
                            ),
                        );
                        continue;
                    }
                },
            }
            if let Some(found) = find_impl_trait(&pt.ty) {
                cx.error_spanned_by(
                    found,
                    "URI variables cannot be `impl Trait`: name the type, e.g. `String` or `u64`",
                );
                continue;
            }
            if let Type::Reference(reference) = &*pt.ty {
                cx.error_spanned_by(
                    reference,
                    "URI variables are parsed from the URI and must be owned: use `String` \
                     instead of `&str`",
                );
                continue;
            }
            params.push(Param::Var(name, pt.ty.clone(), complete));
        }
        if let Some((template, vars)) = &vars {
            for (var, _) in vars.iter().filter(|(_, used)| !used) {
                cx.error_spanned_by(
                    template,
                    format!(
                        "URI template variable `{{{var}}}` has no parameter: add `{var}: String` \
                         (or any `FromStr` type) to the function"
                    ),
                );
            }
        }

        let output = match &sig.output {
            ReturnType::Default => {
                cx.error_spanned_by(
                    &sig.ident,
                    "a resource returns its contents: add a return type such as `-> String`, \
                     `-> Blob` or `-> Vec<ResourceContents>`",
                );
                None
            }
            ReturnType::Type(_, ty) => {
                if let Some(found) = find_impl_trait(ty) {
                    cx.error_spanned_by(
                        found,
                        "#[mcp_resource] functions cannot return `impl Trait`: name the type, \
                         e.g. `-> String` or `-> Vec<ResourceContents>`",
                    );
                }
                Some((**ty).clone())
            }
        };

        let ident = sig.ident.clone();
        let name = match &attrs.name {
            Some(lit) => {
                if lit.value().trim().is_empty() {
                    cx.error_spanned_by(lit, "the resource name must not be empty");
                }
                lit.value()
            }
            None => ident.unraw().to_string(),
        };
        let description = attrs
            .description
            .or_else(|| Some(doc_string(&item.attrs)).filter(|d| !d.is_empty()));
        Resource {
            ident,
            vis: item.vis.clone(),
            uri,
            is_template,
            name,
            title: attrs.title,
            description,
            mime_type: attrs.mime_type,
            extras: attrs.extras,
            krate: attrs.krate.unwrap_or_else(default_crate_path),
            params,
            output,
        }
    }
}

/// Takes the `#[mcp(...)]` attributes of a parameter: `complete = path` names the template
/// variable's completer; anything else is an error.
fn take_completer(cx: &mut Ctxt, attrs: &mut Vec<syn::Attribute>) -> Option<syn::Path> {
    const PARAM_KEYS: &str = "`complete = path::to::completer`";
    let mut complete = None;
    attrs.retain(|attr| {
        if !attr.path().is_ident("mcp") {
            return true;
        }
        let tokens = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => {
                cx.error_spanned_by(attr, format!("expected `#[mcp({PARAM_KEYS})]`"));
                return false;
            }
        };
        for meta in parse_list(cx, tokens) {
            match key_of(&meta).as_deref() {
                Some("complete") => match &meta {
                    syn::Meta::NameValue(syn::MetaNameValue {
                        value: syn::Expr::Path(path),
                        ..
                    }) if path.qself.is_none() => {
                        let path = path.path.clone();
                        set_once(cx, &mut complete, path, &meta, "complete", PARAM_KEYS);
                    }
                    _ => cx.error_spanned_by(
                        &meta,
                        "expected `complete = path::to::completer` (a function name)",
                    ),
                },
                _ => cx.error_spanned_by(
                    meta.path(),
                    format!(
                        "unknown key `{}` in #[mcp(...)] on a resource parameter; expected {PARAM_KEYS}",
                        path_to_string(meta.path())
                    ),
                ),
            }
        }
        false
    });
    complete
}

fn option(p: &TokenStream, value: &Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(#p::Some(#value)),
        None => quote!(#p::None),
    }
}

fn registration_struct(vis: &syn::Visibility, ident: &Ident) -> TokenStream {
    let doc = format!(
        "The MCP resource [`{ident}()`](fn@{ident}); register it with \
         `Server::resource::<{ident}>()`."
    );
    quote! {
        #[allow(non_camel_case_types, dead_code)]
        #[doc = #doc]
        #vis struct #ident {}
    }
}

/// The function, the registration struct and its `Resource` impl.
pub fn expand(resource: &Resource, item: &ItemFn) -> TokenStream {
    let p = private_path(&resource.krate);
    let ident = &resource.ident;
    let registration = registration_struct(&resource.vis, ident);
    let (uri, is_template, name) = (&resource.uri, resource.is_template, &resource.name);
    let title = option(&p, &resource.title);
    let description = option(&p, &resource.description);
    let mime_type = option(&p, &resource.mime_type);
    let uses_ctx = resource.params.iter().any(|p| matches!(p, Param::Ctx));
    let extras = extras(&p, &resource.extras);
    let completions = resource.params.iter().filter_map(|param| match param {
        Param::Var(var, _, Some(path)) => {
            let complete = completer(&p, Some(path));
            Some(quote!(#p::variable_completer(#var, #complete)))
        }
        _ => None,
    });

    let output_ty = match &resource.output {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let output_span = resource
        .output
        .as_ref()
        .map_or_else(Span::call_site, Spanned::span);
    let into = quote_spanned!(output_span=>
        <#output_ty as #p::IntoResourceContents>::into_resource_contents);

    let ctx = Ident::new("__mcp_ctx", Span::call_site());
    let vars = Ident::new("__mcp_vars", Span::call_site());
    let uri_ident = Ident::new("__mcp_uri", Span::call_site());
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in resource.params.iter().enumerate() {
        match param {
            Param::Ctx => call_args.push(quote!(#ctx)),
            Param::Var(var, ty, _) => {
                let binding = format_ident!("__mcp_var{}", i);
                let take = quote_spanned!(ty.span()=> #vars.take::<#ty>(#var));
                bindings.push(quote!(let #binding = #take?;));
                call_args.push(quote!(#binding));
            }
        }
    }
    let ctx_pat = if uses_ctx { quote!(#ctx) } else { quote!(_) };
    let vars_pat = if bindings.is_empty() {
        quote!(_)
    } else {
        quote!(mut #vars)
    };

    quote! {
        #item

        #registration

        const _: () = {
            #[automatically_derived]
            impl #p::Resource for #ident {
                const SPEC: #p::ResourceSpec = #p::resource_spec(
                    #uri,
                    #is_template,
                    #name,
                    #title,
                    #description,
                    #mime_type,
                    #uses_ctx,
                    #extras,
                    &[#(#completions),*],
                );

                fn read(
                    #ctx_pat: #p::Ctx,
                    #uri_ident: #p::String,
                    #vars_pat: #p::TemplateVars,
                ) -> #p::ResourceFuture {
                    #p::ResourceFuture::new(async move {
                        #(#bindings)*
                        let __mcp_contents = #ident(#(#call_args),*).await;
                        #p::Ok::<_, #p::TemplateVarError>(#into(
                            __mcp_contents,
                            &#uri_ident,
                            #mime_type,
                        ))
                    })
                }
            }
        };
    }
}

/// The function, `errors`, and a placeholder `Resource` impl whose `read` is unreachable.
pub fn fallback(item: &ItemFn, krate: &syn::Path, errors: TokenStream) -> TokenStream {
    let p = private_path(krate);
    let ident = &item.sig.ident;
    let name = ident.unraw().to_string();
    if item.sig.receiver().is_some() {
        return quote!(#item #errors);
    }
    let registration = registration_struct(&item.vis, ident);
    quote! {
        #item

        #errors

        #registration

        const _: () = {
            impl #p::Resource for #ident {
                const SPEC: #p::ResourceSpec = #p::resource_spec(
                    "",
                    false,
                    #name,
                    #p::None,
                    #p::None,
                    #p::None,
                    false,
                    #p::Extras::NONE,
                    &[],
                );

                fn read(_: #p::Ctx, _: #p::String, _: #p::TemplateVars) -> #p::ResourceFuture {
                    ::core::unreachable!()
                }
            }
        };
    }
}

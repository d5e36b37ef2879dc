//! Code generation from the checked [`Tool`] model.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::attr::{Annotations, DefaultValue, ExtrasAttrs, Kind};
use crate::model::{Arg, Param, Tool};

/// The function (as given, parameter attributes already stripped), the registration struct and
/// its `Tool` impl.
pub fn expand(tool: &Tool, item: &ItemFn) -> TokenStream {
    let p = private_path(&tool.krate);
    let ident = &tool.ident;
    let registration = registration_struct(&tool.vis, ident, tool.kind);

    let name = &tool.name;
    let description = &tool.description;
    let uses_ctx = tool.uses_ctx();
    // Only the attributes the tool sets are passed on: the expansion stays small, and a new
    // attribute in the runtime's spec changes nothing here.
    let mut settings = Vec::new();
    if let Some(title) = &tool.title {
        settings.push(quote!(.__with_title(#title)));
    }
    if tool.annotations != Annotations::default() {
        let annotations = annotations(&p, &tool.annotations);
        settings.push(quote!(.__with_annotations(#annotations)));
    }
    if let Some(path) = &tool.input_schema {
        settings.push(quote_spanned!(path.span()=> .__with_input_schema(#path)));
    }
    if tool.extras.icons.is_some() || tool.extras.meta.is_some() {
        let extras = extras(&p, &tool.extras);
        settings.push(quote!(.__with_extras(#extras)));
    }
    if !tool.scopes.is_empty() {
        let scopes = &tool.scopes;
        settings.push(quote!(.__with_scopes(&[#(#scopes),*])));
    }
    match tool.task.as_deref() {
        Some("required") => settings.push(quote!(.__with_task(#p::TaskSupport::Required))),
        Some(_) => settings.push(quote!(.__with_task(#p::TaskSupport::Optional))),
        None => {}
    }

    let output_ty = match &tool.output {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let output_span = tool
        .output
        .as_ref()
        .map_or_else(Span::call_site, Spanned::span);
    let output_schema =
        quote_spanned!(output_span=> <#output_ty as #p::IntoToolResult>::output_schema);
    // Both uses of the return type's `IntoToolResult` impl point at the return type, and are
    // the same kind of path, so a type that does not implement it gets one error, there.
    let into_tool_result =
        quote_spanned!(output_span=> <#output_ty as #p::IntoToolResult>::into_tool_result);

    let param_specs: Vec<_> = args_of(&tool.params)
        .map(|arg| {
            let (ty, name, description, required) =
                (&arg.ty, &arg.name, &arg.description, arg.required);
            let schema = quote_spanned!(ty.span()=> #p::schema_of::<#ty>);
            let header = arg
                .header
                .as_ref()
                .map(|header| quote!(.__with_header(#header)));
            quote! {
                #p::ParamSpec::__new(#name, #description, #required, #schema)#header
            }
        })
        .collect();
    let Bindings {
        lets: bindings,
        call_args,
        ctx_pat,
        args_pat,
    } = bindings(&tool.params, uses_ctx, |args, arg| {
        take_with_default(args, &arg.ty, &arg.name, &arg.default)
    });

    quote! {
        #item

        #registration

        const _: () = {
            #[automatically_derived]
            impl #p::Tool for #ident {
                const SPEC: #p::ToolSpec = #p::ToolSpec::__new(
                    #name,
                    #description,
                    &[#(#param_specs),*],
                    #output_schema,
                    #uses_ctx,
                )#(#settings)*;

                // `|| EXPR` for `#[mcp(default = EXPR)]` is redundant when EXPR is a call.
                #[allow(clippy::redundant_closure)]
                fn call(#ctx_pat: #p::Ctx, #args_pat: #p::Arguments) -> #p::ToolFuture {
                    #p::ToolFuture::new(async move {
                        #(#bindings)*
                        #p::Ok::<_, #p::ArgumentError>(#into_tool_result(
                            #ident(#(#call_args),*).await,
                        ))
                    })
                }
            }
        };
    }
}

/// The function arguments of a parameter list (everything but the `Ctx`).
fn args_of(params: &[Param]) -> impl Iterator<Item = &Arg> {
    params.iter().filter_map(|param| match param {
        Param::Ctx => None,
        Param::Arg(arg) => Some(&**arg),
    })
}

/// How a generated `call`/`get` hands its inputs to the user's function.
struct Bindings {
    /// `let __mcp_argN = <decode>?;`, one per argument.
    lets: Vec<TokenStream>,
    /// The user's function's arguments, in its order (the `Ctx` where it stands).
    call_args: Vec<TokenStream>,
    /// The pattern of the generated function's `Ctx` parameter (`_` when unused).
    ctx_pat: TokenStream,
    /// The pattern of its arguments parameter (`_` when there are none).
    args_pat: TokenStream,
}

/// Binds every parameter in order; `take` builds the decoding expression of one argument from
/// the arguments' identifier.
fn bindings(
    params: &[Param],
    uses_ctx: bool,
    take: impl Fn(&Ident, &Arg) -> TokenStream,
) -> Bindings {
    let ctx = Ident::new("__mcp_ctx", Span::call_site());
    let args = Ident::new("__mcp_args", Span::call_site());
    let mut lets = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in params.iter().enumerate() {
        match param {
            Param::Ctx => call_args.push(quote!(#ctx)),
            Param::Arg(arg) => {
                let binding = format_ident!("__mcp_arg{}", i);
                let take = take(&args, arg);
                lets.push(quote!(let #binding = #take?;));
                call_args.push(quote!(#binding));
            }
        }
    }
    Bindings {
        ctx_pat: if uses_ctx { quote!(#ctx) } else { quote!(_) },
        args_pat: if lets.is_empty() {
            quote!(_)
        } else {
            quote!(mut #args)
        },
        lets,
        call_args,
    }
}

/// `args.take::<T>(name)`, or `take_or_else` with the parameter's default, spanned at the type
/// (and a `Default` requirement at `default`, so a type without it is reported there).
fn take_with_default(
    args: &Ident,
    ty: &syn::Type,
    name: &str,
    default: &Option<DefaultValue>,
) -> TokenStream {
    match default {
        None => quote_spanned!(ty.span()=> #args.take::<#ty>(#name)),
        Some(DefaultValue::Trait(default_span)) => {
            let default = quote_spanned!(*default_span=> || ::core::default::Default::default());
            quote_spanned!(ty.span()=> #args.take_or_else::<#ty>(#name, #default))
        }
        Some(DefaultValue::Expr(expr)) => {
            quote_spanned!(ty.span()=> #args.take_or_else::<#ty>(#name, || #expr))
        }
    }
}

/// `<crate>::__private`.
pub fn private_path(krate: &syn::Path) -> TokenStream {
    quote!(#krate::__private)
}

/// The braced struct that names the tool (or prompt) in the type namespace (so the function
/// keeps the value namespace and can still be called).
pub fn registration_struct(vis: &syn::Visibility, ident: &Ident, kind: Kind) -> TokenStream {
    let noun = kind.noun();
    let doc = format!(
        "The MCP {noun} [`{ident}()`](fn@{ident}); register it with \
         `Server::{noun}::<{ident}>()`."
    );
    quote! {
        #[allow(non_camel_case_types, dead_code)]
        #[doc = #doc]
        #vis struct #ident {}
    }
}

fn annotations(p: &TokenStream, annotations: &Annotations) -> TokenStream {
    let hint = |value: Option<bool>| match value {
        Some(value) => quote!(#p::Some(#value)),
        None => quote!(#p::None),
    };
    let read_only_hint = hint(annotations.read_only_hint);
    let destructive_hint = hint(annotations.destructive_hint);
    let idempotent_hint = hint(annotations.idempotent_hint);
    let open_world_hint = hint(annotations.open_world_hint);
    quote! {
        #p::ToolAnnotations {
            read_only_hint: #read_only_hint,
            destructive_hint: #destructive_hint,
            idempotent_hint: #idempotent_hint,
            open_world_hint: #open_world_hint,
        }
    }
}

/// The prompt function (parameter attributes already stripped), the registration struct and
/// its `Prompt` impl. Arguments are parsed by the runtime's `PromptArguments`, each call spanned
/// at the argument's type so a type that is not a `PromptArgument` is reported there.
pub fn expand_prompt(prompt: &Tool, item: &ItemFn) -> TokenStream {
    let p = private_path(&prompt.krate);
    let ident = &prompt.ident;
    let registration = registration_struct(&prompt.vis, ident, Kind::Prompt);
    let name = &prompt.name;
    let title = match &prompt.title {
        Some(title) => quote!(#p::Some(#title)),
        None => quote!(#p::None),
    };
    let description = &prompt.description;
    let extras = extras(&p, &prompt.extras);
    let uses_ctx = prompt.uses_ctx();

    let output_ty = match &prompt.output {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };
    let output_span = prompt
        .output
        .as_ref()
        .map_or_else(Span::call_site, Spanned::span);
    let into_prompt_result =
        quote_spanned!(output_span=> <#output_ty as #p::IntoPromptResult>::into_prompt_result);

    let arg_specs: Vec<_> = args_of(&prompt.params)
        .map(|arg| {
            let (name, description, required) = (&arg.name, &arg.description, arg.required);
            let complete = completer(&p, arg.complete.as_ref());
            quote!(#p::prompt_argument(#name, #description, #required, #complete))
        })
        .collect();
    let Bindings {
        lets: bindings,
        call_args,
        ctx_pat,
        args_pat,
    } = bindings(&prompt.params, uses_ctx, |args, arg| {
        match &arg.option_inner {
            Some(inner) => {
                let name = &arg.name;
                quote_spanned!(inner.span()=> #args.optional::<#inner>(#name))
            }
            None => take_with_default(args, &arg.ty, &arg.name, &arg.default),
        }
    });

    quote! {
        #item

        #registration

        const _: () = {
            #[automatically_derived]
            impl #p::Prompt for #ident {
                const SPEC: #p::PromptSpec = #p::prompt_spec(
                    #name,
                    #title,
                    #description,
                    &[#(#arg_specs),*],
                    #uses_ctx,
                    #extras,
                );

                #[allow(clippy::redundant_closure)]
                fn get(#ctx_pat: #p::Ctx, #args_pat: #p::PromptArguments) -> #p::PromptFuture {
                    #p::PromptFuture::new(async move {
                        #(#bindings)*
                        #p::Ok::<_, #p::PromptArgumentError>(#into_prompt_result(
                            #ident(#(#call_args),*).await,
                        ))
                    })
                }
            }
        };
    }
}

/// `Some(fn)` calling the completer named in `#[mcp(complete = path)]`, or `None`.
pub(crate) fn completer(p: &TokenStream, path: Option<&syn::Path>) -> TokenStream {
    let Some(path) = path else {
        return quote!(#p::None);
    };
    // Spanned at the path, so a function of the wrong shape is reported there.
    let call = quote_spanned!(path.span()=> #p::Completer::complete(#path, request));
    quote!({
        fn complete(request: #p::CompletionRequest) -> #p::CompletionFuture {
            #call
        }
        #p::Some(complete)
    })
}

/// `#p::Extras { .. }` from `icons = ..` and `meta = ..`. Each value is spanned by what the
/// user wrote, so a wrong type is reported there.
pub(crate) fn extras(p: &TokenStream, extras: &ExtrasAttrs) -> TokenStream {
    let icons = match &extras.icons {
        Some(icons) => quote_spanned!(icons.span()=> #icons),
        None => quote!(&[]),
    };
    let meta = match &extras.meta {
        Some(path) => quote_spanned!(path.span()=> #p::Some(#path)),
        None => quote!(#p::None),
    };
    quote!(#p::Extras { icons: #icons, meta: #meta })
}

//! What is emitted when the tool has errors: the function itself, the errors, and a dummy
//! registration struct with a minimal `Tool` impl, so that IDEs keep working and uses such as
//! `.tool::<add>()` or `add(1, 2)` do not add a second wave of errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::ItemFn;

use crate::attr::Kind;
use crate::expand::{private_path, registration_struct};

/// The function, `errors`, and a placeholder `Tool` impl whose `call` is unreachable.
pub fn fallback(item: &ItemFn, krate: &syn::Path, errors: TokenStream) -> TokenStream {
    let p = private_path(krate);
    let ident = &item.sig.ident;
    let name = ident.unraw().to_string();
    if item.sig.receiver().is_some() {
        // A method: the function is in an `impl` block, where no struct can be declared.
        return quote!(#item #errors);
    }
    let registration = registration_struct(&item.vis, ident, Kind::Tool);
    quote! {
        #item

        #errors

        #registration

        const _: () = {
            impl #p::Tool for #ident {
                const SPEC: #p::ToolSpec = #p::ToolSpec::__new(
                    #name,
                    "",
                    &[],
                    <() as #p::IntoToolResult>::output_schema,
                    false,
                );

                fn call(_: #p::Ctx, _: #p::Arguments) -> #p::ToolFuture {
                    ::core::unreachable!()
                }
            }
        };
    }
}

/// The prompt function, `errors`, and a placeholder `Prompt` impl whose `get` is unreachable.
pub fn fallback_prompt(item: &ItemFn, krate: &syn::Path, errors: TokenStream) -> TokenStream {
    let p = private_path(krate);
    let ident = &item.sig.ident;
    let name = ident.unraw().to_string();
    if item.sig.receiver().is_some() {
        return quote!(#item #errors);
    }
    let registration = registration_struct(&item.vis, ident, Kind::Prompt);
    quote! {
        #item

        #errors

        #registration

        const _: () = {
            impl #p::Prompt for #ident {
                const SPEC: #p::PromptSpec =
                    #p::prompt_spec(#name, #p::None, "", &[], false, #p::Extras::NONE);

                fn get(_: #p::Ctx, _: #p::PromptArguments) -> #p::PromptFuture {
                    ::core::unreachable!()
                }
            }
        };
    }
}

//! The `#[mcp_tool]`, `#[mcp_prompt]` and `#[mcp_resource]` attribute macros of [`mcp-runtime`](https://docs.rs/mcp-runtime). Use it
//! through the runtime's re-export, `mcp_runtime::mcp_tool`.
//!
//! The crate is laid out like `serde_derive`: `attr` parses the attribute arguments and
//! parameter attributes, `model` checks the function and builds the internal model
//! (collecting every error in a `ctxt::Ctxt`), `expand` generates the code, and
//! `fallback` generates what is emitted when there were errors.

mod attr;
mod ctxt;
mod expand;
mod fallback;
mod model;
mod resource;

use proc_macro::TokenStream;

/// Turns an `async fn` into an MCP tool.
///
/// The function stays as written and callable; next to it the macro declares a struct of the
/// same name (in the type namespace only) implementing `mcp_runtime::tool::Tool`, which is what
/// `Server::tool::<name>()` registers.
///
/// ```ignore
/// use mcp_runtime::{mcp_tool, Ctx, Server};
///
/// /// Add two integers.
/// #[mcp_tool]
/// async fn add(
///     /// The first addend.
///     a: i64,
///     /// The second addend; 0 when absent.
///     b: Option<i64>,
/// ) -> i64 {
///     a + b.unwrap_or(0)
/// }
///
/// let server = Server::new("calculator", "1.0.0").tool::<add>();
/// ```
///
/// # The function
///
/// - It must be a free `async fn`: not `const`, `unsafe` or `extern`, without `self`, generic
///   parameters or a `where` clause. Its future need not be `Send`.
/// - Its doc comment is the tool's `description` (lines joined, one leading space stripped per
///   line, trimmed). A tool must have a description — from the doc comment or from
///   `description = "..."` — because MCP clients reject tools without one.
/// - It returns anything implementing `IntoToolResult`: `String`, `&'static str`, numbers,
///   `bool`, `()` (also when no return type is written), `Content`, `Vec<Content>`,
///   `CallToolResult`, `Json<T>` (structured output; `T`'s schema becomes the tool's
///   `outputSchema`) and `Result<T, E>` with `E: Display` (an `Err` becomes an
///   `isError: true` result). `impl Trait` return types are rejected: the output schema needs
///   the concrete type.
///
/// # Parameters
///
/// - At most one parameter of type `Ctx` (recognised by the last segment of its type path), in
///   any position. It is passed through and not part of the input schema; its pattern may be
///   anything, including `_`.
/// - Every other parameter is one property of the input schema, named after the parameter
///   (`r#type` becomes `type`). Its type must implement `serde::de::DeserializeOwned` and
///   `schemars::JsonSchema` (primitives, `String`, `Vec<T>`, maps, your own
///   `#[derive(Deserialize, JsonSchema)]` structs and enums). Patterns must be plain
///   identifiers (`mut x` is fine; `(a, b)` and `_` are not), and types must be owned and not
///   `impl Trait`.
/// - A `///` comment on a parameter becomes the property's `description`.
/// - A parameter is `required` unless its type is `Option<T>` (written as such) or it has a
///   default:
///   - `#[mcp(default)]` fills a missing (or `null`) argument with `Default::default()`;
///   - `#[mcp(default = EXPR)]` fills it with `EXPR`, evaluated on each call that needs it.
/// - `#[mcp(header = "Region")]` on a string, number or boolean parameter adds
///   `"x-mcp-header": "Region"` to its schema: 2026-07-28 clients then repeat the value in an
///   `Mcp-Param-Region` HTTP header (for routing by proxies), and the runtime refuses a request
///   whose header is missing or disagrees with the body (`400`, `-32020`).
///
/// ```ignore
/// /// Search the catalogue.
/// #[mcp_tool]
/// async fn search(
///     /// What to look for.
///     query: String,
///     /// How many results to return.
///     #[mcp(default = 10)]
///     limit: u32,
///     /// Include archived items.
///     #[mcp(default)]
///     archived: bool,
///     /// Restrict to one category.
///     category: Option<String>,
/// ) -> Json<Vec<Item>> {
///     # todo!()
/// }
/// ```
///
/// # Attribute keys
///
/// All optional, in any order, each at most once:
///
/// | Key | Meaning |
/// |-----|---------|
/// | `name = "..."` | The wire name; default: the function's name. 1–128 characters of `[A-Za-z0-9_.-]`, checked at compile time. |
/// | `title = "..."` | A human-readable display name. |
/// | `description = "..."` | The description, replacing the doc comment. |
/// | `annotations(...)` | Behaviour hints, each `= true` or `= false`: `read_only_hint`, `destructive_hint`, `idempotent_hint`, `open_world_hint`. |
/// | `crate = "path"` | Where the runtime is, when it is not reachable as `::mcp_runtime` (for example through a re-export: `crate = "my_framework::mcp"`). |
///
/// ```ignore
/// /// Delete a file.
/// #[mcp_tool(
///     name = "fs.delete",
///     title = "Delete file",
///     annotations(destructive_hint = true, idempotent_hint = true, open_world_hint = false),
/// )]
/// async fn delete(ctx: Ctx, path: String) -> Result<(), ToolError> {
///     # todo!()
/// }
/// ```
///
/// # Errors
///
/// Every mistake is reported at once, each at the offending token. The function itself is
/// still emitted (along with a placeholder registration struct), so the rest of the crate keeps
/// compiling and the IDE keeps working while the errors are fixed.
#[proc_macro_attribute]
pub fn mcp_tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut item: syn::ItemFn = match syn::parse(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = syn::Error::new(error.span(), "#[mcp_tool] applies to an `async fn`")
                .to_compile_error();
            let item = proc_macro2::TokenStream::from(item);
            return quote::quote!(#error #item).into();
        }
    };
    let mut cx = ctxt::Ctxt::default();
    let tool = model::Tool::from_ast(&mut cx, attr.into(), &mut item, attr::Kind::Tool);
    match cx.check() {
        None => expand::expand(&tool, &item).into(),
        Some(errors) => fallback::fallback(&item, &tool.krate, errors).into(),
    }
}

/// Turns an `async fn` into an MCP prompt.
///
/// Like `#[mcp_tool]`, the function stays as written and callable, and a same-named struct
/// implementing `mcp_runtime::prompt::Prompt` is declared next to it for `Server::prompt::<name>()`.
///
/// ```ignore
/// use mcp_runtime::{mcp_prompt, Server, prompt::{Completion, PromptMessage}};
///
/// fn complete_language(prefix: &str) -> Completion {
///     Completion::matching(["python", "rust"], prefix)
/// }
///
/// /// Ask for a code review.
/// #[mcp_prompt(title = "Code review")]
/// async fn code_review(
///     /// The code to review.
///     code: String,
///     /// Its language.
///     #[mcp(complete = complete_language)]
///     language: Option<String>,
/// ) -> Vec<PromptMessage> {
///     vec![PromptMessage::user(format!(
///         "Review this {} code:\n{code}",
///         language.as_deref().unwrap_or("")
///     ))]
/// }
///
/// let server = Server::new("reviews", "1.0.0").prompt::<code_review>();
/// ```
///
/// # The function
///
/// - A free `async fn`, as for `#[mcp_tool]` (not `const`, `unsafe`, `extern`, generic, no
///   `self`). Its future need not be `Send`.
/// - Its doc comment (or `description = "..."`) is the prompt's `description`; one is required.
/// - It returns anything implementing `IntoPromptResult`: `String` / `&'static str` (one user
///   message), `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult`, or `Result<T, E>` with
///   `E: Display` (an `Err` is answered with JSON-RPC error `-32603` carrying its message, or
///   with the code of a `PromptError`, e.g. `PromptError::invalid_params` for `-32602`).
///
/// # Arguments
///
/// Prompt arguments arrive as strings (`prompts/get {name, arguments: {k: "v"}}`). So:
///
/// - Each parameter's type is `T` or `Option<T>` where `T: FromStr` and `T::Err: Display`
///   (the `PromptArgument` trait): `String`, numbers, `bool`, your own `FromStr` types. Any
///   other type is a compile error at the type. A value that does not parse is answered with
///   `-32602` naming the argument; so is a missing required argument.
/// - `Option<T>` arguments, and arguments with `#[mcp(default)]` / `#[mcp(default = EXPR)]`,
///   are listed with `required: false`; the others with `required: true`.
/// - `///` on a parameter is the argument's `description`; `#[mcp(rename = "...")]` sets its
///   wire name (e.g. `resourceUri` for a `resource_uri` parameter).
/// - `#[mcp(complete = path)]` names the argument's completer for `completion/complete`:
///   `fn(&str) -> R` or `async fn(CompletionRequest) -> R`, with `R` one of `Vec<String>`,
///   `Vec<&'static str>`, `Completion`, or a `Result` of one. Arguments without a completer
///   complete to no values.
/// - At most one `Ctx` parameter, in any position.
///
/// # Attribute keys
///
/// `name = "..."` (default: the function's name; 1–128 characters of `[A-Za-z0-9_.-]`),
/// `title = "..."`, `description = "..."`, `crate = "path"`, each at most once.
///
/// # Errors
///
/// As with `#[mcp_tool]`: every mistake at once, each at the offending token, and the
/// function plus a placeholder registration are still emitted.
#[proc_macro_attribute]
pub fn mcp_prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut item: syn::ItemFn = match syn::parse(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = syn::Error::new(error.span(), "#[mcp_prompt] applies to an `async fn`")
                .to_compile_error();
            let item = proc_macro2::TokenStream::from(item);
            return quote::quote!(#error #item).into();
        }
    };
    let mut cx = ctxt::Ctxt::default();
    let prompt = model::Tool::from_ast(&mut cx, attr.into(), &mut item, attr::Kind::Prompt);
    match cx.check() {
        None => expand::expand_prompt(&prompt, &item).into(),
        Some(errors) => fallback::fallback_prompt(&item, &prompt.krate, errors).into(),
    }
}

/// Turns an `async fn` into an MCP resource (a fixed `uri`) or resource template
/// (`uri_template`, whose `{var}`s are the function's parameters).
///
/// Like `#[mcp_tool]`, the function stays as written and callable, and a same-named struct
/// implementing `mcp_runtime::resource::Resource` is declared next to it for `Server::resource::<name>()`.
///
/// ```ignore
/// use mcp_runtime::{mcp_resource, Server, resource::Blob};
///
/// /// Today's motto.
/// #[mcp_resource(uri = "motto://today", mime_type = "text/plain")]
/// async fn motto() -> &'static str {
///     "Ship it."
/// }
///
/// /// A user's avatar.
/// #[mcp_resource(uri_template = "users://{id}/avatar", mime_type = "image/png")]
/// async fn avatar(id: u64) -> Result<Blob, std::io::Error> {
///     Ok(Blob::new(std::fs::read(format!("avatars/{id}.png"))?))
/// }
///
/// let server = Server::new("s", "1").resource::<motto>().resource::<avatar>();
/// ```
///
/// # The function
///
/// - A free `async fn` (not `const`, `unsafe`, `extern`, generic, no `self`); its future need
///   not be `Send`.
/// - It returns anything implementing `IntoResourceContents`: `String` / `&'static str` (text,
///   with the declared `mime_type`), `Blob` (base64 `blob`), `ResourceContents`,
///   `Vec<ResourceContents>`, or `Result<T, E>` with `E: Display` (an `Err` is answered with
///   JSON-RPC error `-32603`).
/// - With `uri_template`, every `{var}` of the template (RFC 6570 level 1: simple `{name}`
///   expansions only) must be a parameter of the same name and every parameter a variable,
///   checked at compile time. A parameter's type is anything `FromStr` with an `Err: Display`;
///   the value is percent-decoded first, and one that does not parse is answered with `-32602`.
///   A variable matches a non-empty part of the URI without `/`.
/// - At most one `Ctx` parameter, in any position.
///
/// # Attribute keys
///
/// Exactly one of `uri = "..."` / `uri_template = "..."`; optionally `name = "..."` (default:
/// the function's name), `title = "..."`, `description = "..."` (default: the doc comment),
/// `mime_type = "..."`, `crate = "path"`, each at most once.
///
/// # Errors
///
/// As with `#[mcp_tool]`: every mistake at once, each at the offending token, and the
/// function plus a placeholder registration are still emitted.
#[proc_macro_attribute]
pub fn mcp_resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut item: syn::ItemFn = match syn::parse(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = syn::Error::new(error.span(), "#[mcp_resource] applies to an `async fn`")
                .to_compile_error();
            let item = proc_macro2::TokenStream::from(item);
            return quote::quote!(#error #item).into();
        }
    };
    let mut cx = ctxt::Ctxt::default();
    let resource = resource::Resource::from_ast(&mut cx, attr.into(), &mut item);
    match cx.check() {
        None => resource::expand(&resource, &item).into(),
        Some(errors) => resource::fallback(&item, &resource.krate, errors).into(),
    }
}

//! Prompts and completions: what a prompt is to the runtime ([`Prompt`], [`PromptSpec`]), how
//! its string arguments are parsed ([`PromptArguments`], [`PromptArgument`]), how its return
//! value becomes a `prompts/get` result ([`IntoPromptResult`]), and how argument values are
//! completed ([`Completer`], [`IntoCompletion`]).
//!
//! `#[mcp_prompt]` implements [`Prompt`] for a unit-like struct named after the function.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::ctx::Ctx;
pub use crate::protocol::Role;
use crate::protocol::{Content, ErrorCode, RpcError};

mod spec;
pub(crate) use spec::{build, definition};
pub use spec::{PromptArgumentSpec, PromptSpec};

/// A prompt the server can list and get. Implemented by `#[mcp_prompt]`.
///
/// ```
/// use mcp_runtime::{mcp_prompt, prompt::Prompt};
///
/// /// Greet someone.
/// #[mcp_prompt]
/// async fn greet(
///     /// Who to greet.
///     name: String,
/// ) -> String {
///     format!("Say hello to {name}.")
/// }
///
/// assert_eq!(<greet as Prompt>::SPEC.arguments()[0].name(), "name");
/// ```
pub trait Prompt: 'static {
    /// Name, description and arguments.
    const SPEC: PromptSpec;

    /// Parses the arguments and renders the prompt. The future need not be `Send`.
    fn get(ctx: Ctx, args: PromptArguments) -> PromptFuture;
}

/// The entry point of an argument's completer, as `#[mcp_prompt]` generates it.
pub type CompleteFn = fn(CompletionRequest) -> CompletionFuture;

/// The future a `prompts/get` renders as. Not `Send`: actix-web workers are single-threaded.
pub struct PromptFuture(Pin<Box<dyn Future<Output = Result<GetPromptResult, RpcError>>>>);

impl PromptFuture {
    /// Wraps a prompt body whose argument parsing may fail.
    pub fn new<F, R>(body: F) -> PromptFuture
    where
        F: Future<Output = Result<R, PromptArgumentError>> + 'static,
        R: IntoPromptResult,
    {
        PromptFuture(Box::pin(async move {
            match body.await {
                Ok(value) => value.into_prompt_result().map_err(PromptError::into_rpc),
                Err(e) => Err(RpcError::invalid_params(e.to_string())),
            }
        }))
    }

    pub(crate) fn into_inner(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<GetPromptResult, RpcError>>>> {
        self.0
    }
}

/// A type a prompt argument can be: prompt arguments arrive as strings, so this is every
/// `T: FromStr` whose error is `Display` (`String`, numbers, `bool`, `char`, `PathBuf`, your
/// own types). Write `Option<T>` for an optional argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a prompt argument: prompt arguments arrive as strings",
    label = "not parsable from a string",
    note = "use `String`, a type implementing `FromStr` with an `Err: Display` (numbers, `bool`, your own types), or an `Option` of one"
)]
pub trait PromptArgument: Sized {
    /// Parses the argument's string value.
    fn parse_argument(value: String) -> Result<Self, String>;
}

impl<T> PromptArgument for T
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn parse_argument(value: String) -> Result<T, String> {
        value.parse::<T>().map_err(|e| e.to_string())
    }
}

/// The `arguments` of a `prompts/get`: a map from names to string values, taken apart
/// argument by argument so that a failure names the argument.
///
/// ```
/// use mcp_runtime::prompt::PromptArguments;
/// let mut args = PromptArguments::from_value(serde_json::json!({"n": "3"})).unwrap();
/// assert_eq!(args.take::<u32>("n").unwrap(), 3);
/// assert_eq!(args.optional::<u32>("m").unwrap(), None);
/// assert!(args.take::<String>("s").unwrap_err().to_string().contains("`s`"));
/// ```
#[derive(Debug, Default)]
pub struct PromptArguments(Map<String, Value>);

impl PromptArguments {
    /// Arguments from a JSON value: an object whose values are strings, or `null` for none.
    pub fn from_value(value: Value) -> Result<PromptArguments, PromptArgumentError> {
        match value {
            Value::Null => Ok(PromptArguments::default()),
            Value::Object(map) => match map.iter().find(|(_, v)| !v.is_string()) {
                Some((name, _)) => Err(PromptArgumentError::NotAString(name.clone())),
                None => Ok(PromptArguments(map)),
            },
            _ => Err(PromptArgumentError::NotAnObject),
        }
    }

    fn remove(&mut self, name: &'static str) -> Option<String> {
        match self.0.remove(name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Removes and parses a required argument.
    pub fn take<T: PromptArgument>(
        &mut self,
        name: &'static str,
    ) -> Result<T, PromptArgumentError> {
        let value = self
            .remove(name)
            .ok_or(PromptArgumentError::Missing(name))?;
        parse(name, value)
    }

    /// Removes and parses an optional argument.
    pub fn optional<T: PromptArgument>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, PromptArgumentError> {
        self.remove(name)
            .map(|value| parse(name, value))
            .transpose()
    }

    /// Removes and parses an argument with a default for when it is missing.
    pub fn take_or_else<T: PromptArgument>(
        &mut self,
        name: &'static str,
        default: impl FnOnce() -> T,
    ) -> Result<T, PromptArgumentError> {
        Ok(self.optional(name)?.unwrap_or_else(default))
    }
}

fn parse<T: PromptArgument>(name: &'static str, value: String) -> Result<T, PromptArgumentError> {
    T::parse_argument(value).map_err(|message| PromptArgumentError::Invalid { name, message })
}

/// Why a prompt's arguments could not be parsed. Sent as a JSON-RPC error `-32602`.
#[derive(Debug, thiserror::Error)]
pub enum PromptArgumentError {
    /// `arguments` was not a JSON object.
    #[error("invalid arguments: expected an object of string values")]
    NotAnObject,
    /// An argument's value was not a string.
    #[error("invalid value for argument `{0}`: prompt arguments must be strings")]
    NotAString(String),
    /// A required argument is absent.
    #[error("missing required argument `{0}`")]
    Missing(&'static str),
    /// An argument did not parse.
    #[error("invalid value for argument `{name}`: {message}")]
    Invalid {
        /// The argument's name.
        name: &'static str,
        /// What `FromStr` said.
        message: String,
    },
}

/// One message of a rendered prompt.
///
/// ```
/// use mcp_runtime::{Content, prompt::PromptMessage};
/// let m = PromptMessage::user("Describe this image:");
/// let image = PromptMessage::user(Content::image("iVBORw0KGgo=", "image/png"));
/// let json = serde_json::to_value(&m).unwrap();
/// assert_eq!(json["role"], "user");
/// assert_eq!(json["content"]["type"], "text");
/// # let _ = image;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PromptMessage {
    /// Who the message is from.
    pub role: Role,
    /// Text, an image, audio, an embedded resource or a resource link.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user: text (`&str`, `String`) or any [`Content`].
    pub fn user(content: impl Into<Content>) -> PromptMessage {
        PromptMessage {
            role: Role::User,
            content: content.into(),
        }
    }

    /// A message from the assistant: text (`&str`, `String`) or any [`Content`].
    pub fn assistant(content: impl Into<Content>) -> PromptMessage {
        PromptMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// The result of `prompts/get`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct GetPromptResult {
    /// A description of the rendered prompt; the prompt's own description when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The messages.
    pub messages: Vec<PromptMessage>,
}

impl GetPromptResult {
    /// A result with these messages.
    pub fn new(messages: Vec<PromptMessage>) -> GetPromptResult {
        GetPromptResult {
            description: None,
            messages,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> GetPromptResult {
        self.description = Some(description.into());
        self
    }
}

/// Turns a prompt's return value into a `prompts/get` result.
///
/// Implemented for `String` and `&'static str` (one user message), [`PromptMessage`],
/// `Vec<PromptMessage>`, [`GetPromptResult`], and `Result<T, E>` with `E: Display`: an `Err`
/// becomes a JSON-RPC error, `-32603` (internal error) with the error's message, or the code of
/// a [`PromptError`] (`PromptError::invalid_params` gives `-32602`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from an MCP prompt",
    label = "not a prompt result",
    note = "return a `String` (one user message), a `PromptMessage`, a `Vec<PromptMessage>`, a `GetPromptResult`, or a `Result<T, E>` of one of these with `E: Display`"
)]
pub trait IntoPromptResult {
    /// The result sent to the client, or the error to answer with.
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError>;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        Ok(GetPromptResult::new(self))
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        Ok(GetPromptResult::new(vec![self]))
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: fmt::Display + 'static> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, PromptError> {
        match self {
            Ok(value) => value.into_prompt_result(),
            Err(error) => Err(PromptError::from_display(error)),
        }
    }
}

/// A prompt failure, answered with a JSON-RPC error.
///
/// Any `std::error::Error` converts into it (as an internal error, `-32603`), so `?` works inside
/// prompts returning `Result<_, PromptError>`.
///
/// ```
/// use mcp_runtime::prompt::PromptError;
/// let e = PromptError::invalid_params("unknown language `cobol`");
/// assert_eq!(e.to_string(), "unknown language `cobol`");
/// ```
pub struct PromptError {
    code: ErrorCode,
    message: String,
}

impl PromptError {
    /// An internal error (`-32603`) with this message.
    pub fn msg(message: impl fmt::Display) -> PromptError {
        PromptError {
            code: ErrorCode::INTERNAL_ERROR,
            message: message.to_string(),
        }
    }

    /// The arguments were wrong (`-32602`), e.g. a value the prompt cannot use.
    pub fn invalid_params(message: impl fmt::Display) -> PromptError {
        PromptError {
            code: ErrorCode::INVALID_PARAMS,
            message: message.to_string(),
        }
    }

    /// A `PromptError` as is; anything else as an internal error with its message.
    fn from_display<E: fmt::Display + 'static>(error: E) -> PromptError {
        let mut error = Some(error);
        match (&mut error as &mut dyn Any).downcast_mut::<Option<PromptError>>() {
            Some(prompt_error) => prompt_error.take().expect("set above"),
            None => PromptError::msg(error.expect("set above")),
        }
    }

    pub(crate) fn into_rpc(self) -> RpcError {
        RpcError::new(self.code, self.message)
    }
}

impl<E: std::error::Error> From<E> for PromptError {
    fn from(error: E) -> PromptError {
        PromptError::msg(error)
    }
}

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PromptError({}, {:?})", self.code.0, self.message)
    }
}

// ---------------------------------------------------------------------------------------------
// Completions

/// The most values one `completion/complete` answer may carry.
pub const MAX_COMPLETION_VALUES: usize = 100;

/// A `completion/complete` request for one prompt argument, as an async completer receives it.
pub struct CompletionRequest {
    /// The argument being completed.
    pub argument: &'static str,
    /// What the user has typed so far.
    pub value: String,
    /// Values of the prompt's other arguments the client already knows (`context.arguments`).
    pub arguments: HashMap<String, String>,
    /// The request's context: shared state, client info, cancellation.
    pub ctx: Ctx,
}

/// The completion values for an argument.
///
/// ```
/// use mcp_runtime::prompt::Completion;
/// let c = Completion::matching(["python", "perl", "rust"], "p");
/// assert_eq!(c.values, ["python", "perl"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    /// The suggestions, best first. At most 100 are sent; beyond that the runtime truncates the
    /// list and sets `total` and `has_more`.
    pub values: Vec<String>,
    /// How many values exist in all, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Whether more values exist than were sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

impl Completion {
    /// These values.
    pub fn new<I, S>(values: I) -> Completion
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Completion {
            values: values.into_iter().map(Into::into).collect(),
            total: None,
            has_more: None,
        }
    }

    /// The candidates that start with `prefix`, in order.
    pub fn matching<I, S>(candidates: I, prefix: &str) -> Completion
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Completion::new(
            candidates
                .into_iter()
                .map(Into::into)
                .filter(|c: &String| c.starts_with(prefix)),
        )
    }

    /// Caps `values` at [`MAX_COMPLETION_VALUES`], saying how many there were.
    pub(crate) fn capped(mut self) -> Completion {
        if self.values.len() > MAX_COMPLETION_VALUES {
            self.total = Some(self.total.unwrap_or(self.values.len() as u64));
            self.has_more = Some(true);
            self.values.truncate(MAX_COMPLETION_VALUES);
        }
        self
    }
}

/// Turns a completer's return value into completion values: `Vec<String>`,
/// `Vec<&'static str>`, [`Completion`], or a `Result` of one (an `Err` becomes a JSON-RPC
/// error `-32603`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a completer",
    label = "not completion values",
    note = "return a `Vec<String>`, a `Vec<&'static str>`, a `Completion`, or a `Result` of one"
)]
pub trait IntoCompletion {
    /// The values, or the error to answer with.
    fn into_completion(self) -> Result<Completion, RpcError>;
}

impl IntoCompletion for Completion {
    fn into_completion(self) -> Result<Completion, RpcError> {
        Ok(self)
    }
}

impl IntoCompletion for Vec<String> {
    fn into_completion(self) -> Result<Completion, RpcError> {
        Ok(Completion::new(self))
    }
}

impl IntoCompletion for Vec<&'static str> {
    fn into_completion(self) -> Result<Completion, RpcError> {
        Ok(Completion::new(self))
    }
}

impl<T: IntoCompletion, E: fmt::Display> IntoCompletion for Result<T, E> {
    fn into_completion(self) -> Result<Completion, RpcError> {
        match self {
            Ok(value) => value.into_completion(),
            Err(error) => Err(RpcError::internal(error.to_string())),
        }
    }
}

/// The future a completion runs as.
pub struct CompletionFuture(Pin<Box<dyn Future<Output = Result<Completion, RpcError>>>>);

impl CompletionFuture {
    pub(crate) fn into_inner(self) -> Pin<Box<dyn Future<Output = Result<Completion, RpcError>>>> {
        self.0
    }
}

/// A function that completes an argument's value, named in `#[mcp(complete = ...)]`. Two
/// shapes are accepted:
///
/// - `fn(&str) -> R`: synchronous, from the typed prefix alone;
/// - `async fn(CompletionRequest) -> R`: with the other arguments' values and a [`Ctx`] (shared
///   state, cancellation).
///
/// where `R` is `Vec<String>`, `Vec<&'static str>`, [`Completion`] or a `Result` of one.
/// The marker `M` only tells the two shapes apart.
///
/// ```
/// use mcp_runtime::{mcp_prompt, prompt::{Completion, CompletionRequest}};
///
/// fn language(prefix: &str) -> Completion {
///     Completion::matching(["python", "rust", "typescript"], prefix)
/// }
///
/// async fn framework(request: CompletionRequest) -> Vec<String> {
///     match request.arguments.get("language").map(String::as_str) {
///         Some("rust") => vec!["actix-web".into(), "axum".into()],
///         _ => vec![],
///     }
/// }
///
/// /// Start a project.
/// #[mcp_prompt]
/// async fn scaffold(
///     #[mcp(complete = language)] language: String,
///     #[mcp(complete = framework)] framework: Option<String>,
/// ) -> String {
///     format!("Create a {language} project using {}.", framework.unwrap_or_default())
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot complete a prompt argument or URI template variable",
    label = "not a completer",
    note = "a completer is `fn(&str) -> R` or `async fn(CompletionRequest) -> R`, where `R` is `Vec<String>`, `Vec<&'static str>`, `Completion` or a `Result` of one"
)]
pub trait Completer<M>: Copy + 'static {
    /// Runs the completer.
    fn complete(self, request: CompletionRequest) -> CompletionFuture;
}

/// Marker of synchronous completers: `fn(&str) -> R`.
#[doc(hidden)]
pub enum FromPrefix {}
/// Marker of async completers: `async fn(CompletionRequest) -> R`.
#[doc(hidden)]
pub enum FromRequest {}

impl<F, R> Completer<(FromPrefix, R)> for F
where
    F: Fn(&str) -> R + Copy + 'static,
    R: IntoCompletion,
{
    fn complete(self, request: CompletionRequest) -> CompletionFuture {
        let result = self(&request.value).into_completion();
        CompletionFuture(Box::pin(std::future::ready(result)))
    }
}

impl<F, Fut> Completer<(FromRequest, Fut)> for F
where
    F: Fn(CompletionRequest) -> Fut + Copy + 'static,
    Fut: Future + 'static,
    Fut::Output: IntoCompletion,
{
    fn complete(self, request: CompletionRequest) -> CompletionFuture {
        let future = self(request);
        CompletionFuture(Box::pin(async move { future.await.into_completion() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_must_be_strings() {
        assert!(matches!(
            PromptArguments::from_value(json!({"a": 1})),
            Err(PromptArgumentError::NotAString(name)) if name == "a"
        ));
        assert!(matches!(
            PromptArguments::from_value(json!([])),
            Err(PromptArgumentError::NotAnObject)
        ));
        assert!(PromptArguments::from_value(Value::Null).is_ok());
    }

    #[test]
    fn parse_errors_name_the_argument() {
        let mut args = PromptArguments::from_value(json!({"n": "x"})).unwrap();
        let error = args.take::<u8>("n").unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid value for argument `n`: invalid digit found in string"
        );
        assert_eq!(
            args.take::<String>("m").unwrap_err().to_string(),
            "missing required argument `m`"
        );
        assert_eq!(args.take_or_else("m", || 7u8).unwrap(), 7);
    }

    #[test]
    fn results_convert() {
        let r = "hi".into_prompt_result().unwrap();
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            json!({"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]})
        );
        let err: Result<String, String> = Err("boom".into());
        let rpc = err.into_prompt_result().unwrap_err().into_rpc();
        assert_eq!(
            (rpc.code, rpc.message.as_str()),
            (ErrorCode::INTERNAL_ERROR, "boom")
        );
        let err: Result<String, PromptError> = Err(PromptError::invalid_params("bad"));
        let rpc = err.into_prompt_result().unwrap_err().into_rpc();
        assert_eq!(rpc.code, ErrorCode::INVALID_PARAMS);
    }

    #[test]
    fn completions_are_capped_at_100() {
        let many: Vec<String> = (0..150).map(|i| i.to_string()).collect();
        let c = many.into_completion().unwrap().capped();
        assert_eq!(c.values.len(), 100);
        assert_eq!((c.total, c.has_more), (Some(150), Some(true)));
        let few = Completion::new(["a"]).capped();
        assert_eq!(serde_json::to_value(few).unwrap(), json!({"values": ["a"]}));
    }
}

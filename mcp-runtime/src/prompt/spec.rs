//! What `#[mcp_prompt]` generates about a prompt ([`PromptSpec`], [`PromptArgumentSpec`]) and
//! its `prompts/list` entry.

use std::fmt;

use serde_json::{json, Map, Value};

use super::CompleteFn;

/// The static description of a prompt, built at compile time by `#[mcp_prompt]`. Read it
/// through its methods; only the macro builds one, so a new attribute is not a breaking change.
///
/// ```
/// use mcp_runtime::{mcp_prompt, prompt::Prompt};
///
/// /// Review code.
/// #[mcp_prompt(title = "Code review")]
/// async fn review(
///     /// The code to review.
///     code: String,
///     language: Option<String>,
/// ) -> String {
///     format!("Review this {} code:\n{code}", language.unwrap_or_default())
/// }
///
/// let spec = <review as Prompt>::SPEC;
/// assert_eq!((spec.name(), spec.title()), ("review", Some("Code review")));
/// assert_eq!(spec.description(), "Review code.");
/// assert!(!spec.uses_ctx());
/// let args: Vec<_> = spec.arguments().iter().map(|a| (a.name(), a.required())).collect();
/// assert_eq!(args, [("code", true), ("language", false)]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PromptSpec {
    name: &'static str,
    title: Option<&'static str>,
    description: &'static str,
    arguments: &'static [PromptArgumentSpec],
    uses_ctx: bool,
    extras: crate::protocol::Extras,
}

impl PromptSpec {
    /// The wire name (1-128 characters of `[A-Za-z0-9_.-]`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The display name, if any.
    pub const fn title(&self) -> Option<&'static str> {
        self.title
    }

    /// What the prompt is for. Never empty.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// The arguments, in declaration order.
    pub const fn arguments(&self) -> &'static [PromptArgumentSpec] {
        self.arguments
    }

    /// Whether the prompt takes a [`Ctx`](crate::Ctx), and so may send notifications while it
    /// renders.
    pub const fn uses_ctx(&self) -> bool {
        self.uses_ctx
    }
}

/// One argument of a prompt, read through [`PromptSpec::arguments`].
///
/// ```
/// use mcp_runtime::{mcp_prompt, prompt::Prompt};
///
/// fn languages(prefix: &str) -> Vec<&'static str> {
///     ["python", "rust"].into_iter().filter(|l| l.starts_with(prefix)).collect()
/// }
///
/// /// Say hello.
/// #[mcp_prompt]
/// async fn hello(
///     /// The language to greet in.
///     #[mcp(complete = languages)]
///     language: String,
/// ) -> String {
///     format!("Say hello in {language}.")
/// }
///
/// let arg = &<hello as Prompt>::SPEC.arguments()[0];
/// assert_eq!((arg.name(), arg.description()), ("language", "The language to greet in."));
/// assert!(arg.required() && arg.has_completer());
/// ```
#[derive(Clone, Copy)]
pub struct PromptArgumentSpec {
    name: &'static str,
    description: &'static str,
    required: bool,
    complete: Option<CompleteFn>,
}

impl PromptArgumentSpec {
    /// The argument's name on the wire.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// From the parameter's `///` comment; empty when there is none.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// Whether `prompts/get` must supply it.
    pub const fn required(&self) -> bool {
        self.required
    }

    /// Whether it has a completer (`#[mcp(complete = ...)]`).
    pub const fn has_completer(&self) -> bool {
        self.complete.is_some()
    }

    pub(crate) fn completer(&self) -> Option<CompleteFn> {
        self.complete
    }
}

impl fmt::Debug for PromptArgumentSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptArgumentSpec")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("required", &self.required)
            .field("complete", &self.complete.is_some())
            .finish()
    }
}

/// The constructors the code `#[mcp_prompt]` generates calls, reachable only through
/// `__private`: their parameters change whenever the macro's attributes do.
pub(crate) mod build {
    use super::{CompleteFn, PromptArgumentSpec, PromptSpec};

    /// A [`PromptSpec`] from every field, in declaration order.
    #[doc(hidden)]
    pub const fn prompt_spec(
        name: &'static str,
        title: Option<&'static str>,
        description: &'static str,
        arguments: &'static [PromptArgumentSpec],
        uses_ctx: bool,
        extras: crate::protocol::Extras,
    ) -> PromptSpec {
        PromptSpec {
            name,
            title,
            description,
            arguments,
            uses_ctx,
            extras,
        }
    }

    /// A [`PromptArgumentSpec`] from every field, in declaration order.
    #[doc(hidden)]
    pub const fn prompt_argument(
        name: &'static str,
        description: &'static str,
        required: bool,
        complete: Option<CompleteFn>,
    ) -> PromptArgumentSpec {
        PromptArgumentSpec {
            name,
            description,
            required,
            complete,
        }
    }
}

/// The `Prompt` object of `prompts/list`, built once at registration.
pub(crate) fn definition(spec: &PromptSpec) -> Value {
    let mut prompt = Map::new();
    prompt.insert("name".into(), spec.name.into());
    if let Some(title) = spec.title {
        prompt.insert("title".into(), title.into());
    }
    prompt.insert("description".into(), spec.description.into());
    let arguments: Vec<Value> = spec
        .arguments
        .iter()
        .map(|arg| {
            let mut a = json!({ "name": arg.name, "required": arg.required });
            if !arg.description.is_empty() {
                a["description"] = arg.description.into();
            }
            a
        })
        .collect();
    prompt.insert("arguments".into(), Value::Array(arguments));
    spec.extras.write_into(&mut prompt);
    Value::Object(prompt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_lists_arguments() {
        const SPEC: PromptSpec = PromptSpec {
            name: "p",
            title: Some("P"),
            description: "A prompt.",
            arguments: &[
                PromptArgumentSpec {
                    name: "a",
                    description: "The a.",
                    required: true,
                    complete: None,
                },
                PromptArgumentSpec {
                    name: "b",
                    description: "",
                    required: false,
                    complete: None,
                },
            ],
            uses_ctx: false,
            extras: crate::protocol::Extras::NONE,
        };
        assert_eq!(
            definition(&SPEC),
            json!({
                "name": "p", "title": "P", "description": "A prompt.",
                "arguments": [
                    {"name": "a", "required": true, "description": "The a."},
                    {"name": "b", "required": false}
                ]
            })
        );
    }
}

//! [`ToolSpec`] and [`ParamSpec`]: what `#[mcp_tool]` knows of a tool at compile time.
//!
//! Their fields are private so that a new attribute is not a breaking change: the macro builds
//! them with doc-hidden `const` constructors (reached through `__private`, so the
//! `crate = ".."` override still applies), and everyone else reads them through `const`
//! accessors.

use schemars::{Schema, SchemaGenerator};
use serde_json::Value;

use super::TaskSupport;
use crate::protocol::{Extras, ToolAnnotations};

/// The static description of a tool, built at compile time by `#[mcp_tool]`.
///
/// Read it through [`Tool::SPEC`](super::Tool::SPEC):
///
/// ```
/// use mcp_runtime::{mcp_tool, tool::{TaskSupport, Tool}};
///
/// /// Add two integers.
/// #[mcp_tool(scopes = ["calc"])]
/// async fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// const SPEC: mcp_runtime::tool::ToolSpec = <add as Tool>::SPEC;
/// assert_eq!(SPEC.name(), "add");
/// assert_eq!(SPEC.description(), "Add two integers.");
/// assert_eq!(SPEC.params().len(), 2);
/// assert_eq!(SPEC.scopes(), ["calc"]);
/// assert_eq!(SPEC.task(), TaskSupport::Forbidden);
/// assert!(!SPEC.uses_ctx());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    pub(crate) name: &'static str,
    pub(crate) title: Option<&'static str>,
    pub(crate) description: &'static str,
    pub(crate) annotations: ToolAnnotations,
    pub(crate) params: &'static [ParamSpec],
    pub(crate) output_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
    pub(crate) uses_ctx: bool,
    pub(crate) input_schema: Option<fn() -> Value>,
    pub(crate) extras: Extras,
    pub(crate) scopes: &'static [&'static str],
    pub(crate) task: TaskSupport,
}

const NO_HINTS: ToolAnnotations = ToolAnnotations {
    read_only_hint: None,
    destructive_hint: None,
    idempotent_hint: None,
    open_world_hint: None,
};

impl ToolSpec {
    /// Macro plumbing: the spec of a tool with every optional attribute at its default; the
    /// `__with_*` methods set the others.
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        description: &'static str,
        params: &'static [ParamSpec],
        output_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
        uses_ctx: bool,
    ) -> ToolSpec {
        ToolSpec {
            name,
            title: None,
            description,
            annotations: NO_HINTS,
            params,
            output_schema,
            uses_ctx,
            input_schema: None,
            extras: Extras::NONE,
            scopes: &[],
            task: TaskSupport::Forbidden,
        }
    }

    #[doc(hidden)]
    pub const fn __with_title(mut self, title: &'static str) -> ToolSpec {
        self.title = Some(title);
        self
    }

    #[doc(hidden)]
    pub const fn __with_annotations(mut self, annotations: ToolAnnotations) -> ToolSpec {
        self.annotations = annotations;
        self
    }

    #[doc(hidden)]
    pub const fn __with_input_schema(mut self, schema: fn() -> Value) -> ToolSpec {
        self.input_schema = Some(schema);
        self
    }

    #[doc(hidden)]
    pub const fn __with_extras(mut self, extras: Extras) -> ToolSpec {
        self.extras = extras;
        self
    }

    #[doc(hidden)]
    pub const fn __with_scopes(mut self, scopes: &'static [&'static str]) -> ToolSpec {
        self.scopes = scopes;
        self
    }

    #[doc(hidden)]
    pub const fn __with_task(mut self, task: TaskSupport) -> ToolSpec {
        self.task = task;
        self
    }

    /// The wire name (1-128 characters of `[A-Za-z0-9_.-]`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The display name, if the tool has one (`title = ".."`).
    pub const fn title(&self) -> Option<&'static str> {
        self.title
    }

    /// What the tool does, for the model (the function's `///` docs). Never empty.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// Behaviour hints (`annotations(..)`).
    pub const fn annotations(&self) -> ToolAnnotations {
        self.annotations
    }

    /// The parameters, in declaration order (the [`Ctx`](crate::Ctx) excluded).
    pub const fn params(&self) -> &'static [ParamSpec] {
        self.params
    }

    /// Whether the tool takes a [`Ctx`](crate::Ctx), and so may send notifications while it
    /// runs. Calls to tools that cannot notify are answered with plain JSON instead of a
    /// stream.
    pub const fn uses_ctx(&self) -> bool {
        self.uses_ctx
    }

    /// `scopes = [...]`: the OAuth scopes a caller's token must carry to see the tool in
    /// `tools/list` and to call it, when the endpoint authenticates (see [`crate::auth`]).
    /// Empty: any authenticated caller. Without authentication they are not checked.
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// `task = "optional" | "required"`: whether a call may run as a task of the 2026 tasks
    /// extension (see [`TaskSupport`]).
    pub const fn task(&self) -> TaskSupport {
        self.task
    }
}

/// One parameter of a tool: a property of its input schema.
///
/// ```
/// use mcp_runtime::{mcp_tool, tool::Tool};
///
/// /// Greet someone.
/// #[mcp_tool]
/// async fn greet(
///     /// Who to greet.
///     name: String,
///     /// How many times.
///     times: Option<u32>,
/// ) -> String {
///     format!("Hello, {name}!").repeat(times.unwrap_or(1) as usize)
/// }
///
/// let [name, times] = <greet as Tool>::SPEC.params() else { unreachable!() };
/// assert_eq!((name.name(), name.description(), name.required()), ("name", "Who to greet.", true));
/// assert!(!times.required());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) required: bool,
    pub(crate) schema: fn(&mut SchemaGenerator) -> Schema,
    pub(crate) header: Option<&'static str>,
}

impl ParamSpec {
    /// Macro plumbing: a parameter without `#[mcp(header = "..")]`.
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        description: &'static str,
        required: bool,
        schema: fn(&mut SchemaGenerator) -> Schema,
    ) -> ParamSpec {
        ParamSpec {
            name,
            description,
            required,
            schema,
            header: None,
        }
    }

    #[doc(hidden)]
    pub const fn __with_header(mut self, header: &'static str) -> ParamSpec {
        self.header = Some(header);
        self
    }

    /// The property name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// From the parameter's `///` comment; empty when there is none.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// Whether the property is listed in `required`.
    pub const fn required(&self) -> bool {
        self.required
    }

    /// `#[mcp(header = "Name")]`: the schema's `x-mcp-header`, so 2026 clients mirror the
    /// value in an `Mcp-Param-Name` header (for a string, number or boolean parameter), which
    /// the transport checks against the body.
    pub const fn header(&self) -> Option<&'static str> {
        self.header
    }
}

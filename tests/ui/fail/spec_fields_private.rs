// Specs are built by the macros only (so a new attribute is not a breaking change) and read
// through methods.
use mcp_runtime::prompt::{PromptArgumentSpec, PromptSpec};
use mcp_runtime::resource::ResourceSpec;

fn name(spec: PromptSpec) -> &'static str {
    spec.name
}

fn argument() -> PromptArgumentSpec {
    PromptArgumentSpec {
        name: "a",
        description: "",
        required: true,
        complete: None,
    }
}

fn resource() -> ResourceSpec {
    ResourceSpec {
        uri: "x://y",
        is_template: false,
        name: "y",
        title: None,
        description: None,
        mime_type: None,
        uses_ctx: false,
    }
}

fn main() {
    let _ = (name, argument, resource);
}

use mcp_runtime::{mcp_resource, Ctx, Server, resource::{Blob, Resource, ResourceContents}};

/// Static text.
#[mcp_resource(uri = "test://text", mime_type = "text/plain", title = "Text")]
async fn text() -> &'static str {
    "hello"
}

#[mcp_resource(
    uri = "test://blob",
    mime_type = "image/png",
    name = "blob",
    description = "Bytes"
)]
async fn binary(ctx: Ctx) -> Blob {
    let _ = ctx;
    Blob::new([1u8, 2, 3])
}

/// A template with two typed variables.
#[mcp_resource(uri_template = "repo://{owner}/{number}/issue")]
async fn issue(number: u64, _ctx: Ctx, owner: String) -> Result<Vec<ResourceContents>, String> {
    Ok(vec![ResourceContents::text(
        format!("repo://{owner}/{number}/issue"),
        "body",
    )])
}

/// Contents given explicitly.
#[mcp_resource(uri = "test://contents", crate = "mcp_runtime")]
async fn contents() -> ResourceContents {
    ResourceContents::text("test://contents", "x").with_mime_type("text/markdown")
}

fn main() {
    assert_eq!(
        <issue as Resource>::SPEC.uri(),
        "repo://{owner}/{number}/issue"
    );
    assert!(<issue as Resource>::SPEC.is_template());
    assert_eq!(<binary as Resource>::SPEC.name(), "blob");
    assert_eq!(<text as Resource>::SPEC.description(), Some("Static text."));
    let _ = Server::new("s", "1")
        .resource::<text>()
        .resource::<binary>()
        .resource::<issue>()
        .resource::<contents>();
    // The functions stay callable.
    let _ = text();
}

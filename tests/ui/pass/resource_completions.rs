#![deny(warnings)]
//! Template variables with completers, sync and async, beside one without.

use mcp_runtime::{mcp_resource, Server, prompt::CompletionRequest};

fn owners(prefix: &str) -> Vec<&'static str> {
    ["rust-lang", "tokio-rs"]
        .into_iter()
        .filter(|o| o.starts_with(prefix))
        .collect()
}

async fn repos(request: CompletionRequest) -> Vec<String> {
    let owner = request.arguments.get("owner").cloned().unwrap_or_default();
    vec![format!("{owner}/{}", request.value)]
}

/// An issue of a repository.
#[mcp_resource(uri_template = "repo://{owner}/{repo}/issues/{number}")]
async fn issue(
    #[mcp(complete = owners)] owner: String,
    #[mcp(complete = repos)] repo: String,
    number: u64,
) -> String {
    format!("{owner}/{repo}#{number}")
}

fn main() {
    let _ = Server::new("s", "1").resource::<issue>();
}

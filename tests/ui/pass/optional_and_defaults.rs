#![deny(warnings)]
//! `Option<T>` parameters and `#[mcp(default)]` / `#[mcp(default = EXPR)]`.

use mcp_runtime::{mcp_tool, Server};

const DEFAULT_LIMIT: u32 = 10;

fn default_tags() -> Vec<String> {
    vec!["all".into()]
}

/// Search the catalogue.
#[mcp_tool]
async fn search(
    /// What to look for.
    query: String,
    /// Restrict to one category.
    category: Option<String>,
    /// How many results.
    #[mcp(default = DEFAULT_LIMIT)]
    limit: u32,
    /// Include archived items.
    #[mcp(default)]
    archived: bool,
    #[mcp(default = default_tags())]
    tags: Vec<String>,
    /// An optional value that also has a default.
    #[mcp(default = Some(3))]
    page: Option<u32>,
    #[mcp(default = "x".to_string())]
    sep: String,
    explicit: std::option::Option<Vec<i64>>,
) -> String {
    format!("{query} {category:?} {limit} {archived} {tags:?} {page:?} {sep} {explicit:?}")
}

fn main() {
    let _ = Server::new("s", "1").tool::<search>();
}

#![deny(warnings)]
//! `icons`, `meta` and `input_schema` on every macro that takes them.

use mcp_runtime::{mcp_prompt, mcp_resource, mcp_tool, Server, protocol::{Icon, IconTheme}};
use serde_json::{json, Map, Value};

const ICONS: &[Icon] = &[
    Icon::new("https://example.com/light.png")
        .mime_type("image/png")
        .sizes(&["48x48"])
        .theme(IconTheme::Light),
    Icon::new("data:image/svg+xml;base64,PHN2Zy8+"),
];

fn owner() -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("example.com/owner".into(), json!("team-a"));
    meta
}

fn point_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x", "y"]
    })
}

/// Distance from the origin.
#[mcp_tool(icons = ICONS, meta = owner, input_schema = point_schema)]
async fn norm(x: f64, y: f64) -> f64 {
    (x * x + y * y).sqrt()
}

/// Say hello.
#[mcp_prompt(icons = ICONS, meta = owner)]
async fn hello(name: String) -> String {
    format!("Hello, {name}!")
}

/// Today's motto.
#[mcp_resource(uri = "motto://today", icons = ICONS, meta = owner)]
async fn motto() -> String {
    "Ship it".into()
}

fn main() {
    let _ = Server::new("s", "1")
        .tool::<norm>()
        .prompt::<hello>()
        .resource::<motto>();
}

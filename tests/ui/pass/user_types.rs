#![deny(warnings)]
//! User structs and enums as parameters, derived with `schemars` directly or through the
//! runtime's re-export.

use std::collections::{BTreeMap, HashMap};

use mcp_runtime::{mcp_tool, JsonSchema, Server};
use serde::Deserialize;

/// A point.
#[derive(Deserialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

/// A shape.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
    Circle { center: Point, radius: f64 },
    Polygon { points: Vec<Point> },
}

/// A unit.
#[derive(Deserialize, mcp_runtime::JsonSchema)]
#[schemars(crate = "mcp_runtime::schemars")]
enum Unit {
    Metres,
    Feet,
}

/// Measure shapes.
#[mcp_tool]
async fn measure(
    shapes: Vec<Shape>,
    unit: Unit,
    labels: HashMap<String, String>,
    weights: BTreeMap<String, f64>,
    origin: Option<Point>,
    pair: (i32, String),
    fixed: [u8; 4],
) -> String {
    let count = shapes
        .iter()
        .map(|s| match s {
            Shape::Circle { center, radius } => center.x + center.y + radius,
            Shape::Polygon { points } => points.len() as f64,
        })
        .sum::<f64>();
    let unit = match unit {
        Unit::Metres => "m",
        Unit::Feet => "ft",
    };
    let origin = origin.map_or(0.0, |p| p.x + p.y);
    format!("{count} {unit} {} {} {origin} {pair:?} {fixed:?}", labels.len(), weights.len())
}

fn main() {
    let _ = Server::new("s", "1").tool::<measure>();
}

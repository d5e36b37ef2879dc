use mcp_runtime::mcp_tool;
use serde::Deserialize;

#[derive(Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

/// Measure the distance from the origin.
#[mcp_tool]
async fn norm(point: Point) -> f64 {
    point.x.hypot(point.y)
}

fn main() {}

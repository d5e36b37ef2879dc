use mcp_runtime::mcp_tool;

struct Point;

/// Make a point.
#[mcp_tool]
async fn point(x: f64, y: f64) -> Point {
    let _ = x + y;
    Point
}

fn main() {}

use mcp_runtime::mcp_prompt;

struct Point {
    x: i32,
}

/// Describe a point.
#[mcp_prompt]
async fn describe(point: Point, label: Option<Vec<String>>) -> String {
    format!("{} {label:?}", point.x)
}

fn main() {}

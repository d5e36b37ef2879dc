use mcp_runtime::{mcp_tool, Ctx, Server};

#[mcp_tool(name = "bad name", colour = "blue", annotations(read_only_hint = 1))]
fn process<T>(ctx: Ctx, (a, b): (i64, i64), other: Ctx, items: impl IntoIterator<Item = T>) -> impl Sized {
    let _ = (ctx, other, items);
    a + b
}

fn main() {
    let _ = Server::new("s", "1").tool::<process>();
}

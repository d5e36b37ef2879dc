use mcp_runtime::{mcp_prompt, Server};

#[mcp_prompt]
async fn greet(name: String) -> String {
    format!("Say hello to {name}.")
}

fn main() {
    let _ = Server::new("s", "1").prompt::<greet>();
}

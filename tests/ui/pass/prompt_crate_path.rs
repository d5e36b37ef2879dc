mod framework {
    pub use mcp_runtime as mcp;
}

/// Greet someone.
#[framework::mcp::mcp_prompt(crate = "framework::mcp")]
async fn greet(name: String) -> String {
    format!("Say hello to {name}.")
}

fn main() {
    let _ = framework::mcp::Server::new("s", "1").prompt::<greet>();
}

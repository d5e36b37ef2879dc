use mcp_runtime::mcp_tool;

/// Echo anything.
#[mcp_tool]
async fn echo<T: serde::de::DeserializeOwned + std::fmt::Display>(value: T) -> String {
    value.to_string()
}

fn main() {}

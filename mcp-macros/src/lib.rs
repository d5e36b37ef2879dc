//! Placeholder replaced by the real macro crate.
use proc_macro::TokenStream;
#[proc_macro_attribute]
pub fn mcp_tool(_attr: TokenStream, item: TokenStream) -> TokenStream { item }

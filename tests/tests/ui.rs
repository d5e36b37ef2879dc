//! Compile tests of `#[mcp_tool]`: what it accepts, and the errors it reports.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p tests --test ui`
//! (they depend on the exact compiler pinned in rust-toolchain.toml), then read every one.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}

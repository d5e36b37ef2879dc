//! Runnable examples live in this crate's examples/ folder.

//! Integration and compile tests live in this crate's tests/ folder.

//! The fixture pack's files, in load order: shared by the bench and its build script.
pub const FILES: [&str; 3] = ["pack.toml", "rules.md", "tables/vsc.csv"];

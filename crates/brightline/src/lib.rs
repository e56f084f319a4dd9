//! The stable façade over brightline-core, in the manner of Cedar's
//! `cedar-policy` crate: the few types and calls other tools build on.
//! Internals of the core may change; what is exported here changes only
//! by extension.
//!
//! ```
//! let lib = brightline::bundled().expect("bundled packs load");
//! let req = serde_json::json!({
//!     "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-11-09",
//!     "request": { "kind": "detainer", "warrant": "administrative" },
//!     "subject": { "arrest_date": "2025-11-01", "convictions": [], "tsdb_match": false }
//! });
//! let d = lib.decide_json(&req).expect("a valid request");
//! assert_eq!(d.outcome, brightline::Outcome::Prohibited);
//! ```

pub use brightline_core::decide::{outcome, Decision};
pub use brightline_core::facts::{Facts, Item, RequestError, MISSING};
pub use brightline_core::library::{LawVersion, Library};
pub use brightline_core::load::{Outcome, PackSource};
pub use brightline_core::{schema, Diagnostic, Severity, SourceFile, ENGINE_VERSION};

/// The law packs compiled into the binary.
pub fn bundled() -> Result<&'static Library, &'static [Diagnostic]> {
    brightline_laws::library()
}

/// The sources of the bundled packs (for hashing, display or re-loading).
pub fn bundled_sources() -> Vec<PackSource> {
    brightline_laws::sources()
}

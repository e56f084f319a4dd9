//! brightline-core: law packs in, cited decisions out.
//!
//! Data flows one way: sources → `load` (syntax) → `Library::load` (names,
//! types, tables, versions) → `decide` (evaluation, combination, trace).
//! `lint` checks whole packs. This crate does no I/O: callers hand it the
//! text of the files.

pub mod analysis;
pub mod canonical;
pub mod changes;
pub mod compile;
pub mod decide;
pub mod diag;
pub mod eval;
pub mod expr;
pub mod facts;
pub mod implied;
pub mod library;
pub mod lint;
pub mod load;
pub mod report;
pub mod schema;
pub mod space;
pub mod syntax;
pub mod tables;
pub mod views;
pub mod words;

pub use decide::Decision;
// Parts of the decision, named where they were before `decide/` held them.
pub use decide::{branches, explain};
pub use diag::{Diagnostic, Severity, SourceFile};
pub use facts::{Facts, RequestError};
pub use library::Library;
pub use load::{Outcome, PackSource};

/// The engine version recorded with every logged decision.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

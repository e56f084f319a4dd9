//! The stable façade over brightline-core, in the manner of Cedar's
//! `cedar-policy` crate: the one door the CLI, the server, the simulator and
//! the Python bindings go through. Internals of the core may change; what is
//! exported here changes only by extension.
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
//!
//! What is here, by use:
//! - deciding: [`Library`], [`Decision`], [`Outcome`], [`outcome`] (the
//!   outcome-only path over decoded [`Facts`]);
//! - the contract: [`schema`] (every fact with its question and help text,
//!   the value lists), [`RequestError`];
//! - the law as data, as typed views built once: [`views`] (law in force,
//!   history, compare matrix, replay), [`analysis`] (cells and diffs over
//!   the whole fact space), [`changes`] (a diff summed up by provision);
//! - checking packs: [`lint`], [`report`] (the reports a law requires);
//! - reading record files in bulk: [`facts`], [`records`], [`batch`], [`eval`].

pub use brightline_core::decide::json_schema as decision_schema;
pub use brightline_core::decide::outcome;
pub use brightline_core::expr::parse_date;
pub use brightline_core::facts::{Facts, Item, RequestError, Val, MISSING};
pub use brightline_core::library::{LawVersion, Library};
pub use brightline_core::load::{EventKind, Outcome, PackSource};
pub use brightline_core::{schema, Decision, Diagnostic, Severity, SourceFile, ENGINE_VERSION};

/// Typed, serialisable views of the law: what the CLI and the server render.
pub mod views {
    pub use brightline_core::canonical::CanonicalRequest;
    pub use brightline_core::views::{
        contract, stored_decision, Change, Contract, EventView, FactView, History, HistoryVersion,
        LawInForce, ListView, Logged, Matrix, MatrixError, PackId, Period, Provision, Replay,
        ReplayError, RuleRef, Suspended, VersionSummary,
    };
}

/// Questions over the whole fact space: what a law does with a kind of
/// request (a compare cell), and where two laws decide differently.
pub mod analysis {
    pub use brightline_core::analysis::{
        cell, default_role, diff, Cell, CellClass, Codes, Diff, LawAt,
    };
}

/// A diff summed up by provision, before its regions.
pub mod changes {
    pub use brightline_core::changes::{by_provision, text};
}

/// Whole-pack checks beyond loading: rules, freshness, worked examples.
pub mod lint {
    pub use brightline_core::lint::{check_examples, check_freshness, check_rules};
}

/// Reports a law requires: definitions compiled with the packs, counted
/// over logged decisions and the acts recorded against them.
pub mod report {
    pub use brightline_core::report::*;
}

/// Decoded facts as a reader of record files builds them.
pub mod facts {
    pub use brightline_core::facts::{date_value, imply, OffenseLookup};
}

/// What records print (offense codes, warrant forms) and what a form
/// implies, as the packs and ICE's forms define them.
pub mod records {
    pub use brightline_core::implied::{IMPLICATIONS, WARRANT_FORMS};
    pub use brightline_core::tables::OffenseCode;
}

/// Many requests at once: outcomes over columns of facts, memoized per
/// distinct fact tuple (the simulator's decision step).
pub mod batch {
    pub use brightline_core::decide::batch::{outcomes, Memo};
}

/// The evaluator beneath [`outcome`], for callers that reason over sets of
/// completions (the simulator's partial-identification bounds).
pub mod eval {
    pub use brightline_core::decide::{combine, possible_outcomes};
    pub use brightline_core::eval::{Eval, NoTrace, Tri};
    pub use brightline_core::library::FAST_RULES;
}

/// The law packs compiled into the binary.
pub fn bundled() -> Result<&'static Library, &'static [Diagnostic]> {
    brightline_laws::library()
}

/// Loads packs read at run time (`--laws DIR`). A plan identical to one of
/// the bundled law's (same settled conditions, same table numbering) runs
/// the bundled build's compiled code; any other plan is interpreted.
pub fn load(sources: &[PackSource]) -> Result<Library, Vec<Diagnostic>> {
    let mut lib = Library::from_sources(sources)?;
    lib.attach_native(brightline_laws::compiled_plans());
    Ok(lib)
}

/// The sources of the bundled packs (for hashing, display or re-loading).
pub fn bundled_sources() -> Vec<PackSource> {
    brightline_laws::sources()
}

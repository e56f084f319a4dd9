//! brightline-sim: decide every row of a record file under one or more laws.
//!
//! A profile (TOML) maps the columns of a record release to the request
//! contract and states the facts the records lack as explicit assumptions.
//! Rows stream through in chunks: map, decide with the allocation-free fast
//! path, fetch provisions and missing facts from a bounded cache of full
//! decisions keyed by the distinct fact tuple, aggregate, write. Memory does
//! not grow with the number of rows; only the aggregate tables grow, with the
//! number of distinct group values.

mod aggregate;
pub mod batch;
pub mod bounds;
mod cache;
pub mod chart;
pub mod map;
pub mod methods;
pub mod out;
pub mod profile;
pub mod read;
pub mod run;
pub mod summary;
mod target;
pub mod threads;

/// The maps of the per-row path (the decision cache, the aggregate tables, the
/// mapper's value lookups): foldhash instead of SipHash. Nothing iterates them in
/// an order that reaches an output.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub use profile::Profile;
pub use run::{
    decide_rows, simulate, simulate_with, LawSpec, Options, RowResults, RowsOut, Summary,
};
pub use threads::{set_threads, Threads};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The profile is malformed or names something the contract does not know.
    #[error("profile: {0}")]
    Profile(String),
    /// The input or the command line is not usable as given.
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
}

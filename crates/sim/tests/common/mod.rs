//! What the simulator's integration tests share: where the public records
//! are, what to do when they are not on the machine, and run options.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use brightline_sim::{LawSpec, Options, RowsOut};

/// `BRIGHTLINE_DATA`, else `shared/data` beside the checkout: the records are
/// public, used as published rather than copied into the repository.
pub fn data_root() -> PathBuf {
    match std::env::var_os("BRIGHTLINE_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

pub fn data(rel: &str) -> PathBuf {
    data_root().join(rel)
}

/// Whether `path` is on this machine. Its absence skips the test, saying
/// so, unless BRIGHTLINE_REQUIRE_DATA=1 makes it a failure.
pub fn present(path: &Path) -> bool {
    if path.exists() {
        return true;
    }
    assert!(
        std::env::var("BRIGHTLINE_REQUIRE_DATA").as_deref() != Ok("1"),
        "BRIGHTLINE_REQUIRE_DATA=1 but {} is missing",
        path.display()
    );
    eprintln!("SKIPPED: no record files at {}", path.display());
    false
}

/// Returns early from a test when the record files are not on this machine.
#[macro_export]
macro_rules! needs_data {
    () => {
        if !common::present(&common::data_root()) {
            return;
        }
    };
}

/// Per-row CSV and Parquet, no charts, no kept columns.
pub fn opts(
    laws: &[&str],
    agency: Option<&str>,
    filters: &[(&str, &str)],
    group_by: &[&str],
    out: PathBuf,
) -> Options {
    Options {
        laws: laws
            .iter()
            .map(|l| LawSpec::parse(l).expect("law spec"))
            .collect(),
        agency: agency.map(str::to_string),
        filters: filters
            .iter()
            .map(|(c, v)| (c.to_string(), vec![v.to_string()]))
            .collect(),
        group_by: group_by.iter().map(|s| s.to_string()).collect(),
        out_dir: out,
        rows: RowsOut {
            csv: true,
            parquet: true,
        },
        charts: false,
        progress: false,
        keep: None,
    }
}

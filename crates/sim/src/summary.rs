//! What a simulation reports: the outcome codes, per-law counts, law-change
//! impact groups and the run's summary, with its text rendering.

use std::collections::BTreeMap;

use brightline::Outcome;
use serde::Serialize;

use crate::bounds::Bounds;
use crate::map::{ColumnStats, Mapper};
use crate::profile::Profile;

/// Outcome codes of a row under one law: the engine's four and `unmapped`.
pub const OUTCOMES: [&str; 5] = [
    "permitted",
    "prohibited",
    "required",
    "undetermined",
    "unmapped",
];
pub(crate) const UNMAPPED: u8 = 4;

pub(crate) fn code(o: Outcome) -> u8 {
    match o {
        Outcome::Permitted => 0,
        Outcome::Prohibited => 1,
        Outcome::Required => 2,
        Outcome::Undetermined => 3,
    }
}

#[derive(Serialize, Default, Clone)]
pub struct AssumptionCount {
    pub id: String,
    pub reason: String,
    /// Rows to which the assumption supplied a fact.
    pub applied: u64,
    /// Rows whose outcome changes when the assumption is removed.
    pub decided: u64,
}

#[derive(Serialize, Default, Clone)]
pub struct LawSummary {
    pub law: String,
    pub outcomes: BTreeMap<String, u64>,
    /// Fact -> undetermined rows that need it.
    pub undetermined_needs: BTreeMap<String, u64>,
    /// Why rows could not be put to the law -> rows.
    pub unmapped_reasons: BTreeMap<String, u64>,
    pub assumptions: Vec<AssumptionCount>,
    /// Rows where the fast path and the full decision disagree (must be 0).
    pub engine_disagreements: u64,
    /// Lowest and highest share of each outcome over every completion of the missing facts.
    pub bounds: Bounds,
    /// The same, by the jurisdiction whose law decided the rows.
    pub bounds_by_jurisdiction: BTreeMap<String, Bounds>,
    /// Rows the profile places in another jurisdiction, decided here as if they were not
    /// (the law names a jurisdiction): that jurisdiction -> rows.
    pub decided_as_if_here: BTreeMap<String, u64>,
}

#[derive(Serialize, Clone)]
pub struct ImpactGroup {
    pub from_law: String,
    pub to_law: String,
    pub from_outcome: String,
    pub to_outcome: String,
    pub from_provisions: String,
    pub to_provisions: String,
    pub rows: u64,
}

#[derive(Serialize, Clone)]
pub struct Summary {
    pub profile: String,
    pub input: String,
    pub engine_version: String,
    pub law_content_hash: String,
    pub rows_read: u64,
    pub rows_filtered_out: u64,
    pub rows_evaluated: u64,
    pub laws: Vec<LawSummary>,
    /// Logical column -> blank and unknown values (never dropped silently).
    pub columns: BTreeMap<String, ColumnStats>,
    pub impact: Vec<ImpactGroup>,
    pub decisions: u64,
    pub decide_seconds: f64,
    pub total_seconds: f64,
    /// Decisions per second in the decision step alone (fast path over mapped facts).
    pub decide_rate: f64,
    /// Rows per second end to end (read, map, decide, aggregate, write).
    pub rows_rate: f64,
    pub distinct_fact_tuples_decided: u64,
    pub peak_rss_kib: Option<u64>,
    pub files: Vec<String>,
    pub notes: Vec<String>,
    /// Things the reader must know before trusting the numbers (also printed to stderr).
    pub warnings: Vec<String>,
    /// The row filters, as COLUMN=V1|V2.
    pub filters: Vec<String>,
    /// The profile's source note.
    pub source: Option<String>,
    /// Rows placed by each row of the profile's facility table (facility, jurisdiction, agency, rows).
    pub facilities_used: Vec<(String, String, String, u64)>,
    pub kept_columns: Vec<String>,
}

/// Peak resident set size of this process (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Summary {
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "Simulation of `{}` over {}", self.profile, self.input);
        for w in &self.warnings {
            let _ = writeln!(s, "WARNING: {w}");
        }
        if !self.filters.is_empty() {
            let _ = writeln!(s, "filters: {}", self.filters.join(", "));
        }
        let _ = writeln!(
            s,
            "engine {}, law packs {}",
            self.engine_version,
            &self.law_content_hash[..12.min(self.law_content_hash.len())]
        );
        let _ = writeln!(
            s,
            "rows read {}, filtered out {}, evaluated {}",
            self.rows_read, self.rows_filtered_out, self.rows_evaluated
        );
        for l in &self.laws {
            self.law_text(&mut s, l);
        }
        self.columns_text(&mut s);
        self.impact_text(&mut s);
        let _ = writeln!(
            s,
            "\n{} decisions in {:.3}s of decision step ({:.0}/s); {:.3}s end to end ({:.0} rows/s); {} distinct fact tuples fully decided",
            self.decisions, self.decide_seconds, self.decide_rate, self.total_seconds, self.rows_rate, self.distinct_fact_tuples_decided
        );
        if let Some(k) = self.peak_rss_kib {
            let _ = writeln!(s, "peak RSS {} MiB", k / 1024);
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        let _ = writeln!(s, "files: {}", self.files.join(", "));
        s
    }

    fn law_text(&self, s: &mut String, l: &LawSummary) {
        use std::fmt::Write;
        let _ = writeln!(*s, "\nlaw {}", l.law);
        for o in OUTCOMES {
            if let Some(n) = l.outcomes.get(o) {
                let pct = 100.0 * *n as f64 / self.rows_evaluated.max(1) as f64;
                let _ = writeln!(*s, "  {o:<13} {n:>10}  {pct:5.1}%");
            }
        }
        for (why, n) in &l.unmapped_reasons {
            let _ = writeln!(*s, "  unmapped: {why}: {n}");
        }
        for (f, n) in &l.undetermined_needs {
            let _ = writeln!(*s, "  undetermined rows needing {f}: {n}");
        }
        for a in &l.assumptions {
            let _ = writeln!(
                *s,
                "  assumption {}: applied to {} rows, decided {} (outcome changes without it)",
                a.id, a.applied, a.decided
            );
        }
        if l.bounds.rows > 0 {
            let _ = writeln!(
                *s,
                "  over every completion of the missing facts ({} rows put to the law{}):",
                l.bounds.rows,
                if l.bounds.inexact_rows > 0 {
                    format!(
                        "; for {} the range may be wider than exact",
                        l.bounds.inexact_rows
                    )
                } else {
                    String::new()
                }
            );
            let mut parts: Vec<(String, &Bounds)> = vec![("all".into(), &l.bounds)];
            if l.bounds_by_jurisdiction.len() > 1 {
                parts.extend(l.bounds_by_jurisdiction.iter().map(|(j, b)| (j.clone(), b)));
            }
            for (j, b) in parts {
                for (i, name) in crate::bounds::SET_NAMES.iter().enumerate() {
                    if b.upper[i] == 0 {
                        continue;
                    }
                    let (lo, hi) = b.share(i);
                    let _ = writeln!(
                        *s,
                        "    {j:<10} {name:<21} between {lo:5.1}% and {hi:5.1}% of {}",
                        b.rows
                    );
                }
            }
        }
        if l.engine_disagreements > 0 {
            let _ = writeln!(
                *s,
                "  ENGINE DISAGREEMENTS (fast path vs full decision): {}",
                l.engine_disagreements
            );
        }
    }

    fn columns_text(&self, s: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(*s, "\ncolumns (blank / unknown values):");
        for (c, st) in &self.columns {
            let _ = write!(*s, "  {c}: {} blank, {} unknown", st.blank, st.unknown);
            if !st.unknown_values.is_empty() {
                let mut top: Vec<(&String, &u64)> = st.unknown_values.iter().collect();
                top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let shown: Vec<String> = top
                    .iter()
                    .take(8)
                    .map(|(v, n)| format!("`{v}` {n}"))
                    .collect();
                let _ = write!(
                    *s,
                    " ({}{})",
                    shown.join(", "),
                    if top.len() > 8 { ", ..." } else { "" }
                );
            }
            let _ = writeln!(*s);
        }
    }

    fn impact_text(&self, s: &mut String) {
        use std::fmt::Write;
        if !self.impact.is_empty() {
            let _ = writeln!(*s, "\nrows that change outcome between consecutive laws:");
            for g in &self.impact {
                let _ = writeln!(
                    *s,
                    "  {} -> {}: {} -> {}: {} rows  [{}] -> [{}]",
                    g.from_law,
                    g.to_law,
                    g.from_outcome,
                    g.to_outcome,
                    g.rows,
                    g.from_provisions,
                    g.to_provisions
                );
            }
        }
    }
}

/// One zeroed count per assumption of the profile, in the profile's order.
pub(crate) fn zero_counts(mapper: &Mapper, profile: &Profile) -> Vec<AssumptionCount> {
    mapper
        .assumptions
        .iter()
        .zip(&profile.assumptions)
        .map(|(a, p)| AssumptionCount {
            id: a.id.clone(),
            reason: p.reason.clone(),
            applied: 0,
            decided: 0,
        })
        .collect()
}

//! `methods.md`: the methods section a reader of the results needs, written
//! beside them — which rows were used, where each fact came from, and what
//! could not be decided.

use std::fmt::Write;

use crate::bounds::SET_NAMES;
use crate::map::Mapper;
use crate::profile::Profile;
use crate::summary::{Summary, OUTCOMES};

fn pct(n: u64, d: u64) -> f64 {
    100.0 * n as f64 / d.max(1) as f64
}

// Long on purpose: one Markdown document written top to bottom, section by section, in the order a reader checks a claim.
pub fn methods(s: &Summary, p: &Profile, m: &Mapper) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Methods\n");
    let _ = writeln!(
        o,
        "Every row of `{}` was read through the profile `{}` and decided by brightline {} \
         (law packs {}) under each law below. Nothing here is legal advice.\n",
        s.input,
        s.profile,
        s.engine_version,
        &s.law_content_hash[..12.min(s.law_content_hash.len())]
    );
    if let Some(src) = &s.source {
        let _ = writeln!(o, "Source of the records: {src}.\n");
    }
    if !s.warnings.is_empty() {
        let _ = writeln!(o, "## Read this first\n");
        for w in &s.warnings {
            let _ = writeln!(o, "- {w}");
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Rows used\n");
    let _ = writeln!(
        o,
        "{} rows read; {} left out by the filters ({}); {} evaluated.\n",
        s.rows_read,
        s.rows_filtered_out,
        if s.filters.is_empty() {
            "none".to_string()
        } else {
            s.filters.join(", ")
        },
        s.rows_evaluated
    );
    for (col, vals, hits) in &m.filter_report {
        for (v, h) in vals.iter().zip(hits) {
            let _ = writeln!(o, "- `{col}` = `{v}`: {h} rows");
        }
    }
    if !m.filter_report.is_empty() {
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## How each fact was obtained\n");
    let _ = writeln!(o, "| fact | from |\n|---|---|");
    let _ = writeln!(
        o,
        "| request.date | column `{}` (formats: {}) |",
        p.date.column,
        p.date.formats.join(", ")
    );
    for f in &p.fields {
        let _ = writeln!(
            o,
            "| {} | column `{}`{} |",
            f.field,
            f.column,
            if f.map.is_empty() {
                String::new()
            } else {
                format!(
                    ", translated: {}",
                    f.map
                        .iter()
                        .map(|(k, v)| format!("`{k}` → {v}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        );
    }
    if let Some(c) = &p.conviction {
        let _ = writeln!(
            o,
            "| subject.convictions | one item from column `{}` (as `{}`){} |",
            c.offense_column,
            c.offense_format,
            c.date_column
                .as_deref()
                .map(|d| format!(", dated by `{d}`"))
                .unwrap_or_default()
        );
    }
    if let Some(f) = &p.facilities {
        let _ = writeln!(
            o,
            "| jurisdiction, agency, request.place | the reviewed table{} `{}`, by {} ({}) |",
            if f.files.is_empty() { "" } else { "s" },
            f.all_files().collect::<Vec<_>>().join("`, `"),
            f.key.join(" + "),
            f.reason.as_deref().unwrap_or("")
        );
    }
    for (what, c) in [("jurisdiction", &p.jurisdiction), ("agency", &p.agency)] {
        if let Some(c) = c {
            let from = match (&c.fixed, &c.column) {
                (Some(v), None) => format!("fixed: `{v}`"),
                (_, Some(col)) => format!("column `{col}`, {} values mapped", c.map.len()),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "| {what} | {from}{} |",
                c.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
        }
    }
    for a in &p.assumptions {
        let _ = writeln!(
            o,
            "| {} | profile assumption `{}`{}{} |",
            a.field,
            a.id,
            a.value
                .as_deref()
                .map(|v| format!(" = `{v}`"))
                .unwrap_or_default(),
            match (&a.from, &a.until) {
                (None, None) => String::new(),
                (f, u) => format!(
                    ", for rows dated {} to {}",
                    f.as_deref().unwrap_or("any date"),
                    u.as_deref().unwrap_or("any date")
                ),
            }
        );
    }
    let _ = writeln!(
        o,
        "\nEvery other fact a law tests is missing from the records. It is never taken to be \
         \"no\": the engine's logic is three-valued, a row that needs such a fact is \
         `undetermined`, and the bounds below range over all its values. What a request's kind \
         implies by definition (a detainer is a civil immigration request about a person in \
         custody, 8 C.F.R. § 287.7) is applied to each row. The presumptions a law pack states \
         for a clerk's desk (no warrant unless one is shown, an adult conviction unless the \
         record says otherwise) are not: a record's silence is not a document showing none, so \
         only the profile's stated assumptions above fill such facts.\n"
    );
    for a in &p.assumptions {
        let _ = writeln!(o, "Assumption `{}`: {}", a.id, a.reason.trim());
        if let Some(src) = &a.source {
            let _ = writeln!(o, "Source: {src}.");
        }
        let _ = writeln!(o);
    }

    if let Some(f) = m
        .facilities
        .as_ref()
        .filter(|f| f.fallback && f.fallback_rows > 0)
    {
        let _ = writeln!(
            o,
            "{} rows name a facility the reviewed tables do not list; they were placed by the \
             profile's `jurisdiction` and `agency` above (by state), never by guessing a county \
             or city.\n",
            f.fallback_rows
        );
    }
    if !s.facilities_used.is_empty() {
        let _ = writeln!(o, "## Facilities placed by the table\n");
        let _ = writeln!(
            o,
            "| facility | jurisdiction | agency | rows |\n|---|---|---|---|"
        );
        for (k, j, a, n) in &s.facilities_used {
            let j = if j.is_empty() { "(none: unmapped)" } else { j };
            let _ = writeln!(o, "| {k} | {j} | {a} | {n} |");
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Results and what could not be decided\n");
    for l in &s.laws {
        let _ = writeln!(o, "### {}\n", l.law);
        for oc in OUTCOMES {
            if let Some(n) = l.outcomes.get(oc) {
                let _ = writeln!(
                    o,
                    "- {oc}: {n} ({:.1}% of evaluated rows)",
                    pct(*n, s.rows_evaluated)
                );
            }
        }
        for (why, n) in &l.unmapped_reasons {
            let _ = writeln!(o, "- not put to the law ({why}): {n}");
        }
        for (f, n) in &l.undetermined_needs {
            let _ = writeln!(o, "- undetermined for want of `{f}`: {n}");
        }
        for a in &l.assumptions {
            let _ = writeln!(
                o,
                "- assumption `{}` supplied a fact to {} rows and decided {} of them (their outcome changes without it)",
                a.id, a.applied, a.decided
            );
        }
        if l.bounds.rows > 0 {
            let _ = writeln!(
                o,
                "\nOver every completion of the missing facts, of the {} rows put to this law:\n",
                l.bounds.rows
            );
            let _ = writeln!(o, "| outcome | lowest share | highest share | under the stated assumptions |\n|---|---|---|---|");
            for (i, name) in SET_NAMES.iter().enumerate() {
                let (lo, hi) = l.bounds.share(i);
                let point = if i < 3 {
                    format!(
                        "{:.1}%",
                        pct(
                            l.outcomes.get(OUTCOMES[i]).copied().unwrap_or(0),
                            l.bounds.rows
                        )
                    )
                } else {
                    "—".into()
                };
                let _ = writeln!(o, "| {name} | {lo:.1}% | {hi:.1}% | {point} |");
            }
            if l.bounds_by_jurisdiction.len() > 1 {
                let _ = writeln!(
                    o,
                    "\nBy the jurisdiction whose law decided the rows:\n\n| jurisdiction | rows | outcome | lowest share | highest share |\n|---|---|---|---|---|"
                );
                for (j, b) in &l.bounds_by_jurisdiction {
                    for (i, name) in SET_NAMES.iter().enumerate() {
                        if b.upper[i] == 0 {
                            continue;
                        }
                        let (lo, hi) = b.share(i);
                        let _ = writeln!(o, "| {j} | {} | {name} | {lo:.1}% | {hi:.1}% |", b.rows);
                    }
                }
            }
            let _ = writeln!(
                o,
                "\nThe lowest share counts the rows that every completion sends to the outcome; the \
                 highest, the rows some completion could send there. {}\n",
                if l.bounds.inexact_rows > 0 {
                    format!(
                        "For {} rows the set of possible outcomes was found by letting each rule \
                         still in doubt fire or not independently, which can admit an outcome no \
                         real completion reaches: those ranges may be wider than exact, never narrower.",
                        l.bounds.inexact_rows
                    )
                } else {
                    "Every range is exact.".to_string()
                }
            );
        }
        let _ = writeln!(o);
    }

    let unknown: Vec<_> = s
        .columns
        .iter()
        .filter(|(_, c)| c.blank > 0 || c.unknown > 0)
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(o, "## Values the profile could not use\n");
        for (c, st) in unknown {
            let _ = writeln!(
                o,
                "- `{c}`: {} blank, {} not recognised",
                st.blank, st.unknown
            );
            for (v, n) in st.unknown_values.iter().take(50) {
                let _ = writeln!(o, "  - `{v}`: {n} rows");
            }
            if st.unknown_values.len() > 50 || st.unknown_other > 0 {
                let _ = writeln!(o, "  - (other values not listed)");
            }
        }
        let _ = writeln!(o);
    }
    if !s.kept_columns.is_empty() {
        let _ = writeln!(
            o,
            "Per-row files carry the source columns {} beside each decision, and `row`, the \
             1-based data row of the input, to join back.",
            s.kept_columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    o
}

//! What changed between two laws, by provision: the summary a diff opens
//! with, before its regions. A reader of a diff of New York City 2017 against
//! today wants "§ 9-131(b) now decides detainers, notifications, transfers:
//! permitted → prohibited" before forty regions of facts.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;

use crate::analysis::Diff;

/// One provision's part in a diff.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvisionChange {
    pub citation: String,
    /// `b`: decides only under law B (added or newly in force); `a`: only
    /// under law A (repealed, amended away or suspended); `both`: decides on
    /// both sides, with another outcome on one.
    pub side: &'static str,
    pub rules: Vec<String>,
    pub kinds: Vec<String>,
    pub agencies: Vec<String>,
    /// "permitted → prohibited", one per pair of outcomes seen.
    pub outcomes: Vec<String>,
    /// Regions of the diff this provision decides on either side.
    pub regions: usize,
}

/// The diff's regions grouped by the provisions that decide them, the most
/// far-reaching first.
pub fn by_provision(d: &Diff) -> Vec<ProvisionChange> {
    let mut out: Vec<ProvisionChange> = Vec::new();
    for r in &d.regions {
        let a: BTreeSet<&str> = r.a.provisions.iter().map(|p| p.citation.as_str()).collect();
        let b: BTreeSet<&str> = r.b.provisions.iter().map(|p| p.citation.as_str()).collect();
        let change = format!("{} → {}", r.a.outcome.as_str(), r.b.outcome.as_str());
        for (cit, rule) in
            r.a.provisions
                .iter()
                .chain(&r.b.provisions)
                .map(|p| (p.citation.as_str(), p.rule.as_str()))
        {
            let side = match (a.contains(cit), b.contains(cit)) {
                (true, true) => "both",
                (true, false) => "a",
                _ => "b",
            };
            let i = match out.iter().position(|c| c.citation == cit && c.side == side) {
                Some(i) => i,
                None => {
                    out.push(ProvisionChange {
                        citation: cit.to_string(),
                        side,
                        rules: Vec::new(),
                        kinds: Vec::new(),
                        agencies: Vec::new(),
                        outcomes: Vec::new(),
                        regions: 0,
                    });
                    out.len() - 1
                }
            };
            let c = &mut out[i];
            let push = |v: &mut Vec<String>, x: &str| {
                if !v.iter().any(|y| y == x) {
                    v.push(x.to_string());
                }
            };
            push(&mut c.rules, rule);
            for k in &r.kinds {
                push(&mut c.kinds, k);
            }
            for g in &r.agencies {
                push(&mut c.agencies, g);
            }
            push(&mut c.outcomes, &change);
        }
        // A region counts once for each provision, however many rules it cites.
        let mut seen = BTreeSet::new();
        for p in r.a.provisions.iter().chain(&r.b.provisions) {
            let side = match (
                a.contains(p.citation.as_str()),
                b.contains(p.citation.as_str()),
            ) {
                (true, true) => "both",
                (true, false) => "a",
                _ => "b",
            };
            if seen.insert((p.citation.clone(), side)) {
                if let Some(c) = out
                    .iter_mut()
                    .find(|c| c.citation == p.citation && c.side == side)
                {
                    c.regions += 1;
                }
            }
        }
    }
    out.sort_by(|x, y| y.regions.cmp(&x.regions).then(x.citation.cmp(&y.citation)));
    out
}

/// The summary as lines of text.
pub fn text(d: &Diff) -> String {
    let mut s = String::new();
    let changes = by_provision(d);
    if changes.is_empty() {
        return s;
    }
    let _ = writeln!(s, "What changed, by provision:");
    for c in &changes {
        let side = match c.side {
            "b" => format!("decides only under {} {}", d.b.jurisdiction, d.b.date),
            "a" => format!("decided only under {} {}", d.a.jurisdiction, d.a.date),
            _ => "decides under both, differently".to_string(),
        };
        let _ = writeln!(
            s,
            "  {} — {side}: {} ({}); outcome A → B: {} ({} region{})",
            c.citation,
            c.kinds.join(", "),
            c.agencies.join(", "),
            c.outcomes.join("; "),
            c.regions,
            if c.regions == 1 { "" } else { "s" }
        );
    }
    s.push('\n');
    s
}

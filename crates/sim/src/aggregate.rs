//! The aggregate tables a run keeps: rows by law, outcome and group, by month
//! (for the charts), and by law-change (impact); and the per-law counts of a
//! decided row. They grow with the number of distinct group values, never
//! with the number of rows.

use std::collections::BTreeMap;

use crate::FastMap;
use std::path::Path;

use brightline::{Library, Outcome};

use crate::bounds::Bounds;
use crate::cache::Detail;
use crate::map::{Mapped, Mapper};
use crate::out;
use crate::profile::Profile;
use crate::summary::{code, zero_counts, ImpactGroup, LawSummary, OUTCOMES};
use crate::target::Target;
use crate::SimError;

#[derive(Default)]
pub(crate) struct Aggregates {
    /// (law, outcome, group values…) -> rows.
    agg: FastMap<Box<[u32]>, u64>,
    akey: Vec<u32>,
    /// (law, year * 12 + month - 1, outcome) -> rows.
    pub(crate) monthly: BTreeMap<(usize, i32, u8), u64>,
    /// (law, from outcome, to outcome, from provisions, to provisions) -> rows.
    impact: FastMap<(usize, u8, u8, u32, u32), u64>,
}

impl Aggregates {
    /// Counts one row under law `li`.
    pub(crate) fn add(
        &mut self,
        li: usize,
        row: &Mapped,
        oc: u8,
        t: &Target<'_>,
        group_by: &[String],
    ) {
        self.akey.clear();
        self.akey.push(li as u32);
        self.akey.push(oc as u32);
        let ym = row.date.map(|d| d.year() * 12 + d.month() as i32 - 1);
        let mut gi = 0;
        for g in group_by {
            let v = match g.as_str() {
                "month" => ym.map_or(u32::MAX, |m| m as u32),
                "jurisdiction" => match t {
                    Target::Law { pack, .. } => *pack as u32,
                    Target::Unmapped(_) => u32::MAX,
                },
                "agency" => row.agency.map_or(u32::MAX, u32::from),
                "law" => continue,
                _ => {
                    let v = row.cells_for_groups.get(gi).copied().unwrap_or(u32::MAX);
                    gi += 1;
                    v
                }
            };
            self.akey.push(v);
        }
        match self.agg.get_mut(self.akey.as_slice()) {
            Some(c) => *c += 1,
            None => {
                self.agg.insert(self.akey.clone().into_boxed_slice(), 1);
            }
        }
        if let Some(m) = ym {
            *self.monthly.entry((li, m, oc)).or_default() += 1;
        }
    }

    /// Counts a row whose outcome changes from law `li - 1` (`a`, provisions `pa`)
    /// to law `li` (`b`, `pb`).
    pub(crate) fn add_change(&mut self, li: usize, a: u8, b: u8, pa: u32, pb: u32) {
        *self.impact.entry((li, a, b, pa, pb)).or_default() += 1;
    }

    /// Writes `aggregate.csv`, sorted, with group values as the records print them.
    pub(crate) fn write_table(
        &self,
        path: &Path,
        labels: &[String],
        group_by: &[String],
        lib: &Library,
        mapper: &Mapper,
    ) -> Result<String, SimError> {
        let mut rows: Vec<(Vec<String>, u64)> = Vec::with_capacity(self.agg.len());
        for (k, &count) in &self.agg {
            let mut cols = vec![
                labels[k[0] as usize].clone(),
                OUTCOMES[k[1] as usize].to_string(),
            ];
            let mut gi = 0;
            for (i, g) in group_by.iter().filter(|g| *g != "law").enumerate() {
                cols.push(group_value(g, k[2 + i], lib, mapper, &mut gi));
            }
            rows.push((cols, count));
        }
        rows.sort();
        let mut header = vec!["law".to_string(), "outcome".to_string()];
        header.extend(group_by.iter().filter(|g| *g != "law").cloned());
        header.push("rows".into());
        out::write_csv(
            path,
            &header,
            rows.iter().map(|(c, n)| {
                let mut c = c.clone();
                c.push(n.to_string());
                c
            }),
        )
    }

    /// The law-change groups, largest first within each pair of laws.
    pub(crate) fn impact_groups(
        &self,
        labels: &[String],
        prov_names: &[std::sync::Arc<str>],
    ) -> Vec<ImpactGroup> {
        let prov = |p: u32| {
            prov_names
                .get(p as usize)
                .map(|s| s.to_string())
                .unwrap_or_default()
        };
        let mut impact: Vec<ImpactGroup> = self
            .impact
            .iter()
            .map(|(&(li, a, b, pa, pb), &rows)| ImpactGroup {
                from_law: labels[li - 1].clone(),
                to_law: labels[li].clone(),
                from_outcome: OUTCOMES[a as usize].into(),
                to_outcome: OUTCOMES[b as usize].into(),
                from_provisions: prov(pa),
                to_provisions: prov(pb),
                rows,
            })
            .collect();
        impact.sort_by(|x, y| {
            (
                &x.from_law,
                &x.to_law,
                std::cmp::Reverse(x.rows),
                &x.from_provisions,
                &x.to_provisions,
                &x.from_outcome,
                &x.to_outcome,
            )
                .cmp(&(
                    &y.from_law,
                    &y.to_law,
                    std::cmp::Reverse(y.rows),
                    &y.from_provisions,
                    &y.to_provisions,
                    &y.from_outcome,
                    &y.to_outcome,
                ))
        });
        impact
    }
}

/// A group column's value `v` as text (`gi` counts the profile's own group columns).
fn group_value(g: &str, v: u32, lib: &Library, mapper: &Mapper, gi: &mut usize) -> String {
    match g {
        "month" => {
            if v == u32::MAX {
                String::new()
            } else {
                format!("{:04}-{:02}", v / 12, v % 12 + 1)
            }
        }
        "jurisdiction" => lib
            .packs
            .get(v as usize)
            .map(|p| p.id.clone())
            .unwrap_or_default(),
        "agency" => mapper
            .agency
            .as_ref()
            .and_then(|a| a.values.get(v as usize).cloned())
            .unwrap_or_default(),
        _ => {
            let s = mapper
                .group_values
                .get(*gi)
                .and_then(|vals| vals.get(v as usize).cloned())
                .unwrap_or_default();
            *gi += 1;
            s
        }
    }
}

/// Writes `impact.csv`.
pub(crate) fn write_impact(path: &Path, impact: &[ImpactGroup]) -> Result<String, SimError> {
    let h: Vec<String> = [
        "from_law",
        "to_law",
        "from_outcome",
        "to_outcome",
        "from_provisions",
        "to_provisions",
        "rows",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    out::write_csv(
        path,
        &h,
        impact.iter().map(|g| {
            vec![
                g.from_law.clone(),
                g.to_law.clone(),
                g.from_outcome.clone(),
                g.to_outcome.clone(),
                g.from_provisions.clone(),
                g.to_provisions.clone(),
                g.rows.to_string(),
            ]
        }),
    )
}

/// Counts a row put to the law into its law's summary: the full decision's agreement
/// with the fast path's outcome `oc`, the bounds, the facts an undetermined row needs.
pub(crate) fn count_decided(sum: &mut LawSummary, lib: &Library, pack: usize, d: &Detail, oc: u8) {
    if code(d.outcome) != oc {
        sum.engine_disagreements += 1;
    }
    sum.bounds.add(d.possible, d.exact);
    let id = &lib.packs[pack].id;
    match sum.bounds_by_jurisdiction.get_mut(id) {
        Some(b) => b.add(d.possible, d.exact),
        None => {
            let mut b = Bounds::default();
            b.add(d.possible, d.exact);
            sum.bounds_by_jurisdiction.insert(id.clone(), b);
        }
    }
    if oc == code(Outcome::Undetermined) {
        for m in &d.missing {
            *sum.undetermined_needs.entry(m.clone()).or_default() += 1;
        }
    }
}

/// Counts, for each profile assumption that supplied a fact of a row (bit i of
/// `assumed`), that it applied, and whether the outcome `oc` changes without it
/// (`without[i]`: the outcome code without assumption i).
pub(crate) fn count_assumptions(
    sum: &mut LawSummary,
    mapper: &Mapper,
    profile: &Profile,
    assumed: u32,
    without: &[u8],
    oc: u8,
) {
    if sum.assumptions.is_empty() {
        sum.assumptions = zero_counts(mapper, profile);
    }
    for (ai, (count, &w)) in sum.assumptions.iter_mut().zip(without).enumerate() {
        if assumed & (1 << ai) == 0 {
            continue;
        }
        count.applied += 1;
        if w != oc {
            count.decided += 1;
        }
    }
}

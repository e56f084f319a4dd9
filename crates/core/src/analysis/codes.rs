//! Offense codes as membership patterns of the loaded tables.

use super::*;

/// Every offense code the loaded tables know, with its table memberships:
/// the source of the offense patterns an item can really have.
/// Memberships are 128-bit: a diff between two libraries puts the tables of
/// the second at bits 64 and up.
pub struct Codes {
    pub(super) codes: Vec<(String, u128, u128)>,
}

impl Codes {
    pub fn new(lib: &Library) -> Codes {
        Codes::of(&[lib])
    }

    pub(super) fn of(libs: &[&Library]) -> Codes {
        let mut cands: Vec<String> = Vec::new();
        for lib in libs {
            Codes::candidates(lib, &mut cands);
        }
        cands.sort();
        cands.dedup();
        let codes = cands
            .into_iter()
            .filter_map(|c| {
                let (mut m, mut u) = (0u128, 0u128);
                for (i, lib) in libs.iter().enumerate() {
                    let (mi, ui) = lib.lookup(&c, None).ok()?;
                    m |= (mi as u128) << (64 * i);
                    u |= (ui as u128) << (64 * i);
                }
                Some((c, m, u))
            })
            .collect();
        Codes { codes }
    }

    pub(super) fn candidates(lib: &Library, cands: &mut Vec<String>) {
        for rows in lib.schemes.values() {
            cands.extend(rows.keys().cloned());
        }
        for t in &lib.lists {
            for (k, subs) in &t.rows {
                cands.push(k.clone());
                if let crate::tables::Subdivisions::Some(ranges) = subs {
                    for (a, b, nested) in ranges {
                        match nested {
                            Some(n) => cands.push(format!("{k}({a})({n})")),
                            None => cands.push(format!("{k}({a})")),
                        }
                        cands.push(format!("{k}({})", b.next()));
                    }
                }
            }
        }
    }

    /// Distinct membership patterns over `mask` that some code decides, with a witness code each.
    pub(super) fn patterns(&self, mask: u128) -> Vec<(u128, String)> {
        let mut out: Vec<(u128, String)> = Vec::new();
        for (c, m, u) in &self.codes {
            if u & mask != 0 {
                continue;
            }
            let p = m & mask;
            if !out.iter().any(|(q, _)| *q == p) {
                out.push((p, c.clone()));
            }
        }
        out.sort_by_key(|(p, _)| *p);
        out
    }
}

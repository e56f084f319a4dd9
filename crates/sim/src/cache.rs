//! A bounded cache of full decisions, keyed by the distinct fact tuple (with
//! the pack), reduced to what rows report: provisions, missing facts, and the
//! outcomes a completion of the missing facts can reach.

use std::sync::Arc;

use brightline::{Facts, LawVersion, Library, Outcome};

use crate::bounds::{OutcomeSet, Possible};
use crate::map::Mapper;
use crate::summary::code;
use crate::FastMap;

/// Distinct fact tuples kept with their full decision; the cache is emptied when full.
const CACHE_MAX: usize = 1 << 16;

/// The full decision of one distinct fact tuple, reduced to what rows report.
pub(crate) struct Detail {
    pub(crate) outcome: Outcome,
    pub(crate) provisions: Arc<str>,
    pub(crate) prov_id: u32,
    pub(crate) missing: Vec<String>,
    pub(crate) missing_joined: Arc<str>,
    pub(crate) possible: OutcomeSet,
    pub(crate) possible_joined: Arc<str>,
    pub(crate) exact: bool,
    /// `provisions`, `missing_joined` and `possible_joined` as shared bytes:
    /// each Parquet row that repeats them takes a reference, not a copy.
    pub(crate) cells: [bytes::Bytes; 3],
}

#[derive(Default)]
pub(crate) struct DetailCache {
    cache: FastMap<Box<[i64]>, Arc<Detail>>,
    key: Vec<i64>,
    /// Provision lists by id (for the impact table).
    pub(crate) prov_names: Vec<Arc<str>>,
    prov_index: FastMap<Arc<str>, u32>,
    /// Fact tuples fully decided (a tuple evicted and met again counts again).
    pub(crate) distinct: u64,
    /// (fact tuple, assumptions applied) -> the outcome code without each applied
    /// assumption (`u8::MAX` for one not applied): the counts of what assumptions decide.
    without: FastMap<Box<[i64]>, Box<[u8]>>,
}

impl DetailCache {
    /// The reduced full decision of `facts` under `pack` (whose law in force is `law`).
    pub(crate) fn detail(
        &mut self,
        lib: &Library,
        possible: &dyn Possible,
        pack: usize,
        law: &LawVersion,
        facts: &Facts,
    ) -> Arc<Detail> {
        self.set_key(pack, facts);
        if let Some(d) = self.cache.get(self.key.as_slice()) {
            return d.clone();
        }
        self.distinct += 1;
        let (outcome, provisions, missing) = full(lib, pack, facts);
        let provisions: Arc<str> = Arc::from(provisions);
        let prov_id = match self.prov_index.get(&provisions) {
            Some(&i) => i,
            None => {
                let i = self.prov_names.len() as u32;
                self.prov_names.push(provisions.clone());
                self.prov_index.insert(provisions.clone(), i);
                i
            }
        };
        let missing_joined: Arc<str> = Arc::from(missing.join(";"));
        let (possible, exact) = if outcome == Outcome::Undetermined {
            possible.possible(law, facts)
        } else {
            (OutcomeSet::one(outcome), true)
        };
        let possible_joined: Arc<str> = Arc::from(possible.names().join("|"));
        let cells = [&provisions, &missing_joined, &possible_joined]
            .map(|s| bytes::Bytes::copy_from_slice(s.as_bytes()));
        let d = Arc::new(Detail {
            outcome,
            provisions,
            prov_id,
            missing,
            missing_joined,
            possible,
            possible_joined,
            exact,
            cells,
        });
        if self.cache.len() >= CACHE_MAX {
            self.cache.clear();
            self.without.clear();
        }
        self.cache
            .insert(self.key.clone().into_boxed_slice(), d.clone());
        d
    }

    /// The outcome code of `facts` under `law` without each assumption of `assumed`
    /// (bit i: assumption i supplied a fact), by assumption; `u8::MAX` for the others.
    pub(crate) fn without(
        &mut self,
        pack: usize,
        law: &LawVersion,
        facts: &Facts,
        assumed: u32,
        mapper: &Mapper,
    ) -> &[u8] {
        self.set_key(pack, facts);
        self.key.push(assumed as i64);
        if !self.without.contains_key(self.key.as_slice()) {
            let mut f = facts.clone();
            let codes: Box<[u8]> = (0..mapper.assumptions.len())
                .map(|ai| {
                    if assumed & (1 << ai) == 0 {
                        return u8::MAX;
                    }
                    let undo = mapper.unassume(ai, &mut f);
                    let c = code(brightline::outcome(law, &f));
                    undo.restore(&mut f);
                    c
                })
                .collect();
            if self.without.len() >= CACHE_MAX {
                self.without.clear();
            }
            self.without
                .insert(self.key.clone().into_boxed_slice(), codes);
        }
        &self.without[self.key.as_slice()]
    }

    fn set_key(&mut self, pack: usize, facts: &Facts) {
        self.key.clear();
        self.key.push(pack as i64);
        self.key.extend(facts.scalars.iter().map(|&v| i64::from(v)));
        for l in &facts.lists {
            match l {
                None => self.key.push(-1),
                Some(items) => {
                    self.key.push(items.len() as i64);
                    for it in items {
                        self.key.extend(it.fields.iter().map(|&v| i64::from(v)));
                        self.key.push(it.member as i64);
                        self.key.push(it.unknown as i64);
                    }
                }
            }
        }
    }
}

/// The full decision's outcome, deciding provisions and missing facts.
fn full(lib: &Library, pack: usize, facts: &Facts) -> (Outcome, String, Vec<String>) {
    match lib.decide(pack, facts) {
        Ok(d) => {
            let head = d.reasons.first().map(|r| r.jurisdiction.clone());
            let decisive: Vec<&str> = d
                .reasons
                .iter()
                .filter(|r| Some(&r.jurisdiction) == head.as_ref() && r.outcome == d.outcome)
                .map(|r| r.rule.as_str())
                .collect();
            // An undetermined row has no deciding provision: name the rules that
            // could decide it once the missing facts are known, marked `?`.
            let provisions = if d.outcome == Outcome::Undetermined {
                d.trace
                    .iter()
                    .filter(|t| t.result == "unknown")
                    .map(|t| format!("?{}", t.rule))
                    .collect::<Vec<_>>()
                    .join(";")
            } else {
                decisive.join(";")
            };
            (d.outcome, provisions, d.missing_facts)
        }
        Err(e) => (
            Outcome::Undetermined,
            String::new(),
            vec![format!("{}: {}", e.field, e.message)],
        ),
    }
}

//! From facts to a decision: which rules fire, which layer decides, what is
//! missing, what would change the answer, and the trace that shows why.
//!
//! - `combine`: layer semantics (overrides, preemption, the most specific
//!   layer) and the outcome over every completion of missing facts;
//! - `fast`: the outcome-only path;
//! - `batch`: the outcome-only path over columns of many requests, memoized
//!   per distinct fact tuple;
//! - `branches`: the open questions of an undetermined request;
//! - `explain`: assumptions, questions, branches in words, the trace's
//!   readings, missing facts and counterfactuals;
//! - `decision`: the output types and their text;
//! - here: `Library::decide`, which puts a decision together.

pub mod batch;
pub mod branches;
mod combine;
mod decision;
pub mod explain;
mod fast;
pub mod native;

use serde_json::Value;

use crate::eval::{Seen, Tracer, Tri};
use crate::facts::{value_date, Facts, RequestError};
use crate::library::{KindPlan, LawVersion, Library};
use crate::load::Outcome;
use crate::schema;

use combine::{effective, plan_of, resolve};
use explain::Grounds;

pub use combine::combine;
pub use decision::*;
pub use fast::{outcome, possible_outcomes, OutcomeSet};

/// Branches shown for an undetermined decision, and the counterfactuals' own.
const MAX_BRANCHES: usize = 6;
const BRANCH_COMBOS: usize = 4096;

/// Records leaf tests for the trace.
struct Recorder {
    leaves: Vec<(u16, Option<usize>, Seen, Tri)>,
    /// Truncate subtrees that did not come out unknown (for missing facts).
    only_unknown: bool,
}

impl Tracer for Recorder {
    const FULL: bool = true;
    fn leaf(&mut self, atom: u16, item: Option<usize>, seen: Seen, result: Tri) {
        self.leaves.push((atom, item, seen, result));
    }
    fn open(&mut self) -> usize {
        self.leaves.len()
    }
    fn close(&mut self, mark: usize, result: Tri) {
        if self.only_unknown && result != Tri::U {
            self.leaves.truncate(mark);
        }
    }
}

fn tri_str(t: Tri) -> &'static str {
    match t {
        Tri::T => "true",
        Tri::F => "false",
        Tri::U => "unknown",
    }
}

fn item_path(list: Option<u8>, item: Option<usize>) -> Option<String> {
    Some(format!(
        "{}[{}]",
        schema::LISTS.get(list? as usize)?.path,
        item?
    ))
}

impl Library {
    /// Decides a request given as JSON (the contract of `schema/request.schema.json`).
    pub fn decide_json(&self, v: &Value) -> Result<Decision, RequestError> {
        let (pack, facts) = self.decode(v)?;
        self.decide(pack, &facts)
    }

    pub fn law_for(&self, pack: usize, facts: &Facts) -> Result<&LawVersion, RequestError> {
        let date = value_date(facts.scalars[schema::DATE])
            .ok_or_else(|| RequestError::new("date", "required"))?;
        self.law(pack, date)
    }

    /// The full decision, with reasons, trace, missing facts and counterfactuals.
    pub fn decide(&self, pack: usize, facts: &Facts) -> Result<Decision, RequestError> {
        let law = self.law_for(pack, facts)?;
        let empty = KindPlan::default();
        let plan = plan_of(law, facts).unwrap_or(&empty);
        let (sel, status) = resolve(plan, facts);
        let n = plan.rules.len();
        let fires: Vec<bool> = status.iter().map(|s| *s == Tri::T).collect();
        let mut eff = vec![false; n];
        effective(plan, &fires, &mut eff);

        let trace = self.trace(plan, facts, &status, &fires);
        let mut notes = Vec::new();
        let mut missing = Vec::new();
        if sel.outcome == Outcome::Undetermined {
            if status.iter().all(|s| *s == Tri::F) || n == 0 {
                notes.push(format!(
                    "No provision in force for {} on {} covers a `{}` request with these facts.",
                    self.packs[pack].id,
                    law_date(facts),
                    schema::KINDS
                        .get(facts.scalars[schema::KIND] as usize)
                        .unwrap_or(&"?")
                ));
            }
            missing = self.missing_facts(plan, facts, &status);
        }
        let grounds = self.grounds(plan, facts, &sel, &eff);
        notes.extend(grounds.notes);
        let Grounds {
            reasons,
            citations,
            obligations,
            ambiguities,
            preemptions,
            ..
        } = grounds;
        if sel.conflict {
            notes.push("Rules of one layer disagree with no stated priority; the most restrictive outcome is shown. Run `brightline lint` on the pack.".into());
        }
        let branches = if sel.outcome == Outcome::Undetermined && n > 0 {
            let e = super::branches::enumerate(plan, facts, &status, BRANCH_COMBOS);
            self.branches(plan, facts, &e, MAX_BRANCHES)
        } else {
            Vec::new()
        };
        let assumptions = self.assumptions(pack, plan, facts);
        let counterfactuals = if n > 0 {
            self.counterfactuals(law, plan, facts, sel.outcome)
        } else {
            Vec::new()
        };
        let summary = super::explain::undetermined_summary(&branches)
            .unwrap_or_else(|| summary(sel.outcome, &reasons, &missing));
        Ok(Decision {
            outcome: sel.outcome,
            summary,
            citations,
            reasons,
            obligations,
            missing_facts: missing,
            questions: super::explain::questions(&branches),
            branches,
            assumptions,
            counterfactuals,
            ambiguities,
            notes,
            preemptions,
            trace,
            law: self.law_block(pack, law, facts),
        })
    }

    fn law_block(&self, pack: usize, law: &LawVersion, facts: &Facts) -> LawBlock {
        let provision = |&(p, r): &(usize, usize)| {
            let d = &self.packs[p].rules[r].def;
            ProvisionRef {
                rule: self.rule_ref((p, r)).to_string(),
                citation: d.citation.clone(),
                effective: period(d.from, d.until),
            }
        };
        LawBlock {
            as_of: law_date(facts),
            jurisdiction: self.packs[pack].id.clone(),
            layers: law
                .chain
                .iter()
                .rev()
                .map(|&p| self.packs[p].id.clone())
                .collect(),
            version: period(law.from, law.until),
            provisions: law.rules.iter().map(provision).collect(),
            events: law
                .events
                .iter()
                .map(|&(p, e)| {
                    let ev = &self.packs[p].events[e];
                    EventRef {
                        id: format!("{}/{}", self.packs[p].id, ev.id),
                        jurisdiction: self.packs[p].id.clone(),
                        date: ev.date.to_string(),
                        until: ev.until.map(|u| u.to_string()),
                        kind: ev.kind,
                        citation: ev.citation.clone(),
                        title: ev.title.clone(),
                        targets: ev.targets.iter().map(|t| t.0.clone()).collect(),
                    }
                })
                .collect(),
            suspended: law.suspended.iter().map(|(r, _)| provision(r)).collect(),
        }
    }
}

fn law_date(facts: &Facts) -> String {
    value_date(facts.scalars[schema::DATE])
        .map(|d| d.to_string())
        .unwrap_or_default()
}

//! How layers combine: overrides, preemption, the most specific layer, and
//! the outcome every completion of missing facts gives. The full decision,
//! the outcome-only path and the whole-space analyses share these semantics.

use super::Recorder;
use crate::compile::Ref;
use crate::eval::{Eval, NoTrace, Seen, Tri};
use crate::facts::Facts;
use crate::library::{KindPlan, LawVersion, RuleBits};
use crate::load::Outcome;
use crate::schema::{self, Ty};

/// Beyond this many rules with unknown status, the engine does not enumerate.
pub(super) const MAX_UNKNOWN: usize = 16;

/// Which rules a selection made decisive, and whether they disagreed.
pub(super) struct Selection {
    pub(super) outcome: Outcome,
    /// Plan positions of the deciding rules, lowest first (any number of them).
    pub(super) winners: Vec<usize>,
    pub(super) conflict: bool,
}

/// Whether a preempting rule of outcome `pre` sets aside a more specific
/// layer's rule of outcome `low`. Preemption reaches only what the higher law
/// forbids the lower one to do: "cooperation cannot be restricted"
/// (permitted) sets aside a prohibition but not a duty to cooperate more; a
/// duty (required) sets aside prohibitions and discretion; a prohibition sets
/// aside permissions and duties.
pub(crate) fn sets_aside(pre: Outcome, low: Outcome) -> bool {
    match pre {
        Outcome::Permitted => low == Outcome::Prohibited,
        Outcome::Required => matches!(low, Outcome::Prohibited | Outcome::Permitted),
        Outcome::Prohibited => matches!(low, Outcome::Permitted | Outcome::Required),
        Outcome::Undetermined => false,
    }
}

/// Combines the effective rules, given by plan position: every rule a firing
/// preempting rule of a more general layer sets aside is dropped; then the
/// most specific layer with a rule left decides (a city may restrict what
/// federal law merely permits); within it the most restrictive outcome wins
/// and a disagreement is a conflict. Each deciding rule is handed to
/// `winner`, so that the outcome-only path combines without allocating.
/// Returns the outcome and whether the deciding rules disagreed.
pub(super) fn choose(
    plan: &KindPlan,
    eff: impl Iterator<Item = usize> + Clone,
    mut winner: impl FnMut(usize),
) -> (Outcome, bool) {
    let kept = |i: usize| {
        let r = &plan.rules[i];
        !eff.clone().any(|j| {
            let p = &plan.rules[j];
            p.preempts && p.depth > r.depth && sets_aside(p.outcome, r.outcome)
        })
    };
    let Some(depth) = eff
        .clone()
        .filter(|&i| kept(i))
        .map(|i| plan.rules[i].depth)
        .min()
    else {
        return (Outcome::Undetermined, false);
    };
    let mut outcome = Outcome::Undetermined;
    let mut conflict = false;
    for i in eff.clone() {
        let r = &plan.rules[i];
        if r.depth == depth && kept(i) {
            if outcome != Outcome::Undetermined && outcome != r.outcome {
                conflict = true;
            }
            if r.outcome.restrictiveness() > outcome.restrictiveness() {
                outcome = r.outcome;
            }
            winner(i);
        }
    }
    (outcome, conflict)
}

/// `choose`, keeping the deciding rules (for the full decision).
pub(super) fn select(plan: &KindPlan, eff: impl Iterator<Item = usize> + Clone) -> Selection {
    let mut winners = Vec::new();
    let (outcome, conflict) = choose(plan, eff, |i| winners.push(i));
    Selection {
        outcome,
        winners,
        conflict,
    }
}

/// `choose`, for the outcome alone.
pub(super) fn select_outcome(plan: &KindPlan, eff: impl Iterator<Item = usize> + Clone) -> Outcome {
    choose(plan, eff, |_| {}).0
}

/// Plan positions of the rules marked in a slice.
pub(super) fn marked(eff: &[bool]) -> impl Iterator<Item = usize> + Clone + '_ {
    eff.iter().enumerate().filter(|(_, e)| **e).map(|(i, _)| i)
}

/// Positions of the set bits, lowest first.
pub(super) fn bits(mut set: RuleBits) -> impl Iterator<Item = usize> + Clone {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let i = set.trailing_zeros() as usize;
            set &= set - 1;
            i
        })
    })
}

pub(super) fn effective(plan: &KindPlan, fires: &[bool], eff: &mut [bool]) {
    for (i, r) in plan.rules.iter().enumerate() {
        eff[i] = fires[i] && !r.overriders.iter().any(|&o| fires[o as usize]);
    }
}

/// How a plan combines when exactly the rules marked in `fires` hold: the
/// outcome and the plan positions of the deciding rules.
/// Whole-space analyses (`analysis`) call this so that they share the
/// engine's own semantics of overrides, preemption and layers.
pub fn combine(plan: &KindPlan, fires: &[bool]) -> (Outcome, Vec<usize>) {
    let mut eff = vec![false; plan.rules.len()];
    effective(plan, fires, &mut eff);
    let s = select(plan, marked(&eff));
    (s.outcome, s.winners)
}

pub(super) fn plan_of<'a>(law: &'a LawVersion, facts: &Facts) -> Option<&'a KindPlan> {
    let roles = schema::AGENCIES.len();
    let k = usize::try_from(facts.scalars[schema::KIND])
        .ok()
        .filter(|k| *k < schema::KINDS.len())?;
    let a = usize::try_from(facts.scalars[schema::AGENCY])
        .ok()
        .filter(|a| *a < roles)
        .unwrap_or(roles);
    law.plans.get(k * (roles + 1) + a)
}

/// Evaluates every rule of the plan and combines. With unknown facts, the
/// outcome is the one every completion of the facts gives, if there is one.
/// Returns the selection and the per-rule status.
pub(super) fn resolve(plan: &KindPlan, facts: &Facts) -> (Selection, Vec<Tri>) {
    let status = statuses(plan, facts);
    // With unknowns, report the rules that decide when every unknown rule is
    // taken not to fire.
    let fires: Vec<bool> = status.iter().map(|s| *s == Tri::T).collect();
    let mut eff = vec![false; fires.len()];
    effective(plan, &fires, &mut eff);
    let mut s = select(plan, marked(&eff));
    if status.contains(&Tri::U) {
        match complete(plan, facts, &status) {
            Some(o) => s.outcome = o,
            None => {
                s = Selection {
                    outcome: Outcome::Undetermined,
                    winners: Vec::new(),
                    conflict: false,
                }
            }
        }
    }
    (s, status)
}

/// `resolve` for the outcome alone: what the outcome-only path falls back
/// to for a plan too large for its bit sets, or for unknown rules the
/// combination table does not settle.
pub(super) fn resolve_outcome(plan: &KindPlan, facts: &Facts) -> Outcome {
    let status = statuses(plan, facts);
    if status.contains(&Tri::U) {
        return complete(plan, facts, &status).unwrap_or(Outcome::Undetermined);
    }
    let fires: Vec<bool> = status.iter().map(|s| *s == Tri::T).collect();
    let mut eff = vec![false; fires.len()];
    effective(plan, &fires, &mut eff);
    select_outcome(plan, marked(&eff))
}

/// The outcome every completion of the facts gives, if there is one.
pub(super) fn complete(plan: &KindPlan, facts: &Facts, status: &[Tri]) -> Option<Outcome> {
    complete_facts(plan, facts, status)
        .or_else(|| super::branches::enumerate(plan, facts, status, RESOLVE_COMBOS).unanimous())
}

pub(super) fn statuses(plan: &KindPlan, facts: &Facts) -> Vec<Tri> {
    plan.rules
        .iter()
        .map(|r| Eval::new(facts, &mut NoTrace).eval(&r.cond, None))
        .collect()
}

/// Past this many combinations of missing values, fall back to rule-level enumeration.
pub(super) const MAX_COMPLETIONS: usize = 4096;

/// The test-level enumeration that settles what fact completion cannot
/// (a missing date or table membership that every answer agrees on).
pub(super) const RESOLVE_COMBOS: usize = 1024;

/// Tries every value of the missing enum, boolean and set facts the unknown
/// rules read (exact), then, for what stays unknown (dates, numbers, list
/// items, table lookups), every truth value of the rules (sound, not complete).
pub(super) fn complete_facts(plan: &KindPlan, facts: &Facts, status: &[Tri]) -> Option<Outcome> {
    let mut missing: Vec<usize> = Vec::new();
    for (i, r) in plan.rules.iter().enumerate() {
        if status[i] != Tri::U {
            continue;
        }
        let mut rec = Recorder {
            leaves: Vec::new(),
            only_unknown: true,
        };
        Eval::new(facts, &mut rec).eval(&r.cond, None);
        for (_, _, seen, _) in rec.leaves {
            if let Seen::Missing(Ref::Scalar(f)) = seen {
                let f = f as usize;
                if matches!(schema::SCALARS[f].ty, Ty::Bool | Ty::Enum(_) | Ty::Set(_))
                    && !missing.contains(&f)
                {
                    missing.push(f);
                }
            }
        }
    }
    let domain = |f: usize| -> Vec<i64> {
        match schema::SCALARS[f].ty {
            Ty::Bool => vec![0, 1],
            Ty::Enum(d) => (0..d.len() as i64).collect(),
            Ty::Set(d) => (0..(1i64 << d.len())).collect(),
            _ => vec![],
        }
    };
    let size = missing.iter().try_fold(1usize, |acc, &f| {
        acc.checked_mul(domain(f).len())
            .filter(|n| *n <= MAX_COMPLETIONS)
    });
    if missing.is_empty() || size.is_none() {
        return enumerate_rules(plan, status);
    }
    let domains: Vec<Vec<i64>> = missing.iter().map(|&f| domain(f)).collect();
    let mut idx = vec![0usize; missing.len()];
    let mut f2 = facts.clone();
    let mut result: Option<Outcome> = None;
    loop {
        for (k, &f) in missing.iter().enumerate() {
            f2.scalars[f] = crate::facts::narrow(domains[k][idx[k]]);
        }
        let st = statuses(plan, &f2);
        let o = enumerate_rules(plan, &st)?;
        match result {
            None => result = Some(o),
            Some(r) if r == o => {}
            Some(_) => return None,
        }
        let mut k = 0;
        loop {
            if k == idx.len() {
                return result;
            }
            idx[k] += 1;
            if idx[k] < domains[k].len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

/// Every truth value of the rules whose status is unknown: the outcome if all agree.
pub(super) fn settle(plan: &KindPlan, status: &[Tri]) -> Option<Outcome> {
    enumerate_rules(plan, status)
}

pub(super) fn enumerate_rules(plan: &KindPlan, status: &[Tri]) -> Option<Outcome> {
    let unknown: Vec<usize> = (0..status.len()).filter(|&i| status[i] == Tri::U).collect();
    if unknown.len() > MAX_UNKNOWN {
        return None;
    }
    let mut fires: Vec<bool> = status.iter().map(|s| *s == Tri::T).collect();
    let mut eff = vec![false; fires.len()];
    let mut result: Option<Outcome> = None;
    for bits in 0u32..(1 << unknown.len()) {
        for (j, &i) in unknown.iter().enumerate() {
            fires[i] = bits & (1 << j) != 0;
        }
        effective(plan, &fires, &mut eff);
        let o = select_outcome(plan, marked(&eff));
        match result {
            None => result = Some(o),
            Some(r) if r == o => {}
            Some(_) => return None,
        }
    }
    result
}

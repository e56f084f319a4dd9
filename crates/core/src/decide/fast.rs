//! The outcome-only path: no trace, and for plans of up to `FAST_RULES` rules
//! no allocation once a small plan's combination table is built.

use std::ops::{BitOrAssign, Shl};

use super::combine::{bits, combine, plan_of, resolve_outcome, select_outcome, statuses};
use super::BRANCH_COMBOS;
use crate::eval::{Eval, NoTrace, Tri};
use crate::facts::Facts;
use crate::library::{KindPlan, LawVersion, PlanPos, RuleBits, FAST_RULES};
use crate::load::Outcome;

/// The outcome alone: no trace, and for plans of up to `FAST_RULES` rules no allocation
/// (after the first use of a small plan, which builds its combination table).
pub fn outcome(law: &LawVersion, facts: &Facts) -> Outcome {
    let Some(plan) = plan_of(law, facts) else {
        return Outcome::Undetermined;
    };
    if plan.rules.len() > FAST_RULES {
        return resolve_outcome(plan, facts);
    }
    if let Some(table) = combined(plan) {
        // A small plan's bit sets fit a machine word (`TABLE_RULES` bits).
        let (fires, unknown) = match plan.native {
            Some(f) => {
                let (fires, unknown) = f(facts);
                (fires as usize, unknown as usize)
            }
            None => live_bits(plan, facts, plan.always as usize),
        };
        // Every truth value of the unknown rules: if all give one outcome, every
        // completion of the facts does too (the sound half of `resolve`).
        let first = table[fires];
        let mut sub = unknown;
        while sub != 0 && table[fires | sub] == first {
            sub = (sub - 1) & unknown;
        }
        return if sub == 0 {
            first
        } else {
            resolve_outcome(plan, facts)
        };
    }
    let (fires, unknown): (RuleBits, RuleBits) = match plan.native {
        Some(f) => f(facts),
        None => live_bits(plan, facts, plan.always),
    };
    if unknown != 0 {
        return resolve_outcome(plan, facts);
    }
    // `effective` over bit sets: the same combination, without slices.
    let eff = bits(fires)
        .filter(|&i| fires & plan.overridden_by[i] == 0)
        .fold(0, |m: RuleBits, i| m | 1 << i);
    select_outcome(plan, bits(eff))
}

/// Evaluates each rule of the plan that still tests something: the rules that
/// fire (with the `always` ones) and those the facts leave open, as bit sets
/// of plan positions. `B` is a machine word for a small plan, `RuleBits` else.
#[inline(always)]
pub(super) fn live_bits<B>(plan: &KindPlan, facts: &Facts, always: B) -> (B, B)
where
    B: Copy + From<u8> + BitOrAssign + Shl<PlanPos, Output = B>,
{
    let mut quiet = NoTrace;
    let mut ev = Eval::new(facts, &mut quiet);
    let (mut fires, mut unknown) = (always, B::from(0));
    for &i in &plan.live {
        match ev.eval_in_place(&plan.fast[i as usize]) {
            Tri::T => fires |= B::from(1) << i,
            Tri::F => {}
            Tri::U => unknown |= B::from(1) << i,
        }
    }
    (fires, unknown)
}

/// The outcomes a request can still have over every completion of the facts
/// it lacks: one outcome when it is decided; for an undetermined request,
/// every outcome some answer to its open questions gives (a superset of the
/// reachable ones: tests the facts leave open are enumerated as free). The
/// partial-identification bounds of a simulation are built from this.
pub fn possible_outcomes(law: &LawVersion, facts: &Facts) -> OutcomeSet {
    let o = outcome(law, facts);
    if o != Outcome::Undetermined {
        return OutcomeSet::of(o);
    }
    let Some(plan) = plan_of(law, facts) else {
        return OutcomeSet::of(o);
    };
    let status = statuses(plan, facts);
    let e = super::branches::enumerate(plan, facts, &status, BRANCH_COMBOS);
    let mut set = OutcomeSet::default();
    for (_, x) in &e.combos {
        set.insert(*x);
    }
    if e.truncated {
        set.insert(Outcome::Undetermined);
    }
    set
}

/// A set of outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OutcomeSet(u8);

impl OutcomeSet {
    pub fn of(o: Outcome) -> OutcomeSet {
        let mut s = OutcomeSet::default();
        s.insert(o);
        s
    }
    pub fn insert(&mut self, o: Outcome) {
        self.0 |= 1 << o as u8;
    }
    pub fn contains(self, o: Outcome) -> bool {
        self.0 & (1 << o as u8) != 0
    }
    /// The one outcome, if the set holds exactly one.
    pub fn single(self) -> Option<Outcome> {
        [
            Outcome::Required,
            Outcome::Permitted,
            Outcome::Prohibited,
            Outcome::Undetermined,
        ]
        .into_iter()
        .find(|o| OutcomeSet::of(*o) == self)
    }
}

/// Plans of up to this many rules combine by table lookup (2^n entries).
pub(super) const TABLE_RULES: usize = 10;

/// The plan's outcome for every set of firing rules, if the plan is small.
pub(super) fn combined(plan: &KindPlan) -> Option<&[Outcome]> {
    let n = plan.rules.len();
    (n <= TABLE_RULES).then(|| {
        &**plan.combined.get_or_init(|| {
            (0..1usize << n)
                .map(|m| {
                    let fires: Vec<bool> = (0..n).map(|i| m & 1 << i != 0).collect();
                    combine(plan, &fires).0
                })
                .collect()
        })
    })
}

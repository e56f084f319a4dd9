//! From facts to a decision: which rules fire, which layer decides, what is
//! missing, what would change the answer, and the trace that shows why.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::compile::Ref;
use crate::eval::{Eval, NoTrace, Seen, Tracer, Tri};
use crate::facts::{value_date, Facts, RequestError, MISSING};
use crate::library::{KindPlan, LawVersion, Library, RuleBits, FAST_RULES};
use crate::load::Outcome;
use crate::schema::{self, Ty};

// Named here too, where they were first defined.
pub use crate::compile::fact_ty;
pub use crate::facts::show_value;

/// Beyond this many rules with unknown status, the engine does not enumerate.
const MAX_UNKNOWN: usize = 16;

/// Which rules a selection made decisive, and whether they disagreed.
struct Selection {
    outcome: Outcome,
    /// Plan positions of the deciding rules, lowest first (any number of them).
    winners: Vec<usize>,
    conflict: bool,
}

/// Whether a preempting rule of outcome `pre` sets aside a more specific
/// layer's rule of outcome `low`. Preemption reaches only what the higher law
/// forbids the lower one to do: "cooperation cannot be restricted"
/// (permitted) sets aside a prohibition but not a duty to cooperate more; a
/// duty (required) sets aside prohibitions and discretion; a prohibition sets
/// aside permissions and duties.
pub fn sets_aside(pre: Outcome, low: Outcome) -> bool {
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
fn choose(
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
fn select(plan: &KindPlan, eff: impl Iterator<Item = usize> + Clone) -> Selection {
    let mut winners = Vec::new();
    let (outcome, conflict) = choose(plan, eff, |i| winners.push(i));
    Selection {
        outcome,
        winners,
        conflict,
    }
}

/// `choose`, for the outcome alone.
fn select_outcome(plan: &KindPlan, eff: impl Iterator<Item = usize> + Clone) -> Outcome {
    choose(plan, eff, |_| {}).0
}

/// Plan positions of the rules marked in a slice.
fn marked(eff: &[bool]) -> impl Iterator<Item = usize> + Clone + '_ {
    eff.iter().enumerate().filter(|(_, e)| **e).map(|(i, _)| i)
}

/// Positions of the set bits, lowest first.
fn bits(mut set: RuleBits) -> impl Iterator<Item = usize> + Clone {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let i = set.trailing_zeros() as usize;
            set &= set - 1;
            i
        })
    })
}

fn effective(plan: &KindPlan, fires: &[bool], eff: &mut [bool]) {
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

/// The outcome alone: no trace, and for plans of up to `FAST_RULES` rules no allocation
/// (after the first use of a small plan, which builds its combination table).
pub fn outcome(law: &LawVersion, facts: &Facts) -> Outcome {
    let Some(plan) = plan_of(law, facts) else {
        return Outcome::Undetermined;
    };
    if plan.rules.len() > FAST_RULES {
        return resolve_outcome(plan, facts);
    }
    let (mut fires, mut unknown): (RuleBits, RuleBits) = (plan.always, 0);
    let mut quiet = NoTrace;
    let mut ev = Eval::new(facts, &mut quiet);
    for &i in &plan.live {
        match ev.eval(&plan.fast[i as usize], None) {
            Tri::T => fires |= 1 << i,
            Tri::F => {}
            Tri::U => unknown |= 1 << i,
        }
    }
    if let Some(table) = combined(plan) {
        // Every truth value of the unknown rules: if all give one outcome, every
        // completion of the facts does too (the sound half of `resolve`).
        let first = table[fires as usize];
        let mut sub = unknown;
        while sub != 0 && table[(fires | sub) as usize] == first {
            sub = (sub - 1) & unknown;
        }
        if sub == 0 {
            return first;
        }
    }
    if unknown != 0 {
        return resolve_outcome(plan, facts);
    }
    // `effective` over bit sets: the same combination, without slices.
    let eff = bits(fires)
        .filter(|&i| fires & plan.overridden_by[i] == 0)
        .fold(0, |m: RuleBits, i| m | 1 << i);
    select_outcome(plan, bits(eff))
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
    let e = crate::branches::enumerate(plan, facts, &status, BRANCH_COMBOS);
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
const TABLE_RULES: usize = 10;

/// The plan's outcome for every set of firing rules, if the plan is small.
fn combined(plan: &KindPlan) -> Option<&[Outcome]> {
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

fn plan_of<'a>(law: &'a LawVersion, facts: &Facts) -> Option<&'a KindPlan> {
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
fn resolve(plan: &KindPlan, facts: &Facts) -> (Selection, Vec<Tri>) {
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
fn resolve_outcome(plan: &KindPlan, facts: &Facts) -> Outcome {
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
fn complete(plan: &KindPlan, facts: &Facts, status: &[Tri]) -> Option<Outcome> {
    complete_facts(plan, facts, status)
        .or_else(|| crate::branches::enumerate(plan, facts, status, RESOLVE_COMBOS).unanimous())
}

fn statuses(plan: &KindPlan, facts: &Facts) -> Vec<Tri> {
    plan.rules
        .iter()
        .map(|r| Eval::new(facts, &mut NoTrace).eval(&r.cond, None))
        .collect()
}

/// Past this many combinations of missing values, fall back to rule-level enumeration.
const MAX_COMPLETIONS: usize = 4096;
/// The test-level enumeration that settles what fact completion cannot
/// (a missing date or table membership that every answer agrees on).
const RESOLVE_COMBOS: usize = 1024;
/// Branches shown for an undetermined decision, and the counterfactuals' own.
const MAX_BRANCHES: usize = 6;
const BRANCH_COMBOS: usize = 4096;
const COUNTERFACTUAL_COMBOS: usize = 256;

/// Tries every value of the missing enum, boolean and set facts the unknown
/// rules read (exact), then, for what stays unknown (dates, numbers, list
/// items, table lookups), every truth value of the rules (sound, not complete).
fn complete_facts(plan: &KindPlan, facts: &Facts, status: &[Tri]) -> Option<Outcome> {
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
            f2.scalars[f] = domains[k][idx[k]];
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
pub(crate) fn settle(plan: &KindPlan, status: &[Tri]) -> Option<Outcome> {
    enumerate_rules(plan, status)
}

fn enumerate_rules(plan: &KindPlan, status: &[Tri]) -> Option<Outcome> {
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

// ---------------------------------------------------------------- decision

#[derive(Clone, Debug, Serialize)]
pub struct Reason {
    pub rule: String,
    pub citation: String,
    pub title: String,
    pub outcome: Outcome,
    pub jurisdiction: String,
    pub confidence: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// The part of the law that matched: a listed offense and its list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ObligationOut {
    pub id: String,
    pub text: String,
    pub citation: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AmbiguityOut {
    pub rule: String,
    pub citation: String,
    pub other_reading: String,
    pub cites: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Counterfactual {
    #[serde(rename = "if")]
    pub change: Map<String, Value>,
    pub outcome: Outcome,
    /// The outcome holds only with these answers too (the change alone leaves it open).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provided: Vec<Answer>,
    /// The changed fact was implied or presumed, not stated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumption: bool,
}

/// A fact the request did not state and the decision took as given.
#[derive(Clone, Debug, Serialize)]
pub struct Assumption {
    pub fact: String,
    pub value: Value,
    /// `implied` by the request itself, or `presumed` by the law.
    pub basis: &'static str,
    pub why: String,
    pub citation: String,
    /// The record that would show otherwise (presumptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebutted_by: Option<String>,
}

/// A missing fact that matters, asked as a person would ask it.
#[derive(Clone, Debug, Serialize)]
pub struct Question {
    pub fact: String,
    pub question: String,
    pub help: String,
}

/// One answer in a branch: a fact's value, or whether a test holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Answer {
    pub fact: String,
    pub question: String,
    pub answer: Value,
    /// For a test that no single fact value settles (a look-back window, a
    /// table membership): the test, as the law pack writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
}

/// An undetermined decision's outcome under some answers.
#[derive(Clone, Debug, Serialize)]
pub struct Branch {
    pub when: Vec<Answer>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    pub test: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub saw: String,
    pub result: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct TraceRule {
    pub rule: String,
    pub citation: String,
    pub outcome: Outcome,
    pub result: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub defeated_by: Vec<String>,
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProvisionRef {
    pub rule: String,
    pub citation: String,
    pub effective: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct EventRef {
    pub id: String,
    pub jurisdiction: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub kind: crate::load::EventKind,
    pub citation: String,
    pub title: String,
    pub targets: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LawBlock {
    pub as_of: String,
    pub jurisdiction: String,
    pub layers: Vec<String>,
    pub version: String,
    pub provisions: Vec<ProvisionRef>,
    pub events: Vec<EventRef>,
    pub suspended: Vec<ProvisionRef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub summary: String,
    pub citations: Vec<String>,
    pub reasons: Vec<Reason>,
    pub obligations: Vec<ObligationOut>,
    pub missing_facts: Vec<String>,
    /// The missing facts that can change the outcome, as questions.
    pub questions: Vec<Question>,
    /// For an undetermined decision: the outcome under each answer, the most common first.
    pub branches: Vec<Branch>,
    /// Facts not stated that the decision took from the request's own
    /// implications or the law's presumptions.
    pub assumptions: Vec<Assumption>,
    pub counterfactuals: Vec<Counterfactual>,
    pub ambiguities: Vec<AmbiguityOut>,
    pub notes: Vec<String>,
    /// A preempting rule that decided, and the lower layers' rules to the
    /// contrary that it set aside.
    pub preemptions: Vec<Preemption>,
    pub trace: Vec<TraceRule>,
    pub law: LawBlock,
}

#[derive(Clone, Debug, Serialize)]
pub struct Preemption {
    pub prevailing: String,
    pub citation: String,
    pub preempted: Vec<PreemptedRule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PreemptedRule {
    pub rule: String,
    pub citation: String,
    pub jurisdiction: String,
    pub outcome: Outcome,
}

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

        let name = |i: usize| {
            let (p, r) = plan.rules[i].rule;
            format!("{}/{}", self.packs[p].id, self.packs[p].rules[r].def.id)
        };
        // Trace: every rule the request kind brings into play.
        let mut trace = Vec::new();
        for (i, pr) in plan.rules.iter().enumerate() {
            let cr = self.rule(pr.rule);
            let mut rec = Recorder {
                leaves: Vec::new(),
                only_unknown: false,
            };
            Eval::new(facts, &mut rec).eval(&pr.cond, None);
            let defeated_by: Vec<String> = pr
                .overriders
                .iter()
                .filter(|&&o| fires[o as usize])
                .map(|&o| name(o as usize))
                .collect();
            let result = match status[i] {
                Tri::T if !defeated_by.is_empty() => "defeated",
                Tri::T => "fires",
                Tri::F => "does not fire",
                Tri::U => "unknown",
            };
            let conditions = rec
                .leaves
                .iter()
                .map(|(a, item, seen, res)| {
                    let info = &cr.atoms[*a as usize];
                    // A negated test is shown as written, with its own result.
                    let (test, res) = if info.negated {
                        (format!("not {}", info.text), !*res)
                    } else {
                        (info.text.clone(), *res)
                    };
                    Condition {
                        test,
                        item: item_path(info.list, *item),
                        saw: self.describe_seen(*seen, info.list, *item, facts),
                        result: tri_str(res),
                    }
                })
                .collect();
            trace.push(TraceRule {
                rule: name(i),
                citation: cr.def.citation.clone(),
                outcome: cr.def.outcome,
                result,
                defeated_by,
                conditions,
            });
        }

        let mut reasons = Vec::new();
        let mut citations: Vec<String> = Vec::new();
        let mut obligations: Vec<ObligationOut> = Vec::new();
        let mut ambiguities = Vec::new();
        let mut notes = Vec::new();
        let mut preemptions = Vec::new();
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
            for (i, pr) in plan.rules.iter().enumerate() {
                if status[i] != Tri::U {
                    continue;
                }
                let cr = self.rule(pr.rule);
                let mut rec = Recorder {
                    leaves: Vec::new(),
                    only_unknown: true,
                };
                Eval::new(facts, &mut rec).eval(&pr.cond, None);
                for (a, item, seen, _) in rec.leaves {
                    let info = &cr.atoms[a as usize];
                    if let Some(m) = self.missing_name(seen, info.list, item, facts) {
                        if !missing.contains(&m) {
                            missing.push(m);
                        }
                    }
                }
            }
        }
        // Deciding rules first (most specific layer first), then rules of other layers to the same effect.
        let mut deciding = vec![false; n];
        for &i in &sel.winners {
            deciding[i] = true;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (!deciding[i], plan.rules[i].depth));
        for i in order {
            let pr = &plan.rules[i];
            let decisive = deciding[i];
            // Rules of other layers that fired to the same effect support the answer.
            let supporting = eff[i] && pr.outcome == sel.outcome && !decisive;
            if !(decisive || supporting) {
                continue;
            }
            let cr = self.rule(pr.rule);
            let d = &cr.def;
            if !citations.contains(&d.citation) {
                citations.push(d.citation.clone());
            }
            reasons.push(Reason {
                rule: name(i),
                citation: d.citation.clone(),
                title: d.title.clone(),
                outcome: d.outcome,
                jurisdiction: self.packs[pr.rule.0].id.clone(),
                confidence: d.confidence.clone(),
                source: d.source.clone(),
                quote: d.quote.clone(),
                matched: self.matched(pr, facts),
            });
            for o in &d.obligations {
                if !obligations.iter().any(|x| x.id == o.id) {
                    obligations.push(ObligationOut {
                        id: o.id.clone(),
                        text: o.text.clone(),
                        citation: d.citation.clone(),
                    });
                }
            }
            if let Some(a) = &d.ambiguity {
                ambiguities.push(AmbiguityOut {
                    rule: name(i),
                    citation: d.citation.clone(),
                    other_reading: a.other_reading.clone(),
                    cites: a.cites.clone(),
                });
            }
            if decisive && pr.preempts {
                let set_aside: Vec<PreemptedRule> = (0..n)
                    .filter(|&j| {
                        let o = &plan.rules[j];
                        eff[j] && o.depth < pr.depth && sets_aside(pr.outcome, o.outcome)
                    })
                    .map(|j| {
                        let o = &plan.rules[j];
                        PreemptedRule {
                            rule: name(j),
                            citation: self.rule(o.rule).def.citation.clone(),
                            jurisdiction: self.packs[o.rule.0].id.clone(),
                            outcome: o.outcome,
                        }
                    })
                    .collect();
                if !set_aside.is_empty() {
                    notes.push(format!(
                        "{} ({}) preempts the lower layer's {}.",
                        d.citation,
                        self.packs[pr.rule.0].id,
                        set_aside
                            .iter()
                            .map(|p| format!(
                                "{} ({}), which alone would make this {}",
                                p.citation,
                                p.jurisdiction,
                                p.outcome.as_str()
                            ))
                            .collect::<Vec<_>>()
                            .join("; and ")
                    ));
                    preemptions.push(Preemption {
                        prevailing: name(i),
                        citation: d.citation.clone(),
                        preempted: set_aside,
                    });
                }
            }
        }
        if sel.conflict {
            notes.push("Rules of one layer disagree with no stated priority; the most restrictive outcome is shown. Run `brightline lint` on the pack.".into());
        }
        let branches = if sel.outcome == Outcome::Undetermined && n > 0 {
            let e = crate::branches::enumerate(plan, facts, &status, BRANCH_COMBOS);
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
        let summary = crate::explain::undetermined_summary(&branches)
            .unwrap_or_else(|| summary(sel.outcome, &reasons, &missing));
        Ok(Decision {
            outcome: sel.outcome,
            summary,
            citations,
            reasons,
            obligations,
            missing_facts: missing,
            questions: crate::explain::questions(&branches),
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

    fn describe_seen(
        &self,
        seen: Seen,
        list: Option<u8>,
        item: Option<usize>,
        facts: &Facts,
    ) -> String {
        match seen {
            Seen::Value(r, v) => match fact_ty(r, list) {
                Some((_, Ty::Offense)) => {
                    let code = item.and_then(|i| {
                        facts
                            .lists
                            .get(list.unwrap_or(0) as usize)?
                            .as_ref()?
                            .get(i)?
                            .offense
                            .clone()
                    });
                    code.unwrap_or_default()
                }
                Some((_, ty)) => show_value(ty, v).to_string().trim_matches('"').to_string(),
                None => v.to_string(),
            },
            Seen::Missing(r) => format!(
                "{} not given",
                fact_ty(r, list).map(|x| x.0).unwrap_or_default()
            ),
            Seen::TableUnknown => {
                let code = item
                    .and_then(|i| {
                        facts
                            .lists
                            .get(list.unwrap_or(0) as usize)?
                            .as_ref()?
                            .get(i)?
                            .offense
                            .clone()
                    })
                    .unwrap_or_default();
                format!("{code}: membership cannot be decided from the tables")
            }
            Seen::Nothing => "list not given".into(),
        }
    }

    fn missing_name(
        &self,
        seen: Seen,
        list: Option<u8>,
        item: Option<usize>,
        facts: &Facts,
    ) -> Option<String> {
        match seen {
            Seen::Missing(Ref::Scalar(i)) => {
                Some(schema::SCALARS.get(i as usize)?.path.to_string())
            }
            Seen::Missing(r @ Ref::Field(_)) => Some(format!(
                "{}.{}",
                item_path(list, item)?,
                fact_ty(r, list)?.0
            )),
            Seen::TableUnknown => {
                let it = facts.lists.get(list? as usize)?.as_ref()?.get(item?)?;
                Some(format!(
                    "{}.offense ({}: not decidable from the offense tables — an unknown section, a missing subdivision, or a code from another jurisdiction whose equivalent here must be determined)",
                    item_path(list, item)?,
                    it.offense.clone().unwrap_or_default()
                ))
            }
            Seen::Nothing => Some(schema::LISTS.get(list? as usize)?.path.to_string()),
            _ => None,
        }
    }

    fn counterfactuals(
        &self,
        law: &LawVersion,
        plan: &KindPlan,
        facts: &Facts,
        current: Outcome,
    ) -> Vec<Counterfactual> {
        // Facts the rules read, except those that define the question itself.
        let mut scalars: Vec<u8> = Vec::new();
        let mut fields: Vec<(u8, u8)> = Vec::new();
        for pr in &plan.rules {
            for a in &self.rule(pr.rule).atoms {
                for r in &a.reads {
                    match (*r, a.list) {
                        (Ref::Scalar(i), _)
                            if ![schema::DATE, schema::AGENCY, schema::KIND]
                                .contains(&(i as usize))
                                && !scalars.contains(&i) =>
                        {
                            scalars.push(i)
                        }
                        (Ref::Field(f), Some(l)) if !fields.contains(&(l, f)) => {
                            fields.push((l, f))
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut try_change = |path: String, ty: Ty, value: i64, f: Facts, assumed: bool| {
            let o = outcome(law, &f);
            let mut change = Map::new();
            change.insert(path, show_value(ty, value));
            if o != current && o != Outcome::Undetermined {
                out.push(Counterfactual {
                    change,
                    outcome: o,
                    provided: Vec::new(),
                    assumption: assumed,
                });
            } else if o == Outcome::Undetermined {
                // The change alone leaves the answer open: show what else it
                // would take ("with a judicial warrant: permitted, if …").
                let Some(plan) = plan_of(law, &f) else { return };
                let status = statuses(plan, &f);
                let e = crate::branches::enumerate(plan, &f, &status, COUNTERFACTUAL_COMBOS);
                let best = e
                    .cubes(MAX_BRANCHES)
                    .into_iter()
                    .find(|c| c.outcome != current && c.outcome != Outcome::Undetermined);
                if let Some(c) = best {
                    out.push(Counterfactual {
                        change,
                        outcome: c.outcome,
                        provided: c
                            .fixed
                            .iter()
                            .map(|&(q, v)| self.answer(plan, &f, &e.questions[q], v))
                            .collect(),
                        assumption: assumed,
                    });
                }
            }
        };
        for &i in &scalars {
            let def = schema::SCALARS[i as usize];
            let cur = facts.scalars[i as usize];
            let assumed = (facts.implied | facts.presumed) & (1 << i) != 0;
            for v in candidates(def.ty, cur) {
                let mut f = facts.clone();
                f.scalars[i as usize] = v;
                // A fact now stated is no longer presumed.
                f.implied &= !(1 << i);
                f.presumed &= !(1 << i);
                try_change(def.path.to_string(), def.ty, v, f, assumed);
            }
        }
        for &(l, fi) in &fields {
            let def = schema::LISTS[l as usize].fields[fi as usize];
            let Some(items) = &facts.lists[l as usize] else {
                continue;
            };
            for (ii, it) in items.iter().enumerate() {
                let assumed = (it.presumed | it.implied) & (1 << fi) != 0;
                for v in candidates(def.ty, it.fields[fi as usize]) {
                    let mut f = facts.clone();
                    if let Some(items) = f.lists[l as usize].as_mut() {
                        items[ii].fields[fi as usize] = v;
                        items[ii].presumed &= !(1 << fi);
                        items[ii].implied &= !(1 << fi);
                    }
                    try_change(
                        format!("{}[{ii}].{}", schema::LISTS[l as usize].path, def.path),
                        def.ty,
                        v,
                        f,
                        assumed,
                    );
                }
            }
        }
        // What the decision assumed comes first: those are what a lawyer checks.
        out.sort_by_key(|c| !c.assumption);
        out.truncate(16);
        out
    }

    /// The part of a firing rule's condition that matched a list: "NY PL
    /// 120.05 is listed (N.Y.C. Admin. Code § 9-131(a)(7))".
    fn matched(&self, pr: &crate::library::PlanRule, facts: &Facts) -> Vec<String> {
        let cr = self.rule(pr.rule);
        let mut rec = Recorder {
            leaves: Vec::new(),
            only_unknown: false,
        };
        Eval::new(facts, &mut rec).eval(&pr.cond, None);
        let tables = crate::branches::tables_of(&pr.cond);
        let mut out: Vec<String> = Vec::new();
        for (a, item, seen, res) in rec.leaves {
            let Some(Some(bit)) = tables.get(a as usize) else {
                continue;
            };
            let info = &cr.atoms[a as usize];
            if res != Tri::from_bool(!info.negated) || !matches!(seen, crate::eval::Seen::Value(..))
            {
                continue;
            }
            let code = item.and_then(|i| {
                facts
                    .lists
                    .get(info.list? as usize)?
                    .as_ref()?
                    .get(i)?
                    .offense
                    .clone()
            });
            let Some(t) = self.lists.get(*bit as usize) else {
                continue;
            };
            let list = if t.citation.is_empty() {
                t.title.clone()
            } else {
                t.citation.clone()
            };
            let line = match (code, info.negated) {
                (Some(c), false) => format!("{list}: {c} is listed"),
                (Some(c), true) => format!("{list}: {c} is not listed"),
                (None, _) => continue,
            };
            if !out.contains(&line) {
                out.push(line);
            }
        }
        out
    }

    fn law_block(&self, pack: usize, law: &LawVersion, facts: &Facts) -> LawBlock {
        let provision = |&(p, r): &(usize, usize)| {
            let d = &self.packs[p].rules[r].def;
            ProvisionRef {
                rule: format!("{}/{}", self.packs[p].id, d.id),
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

pub fn period(from: time::Date, until: Option<time::Date>) -> String {
    match until {
        Some(u) => format!("{from} .. {u}"),
        None => format!("{from} .."),
    }
}

fn candidates(ty: Ty, cur: i64) -> Vec<i64> {
    match ty {
        Ty::Bool => match cur {
            MISSING => vec![0, 1],
            v => vec![1 - v],
        },
        Ty::Enum(d) => (0..d.len() as i64).filter(|v| *v != cur).collect(),
        Ty::Set(d) => {
            let base = if cur == MISSING { 0 } else { cur };
            (0..d.len())
                .map(|i| base ^ (1 << i))
                .filter(|v| *v != 0)
                .collect()
        }
        _ => vec![],
    }
}

/// A missing-fact path as its question, with the path after it.
fn question_of(path: &str) -> String {
    let field = |p: &str| {
        schema::SCALARS
            .iter()
            .find(|d| d.path == p)
            .map(|d| d.question)
            .or_else(|| {
                schema::LISTS.iter().find_map(|l| {
                    let rest = p.strip_prefix(l.path)?;
                    let f = rest.rsplit('.').next()?;
                    l.fields.iter().find(|d| d.path == f).map(|d| d.question)
                })
            })
    };
    match field(path) {
        Some(q) => format!("{q} [{path}]"),
        None => path.to_string(),
    }
}

fn summary(o: Outcome, reasons: &[Reason], missing: &[String]) -> String {
    let head = reasons.first();
    match (o, head) {
        (Outcome::Undetermined, _) if !missing.is_empty() => {
            format!("UNDETERMINED: needs {}", missing.join(", "))
        }
        (Outcome::Undetermined, _) => "UNDETERMINED: no provision decides this request".into(),
        (_, Some(r)) => format!(
            "{}: {} ({})",
            o.as_str().to_uppercase(),
            r.title,
            r.citation
        ),
        (_, None) => o.as_str().to_uppercase(),
    }
}

impl Decision {
    /// The decision for a person at a desk: the answer, why, what would change it.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.summary);
        let _ = writeln!(
            s,
            "Law of {} as of {} (layers: {}).",
            self.law.jurisdiction,
            self.law.as_of,
            self.law.layers.join(" > ")
        );
        if !self.reasons.is_empty() {
            let _ = writeln!(s, "\nWhy:");
            for r in &self.reasons {
                let conf = if r.confidence == "verbatim" {
                    String::new()
                } else {
                    format!(" [{}]", r.confidence)
                };
                let _ = writeln!(
                    s,
                    "  - {} — {}: {}{}",
                    r.outcome.as_str(),
                    r.citation,
                    r.title,
                    conf
                );
                for m in &r.matched {
                    let _ = writeln!(s, "      matched: {m}");
                }
            }
        }
        if !self.obligations.is_empty() {
            let _ = writeln!(s, "\nObligations:");
            for o in &self.obligations {
                let _ = writeln!(s, "  - {} ({})", o.text, o.citation);
            }
        }
        if !self.assumptions.is_empty() {
            let _ = writeln!(s, "\nAssumed, not stated (say so if any is wrong):");
            for a in &self.assumptions {
                let by = a
                    .rebutted_by
                    .as_ref()
                    .map(|r| format!(" Shown otherwise by {r}."))
                    .unwrap_or_default();
                let cite = if a.citation.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", a.citation)
                };
                let why = a.why.trim_end_matches('.');
                let _ = writeln!(
                    s,
                    "  - {} = {} ({}): {why}.{cite}{by}",
                    a.fact, a.value, a.basis
                );
            }
        }
        if !self.branches.is_empty() {
            let _ = writeln!(s, "\nThe answer under each case:");
            for b in &self.branches {
                let when: Vec<String> = b.when.iter().map(crate::explain::phrase).collect();
                let when = if when.is_empty() {
                    "otherwise".to_string()
                } else {
                    when.join("; and ")
                };
                let _ = writeln!(s, "  - {}: {when}", b.outcome.as_str().to_uppercase());
            }
        }
        if !self.questions.is_empty() {
            let _ = writeln!(s, "\nNeeded to decide:");
            for q in &self.questions {
                let _ = writeln!(s, "  - {} [{}]", q.question, q.fact);
            }
        } else if !self.missing_facts.is_empty() {
            let _ = writeln!(s, "\nNeeded to decide:");
            for m in &self.missing_facts {
                let _ = writeln!(s, "  - {}", question_of(m));
            }
        }
        for a in &self.ambiguities {
            let _ = writeln!(
                s,
                "\nAmbiguity in {}: another reading is that {} ({}).",
                a.citation, a.other_reading, a.cites
            );
        }
        for n in &self.notes {
            let _ = writeln!(s, "\nNote: {n}");
        }
        if !self.law.events.is_empty() {
            let _ = writeln!(s, "\nCourt orders and events in force:");
            for e in &self.law.events {
                let _ = writeln!(
                    s,
                    "  - {} {}: {} ({})",
                    e.date,
                    e.kind_str(),
                    e.title,
                    e.citation
                );
            }
        }
        if !self.counterfactuals.is_empty() {
            let _ = writeln!(s, "\nWhat would change the answer:");
            for c in &self.counterfactuals {
                let (k, v) = c
                    .change
                    .iter()
                    .next()
                    .map(|(k, v)| (k.clone(), v.to_string()))
                    .unwrap_or_default();
                let provided = if c.provided.is_empty() {
                    String::new()
                } else {
                    let p: Vec<String> = c.provided.iter().map(crate::explain::phrase).collect();
                    format!(", provided: {}", p.join("; "))
                };
                let assumed = if c.assumption {
                    " (this was assumed)"
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    "  - if {k} were {v}{assumed}: {}{provided}",
                    c.outcome.as_str()
                );
            }
        }
        let _ = writeln!(s, "\nNot legal advice. brightline encodes the text of the law; check the cited provisions.");
        s
    }
}

impl EventRef {
    fn kind_str(&self) -> &'static str {
        match self.kind {
            crate::load::EventKind::Suspends => "suspends",
            crate::load::EventKind::Voids => "voids",
        }
    }
}

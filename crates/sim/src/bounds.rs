//! Partial-identification bounds: for a row the records cannot decide, the
//! set of outcomes some completion of its missing facts could give.
//!
//! Over a set of rows, the lowest share of an outcome counts only the rows
//! every completion sends there; the highest counts every row some
//! completion could send there. "Between 0% and 3.1% could have been
//! honored" is a finding where "100% undetermined" is not.
//!
//! The set comes from a [`Possible`] source. [`ByRules`] is sound without help
//! from the engine: it lets each rule whose condition is still unknown fire
//! or not, independently, and combines every such choice with the engine's
//! own `combine`. Because it ignores that two unknown rules may test the same
//! fact, the set it gives can hold an outcome no real completion reaches (a
//! bound too wide, never too narrow); it says so through `exact`.

use brightline::eval::{Eval, NoTrace, Tri};
use brightline::schema;
use brightline::{Facts, LawVersion, Outcome};

/// Outcomes as bits: permitted, prohibited, required, and "no provision applies".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutcomeSet(pub u8);

/// Names of the bits of an [`OutcomeSet`], in order.
pub const SET_NAMES: [&str; 4] = [
    "permitted",
    "prohibited",
    "required",
    "no provision applies",
];

impl OutcomeSet {
    pub fn one(o: Outcome) -> OutcomeSet {
        OutcomeSet(1 << bit(o))
    }
    pub fn contains(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }
    pub fn is_single(self) -> bool {
        self.0.count_ones() == 1
    }
    pub fn names(self) -> Vec<&'static str> {
        (0..4)
            .filter(|&i| self.contains(i))
            .map(|i| SET_NAMES[i])
            .collect()
    }
}

fn bit(o: Outcome) -> u8 {
    match o {
        Outcome::Permitted => 0,
        Outcome::Prohibited => 1,
        Outcome::Required => 2,
        Outcome::Undetermined => 3,
    }
}

/// Where the possible outcomes of a row come from.
pub trait Possible {
    /// The outcomes reachable over every completion of the facts missing from
    /// `facts` under `law`, and whether the set is exact (else a sound superset).
    fn possible(&self, law: &LawVersion, facts: &Facts) -> (OutcomeSet, bool);
}

/// Unknown rules beyond this many are not enumerated: every outcome is then possible.
const MAX_UNKNOWN: usize = 14;

/// The engine-independent source: every truth value of the rules still unknown.
pub struct ByRules;

impl Possible for ByRules {
    fn possible(&self, law: &LawVersion, facts: &Facts) -> (OutcomeSet, bool) {
        let roles = schema::AGENCIES.len();
        let kind = usize::try_from(facts.scalars[schema::KIND])
            .ok()
            .filter(|k| *k < schema::KINDS.len());
        let Some(kind) = kind else {
            // Without the request kind no plan applies; any outcome of the law could.
            return (OutcomeSet(0b1111), false);
        };
        let role = usize::try_from(facts.scalars[schema::AGENCY])
            .ok()
            .filter(|a| *a < roles)
            .unwrap_or(roles);
        let Some(plan) = law.plans.get(kind * (roles + 1) + role) else {
            return (OutcomeSet::one(Outcome::Undetermined), true);
        };
        let mut fires = vec![false; plan.rules.len()];
        let mut unknown = Vec::new();
        for (i, r) in plan.rules.iter().enumerate() {
            match Eval::new(facts, &mut NoTrace).eval(&r.cond, None) {
                Tri::T => fires[i] = true,
                Tri::F => {}
                Tri::U => unknown.push(i),
            }
        }
        if unknown.len() > MAX_UNKNOWN {
            return (OutcomeSet(0b1111), false);
        }
        let mut set = 0u8;
        for m in 0u32..(1 << unknown.len()) {
            for (j, &i) in unknown.iter().enumerate() {
                fires[i] = m & (1 << j) != 0;
            }
            let (o, _) = brightline::eval::combine(plan, &fires);
            set |= 1 << bit(o);
        }
        // One unknown rule is exact: it fires for some completion and not for another,
        // or it would not be unknown. With more, they may share facts.
        (OutcomeSet(set), unknown.len() <= 1)
    }
}

/// The engine's own answer (`decide::possible_outcomes`, which enumerates the
/// tests the facts leave open), narrowed by [`ByRules`]: both are sound
/// supersets of the reachable outcomes, so their intersection is too. Where
/// the engine stops enumerating (it then reports `undetermined` among the
/// outcomes), the rule-level set stands alone.
pub struct Engine;

impl Possible for Engine {
    fn possible(&self, law: &LawVersion, facts: &Facts) -> (OutcomeSet, bool) {
        let e = brightline::eval::possible_outcomes(law, facts);
        let (r, exact) = ByRules.possible(law, facts);
        if e.contains(Outcome::Undetermined) {
            return (r, exact);
        }
        let mut bits = 0u8;
        for o in [Outcome::Permitted, Outcome::Prohibited, Outcome::Required] {
            if e.contains(o) {
                bits |= 1 << bit(o);
            }
        }
        let both = OutcomeSet(bits & r.0);
        // A single outcome left is exact: the row is undetermined, so some completion
        // reaches it, and no other can be reached.
        (both, exact || both.is_single())
    }
}

/// Counts over a set of decided rows, for one law.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Bounds {
    /// Rows put to the law (unmapped rows are outside the bounds).
    pub rows: u64,
    /// Per outcome (permitted, prohibited, required, no provision applies):
    /// rows that every completion sends there.
    pub lower: [u64; 4],
    /// Rows that some completion sends there.
    pub upper: [u64; 4],
    /// Rows whose set is a sound superset rather than exact.
    pub inexact_rows: u64,
}

impl Bounds {
    pub fn add(&mut self, s: OutcomeSet, exact: bool) {
        self.rows += 1;
        for i in 0..4 {
            if s.contains(i) {
                self.upper[i] += 1;
                if s.is_single() {
                    self.lower[i] += 1;
                }
            }
        }
        if !exact {
            self.inexact_rows += 1;
        }
    }

    /// (lowest, highest) share of outcome `i`, in percent.
    pub fn share(&self, i: usize) -> (f64, f64) {
        let n = self.rows.max(1) as f64;
        (
            100.0 * self.lower[i] as f64 / n,
            100.0 * self.upper[i] as f64 / n,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decided_row_is_a_point_and_an_open_row_widens_only_its_outcomes() {
        let mut b = Bounds::default();
        b.add(OutcomeSet::one(Outcome::Prohibited), true);
        b.add(OutcomeSet(0b011), false);
        assert_eq!(b.rows, 2);
        assert_eq!(b.lower, [0, 1, 0, 0]);
        assert_eq!(b.upper, [1, 2, 0, 0]);
        assert_eq!(b.share(1), (50.0, 100.0));
        assert_eq!(b.share(0), (0.0, 50.0));
        assert_eq!(b.inexact_rows, 1);
    }

    #[test]
    fn the_engine_set_is_within_the_rule_level_set_and_keeps_both_answers_open() {
        let lib = brightline::bundled().expect("bundled packs load");
        let pack = lib.jurisdiction("us-ny-nyc").expect("nyc");
        // The 2013 model: DOC honors a detainer only for people with certain convictions.
        let date = brightline::parse_date("2014-12-13").expect("date");
        let law = lib.law(pack, date).expect("law");
        let mut f = Facts::default();
        f.scalars[schema::DATE] = brightline::facts::date_value(date);
        f.scalars[schema::AGENCY] = lib.agency(pack, "doc").expect("doc") as brightline::Val;
        f.scalars[schema::KIND] =
            schema::value_index(schema::KINDS, "detainer").expect("kind") as brightline::Val;
        let warrant = schema::scalar("request.warrant").expect("warrant");
        f.scalars[warrant] =
            schema::value_index(schema::WARRANTS, "none").expect("none") as brightline::Val;
        assert_eq!(brightline::outcome(law, &f), Outcome::Undetermined);
        let (r, _) = ByRules.possible(law, &f);
        let (e, _) = Engine.possible(law, &f);
        assert_eq!(e.0 & !r.0, 0, "engine {:?} within rules {:?}", e, r);
        assert!(e.contains(0) && e.contains(1), "{:?}", e.names());
    }
}

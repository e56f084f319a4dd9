//! What an undetermined decision can still say: the outcome under each answer
//! to the questions the facts leave open, grouped into a few branches
//! ("prohibited unless the person is a registered sex offender …").
//!
//! The open questions are the missing leaves of the rules that came out
//! unknown. A missing fact of a closed type (true/false, one of a list) is
//! enumerated by value, so every rule sees one answer. A missing date, number,
//! table membership or list is enumerated as the truth of the test that reads
//! it, keyed by the test's structure and item, so two rules that test the same
//! thing see the same answer. The enumeration is therefore a superset of the
//! real completions: if every combination gives one outcome, that outcome is
//! certain.

use std::collections::HashMap;

use crate::compile::{key, Cond, Ref};
use crate::eval::{Eval, Seen, Tracer, Tri};
use crate::facts::Facts;
use crate::library::KindPlan;
use crate::load::Outcome;
use crate::schema::{self, Ty};

/// One open question.
#[derive(Clone, Debug, PartialEq)]
pub enum Question {
    Scalar(usize),
    Field {
        list: u8,
        item: usize,
        field: u8,
    },
    /// The truth of a test: (structural key, list, item), with what it
    /// lacked and where it is (plan rule, atom) for its text.
    Test {
        key: String,
        list: Option<u8>,
        item: Option<usize>,
        at: (usize, u16),
        seen: Seen,
        table: Option<u8>,
    },
}

impl Question {
    /// The values enumerated: fact values, or 0/1 for a test's truth.
    fn domain(&self) -> Vec<i64> {
        let ty = match self {
            Question::Scalar(i) => schema::SCALARS[*i].ty,
            Question::Field { list, field, .. } => {
                schema::LISTS[*list as usize].fields[*field as usize].ty
            }
            Question::Test { .. } => Ty::Bool,
        };
        match ty {
            Ty::Bool => vec![0, 1],
            Ty::Enum(d) => (0..d.len() as i64).collect(),
            Ty::Set(d) if d.len() <= 4 => (0..(1i64 << d.len())).collect(),
            // Large sets: the empty set and each value alone.
            Ty::Set(d) => std::iter::once(0)
                .chain((0..d.len()).map(|i| 1 << i))
                .collect(),
            _ => vec![],
        }
    }
}

/// Every combination of answers and the outcome under it.
pub struct Enumeration {
    pub questions: Vec<Question>,
    /// Per combination: the value of each question (index into its domain
    /// for facts, the value itself) and the outcome.
    pub combos: Vec<(Vec<i64>, Outcome)>,
    /// Some questions were left open (too many combinations).
    pub truncated: bool,
}

/// What the enumeration needs of each atom: its structural key, its table
/// (a table test) and the list whose items it reads.
#[derive(Clone, Debug, Default)]
struct AtomKey {
    key: String,
    table: Option<u8>,
    list: Option<u8>,
}

fn atom_keys(c: &Cond, list: Option<u8>, out: &mut Vec<AtomKey>) {
    c.each_test(&mut |t| {
        let (table, item_list) = match t {
            Cond::Table { bit, .. } => (Some(*bit), list),
            Cond::Quant { list: l, .. } => (None, Some(*l)),
            _ => (None, list),
        };
        if let Some(atom) = t.atom() {
            let i = atom as usize;
            if out.len() <= i {
                out.resize(i + 1, AtomKey::default());
            }
            out[i] = AtomKey {
                key: key(t),
                table,
                list: item_list,
            };
        }
        // An item's tests read the list the quantifier ranges over.
        if let Cond::Quant { body, list: l, .. } = t {
            atom_keys(body, Some(*l), out);
        }
    });
}

/// For each atom of a condition, the table it tests, if it is a table test.
pub(crate) fn tables_of(c: &Cond) -> Vec<Option<u8>> {
    keys_of(c).into_iter().map(|k| k.table).collect()
}

fn keys_of(c: &Cond) -> Vec<AtomKey> {
    let mut k = Vec::new();
    atom_keys(c, None, &mut k);
    k
}

/// The unknown leaves of unknown subtrees: what the rule still needs.
struct Leaves {
    leaves: Vec<(u16, Option<usize>, Seen)>,
}

impl Tracer for Leaves {
    const FULL: bool = true;
    fn leaf(&mut self, atom: u16, item: Option<usize>, seen: Seen, result: Tri) {
        if result == Tri::U {
            self.leaves.push((atom, item, seen));
        }
    }
    fn open(&mut self) -> usize {
        self.leaves.len()
    }
    fn close(&mut self, mark: usize, result: Tri) {
        if result != Tri::U {
            self.leaves.truncate(mark);
        }
    }
}

type Tests = HashMap<(String, Option<u8>, Option<usize>), bool>;

/// Answers the tests that a combination assigns.
struct Assume<'a> {
    keys: &'a [AtomKey],
    tests: &'a Tests,
}

impl Tracer for Assume<'_> {
    const FULL: bool = false;
    fn leaf(&mut self, _: u16, _: Option<usize>, _: Seen, _: Tri) {}
    fn assume(&mut self, atom: u16, item: Option<usize>) -> Tri {
        let Some(k) = self.keys.get(atom as usize) else {
            return Tri::U;
        };
        match self.tests.get(&(k.key.clone(), k.list, item)) {
            Some(b) => Tri::from_bool(*b),
            None => Tri::U,
        }
    }
}

/// The open questions of the rules the facts leave unknown, in rule order.
pub(crate) fn open_questions(plan: &KindPlan, facts: &Facts, status: &[Tri]) -> Vec<Question> {
    let mut qs: Vec<Question> = Vec::new();
    for (i, pr) in plan.rules.iter().enumerate() {
        if status[i] != Tri::U {
            continue;
        }
        let keys = keys_of(&pr.cond);
        let mut rec = Leaves { leaves: Vec::new() };
        Eval::new(facts, &mut rec).eval(&pr.cond, None);
        for (atom, item, seen) in rec.leaves {
            let info = keys.get(atom as usize).cloned().unwrap_or_default();
            {
                let finite = |ty: Ty| matches!(ty, Ty::Bool | Ty::Enum(_) | Ty::Set(_));
                let q = match seen {
                    Seen::Missing(Ref::Scalar(f)) if finite(schema::SCALARS[f as usize].ty) => {
                        Question::Scalar(f as usize)
                    }
                    Seen::Missing(Ref::Field(f))
                        if info.list.is_some_and(|l| {
                            finite(schema::LISTS[l as usize].fields[f as usize].ty)
                        }) && item.is_some() =>
                    {
                        Question::Field {
                            list: info.list.unwrap_or(0),
                            item: item.unwrap_or(0),
                            field: f,
                        }
                    }
                    Seen::Missing(_) | Seen::TableUnknown | Seen::Nothing => Question::Test {
                        key: info.key,
                        list: info.list,
                        item,
                        at: (i, atom),
                        seen,
                        table: info.table,
                    },
                    Seen::Value(..) => continue,
                };
                let dup = qs.iter().any(|x| match (x, &q) {
                    (
                        Question::Test {
                            key: a,
                            list: la,
                            item: ia,
                            ..
                        },
                        Question::Test {
                            key: b,
                            list: lb,
                            item: ib,
                            ..
                        },
                    ) => a == b && la == lb && ia == ib,
                    (a, b) => a == b,
                });
                if !dup {
                    qs.push(q);
                }
            }
        }
    }
    qs
}

/// Every combination of answers to the open questions, and its outcome.
pub fn enumerate(plan: &KindPlan, facts: &Facts, status: &[Tri], max_combos: usize) -> Enumeration {
    let mut questions = open_questions(plan, facts, status);
    let mut total = 1usize;
    let mut keep = 0;
    for q in &questions {
        let n = q.domain().len().max(1);
        if total.saturating_mul(n) > max_combos {
            break;
        }
        total *= n;
        keep += 1;
    }
    let truncated = keep < questions.len();
    questions.truncate(keep);
    let domains: Vec<Vec<i64>> = questions.iter().map(Question::domain).collect();
    let keys: Vec<Vec<AtomKey>> = plan.rules.iter().map(|pr| keys_of(&pr.cond)).collect();
    let mut combos = Vec::with_capacity(total);
    let mut idx = vec![0usize; questions.len()];
    let mut f2 = facts.clone();
    let mut tests = HashMap::new();
    loop {
        tests.clear();
        let mut values = Vec::with_capacity(questions.len());
        for (k, q) in questions.iter().enumerate() {
            let v = domains[k][idx[k]];
            values.push(v);
            match q {
                Question::Scalar(i) => f2.scalars[*i] = crate::facts::narrow(v),
                Question::Field { list, item, field } => {
                    if let Some(it) = f2.lists[*list as usize]
                        .as_mut()
                        .and_then(|l| l.get_mut(*item))
                    {
                        it.fields[*field as usize] = crate::facts::narrow(v);
                    }
                }
                Question::Test {
                    key, list, item, ..
                } => {
                    tests.insert((key.clone(), *list, *item), v == 1);
                }
            }
        }
        let st: Vec<Tri> = plan
            .rules
            .iter()
            .enumerate()
            .map(|(ri, pr)| {
                let mut t = Assume {
                    keys: &keys[ri],
                    tests: &tests,
                };
                Eval::new(&f2, &mut t).eval(&pr.cond, None)
            })
            .collect();
        let o = super::combine::settle(plan, &st).unwrap_or(Outcome::Undetermined);
        combos.push((values, o));
        let mut k = 0;
        loop {
            if k == idx.len() {
                return Enumeration {
                    questions,
                    combos,
                    truncated,
                };
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

/// A branch: answers to some questions under which every answer to the rest
/// gives one outcome.
#[derive(Clone, Debug)]
pub(crate) struct Cube {
    /// (question index, value).
    pub fixed: Vec<(usize, i64)>,
    pub outcome: Outcome,
    /// How many combinations it covers.
    pub weight: usize,
}

impl Enumeration {
    /// The outcome every combination gives, if they agree.
    pub(crate) fn unanimous(&self) -> Option<Outcome> {
        let first = self.combos.first()?.1;
        (first != Outcome::Undetermined
            && !self.truncated
            && self.combos.iter().all(|(_, o)| *o == first))
        .then_some(first)
    }

    /// A few branches that cover the combinations, the most common first:
    /// each grown greedily from one combination by dropping every answer that
    /// does not change its outcome.
    pub(crate) fn cubes(&self, max: usize) -> Vec<Cube> {
        let n = self.questions.len();
        let matches =
            |fixed: &[(usize, i64)], vals: &[i64]| fixed.iter().all(|&(q, v)| vals[q] == v);
        let mut covered = vec![false; self.combos.len()];
        let mut out: Vec<Cube> = Vec::new();
        for start in 0..self.combos.len() {
            if covered[start] {
                continue;
            }
            let (vals, o) = &self.combos[start];
            let mut fixed: Vec<(usize, i64)> = (0..n).map(|q| (q, vals[q])).collect();
            for q in 0..n {
                let trial: Vec<(usize, i64)> =
                    fixed.iter().copied().filter(|(x, _)| *x != q).collect();
                if self
                    .combos
                    .iter()
                    .all(|(v, oo)| !matches(&trial, v) || oo == o)
                {
                    fixed = trial;
                }
            }
            let mut weight = 0;
            for (i, (v, _)) in self.combos.iter().enumerate() {
                if matches(&fixed, v) {
                    if !covered[i] {
                        weight += 1;
                    }
                    covered[i] = true;
                }
            }
            out.push(Cube {
                fixed,
                outcome: *o,
                weight,
            });
        }
        out.sort_by(|a, b| {
            b.weight
                .cmp(&a.weight)
                .then(a.fixed.len().cmp(&b.fixed.len()))
        });
        out.truncate(max);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubes_drop_answers_that_do_not_matter() {
        // Two yes/no questions: prohibited unless the first is yes.
        let e = Enumeration {
            questions: vec![Question::Scalar(9), Question::Scalar(10)],
            combos: vec![
                (vec![0, 0], Outcome::Prohibited),
                (vec![1, 0], Outcome::Permitted),
                (vec![0, 1], Outcome::Prohibited),
                (vec![1, 1], Outcome::Permitted),
            ],
            truncated: false,
        };
        let c = e.cubes(4);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].fixed, vec![(0, 0)]);
        assert_eq!(c[0].outcome, Outcome::Prohibited);
        assert_eq!(c[1].fixed, vec![(0, 1)]);
        assert_eq!(e.unanimous(), None);
    }
}

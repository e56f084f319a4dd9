//! An abstract, finite fact space for a set of conditions.
//!
//! Each enum fact ranges over the values the conditions mention plus one
//! stand-in for "any other value"; each boolean fact over true and false;
//! each set fact over the subsets of the values mentioned plus one other;
//! every other test (dates, numbers, tables, list quantifiers) is an opaque
//! true/false variable, shared between conditions when the test is the same.
//! Enumerating this space is exact for enum and boolean conditions and
//! over-approximates the rest (two opaque tests are taken as independent).

use crate::compile::{key, Cond, Ref};
use crate::facts::show_value;
use crate::schema::{self, Ty};

/// Past this many points the space is not enumerated.
pub(crate) const MAX_POINTS: u64 = 1 << 20;

#[derive(Clone, Debug)]
enum Var {
    Scalar { fact: u8, values: Vec<i64> },
    Opaque { key: String, text: String },
}

pub struct Space<'a> {
    conds: Vec<&'a Cond>,
    vars: Vec<Var>,
}

pub enum SpaceResult {
    None,
    Found(String),
    TooLarge,
}

fn describe(c: &Cond) -> String {
    match c {
        Cond::Cmp {
            r: Ref::Scalar(s),
            op,
            v,
            ..
        } => {
            let d = schema::SCALARS[*s as usize];
            format!(
                "{} {} {}",
                d.path,
                op.symbol(),
                show_value(d.ty, *v).to_string().trim_matches('"')
            )
        }
        Cond::Quant { any, list, .. } => format!(
            "{} {} (…)",
            if *any { "any" } else { "no" },
            schema::LISTS[*list as usize].path
        ),
        Cond::Within { .. } => "a date window".into(),
        _ => "a test".into(),
    }
}

impl<'a> Space<'a> {
    pub fn new(conds: &[&'a Cond]) -> Space<'a> {
        let mut s = Space {
            conds: conds.to_vec(),
            vars: Vec::new(),
        };
        let mut masks: Vec<(u8, u64)> = Vec::new();
        for c in conds {
            s.collect(c, &mut masks);
        }
        let mut scalars: Vec<Var> = Vec::new();
        for (fact, m) in masks {
            let def = schema::SCALARS[fact as usize];
            let values = match def.ty {
                Ty::Bool => vec![0, 1],
                Ty::Enum(d) => {
                    let mut v: Vec<i64> =
                        (0..d.len() as i64).filter(|i| m & (1 << i) != 0).collect();
                    if let Some(other) = (0..d.len() as i64).find(|i| m & (1 << i) == 0) {
                        v.push(other);
                    }
                    v
                }
                Ty::Set(d) => {
                    let mut elems: Vec<i64> =
                        (0..d.len() as i64).filter(|i| m & (1 << i) != 0).collect();
                    if let Some(other) = (0..d.len() as i64).find(|i| m & (1 << i) == 0) {
                        elems.push(other);
                    }
                    elems.truncate(12);
                    (0..(1i64 << elems.len()))
                        .map(|bits| {
                            elems
                                .iter()
                                .enumerate()
                                .filter(|(j, _)| bits & (1 << j) != 0)
                                .fold(0i64, |acc, (_, e)| acc | (1 << e))
                        })
                        .collect()
                }
                _ => continue,
            };
            scalars.push(Var::Scalar { fact, values });
        }
        scalars.append(&mut s.vars);
        s.vars = scalars;
        s
    }

    fn collect(&mut self, c: &Cond, masks: &mut Vec<(u8, u64)>) {
        let mut add = |fact: u8, m: u64| match masks.iter_mut().find(|(f, _)| *f == fact) {
            Some((_, x)) => *x |= m,
            None => masks.push((fact, m)),
        };
        c.each_test(&mut |t| match t {
            Cond::EnumIn {
                r: Ref::Scalar(f),
                mask,
                ..
            }
            | Cond::SetAny {
                r: Ref::Scalar(f),
                mask,
                ..
            }
            | Cond::SetOnly {
                r: Ref::Scalar(f),
                mask,
                ..
            } => add(*f, *mask),
            Cond::Bool {
                r: Ref::Scalar(f), ..
            } => add(*f, 0),
            other => {
                let k = key(other);
                if !self
                    .vars
                    .iter()
                    .any(|v| matches!(v, Var::Opaque { key, .. } if *key == k))
                {
                    self.vars.push(Var::Opaque {
                        key: k,
                        text: describe(other),
                    });
                }
            }
        });
    }

    pub fn points(&self) -> u64 {
        self.vars.iter().fold(1u64, |acc, v| {
            acc.saturating_mul(match v {
                Var::Scalar { values, .. } => values.len() as u64,
                Var::Opaque { .. } => 2,
            })
        })
    }

    fn eval(&self, c: &Cond, point: &[i64]) -> bool {
        let scalar = |f: u8| {
            self.vars.iter().zip(point).find_map(|(v, x)| match v {
                Var::Scalar { fact, .. } if *fact == f => Some(*x),
                _ => None,
            })
        };
        match c {
            Cond::All(v) => v.iter().all(|x| self.eval(x, point)),
            Cond::Any(v) => v.iter().any(|x| self.eval(x, point)),
            Cond::Not(x) => !self.eval(x, point),
            Cond::EnumIn {
                r: Ref::Scalar(f),
                mask,
                ..
            } => scalar(*f).is_some_and(|v| mask & (1 << v) != 0),
            Cond::SetAny {
                r: Ref::Scalar(f),
                mask,
                ..
            } => scalar(*f).is_some_and(|v| v & *mask as i64 != 0),
            Cond::SetOnly {
                r: Ref::Scalar(f),
                mask,
                ..
            } => scalar(*f).is_some_and(|v| v != 0 && v & !(*mask as i64) == 0),
            Cond::Bool {
                r: Ref::Scalar(f), ..
            } => scalar(*f).is_some_and(|v| v != 0),
            other => {
                let k = key(other);
                self.vars
                    .iter()
                    .zip(point)
                    .any(|(v, x)| matches!(v, Var::Opaque { key, .. } if *key == k) && *x != 0)
            }
        }
    }

    /// Calls `f` with the value of every condition at every point, until it returns false.
    pub fn each(&self, mut f: impl FnMut(&[i64], &[bool]) -> bool) -> bool {
        if self.points() > MAX_POINTS {
            return false;
        }
        let sizes: Vec<usize> = self
            .vars
            .iter()
            .map(|v| match v {
                Var::Scalar { values, .. } => values.len(),
                Var::Opaque { .. } => 2,
            })
            .collect();
        let mut idx = vec![0usize; sizes.len()];
        let mut point = vec![0i64; sizes.len()];
        let mut vals = vec![false; self.conds.len()];
        loop {
            for (i, v) in self.vars.iter().enumerate() {
                point[i] = match v {
                    Var::Scalar { values, .. } => values[idx[i]],
                    Var::Opaque { .. } => idx[i] as i64,
                };
            }
            for (i, c) in self.conds.iter().enumerate() {
                vals[i] = self.eval(c, &point);
            }
            if !f(&point, &vals) {
                return true;
            }
            let mut k = 0;
            loop {
                if k == sizes.len() {
                    return true;
                }
                idx[k] += 1;
                if idx[k] < sizes[k] {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
        }
    }

    /// The first point where `pred` holds of the conditions' values, described.
    pub fn find(&self, pred: impl Fn(&[bool]) -> bool) -> SpaceResult {
        if self.points() > MAX_POINTS {
            return SpaceResult::TooLarge;
        }
        let mut found = None;
        self.each(|p, v| {
            if pred(v) {
                found = Some(self.describe_point(p));
                false
            } else {
                true
            }
        });
        match found {
            Some(s) => SpaceResult::Found(s),
            None => SpaceResult::None,
        }
    }

    pub(crate) fn describe_point(&self, p: &[i64]) -> String {
        let parts: Vec<String> = self
            .vars
            .iter()
            .zip(p)
            .map(|(v, x)| match v {
                Var::Scalar { fact, .. } => {
                    let d = schema::SCALARS[*fact as usize];
                    format!("{} = {}", d.path, show_value(d.ty, *x))
                }
                Var::Opaque { text, .. } => format!("{text} is {}", *x != 0),
            })
            .collect();
        if parts.is_empty() {
            "always".into()
        } else {
            parts.join(", ")
        }
    }
}

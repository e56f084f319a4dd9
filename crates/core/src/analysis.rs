//! Whole-space analyses of the law: what one jurisdiction's law does with
//! each kind of request (`cell`, one cell of the comparison matrix) and
//! where two laws decide differently (`diff`).
//!
//! Both enumerate a finite partition of the fact space built from the
//! conditions of the rules involved. Unlike `space` (which serves the linter
//! and may over-approximate), the partition is exact for what it models:
//! enum and set facts split into classes of values that no condition tells
//! apart; numbers and dates into the intervals between the constants they
//! are compared with; each list into the combinations of its quantifiers that
//! some list of items can make true, with the offense of an item drawn from
//! the membership patterns that real codes of the loaded tables have. Date
//! windows (`within`) stay opaque: inside a list item any truth value can be
//! had by choosing the item's date, so they are free per item, and outside a
//! list they are free variables. Every point is decided with
//! `decide::combine`, the engine's own combination, and every reported
//! example is decided again, for real, through the request contract.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::Date;

use crate::compile::{key, AtomInfo, Cond, Ref};
use crate::decide::combine;
use crate::eval::minus_years;
use crate::expr::{CmpOp, Unit};
use crate::facts::show_value;
use crate::facts::{date_value, OffenseLookup, RequestError};
use crate::library::{KindPlan, LawVersion, Library, RuleRef};
use crate::load::Outcome;
use crate::schema::{self, Ty};

/// Past this many points a plan's space is not enumerated (and the output says so).
pub const MAX_POINTS: u64 = 1 << 21;
const MAX_ITEM_POINTS: u64 = 1 << 16;
const MAX_QUANTS: usize = 20;
const MAX_SET_CLASSES: usize = 12;

// ------------------------------------------------------------ leaves

fn atom_of(c: &Cond) -> Option<u16> {
    match c {
        Cond::EnumIn { atom, .. }
        | Cond::SetAny { atom, .. }
        | Cond::SetOnly { atom, .. }
        | Cond::Bool { atom, .. }
        | Cond::Cmp { atom, .. }
        | Cond::Within { atom, .. }
        | Cond::Table { atom, .. }
        | Cond::Quant { atom, .. } => Some(*atom),
        _ => None,
    }
}

/// How a scope models one leaf test.
enum Leaf<'c> {
    Enum(Ref, u64),
    SetAny(Ref, u64),
    SetOnly(Ref, u64),
    Bool(Ref),
    Cmp(Ref, CmpOp, i64),
    Table(u8),
    /// `any`, list, body.
    Quant(bool, u8, &'c Cond),
    Opaque,
}

fn leaf(c: &Cond, item: Option<u8>) -> Leaf<'_> {
    let ok = |r: &Ref| matches!((r, item), (Ref::Scalar(_), None) | (Ref::Field(_), Some(_)));
    match c {
        Cond::EnumIn { r, mask, .. } if ok(r) => Leaf::Enum(*r, *mask),
        Cond::SetAny { r, mask, .. } if ok(r) => Leaf::SetAny(*r, *mask),
        Cond::SetOnly { r, mask, .. } if ok(r) => Leaf::SetOnly(*r, *mask),
        Cond::Bool { r, .. } if ok(r) => Leaf::Bool(*r),
        Cond::Cmp { r, op, v, .. } if ok(r) => Leaf::Cmp(*r, *op, *v),
        Cond::Table {
            r: Ref::Field(_),
            bit,
            ..
        } if item.is_some() => Leaf::Table(*bit),
        Cond::Quant {
            any, list, body, ..
        } if item.is_none() => Leaf::Quant(*any, *list, body),
        _ => Leaf::Opaque,
    }
}

fn fact_def(r: Ref, list: Option<u8>) -> Option<schema::FactDef> {
    match r {
        Ref::Scalar(i) => schema::SCALARS.get(i as usize).copied(),
        Ref::Field(i) => schema::LISTS
            .get(list? as usize)?
            .fields
            .get(i as usize)
            .copied(),
    }
}

fn cmp(op: CmpOp, a: i64, b: i64) -> bool {
    match op {
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
        CmpOp::Eq => a == b,
    }
}

// ------------------------------------------------------------ offense codes

/// Every offense code the loaded tables know, with its table memberships:
/// the source of the offense patterns an item can really have.
/// Memberships are 128-bit: a diff between two libraries puts the tables of
/// the second at bits 64 and up.
pub struct Codes {
    codes: Vec<(String, u128, u128)>,
}

impl Codes {
    pub fn new(lib: &Library) -> Codes {
        Codes::of(&[lib])
    }

    fn of(libs: &[&Library]) -> Codes {
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

    fn candidates(lib: &Library, cands: &mut Vec<String>) {
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
    fn patterns(&self, mask: u128) -> Vec<(u128, String)> {
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

// ------------------------------------------------------------ scopes

enum VarKind {
    /// Classes of enum values that no condition tells apart (value masks).
    Enum(Vec<u64>),
    /// A value is a subset of the classes (bit j: some element of class j).
    Set(Vec<u64>),
    Bool,
    /// Inclusive intervals (lo, hi) between the compared constants.
    Ord(Vec<(Option<i64>, Option<i64>)>),
    /// Membership patterns over the tables tested, with a witness code each.
    Offense(Vec<(u128, String)>),
    List(Box<ListModel>),
    Opaque(Cond),
}

struct Var {
    r: Option<Ref>,
    key: String,
    text: String,
    kind: VarKind,
}

impl Var {
    fn size(&self) -> usize {
        match &self.kind {
            VarKind::Enum(c) => c.len(),
            VarKind::Set(c) => 1 << c.len(),
            VarKind::Bool | VarKind::Opaque(_) => 2,
            VarKind::Ord(iv) => iv.len(),
            VarKind::Offense(p) => p.len(),
            VarKind::List(m) => m.vectors.len(),
        }
    }

    fn rep(&self, i: usize) -> i64 {
        match &self.kind {
            VarKind::Enum(c) => c[i].trailing_zeros() as i64,
            VarKind::Set(c) => c
                .iter()
                .enumerate()
                .filter(|(j, _)| i & (1 << j) != 0)
                .fold(0i64, |acc, (_, m)| acc | (1 << m.trailing_zeros())),
            VarKind::Ord(iv) => {
                let (lo, hi) = iv[i];
                lo.or(hi).unwrap_or(0)
            }
            _ => i as i64,
        }
    }
}

/// A compiled test: the variable and, per value of it, whether the test holds.
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test(usize, Vec<bool>),
    Const(bool),
}

impl Node {
    fn eval(&self, p: &[u32]) -> bool {
        match self {
            Node::All(v) => v.iter().all(|n| n.eval(p)),
            Node::Any(v) => v.iter().any(|n| n.eval(p)),
            Node::Not(n) => !n.eval(p),
            Node::Test(var, t) => t[p[*var] as usize],
            Node::Const(b) => *b,
        }
    }
}

struct Scope {
    list: Option<u8>,
    vars: Vec<Var>,
    /// Scalar facts fixed for the whole enumeration (request kind, agency role).
    pinned: Vec<(u8, i64)>,
}

struct Quant {
    key: String,
    text: String,
}

struct ListModel {
    list: u8,
    quants: Vec<Quant>,
    /// Truth vectors of the quantifiers some list of items gives, each with its items.
    vectors: Vec<u64>,
    witnesses: Vec<Vec<Vec<u32>>>,
    item: Scope,
}

type Src<'a> = (&'a Cond, &'a [AtomInfo]);

fn text_of(c: &Cond, atoms: &[AtomInfo]) -> String {
    atom_of(c)
        .and_then(|a| atoms.get(a as usize))
        .map(|a| a.text.clone())
        .unwrap_or_else(|| "a test".into())
}

fn rkey(r: Ref) -> (u8, u8) {
    match r {
        Ref::Scalar(i) => (0, i),
        Ref::Field(i) => (1, i),
    }
}

#[derive(Default)]
struct Gather<'a> {
    enums: BTreeMap<(u8, u8), Vec<u64>>,
    sets: BTreeMap<(u8, u8), Vec<u64>>,
    bools: BTreeMap<(u8, u8), ()>,
    cuts: BTreeMap<(u8, u8), Vec<i64>>,
    tables: u128,
    quants: Vec<(u8, String, &'a Cond, String, &'a [AtomInfo])>,
    opaque: Vec<(String, Cond, String)>,
}

impl<'a> Gather<'a> {
    fn walk(&mut self, c: &'a Cond, atoms: &'a [AtomInfo], item: Option<u8>, pinned: &[(u8, i64)]) {
        match c {
            Cond::All(v) | Cond::Any(v) => v.iter().for_each(|x| self.walk(x, atoms, item, pinned)),
            Cond::Not(x) => self.walk(x, atoms, item, pinned),
            _ => match leaf(c, item) {
                Leaf::Enum(r, _)
                    if item.is_none() && pinned.iter().any(|(f, _)| Ref::Scalar(*f) == r) => {}
                Leaf::Enum(r, m) => self.enums.entry(rkey(r)).or_default().push(m),
                Leaf::SetAny(r, m) | Leaf::SetOnly(r, m) => {
                    self.sets.entry(rkey(r)).or_default().push(m)
                }
                Leaf::Bool(r) => {
                    self.bools.insert(rkey(r), ());
                }
                Leaf::Cmp(r, op, v) => {
                    let e = self.cuts.entry(rkey(r)).or_default();
                    match op {
                        CmpOp::Lt | CmpOp::Ge => e.push(v),
                        CmpOp::Le | CmpOp::Gt => e.push(v + 1),
                        CmpOp::Eq => e.extend([v, v + 1]),
                    }
                }
                Leaf::Table(bit) => self.tables |= 1u128 << bit,
                Leaf::Quant(_, list, body) => {
                    let k = format!("{list}:{}", key(body));
                    if !self.quants.iter().any(|q| q.1 == k) {
                        // In words (crate::words), without its "a"/"no": the diff says which.
                        let w = crate::words::render(&crate::words::tree(
                            c,
                            atoms,
                            crate::words::ANY,
                            crate::words::ANY,
                            None,
                            false,
                        ));
                        let w = w
                            .strip_prefix("a ")
                            .or_else(|| w.strip_prefix("no "))
                            .unwrap_or(&w)
                            .to_string();
                        self.quants.push((list, k, body, w, atoms));
                    }
                }
                Leaf::Opaque => {
                    let k = key(c);
                    if !self.opaque.iter().any(|o| o.0 == k) {
                        self.opaque.push((k, c.clone(), text_of(c, atoms)));
                    }
                }
            },
        }
    }
}

fn unrkey(k: (u8, u8)) -> Ref {
    if k.0 == 0 {
        Ref::Scalar(k.1)
    } else {
        Ref::Field(k.1)
    }
}

/// Groups the values of a domain of `n` values by the masks that contain them.
fn classes(n: usize, masks: &[u64]) -> Vec<u64> {
    let mut out: Vec<(Vec<bool>, u64)> = Vec::new();
    for v in 0..n.min(64) {
        let sig: Vec<bool> = masks.iter().map(|m| m & (1 << v) != 0).collect();
        match out.iter_mut().find(|(s, _)| *s == sig) {
            Some((_, m)) => *m |= 1 << v,
            None => out.push((sig, 1 << v)),
        }
    }
    out.into_iter().map(|(_, m)| m).collect()
}

impl Scope {
    fn build(
        srcs: &[Src<'_>],
        list: Option<u8>,
        pinned: Vec<(u8, i64)>,
        codes: &Codes,
    ) -> Result<Scope, String> {
        let mut g = Gather::default();
        for (c, atoms) in srcs {
            g.walk(c, atoms, list, &pinned);
        }
        let mut vars = Vec::new();
        let path = |r: Ref| fact_def(r, list).map(|d| d.path).unwrap_or("?");
        for (k, masks) in &g.enums {
            let r = unrkey(*k);
            let Some(Ty::Enum(d)) = fact_def(r, list).map(|d| d.ty) else {
                continue;
            };
            vars.push(Var {
                r: Some(r),
                key: String::new(),
                text: path(r).into(),
                kind: VarKind::Enum(classes(d.len(), masks)),
            });
        }
        for (k, masks) in &g.sets {
            let r = unrkey(*k);
            let Some(Ty::Set(d)) = fact_def(r, list).map(|d| d.ty) else {
                continue;
            };
            let cl = classes(d.len(), masks);
            if cl.len() > MAX_SET_CLASSES {
                return Err(format!(
                    "{} is tested with {} distinct classes of values, too many to enumerate",
                    path(r),
                    cl.len()
                ));
            }
            vars.push(Var {
                r: Some(r),
                key: String::new(),
                text: path(r).into(),
                kind: VarKind::Set(cl),
            });
        }
        for k in g.bools.keys() {
            let r = unrkey(*k);
            vars.push(Var {
                r: Some(r),
                key: String::new(),
                text: path(r).into(),
                kind: VarKind::Bool,
            });
        }
        for (k, cuts) in &g.cuts {
            let r = unrkey(*k);
            let ty = fact_def(r, list).map(|d| d.ty);
            let mut cuts = cuts.clone();
            cuts.sort();
            cuts.dedup();
            let (min, max) = match ty {
                Some(Ty::Number) => (Some(0), Some(999_999)),
                _ => (None, None),
            };
            let mut iv: Vec<(Option<i64>, Option<i64>)> = Vec::new();
            let mut lo = min;
            for &c in &cuts {
                let hi = c - 1;
                if lo.is_none_or(|l| l <= hi) && min.is_none_or(|m| hi >= m) {
                    iv.push((lo, Some(hi)));
                }
                lo = Some(c);
            }
            if lo.is_some_and(|l| max.is_none_or(|m| l <= m)) {
                iv.push((lo, max));
            }
            vars.push(Var {
                r: Some(r),
                key: String::new(),
                text: path(r).into(),
                kind: VarKind::Ord(iv),
            });
        }
        if g.tables != 0 {
            let pats = codes.patterns(g.tables);
            if pats.is_empty() {
                return Err(
                    "no known offense code has a decidable membership in the tables tested".into(),
                );
            }
            let off = schema::LISTS
                .get(list.unwrap_or(0) as usize)
                .and_then(|l| l.fields.iter().position(|f| f.ty == Ty::Offense))
                .unwrap_or(0) as u8;
            vars.push(Var {
                r: Some(Ref::Field(off)),
                key: String::new(),
                text: "offense".into(),
                kind: VarKind::Offense(pats),
            });
        }
        // Lists: one variable each, over the quantifier combinations items can make.
        let mut lists: Vec<u8> = g.quants.iter().map(|q| q.0).collect();
        lists.sort();
        lists.dedup();
        for l in lists {
            let qs: Vec<_> = g.quants.iter().filter(|q| q.0 == l).collect();
            if qs.len() > MAX_QUANTS {
                return Err(format!(
                    "{} is tested by {} different quantifiers, too many to enumerate",
                    schema::LISTS[l as usize].path,
                    qs.len()
                ));
            }
            let bodies: Vec<Src<'_>> = qs.iter().map(|q| (q.2, q.4)).collect();
            let item = Scope::build(&bodies, Some(l), Vec::new(), codes)?;
            let nodes: Vec<Node> = qs.iter().map(|q| item.compile(q.2)).collect();
            let mut first: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
            let ok = item.each(MAX_ITEM_POINTS, |p| {
                let u = nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.eval(p))
                    .fold(0u64, |a, (i, _)| a | (1 << i));
                first.entry(u).or_insert_with(|| p.to_vec());
            });
            if !ok {
                return Err(format!(
                    "the items of {} are tested in too many ways to enumerate",
                    schema::LISTS[l as usize].path
                ));
            }
            // Closure under union: a list of items makes true the union of what its items do.
            let mut vectors: Vec<u64> = vec![0];
            let mut witnesses: Vec<Vec<Vec<u32>>> = vec![Vec::new()];
            for (u, w) in &first {
                if *u == 0 {
                    continue;
                }
                for i in 0..vectors.len() {
                    let y = vectors[i] | u;
                    if !vectors.contains(&y) {
                        let mut ws = witnesses[i].clone();
                        ws.push(w.clone());
                        vectors.push(y);
                        witnesses.push(ws);
                    }
                }
            }
            let quants = qs
                .iter()
                .map(|q| Quant {
                    key: q.1.clone(),
                    text: q.3.clone(),
                })
                .collect();
            vars.push(Var {
                r: None,
                key: format!("list{l}"),
                text: schema::LISTS[l as usize].path.into(),
                kind: VarKind::List(Box::new(ListModel {
                    list: l,
                    quants,
                    vectors,
                    witnesses,
                    item,
                })),
            });
        }
        for (k, c, text) in g.opaque {
            vars.push(Var {
                r: None,
                key: k,
                text,
                kind: VarKind::Opaque(c),
            });
        }
        Ok(Scope { list, vars, pinned })
    }

    fn find(&self, r: Ref) -> Option<usize> {
        self.vars.iter().position(|v| v.r == Some(r))
    }

    fn compile(&self, c: &Cond) -> Node {
        match c {
            Cond::All(v) => Node::All(v.iter().map(|x| self.compile(x)).collect()),
            Cond::Any(v) => Node::Any(v.iter().map(|x| self.compile(x)).collect()),
            Cond::Not(x) => Node::Not(Box::new(self.compile(x))),
            _ => {
                let table = |i: usize, f: &dyn Fn(&Var, usize) -> bool| {
                    let v = &self.vars[i];
                    Node::Test(i, (0..v.size()).map(|x| f(v, x)).collect())
                };
                match leaf(c, self.list) {
                    Leaf::Enum(r, mask) => {
                        if let Some((_, val)) =
                            self.pinned.iter().find(|(f, _)| Ref::Scalar(*f) == r)
                        {
                            return Node::Const((0..64).contains(val) && mask & (1 << val) != 0);
                        }
                        match self.find(r) {
                            Some(i) => table(i, &|v, x| match &v.kind {
                                VarKind::Enum(cl) => cl[x] & mask != 0,
                                _ => false,
                            }),
                            None => Node::Const(false),
                        }
                    }
                    Leaf::SetAny(r, mask) | Leaf::SetOnly(r, mask) => {
                        let only = matches!(c, Cond::SetOnly { .. });
                        match self.find(r) {
                            Some(i) => table(i, &|v, x| {
                                let VarKind::Set(cl) = &v.kind else {
                                    return false;
                                };
                                let mut members =
                                    cl.iter().enumerate().filter(|(j, _)| x & (1 << j) != 0);
                                if only {
                                    x != 0 && members.all(|(_, m)| m & !mask == 0)
                                } else {
                                    members.any(|(_, m)| m & mask != 0)
                                }
                            }),
                            None => Node::Const(false),
                        }
                    }
                    Leaf::Bool(r) => match self.find(r) {
                        Some(i) => table(i, &|_, x| x == 1),
                        None => Node::Const(false),
                    },
                    Leaf::Cmp(r, op, rhs) => match self.find(r) {
                        Some(i) => table(i, &|v, x| cmp(op, v.rep(x), rhs)),
                        None => Node::Const(false),
                    },
                    Leaf::Table(bit) => match self
                        .vars
                        .iter()
                        .position(|v| matches!(v.kind, VarKind::Offense(_)))
                    {
                        Some(i) => table(i, &|v, x| match &v.kind {
                            VarKind::Offense(p) => p[x].0 & (1u128 << bit) != 0,
                            _ => false,
                        }),
                        None => Node::Const(false),
                    },
                    Leaf::Quant(any, list, body) => {
                        let k = format!("{list}:{}", key(body));
                        let found = self
                            .vars
                            .iter()
                            .enumerate()
                            .find_map(|(i, v)| match &v.kind {
                                VarKind::List(m) if m.list == list => {
                                    m.quants.iter().position(|q| q.key == k).map(|q| (i, q))
                                }
                                _ => None,
                            });
                        match found {
                            Some((i, q)) => table(i, &|v, x| match &v.kind {
                                VarKind::List(m) => (m.vectors[x] & (1 << q) != 0) == any,
                                _ => false,
                            }),
                            None => Node::Const(false),
                        }
                    }
                    Leaf::Opaque => {
                        let k = key(c);
                        match self.vars.iter().position(|v| v.key == k) {
                            Some(i) => table(i, &|_, x| x == 1),
                            None => Node::Const(false),
                        }
                    }
                }
            }
        }
    }

    fn points(&self) -> u64 {
        self.vars
            .iter()
            .fold(1u64, |a, v| a.saturating_mul(v.size() as u64))
    }

    /// Calls `f` at every point; false (and nothing called) past `limit` points.
    fn each(&self, limit: u64, mut f: impl FnMut(&[u32])) -> bool {
        if self.points() > limit {
            return false;
        }
        let sizes: Vec<u32> = self.vars.iter().map(|v| v.size() as u32).collect();
        if sizes.contains(&0) {
            return true;
        }
        let mut p = vec![0u32; sizes.len()];
        loop {
            f(&p);
            let mut k = 0;
            loop {
                if k == sizes.len() {
                    return true;
                }
                p[k] += 1;
                if p[k] < sizes[k] {
                    break;
                }
                p[k] = 0;
                k += 1;
            }
        }
    }

    // -------------------------------------------------------- descriptions

    /// One clause per variable whose values in `set` are not all of its values.
    fn describe(&self, cube: &[Vec<u32>]) -> Vec<String> {
        let mut out = Vec::new();
        for (v, vals) in self.vars.iter().zip(cube) {
            if vals.len() >= v.size() {
                continue;
            }
            out.push(self.describe_var(v, vals));
        }
        out
    }

    fn describe_var(&self, v: &Var, vals: &[u32]) -> String {
        let ty = v.r.and_then(|r| fact_def(r, self.list)).map(|d| d.ty);
        let names = |m: u64, d: &[&str]| -> Vec<String> {
            (0..d.len())
                .filter(|i| m & (1 << i) != 0)
                .map(|i| d[i].to_string())
                .collect()
        };
        match (&v.kind, ty) {
            (VarKind::Enum(cl), Some(Ty::Enum(d))) => {
                let m = vals.iter().fold(0u64, |a, &x| a | cl[x as usize]);
                let _ = names;
                crate::words::enum_words(&v.text, d, m, false)
            }
            (VarKind::Bool, _) => {
                let (yes, no) = crate::words::bool_words(&v.text);
                if vals == [1] {
                    yes
                } else {
                    no
                }
            }
            (VarKind::Ord(iv), ty) => {
                let show = |x: i64| match ty {
                    Some(t) => show_value(t, x).to_string().trim_matches('"').to_string(),
                    None => x.to_string(),
                };
                let parts: Vec<String> =
                    merge_intervals(vals.iter().map(|&x| iv[x as usize]).collect())
                        .into_iter()
                        .map(|(lo, hi)| match (lo, hi) {
                            (Some(l), Some(h)) if l == h => format!("{} = {}", v.text, show(l)),
                            (None, Some(h)) => format!("{} < {}", v.text, show(h + 1)),
                            (Some(l), None) => format!("{} >= {}", v.text, show(l)),
                            (Some(l), Some(h)) => {
                                format!("{} in {}..={}", v.text, show(l), show(h))
                            }
                            (None, None) => format!("any {}", v.text),
                        })
                        .collect();
                parts.join(" or ")
            }
            (VarKind::Set(cl), Some(Ty::Set(d))) => {
                let label = |j: usize| {
                    let n = names(cl[j], d);
                    if n.len() == 1 {
                        n[0].clone()
                    } else {
                        format!("any of {{{}}}", n.join(", "))
                    }
                };
                bits_clause(
                    &v.text,
                    vals.iter().map(|&x| x as u64).collect(),
                    (0..(1u64 << cl.len())).collect(),
                    cl.len(),
                    &|j, yes| {
                        if yes {
                            format!("includes {}", label(j))
                        } else {
                            format!("excludes {}", label(j).replace("any of", "all of"))
                        }
                    },
                )
            }
            (VarKind::Offense(p), _) => {
                let codes: Vec<String> = vals.iter().map(|&x| p[x as usize].1.clone()).collect();
                format!("offense like {}", or_list(&codes))
            }
            (VarKind::List(m), _) => {
                let vecs: Vec<u64> = vals.iter().map(|&x| m.vectors[x as usize]).collect();
                bits_clause(
                    &v.text,
                    vecs,
                    m.vectors.clone(),
                    m.quants.len(),
                    &|j, yes| {
                        let t = &m.quants[j].text;
                        if yes {
                            format!("a {t}")
                        } else {
                            format!("no {t}")
                        }
                    },
                )
            }
            (VarKind::Opaque(_), _) => format!("({}) is {}", v.text, vals == [1]),
            _ => v.text.clone(),
        }
    }
}

fn or_list(v: &[String]) -> String {
    match v.len() {
        0 => "nothing".into(),
        1 => v[0].clone(),
        _ => format!("{} or {}", v[..v.len() - 1].join(", "), v[v.len() - 1]),
    }
}

fn merge_intervals(mut iv: Vec<(Option<i64>, Option<i64>)>) -> Vec<(Option<i64>, Option<i64>)> {
    iv.sort_by_key(|(lo, _)| lo.unwrap_or(i64::MIN));
    let mut out: Vec<(Option<i64>, Option<i64>)> = Vec::new();
    for (lo, hi) in iv {
        if let Some(last) = out.last_mut() {
            if last.1.is_some_and(|h| lo == Some(h + 1)) {
                last.1 = hi;
                continue;
            }
        }
        out.push((lo, hi));
    }
    out
}

/// Describes a set of bit vectors (within the `all` realizable ones): the bits
/// fixed across the set when that says it exactly, otherwise each vector.
fn bits_clause(
    name: &str,
    set: Vec<u64>,
    all: Vec<u64>,
    n: usize,
    word: &dyn Fn(usize, bool) -> String,
) -> String {
    let and = set.iter().fold(u64::MAX, |a, x| a & x);
    let or = set.iter().fold(0u64, |a, x| a | x);
    let fixed: Vec<(usize, bool)> = (0..n)
        .filter_map(|j| {
            if and & (1 << j) != 0 {
                Some((j, true))
            } else if or & (1 << j) == 0 {
                Some((j, false))
            } else {
                None
            }
        })
        .collect();
    let consistent = all
        .iter()
        .filter(|x| fixed.iter().all(|(j, yes)| (**x & (1 << j) != 0) == *yes))
        .count();
    // The two sides of a diff test the same words as two quantifiers: say them once.
    let unique = |v: Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in v {
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    };
    let exact = |x: u64| -> String {
        unique((0..n).map(|j| word(j, x & (1 << j) != 0)).collect()).join(", ")
    };
    if consistent == set.len() {
        let parts = unique(fixed.iter().map(|(j, y)| word(*j, *y)).collect());
        format!("{name}: {}", parts.join(", "))
    } else {
        let alts: Vec<String> = set.iter().map(|x| format!("[{}]", exact(*x))).collect();
        format!("{name}: {}", alts.join(" or "))
    }
}

// ------------------------------------------------------------ concrete requests

struct Example {
    /// The date of the request (the earlier of the two laws' dates, for a diff).
    date: Date,
}

impl Example {
    fn request(&self, scope: &Scope, p: &[u32], kind: usize, role: usize) -> Value {
        let mut request = Map::new();
        let mut subject = Map::new();
        request.insert("kind".into(), Value::from(schema::KINDS[kind]));
        let mut scalars: BTreeMap<u8, i64> = BTreeMap::new();
        for (v, &x) in scope.vars.iter().zip(p) {
            if let (
                Some(Ref::Scalar(f)),
                VarKind::Enum(_) | VarKind::Set(_) | VarKind::Bool | VarKind::Ord(_),
            ) = (v.r, &v.kind)
            {
                scalars.insert(f, v.rep(x as usize));
            }
        }
        // Date windows anchor on the arrest date: give one when the rules need it.
        let arrest = schema::scalar("subject.arrest_date").unwrap_or(0) as u8;
        let needs_arrest = scope.vars.iter().any(|v| match &v.kind {
            VarKind::List(m) => m.item.vars.iter().any(|iv| {
                matches!(&iv.kind, VarKind::Opaque(Cond::Within { anchor: Ref::Scalar(a), .. }) if *a == arrest)
            }),
            _ => false,
        });
        if needs_arrest {
            scalars.entry(arrest).or_insert(date_value(self.date) - 30);
        }
        for (&f, &val) in &scalars {
            let d = schema::SCALARS[f as usize];
            let json = show_value(d.ty, val);
            if let Some(k) = d.path.strip_prefix("request.") {
                request.insert(k.into(), json);
            } else if let Some(k) = d.path.strip_prefix("subject.") {
                subject.insert(k.into(), json);
            }
        }
        for (v, &x) in scope.vars.iter().zip(p) {
            if let VarKind::List(m) = &v.kind {
                let items: Vec<Value> = m.witnesses[x as usize]
                    .iter()
                    .map(|w| self.item(m, w, &scalars))
                    .collect();
                let k = schema::LISTS[m.list as usize]
                    .path
                    .trim_start_matches("subject.");
                subject.insert(k.into(), Value::Array(items));
            }
        }
        let mut obj = Map::new();
        obj.insert("agency".into(), Value::from(schema::AGENCIES[role]));
        obj.insert("date".into(), Value::from(self.date.to_string()));
        obj.insert("request".into(), Value::Object(request));
        if !subject.is_empty() {
            obj.insert("subject".into(), Value::Object(subject));
        }
        Value::Object(obj)
    }

    fn item(&self, m: &ListModel, w: &[u32], scalars: &BTreeMap<u8, i64>) -> Value {
        let fields = schema::LISTS[m.list as usize].fields;
        let mut vals: BTreeMap<u8, i64> = BTreeMap::new();
        let mut obj = Map::new();
        let mut windows: Vec<(&Cond, bool)> = Vec::new();
        for (v, &x) in m.item.vars.iter().zip(w) {
            match (&v.kind, v.r) {
                (VarKind::Offense(p), Some(Ref::Field(f))) => {
                    obj.insert(
                        fields[f as usize].path.into(),
                        Value::from(p[x as usize].1.clone()),
                    );
                }
                (VarKind::Opaque(c @ Cond::Within { .. }), _) => windows.push((c, x == 1)),
                (VarKind::Opaque(_), _) => {}
                (_, Some(Ref::Field(f))) => {
                    vals.insert(f, v.rep(x as usize));
                }
                _ => {}
            }
        }
        if !windows.is_empty() {
            let read = |r: Ref, vals: &BTreeMap<u8, i64>| match r {
                Ref::Scalar(s) => scalars.get(&s).copied(),
                Ref::Field(f) => vals.get(&f).copied(),
            };
            for (c, _) in &windows {
                if let Cond::Within {
                    ext: Some(Ref::Field(e)),
                    ..
                } = c
                {
                    vals.entry(*e).or_insert(0);
                }
            }
            let starts: Vec<i64> = windows
                .iter()
                .filter_map(|(c, _)| match c {
                    Cond::Within {
                        amount,
                        unit,
                        anchor,
                        ext,
                        ..
                    } => {
                        let a = read(*anchor, &vals)?;
                        let e = ext.and_then(|r| read(r, &vals)).unwrap_or(0);
                        let s = match unit {
                            Unit::Years => minus_years(a, *amount)?,
                            Unit::Days => a - amount,
                        };
                        Some(s - e)
                    }
                    _ => None,
                })
                .collect();
            if let Some(Cond::Within {
                date: Ref::Field(df),
                anchor,
                ..
            }) = windows.first().map(|w| w.0)
            {
                if !vals.contains_key(df) {
                    let mut cands: Vec<i64> = read(*anchor, &vals).into_iter().collect();
                    for s in &starts {
                        cands.extend([*s, s - 1]);
                    }
                    let pick = cands.iter().copied().find(|d| {
                        windows
                            .iter()
                            .zip(&starts)
                            .all(|((_, want), s)| (*d >= *s) == *want)
                    });
                    if let Some(d) = pick.or(cands.first().copied()) {
                        vals.insert(*df, d);
                    }
                }
            }
        }
        for (f, v) in vals {
            let d = fields[f as usize];
            obj.insert(d.path.into(), show_value(d.ty, v));
        }
        Value::Object(obj)
    }
}

// ------------------------------------------------------------ plans

fn plan(law: &LawVersion, kind: usize, role: usize) -> Option<&KindPlan> {
    law.plans.get(kind * (schema::AGENCIES.len() + 1) + role)
}

fn sources<'a>(lib: &'a Library, plan: &'a KindPlan) -> Vec<Src<'a>> {
    plan.rules
        .iter()
        .map(|r| (&r.cond, lib.rule(r.rule).atoms.as_slice()))
        .collect()
}

fn pinned(kind: usize, role: usize) -> Vec<(u8, i64)> {
    vec![
        (schema::KIND as u8, kind as i64),
        (schema::AGENCY as u8, role as i64),
    ]
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Provision {
    pub rule: String,
    pub citation: String,
}

fn provision(lib: &Library, r: RuleRef) -> Provision {
    Provision {
        rule: format!("{}/{}", lib.packs[r.0].id, lib.rule(r).def.id),
        citation: lib.rule(r).def.citation.clone(),
    }
}

// ------------------------------------------------------------ matrix cells

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CellClass {
    Prohibited,
    PermittedOnlyIf,
    Required,
    CannotBeRestricted,
    Permitted,
    NoRule,
    NotDecided,
}

impl CellClass {
    pub fn label(self) -> &'static str {
        match self {
            CellClass::Prohibited => "prohibited",
            CellClass::PermittedOnlyIf => "permitted only if",
            CellClass::Required => "required",
            CellClass::CannotBeRestricted => "cannot be restricted",
            CellClass::Permitted => "permitted",
            CellClass::NoRule => "no rule",
            CellClass::NotDecided => "not decided",
        }
    }
}

/// What one jurisdiction's law does with one request kind, for one agency role.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub jurisdiction: String,
    pub kind: String,
    pub agency: String,
    pub class: CellClass,
    /// For `permitted only if` and a partial `required` or `prohibited`: when, in short words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Exceptions to a `required` cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
    pub citations: Vec<String>,
    /// Every outcome some request of this kind gets.
    pub outcomes: Vec<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Cell {
    /// The cell as one line of words: `permitted only if judicial warrant and …`.
    pub fn headline(&self) -> String {
        let mut s = self.class.label().to_string();
        match (self.class, &self.condition) {
            (CellClass::PermittedOnlyIf, Some(c)) => s = format!("{s} {c}"),
            (CellClass::Required | CellClass::Prohibited, Some(c)) => s = format!("{s} if {c}"),
            _ => {}
        }
        if let Some(u) = &self.unless {
            s = format!("{s}, unless {u}");
        }
        s
    }
}

/// The default agency role for a request kind in the comparison matrix.
pub fn default_role(kind: &str) -> &'static str {
    match kind {
        "assistance" => "police",
        "information" => "agency",
        _ => "jail",
    }
}

/// Classifies what the law of `pack` on `date` does with requests of `kind` to an agency of `role`.
pub fn cell(
    lib: &Library,
    codes: &Codes,
    pack: usize,
    date: Date,
    kind: usize,
    role: usize,
) -> Result<Cell, RequestError> {
    let law = lib.law(pack, date)?;
    let mut c = Cell {
        jurisdiction: lib.packs[pack].id.clone(),
        kind: schema::KINDS.get(kind).copied().unwrap_or("?").into(),
        agency: schema::AGENCIES.get(role).copied().unwrap_or("?").into(),
        class: CellClass::NoRule,
        condition: None,
        unless: None,
        citations: Vec::new(),
        outcomes: Vec::new(),
        note: None,
    };
    let Some(pl) = plan(law, kind, role) else {
        return Ok(c);
    };
    if pl.rules.is_empty() {
        return Ok(c);
    }
    let scope = match Scope::build(&sources(lib, pl), None, pinned(kind, role), codes) {
        Ok(s) => s,
        Err(e) => {
            c.class = CellClass::NotDecided;
            c.note = Some(e);
            return Ok(c);
        }
    };
    let nodes: Vec<Node> = pl.rules.iter().map(|r| scope.compile(&r.cond)).collect();
    // Per class of point: the deciding plan rules.
    let mut deciders: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    let mut count: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut fires = vec![false; nodes.len()];
    let ok = scope.each(MAX_POINTS, |p| {
        for (i, n) in nodes.iter().enumerate() {
            fires[i] = n.eval(p);
        }
        let (o, w) = combine(pl, &fires);
        let class = match o {
            Outcome::Permitted
                if w.iter().any(|&i| {
                    pl.rules[i].preempts && pl.rules[i].outcome == Outcome::Permitted
                }) =>
            {
                "cannot"
            }
            o => o.as_str(),
        };
        *count.entry(class).or_default() += 1;
        let d = deciders.entry(class).or_default();
        for i in w {
            if !d.contains(&i) {
                d.push(i);
            }
        }
    });
    if !ok {
        c.class = CellClass::NotDecided;
        c.note = Some(format!(
            "the space of requests is larger than {MAX_POINTS} points and was not enumerated"
        ));
        return Ok(c);
    }
    let has = |k: &str| count.contains_key(k);
    for (k, o) in [
        ("required", Outcome::Required),
        ("permitted", Outcome::Permitted),
        ("cannot", Outcome::Permitted),
        ("prohibited", Outcome::Prohibited),
        ("undetermined", Outcome::Undetermined),
    ] {
        if has(k) && !c.outcomes.contains(&o) {
            c.outcomes.push(o);
        }
    }
    // An unconditional rule that decides only where a prohibition does not
    // apply is described by what it escapes, not as "always": the negation of
    // every prohibition, in words (crate::words).
    let prohibiting: Vec<usize> = deciders.get("prohibited").cloned().unwrap_or_default();
    let escaped: Vec<crate::words::Words> = prohibiting
        .iter()
        .map(|&i| {
            let r = lib.rule(pl.rules[i].rule);
            crate::words::tree(&r.cond, &r.atoms, kind, role, None, true)
        })
        .filter(|w| *w != crate::words::Words::True)
        .collect();
    let otherwise = if escaped.is_empty() || escaped.len() < prohibiting.len() {
        "where no prohibition applies".to_string()
    } else {
        crate::words::render(&crate::words::all_of(escaped))
    };
    let words = |classes: &[&str]| -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        for k in classes {
            for &i in deciders.get(k).into_iter().flatten() {
                let r = lib.rule(pl.rules[i].rule);
                let w = plain(&r.cond, &r.atoms, kind, role).unwrap_or_else(|| otherwise.clone());
                if !parts.contains(&w) {
                    parts.push(w);
                }
            }
        }
        (!parts.is_empty()).then(|| parts.join("; or "))
    };
    let decided = count.iter().filter(|(k, _)| **k != "undetermined").count();
    let (class, cond_from): (CellClass, &[&str]) = if decided == 0 {
        (CellClass::NoRule, &[])
    } else if has("required") {
        let only = decided == 1;
        (CellClass::Required, if only { &[] } else { &["required"] })
    } else if has("prohibited") && (has("permitted") || has("cannot")) {
        (CellClass::PermittedOnlyIf, &["permitted", "cannot"])
    } else if has("prohibited") {
        (
            CellClass::Prohibited,
            if has("undetermined") {
                &["prohibited"]
            } else {
                &[]
            },
        )
    } else if has("cannot") && !has("permitted") {
        (CellClass::CannotBeRestricted, &[])
    } else {
        (CellClass::Permitted, &[])
    };
    c.class = class;
    c.condition = words(cond_from);
    if class == CellClass::Required {
        // Exceptions: rules deciding elsewhere that override a required rule.
        let req: Vec<usize> = deciders.get("required").cloned().unwrap_or_default();
        let mut ex: Vec<String> = Vec::new();
        for k in ["permitted", "cannot", "prohibited"] {
            for &i in deciders.get(k).into_iter().flatten() {
                if req
                    .iter()
                    .any(|&q| pl.rules[q].overriders.contains(&(i as u16)))
                {
                    let r = lib.rule(pl.rules[i].rule);
                    if let Some(mut w) = plain(&r.cond, &r.atoms, kind, role) {
                        // "in custody and proof of lawful status" under "required if in custody".
                        if let Some(rest) = c
                            .condition
                            .as_deref()
                            .and_then(|cond| w.strip_prefix(&format!("{cond} and ")))
                        {
                            w = rest.to_string();
                        }
                        if !ex.contains(&w) {
                            ex.push(w);
                        }
                    }
                }
            }
        }
        if !ex.is_empty() {
            c.unless = Some(ex.join("; or "));
        }
    }
    if has("undetermined") && decided > 0 {
        c.note = Some("no rule decides some requests of this kind".into());
    }
    // Citations: the deciding rules of the headline class first.
    let order: &[&str] = match class {
        CellClass::Required => &["required", "permitted", "cannot", "prohibited"],
        CellClass::PermittedOnlyIf => &["permitted", "cannot", "prohibited"],
        CellClass::CannotBeRestricted => &["cannot", "permitted"],
        _ => &["prohibited", "permitted", "cannot", "required"],
    };
    for k in order {
        for &i in deciders.get(k).into_iter().flatten() {
            let cit = &lib.rule(pl.rules[i].rule).def.citation;
            if !c.citations.contains(cit) {
                c.citations.push(cit.clone());
            }
        }
    }
    Ok(c)
}

/// A condition in short words, with the request kind and agency role taken
/// as given; `None` when nothing else is tested.
/// A condition in plain words for one request kind and agency role (see `crate::words`).
pub fn plain(c: &Cond, atoms: &[AtomInfo], kind: usize, role: usize) -> Option<String> {
    crate::words::plain(c, atoms, kind, role)
}

// ------------------------------------------------------------ diff

/// A jurisdiction's law as of a date.
#[derive(Clone, Copy, Debug)]
pub struct LawAt {
    pub pack: usize,
    pub date: Date,
}

#[derive(Clone, Debug, Serialize)]
pub struct LawRef {
    pub jurisdiction: String,
    pub date: String,
    /// The period in which this version of the law is in force.
    pub version: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SideResult {
    pub outcome: Outcome,
    pub provisions: Vec<Provision>,
}

/// What the example request really gives when decided on each side.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub a: Outcome,
    pub b: Outcome,
    pub a_citations: Vec<String>,
    pub b_citations: Vec<String>,
    /// The example decides as the region says on both sides.
    pub agrees: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Region {
    pub kinds: Vec<String>,
    pub agencies: Vec<String>,
    /// The region: every clause holds (an empty list: every request of these kinds).
    pub when: Vec<String>,
    pub a: SideResult,
    pub b: SideResult,
    /// A request in the region, for side A (side B: the same with its jurisdiction and date).
    pub example: Value,
    pub example_b: Value,
    pub check: Check,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub a: LawRef,
    pub b: LawRef,
    pub equivalent: bool,
    pub regions: Vec<Region>,
    /// Parts of the space that were not decided, and why.
    pub undecided: Vec<String>,
    /// What the comparison covers and how.
    pub scope: Vec<String>,
    /// Abstract requests enumerated, and how many decide differently.
    pub points: u64,
    pub differing_points: u64,
}

type Sig = (Outcome, Outcome, Vec<RuleRef>, Vec<RuleRef>);

fn law_ref(lib: &Library, at: LawAt, law: &LawVersion) -> LawRef {
    LawRef {
        jurisdiction: lib.packs[at.pack].id.clone(),
        date: at.date.to_string(),
        version: crate::decide::period(law.from, law.until),
    }
}

/// Every region of the fact space in which the two laws decide differently.
pub fn diff(lib: &Library, a: LawAt, b: LawAt) -> Result<Diff, RequestError> {
    diff_between(lib, a, lib, b)
}

/// The tables of side B, moved to bits 64 and up so that both sides' tables
/// can be tested in one space (see `Codes`).
fn shift_tables(c: &Cond) -> Cond {
    match c {
        Cond::All(v) => Cond::All(v.iter().map(shift_tables).collect()),
        Cond::Any(v) => Cond::Any(v.iter().map(shift_tables).collect()),
        Cond::Not(x) => Cond::Not(Box::new(shift_tables(x))),
        Cond::Table { r, bit, atom } => Cond::Table {
            r: *r,
            bit: bit + 64,
            atom: *atom,
        },
        Cond::Quant {
            any,
            list,
            body,
            atom,
        } => Cond::Quant {
            any: *any,
            list: *list,
            body: Box::new(shift_tables(body)),
            atom: *atom,
        },
        other => other.clone(),
    }
}

/// Like `diff`, with each side's law from its own library (e.g. a pack being
/// edited against the bundled one).
pub fn diff_between(
    lib_a: &Library,
    a: LawAt,
    lib_b: &Library,
    b: LawAt,
) -> Result<Diff, RequestError> {
    let la = lib_a.law(a.pack, a.date)?;
    let lb = lib_b.law(b.pack, b.date)?;
    let codes = Codes::of(&[lib_a, lib_b]);
    let ex = Example {
        date: a.date.min(b.date),
    };
    let mut out = Diff {
        a: law_ref(lib_a, a, la),
        b: law_ref(lib_b, b, lb),
        equivalent: false,
        regions: Vec::new(),
        undecided: Vec::new(),
        scope: vec![
            "every request kind for every agency role, with every fact the rules test given".into(),
            "not compared: requests that leave out a fact a rule tests or name no agency, and offense codes whose table membership cannot be decided (all of these are `undetermined` or decided by completion on either side)".into(),
        ],
        points: 0,
        differing_points: 0,
    };
    let mut opaque_seen = false;
    // (kind, role, when) -> region parts, in order of discovery.
    let mut raw: Vec<(usize, usize, Vec<String>, Sig, Value)> = Vec::new();
    for kind in 0..schema::KINDS.len() {
        for role in 0..schema::AGENCIES.len() {
            let (Some(pa), Some(pb)) = (plan(la, kind, role), plan(lb, kind, role)) else {
                continue;
            };
            if pa.rules.is_empty() && pb.rules.is_empty() {
                continue;
            }
            let shifted: Vec<Cond> = pb.rules.iter().map(|r| shift_tables(&r.cond)).collect();
            let mut srcs = sources(lib_a, pa);
            srcs.extend(
                shifted
                    .iter()
                    .zip(&pb.rules)
                    .map(|(c, r)| (c, lib_b.rule(r.rule).atoms.as_slice())),
            );
            let label = format!("{} to {}", schema::KINDS[kind], schema::AGENCIES[role]);
            let scope = match Scope::build(&srcs, None, pinned(kind, role), &codes) {
                Ok(s) => s,
                Err(e) => {
                    out.undecided.push(format!("{label}: {e}"));
                    continue;
                }
            };
            if scope
                .vars
                .iter()
                .any(|v| matches!(v.kind, VarKind::Opaque(_)))
            {
                opaque_seen = true;
            }
            let na: Vec<Node> = pa.rules.iter().map(|r| scope.compile(&r.cond)).collect();
            let nb: Vec<Node> = shifted.iter().map(|c| scope.compile(c)).collect();
            let mut groups: BTreeMap<Sig, Vec<Vec<u32>>> = BTreeMap::new();
            let (mut fa, mut fb) = (vec![false; na.len()], vec![false; nb.len()]);
            let mut n = 0u64;
            let ok = scope.each(MAX_POINTS, |p| {
                n += 1;
                for (i, x) in na.iter().enumerate() {
                    fa[i] = x.eval(p);
                }
                for (i, x) in nb.iter().enumerate() {
                    fb[i] = x.eval(p);
                }
                let (oa, wa) = combine(pa, &fa);
                let (ob, wb) = combine(pb, &fb);
                if oa != ob {
                    let sig = (
                        oa,
                        ob,
                        wa.iter().map(|&i| pa.rules[i].rule).collect(),
                        wb.iter().map(|&i| pb.rules[i].rule).collect(),
                    );
                    groups.entry(sig).or_default().push(p.to_vec());
                }
            });
            if !ok {
                out.undecided.push(format!(
                    "{label}: {} abstract requests, more than the limit of {MAX_POINTS}",
                    scope.points()
                ));
                continue;
            }
            out.points += n;
            for (sig, points) in groups {
                out.differing_points += points.len() as u64;
                for cube in merge(points, scope.vars.len()) {
                    let first: Vec<u32> = cube.iter().map(|v| v[0]).collect();
                    let req = ex.request(&scope, &first, kind, role);
                    raw.push((kind, role, scope.describe(&cube), sig.clone(), req));
                }
            }
        }
    }
    if opaque_seen {
        out.scope.push("date windows tested outside a list are free true/false variables; an example the window contradicts is flagged".into());
    }
    // Merge the kinds of one role with the same region, then roles with the same kinds.
    type Key = (Vec<String>, Sig);
    let mut by_role: Vec<(Key, usize, Vec<usize>, Value)> = Vec::new();
    for (kind, role, when, sig, req) in raw {
        let k = (when, sig);
        match by_role
            .iter_mut()
            .find(|(x, r, _, _)| *x == k && *r == role)
        {
            Some((_, _, kinds, _)) => kinds.push(kind),
            None => by_role.push((k, role, vec![kind], req)),
        }
    }
    let mut merged: Vec<(Key, Vec<usize>, Vec<usize>, Value)> = Vec::new();
    for (k, role, kinds, req) in by_role {
        match merged
            .iter_mut()
            .find(|(x, ks, _, _)| *x == k && *ks == kinds)
        {
            Some((_, _, roles, _)) => roles.push(role),
            None => merged.push((k, kinds, vec![role], req)),
        }
    }
    for ((when, (oa, ob, wa, wb)), kinds, roles, req) in merged {
        let with = |lib: &Library, at: LawAt, req: &Value| {
            let mut r = req.clone();
            if let Some(o) = r.as_object_mut() {
                o.insert(
                    "jurisdiction".into(),
                    Value::from(lib.packs[at.pack].id.clone()),
                );
                o.insert("date".into(), Value::from(at.date.to_string()));
            }
            // Put the jurisdiction first, as requests are usually written.
            let mut ordered = Map::new();
            if let Some(o) = r.as_object() {
                for k in ["jurisdiction", "agency", "date", "request", "subject"] {
                    if let Some(v) = o.get(k) {
                        ordered.insert(k.into(), v.clone());
                    }
                }
            }
            Value::Object(ordered)
        };
        let ra = with(lib_a, a, &req);
        let rb = with(lib_b, b, &req);
        let da = lib_a.decide_json(&ra);
        let db = lib_b.decide_json(&rb);
        let check = match (da, db) {
            (Ok(da), Ok(db)) => {
                let agrees = da.outcome == oa && db.outcome == ob;
                Check {
                    a: da.outcome,
                    b: db.outcome,
                    a_citations: da.citations,
                    b_citations: db.citations,
                    agrees,
                    note: (!agrees).then(|| format!(
                        "the example decides {} on A and {} on B, not {} and {}: a test the space treats as free (a date window) does not hold as the region assumes",
                        da.outcome.as_str(), db.outcome.as_str(), oa.as_str(), ob.as_str()
                    )),
                }
            }
            (da, db) => Check {
                a: da
                    .as_ref()
                    .map(|d| d.outcome)
                    .unwrap_or(Outcome::Undetermined),
                b: db
                    .as_ref()
                    .map(|d| d.outcome)
                    .unwrap_or(Outcome::Undetermined),
                a_citations: Vec::new(),
                b_citations: Vec::new(),
                agrees: false,
                note: Some(format!(
                    "the example is not a valid request: {}",
                    da.err()
                        .or(db.err())
                        .map(|e| e.to_string())
                        .unwrap_or_default()
                )),
            },
        };
        out.regions.push(Region {
            kinds: kinds
                .iter()
                .map(|&k| schema::KINDS[k].to_string())
                .collect(),
            agencies: roles
                .iter()
                .map(|&r| schema::AGENCIES[r].to_string())
                .collect(),
            when,
            a: SideResult {
                outcome: oa,
                provisions: wa.into_iter().map(|r| provision(lib_a, r)).collect(),
            },
            b: SideResult {
                outcome: ob,
                provisions: wb.into_iter().map(|r| provision(lib_b, r)).collect(),
            },
            example: ra,
            example_b: rb,
            check,
        });
    }
    out.equivalent = out.regions.is_empty() && out.undecided.is_empty();
    Ok(out)
}

/// Merges points (one value per variable) into product cubes, exactly:
/// cubes that differ in one coordinate only are joined on it, until no
/// more join.
fn merge(points: Vec<Vec<u32>>, nvars: usize) -> Vec<Vec<Vec<u32>>> {
    let mut cubes: Vec<Vec<Vec<u32>>> = points
        .into_iter()
        .map(|p| p.into_iter().map(|x| vec![x]).collect())
        .collect();
    loop {
        let before = cubes.len();
        for v in 0..nvars {
            let mut map: BTreeMap<Vec<Vec<u32>>, Vec<u32>> = BTreeMap::new();
            for mut c in cubes {
                let vals = std::mem::take(&mut c[v]);
                map.entry(c).or_default().extend(vals);
            }
            cubes = map
                .into_iter()
                .map(|(mut c, mut vals)| {
                    vals.sort_unstable();
                    vals.dedup();
                    c[v] = vals;
                    c
                })
                .collect();
        }
        if cubes.len() == before {
            return cubes;
        }
    }
}

impl Diff {
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Law diff: A = {} as of {} (version {}), B = {} as of {} (version {})",
            self.a.jurisdiction,
            self.a.date,
            self.a.version,
            self.b.jurisdiction,
            self.b.date,
            self.b.version
        );
        if self.equivalent {
            let _ = writeln!(
                s,
                "equivalent: every request of the compared space gets the same outcome ({} abstract requests)",
                self.points
            );
        } else if self.regions.is_empty() {
            let _ = writeln!(s, "no difference in the part of the space that was decided");
        } else {
            let _ = writeln!(
                s,
                "{} region(s) differ ({} of {} abstract requests):",
                self.regions.len(),
                self.differing_points,
                self.points
            );
        }
        for (i, r) in self.regions.iter().enumerate() {
            let _ = writeln!(
                s,
                "\n{}. {} — agency {}",
                i + 1,
                r.kinds.join(", "),
                r.agencies.join(", ")
            );
            if r.when.is_empty() {
                let _ = writeln!(s, "   when: any request of this kind");
            } else {
                let _ = writeln!(s, "   when:");
                for w in &r.when {
                    let _ = writeln!(s, "     - {w}");
                }
            }
            for (side, res) in [("A", &r.a), ("B", &r.b)] {
                let cites: Vec<String> = res
                    .provisions
                    .iter()
                    .map(|p| format!("{} ({})", p.citation, p.rule))
                    .collect();
                let _ = writeln!(
                    s,
                    "   {side}: {} — {}",
                    r_outcome(res.outcome),
                    if cites.is_empty() {
                        "no provision applies".into()
                    } else {
                        cites.join("; ")
                    }
                );
            }
            let _ = writeln!(
                s,
                "   example: {}",
                serde_json::to_string(&r.example).unwrap_or_default()
            );
            match &r.check.note {
                None => {
                    let _ = writeln!(
                        s,
                        "   checked: decides {} on A and {} on B",
                        r.check.a.as_str(),
                        r.check.b.as_str()
                    );
                }
                Some(n) => {
                    let _ = writeln!(s, "   WARNING: {n}");
                }
            }
        }
        if !self.undecided.is_empty() {
            let _ = writeln!(s, "\nNot decided:");
            for u in &self.undecided {
                let _ = writeln!(s, "  - {u}");
            }
        }
        let _ = writeln!(s, "\nScope:");
        for u in &self.scope {
            let _ = writeln!(s, "  - {u}");
        }
        s
    }
}

fn r_outcome(o: Outcome) -> &'static str {
    o.as_str()
}

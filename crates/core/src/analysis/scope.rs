//! The exact partition of the fact space: leaves of the conditions, the
//! variables and classes they induce, and the points a scope enumerates.

use super::*;

pub(super) fn atom_of(c: &Cond) -> Option<u16> {
    c.atom()
}

/// How a scope models one leaf test.
pub(super) enum Leaf<'c> {
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

pub(super) fn leaf(c: &Cond, item: Option<u8>) -> Leaf<'_> {
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

pub(super) fn fact_def(r: Ref, list: Option<u8>) -> Option<schema::FactDef> {
    match r {
        Ref::Scalar(i) => schema::SCALARS.get(i as usize).copied(),
        Ref::Field(i) => schema::LISTS
            .get(list? as usize)?
            .fields
            .get(i as usize)
            .copied(),
    }
}

pub(super) fn cmp(op: CmpOp, a: i64, b: i64) -> bool {
    match op {
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
        CmpOp::Eq => a == b,
    }
}

pub(super) enum VarKind {
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

pub(super) struct Var {
    pub(super) r: Option<Ref>,
    pub(super) key: String,
    pub(super) text: String,
    pub(super) kind: VarKind,
}

impl Var {
    pub(super) fn size(&self) -> usize {
        match &self.kind {
            VarKind::Enum(c) => c.len(),
            VarKind::Set(c) => 1 << c.len(),
            VarKind::Bool | VarKind::Opaque(_) => 2,
            VarKind::Ord(iv) => iv.len(),
            VarKind::Offense(p) => p.len(),
            VarKind::List(m) => m.vectors.len(),
        }
    }

    pub(super) fn rep(&self, i: usize) -> i64 {
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
pub(super) enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test(usize, Vec<bool>),
    Const(bool),
}

impl Node {
    pub(super) fn eval(&self, p: &[u32]) -> bool {
        match self {
            Node::All(v) => v.iter().all(|n| n.eval(p)),
            Node::Any(v) => v.iter().any(|n| n.eval(p)),
            Node::Not(n) => !n.eval(p),
            Node::Test(var, t) => t[p[*var] as usize],
            Node::Const(b) => *b,
        }
    }
}

pub(super) struct Scope {
    pub(super) list: Option<u8>,
    pub(super) vars: Vec<Var>,
    /// Scalar facts fixed for the whole enumeration (request kind, agency role).
    pub(super) pinned: Vec<(u8, i64)>,
}

pub(super) struct Quant {
    pub(super) key: String,
    pub(super) text: String,
}

pub(super) struct ListModel {
    pub(super) list: u8,
    pub(super) quants: Vec<Quant>,
    /// Truth vectors of the quantifiers some list of items gives, each with its items.
    pub(super) vectors: Vec<u64>,
    pub(super) witnesses: Vec<Vec<Vec<u32>>>,
    pub(super) item: Scope,
}

pub(super) type Src<'a> = (&'a Cond, &'a [AtomInfo]);

pub(super) fn text_of(c: &Cond, atoms: &[AtomInfo]) -> String {
    atom_of(c)
        .and_then(|a| atoms.get(a as usize))
        .map(|a| a.text.clone())
        .unwrap_or_else(|| "a test".into())
}

pub(super) fn rkey(r: Ref) -> (u8, u8) {
    match r {
        Ref::Scalar(i) => (0, i),
        Ref::Field(i) => (1, i),
    }
}

#[derive(Default)]
pub(super) struct Gather<'a> {
    pub(super) enums: BTreeMap<(u8, u8), Vec<u64>>,
    pub(super) sets: BTreeMap<(u8, u8), Vec<u64>>,
    pub(super) bools: BTreeMap<(u8, u8), ()>,
    pub(super) cuts: BTreeMap<(u8, u8), Vec<i64>>,
    pub(super) tables: u128,
    pub(super) quants: Vec<QuantSeen<'a>>,
    pub(super) opaque: Vec<(String, Cond, String)>,
}

/// A quantifier met while gathering: the list it ranges over, its body's
/// structural key, the body and its atoms, and the body in words.
pub(super) struct QuantSeen<'a> {
    list: u8,
    key: String,
    body: &'a Cond,
    atoms: &'a [AtomInfo],
    words: String,
}

impl<'a> Gather<'a> {
    pub(super) fn walk(
        &mut self,
        c: &'a Cond,
        atoms: &'a [AtomInfo],
        item: Option<u8>,
        pinned: &[(u8, i64)],
    ) {
        c.each_test(&mut |c| match leaf(c, item) {
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
                if !self.quants.iter().any(|q| q.key == k) {
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
                    self.quants.push(QuantSeen {
                        list,
                        key: k,
                        body,
                        atoms,
                        words: w,
                    });
                }
            }
            Leaf::Opaque => {
                let k = key(c);
                if !self.opaque.iter().any(|o| o.0 == k) {
                    self.opaque.push((k, c.clone(), text_of(c, atoms)));
                }
            }
        });
    }
}

pub(super) fn unrkey(k: (u8, u8)) -> Ref {
    if k.0 == 0 {
        Ref::Scalar(k.1)
    } else {
        Ref::Field(k.1)
    }
}

/// Groups the values of a domain of `n` values by the masks that contain them.
pub(super) fn classes(n: usize, masks: &[u64]) -> Vec<u64> {
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

/// The variable of list `l`: every combination of the quantifiers over it
/// that some list of items makes true, each with items that make it.
fn list_var(quants: &[QuantSeen<'_>], l: u8, codes: &Codes) -> Result<Var, String> {
    let qs: Vec<_> = quants.iter().filter(|q| q.list == l).collect();
    if qs.len() > MAX_QUANTS {
        return Err(format!(
            "{} is tested by {} different quantifiers, too many to enumerate",
            schema::LISTS[l as usize].path,
            qs.len()
        ));
    }
    let bodies: Vec<Src<'_>> = qs.iter().map(|q| (q.body, q.atoms)).collect();
    let item = Scope::build(&bodies, Some(l), Vec::new(), codes)?;
    let nodes: Vec<Node> = qs.iter().map(|q| item.compile(q.body)).collect();
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
            key: q.key.clone(),
            text: q.words.clone(),
        })
        .collect();
    Ok(Var {
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
    })
}

impl Scope {
    pub(super) fn build(
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
        let mut lists: Vec<u8> = g.quants.iter().map(|q| q.list).collect();
        lists.sort();
        lists.dedup();
        for l in lists {
            vars.push(list_var(&g.quants, l, codes)?);
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

    pub(super) fn find(&self, r: Ref) -> Option<usize> {
        self.vars.iter().position(|v| v.r == Some(r))
    }

    // Long on purpose: one arm per `Cond`, each mapped onto the scope's variables.
    pub(super) fn compile(&self, c: &Cond) -> Node {
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

    pub(super) fn points(&self) -> u64 {
        self.vars
            .iter()
            .fold(1u64, |a, v| a.saturating_mul(v.size() as u64))
    }

    /// Calls `f` at every point; false (and nothing called) past `limit` points.
    pub(super) fn each(&self, limit: u64, mut f: impl FnMut(&[u32])) -> bool {
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
    pub(super) fn describe(&self, cube: &[Vec<u32>]) -> Vec<String> {
        let mut out = Vec::new();
        for (v, vals) in self.vars.iter().zip(cube) {
            if vals.len() >= v.size() {
                continue;
            }
            out.push(self.describe_var(v, vals));
        }
        out
    }

    // Long on purpose: one arm per kind of variable, each said in words.
    pub(super) fn describe_var(&self, v: &Var, vals: &[u32]) -> String {
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

pub(super) fn or_list(v: &[String]) -> String {
    match v.len() {
        0 => "nothing".into(),
        1 => v[0].clone(),
        _ => format!("{} or {}", v[..v.len() - 1].join(", "), v[v.len() - 1]),
    }
}

pub(super) fn merge_intervals(
    mut iv: Vec<(Option<i64>, Option<i64>)>,
) -> Vec<(Option<i64>, Option<i64>)> {
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
pub(super) fn bits_clause(
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

//! Type-checks a condition against the fact schema and compiles it to `Cond`,
//! a tree of fixed-size tests over decoded facts that evaluates without
//! parsing, hashing or allocation.

use crate::diag::{Diagnostic, SourceFile};
use crate::expr::{Atom, CmpOp, Expr, Literal, Name, Unit};
use crate::schema::{self, FactDef, Ty};
use crate::syntax::Span;

/// Where a test reads its value: a request fact or a field of the current list item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    Scalar(u8),
    Field(u8),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    All(Box<[Cond]>),
    Any(Box<[Cond]>),
    Not(Box<Cond>),
    /// Enum value in `mask` (bit = value index).
    EnumIn {
        r: Ref,
        mask: u64,
        atom: u16,
    },
    /// Set shares a value with `mask`.
    SetAny {
        r: Ref,
        mask: u64,
        atom: u16,
    },
    /// Set is non-empty and within `mask`.
    SetOnly {
        r: Ref,
        mask: u64,
        atom: u16,
    },
    Bool {
        r: Ref,
        atom: u16,
    },
    Cmp {
        r: Ref,
        op: CmpOp,
        v: i64,
        atom: u16,
    },
    /// Item date on or after `anchor − amount − ext days`.
    Within {
        date: Ref,
        amount: i64,
        unit: Unit,
        anchor: Ref,
        ext: Option<Ref>,
        atom: u16,
    },
    Table {
        r: Ref,
        bit: u8,
        atom: u16,
    },
    Quant {
        any: bool,
        list: u8,
        body: Box<Cond>,
        atom: u16,
    },
}

impl Cond {
    /// Calls `f` on each test beneath the and/or/not structure, in order.
    /// A quantifier is one test: its body is the caller's to walk (with the
    /// list it ranges over), so each walk states what an item's test means.
    pub(crate) fn each_test<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        match self {
            Cond::All(v) | Cond::Any(v) => v.iter().for_each(|x| x.each_test(f)),
            Cond::Not(x) => x.each_test(f),
            test => f(test),
        }
    }

    /// Whether some test beneath the and/or/not structure satisfies `p`.
    pub(crate) fn any_test(&self, p: impl Fn(&Cond) -> bool) -> bool {
        let mut found = false;
        self.each_test(&mut |t| found |= p(t));
        found
    }

    /// The atom a leaf test reads (its trace and answer slot); `None` for a
    /// combinator or a constant.
    pub(crate) fn atom(&self) -> Option<u16> {
        match self {
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
}

/// What a leaf test reads, for traces, missing facts and counterfactuals.
#[derive(Clone, Debug)]
pub struct AtomInfo {
    pub text: String,
    pub reads: Vec<Ref>,
    /// The list whose items the atom reads fields of, if any.
    pub list: Option<u8>,
    /// The condition is `not <text>`: traces show the test as written, with
    /// the negated result.
    pub negated: bool,
}

pub struct Ctx<'a> {
    pub file: &'a SourceFile,
    /// Tables visible from the pack: (name, global bit).
    pub tables: &'a [(String, u8)],
    pub diags: &'a mut Vec<Diagnostic>,
    pub atoms: Vec<AtomInfo>,
    list: Option<u8>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        file: &'a SourceFile,
        tables: &'a [(String, u8)],
        diags: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Ctx {
            file,
            tables,
            diags,
            atoms: Vec::new(),
            list: None,
        }
    }

    fn error(&mut self, code: &'static str, span: Span, msg: String, label: &str, help: String) {
        self.diags.push(
            Diagnostic::error(code, self.file, span, msg)
                .label(label)
                .help(help),
        );
    }

    fn resolve(&mut self, n: &Name) -> Option<(Ref, FactDef)> {
        if let Some(l) = self.list {
            let fields = schema::LISTS[l as usize].fields;
            if let Some(i) = fields.iter().position(|f| f.path == n.text) {
                return Some((Ref::Field(i as u8), fields[i]));
            }
        }
        // `as_of` is the decision date; inside a list `date` means the item's own date.
        let path = if n.text == "as_of" {
            "date"
        } else {
            n.text.as_str()
        };
        if let Some(i) = schema::scalar(path) {
            return Some((Ref::Scalar(i as u8), schema::SCALARS[i]));
        }
        let mut names: Vec<&str> = schema::SCALARS.iter().map(|f| f.path).collect();
        if let Some(l) = self.list {
            names.extend(schema::LISTS[l as usize].fields.iter().map(|f| f.path));
        }
        let help = match closest(&n.text, &names) {
            Some(c) => format!("did you mean `{c}`?"),
            None if schema::LISTS
                .iter()
                .any(|l| l.fields.iter().any(|f| f.path == n.text)) =>
            {
                format!("`{}` is a field of a list item; test it inside `any subject.convictions (...)`", n.text)
            }
            None => format!("facts are: {}", names.join(", ")),
        };
        self.error(
            "brightline::unknown-fact",
            n.span.clone(),
            format!("unknown fact `{}`", n.text),
            "not a fact of the request",
            help,
        );
        None
    }

    fn values(&mut self, def: &FactDef, values: &[Name]) -> Option<u64> {
        let domain = match def.ty {
            Ty::Enum(d) | Ty::Set(d) => d,
            _ => return None,
        };
        let mut mask = 0u64;
        let mut ok = true;
        for v in values {
            match schema::value_index(domain, &v.text) {
                Some(i) => mask |= 1 << i,
                None => {
                    let help = match closest(&v.text, domain) {
                        Some(c) => format!(
                            "did you mean `{c}`? `{}` takes {}",
                            def.path,
                            domain.join(", ")
                        ),
                        None => format!("`{}` takes {}", def.path, domain.join(", ")),
                    };
                    self.error(
                        "brightline::unknown-value",
                        v.span.clone(),
                        format!("`{}` is not a value of `{}`", v.text, def.path),
                        "unknown value",
                        help,
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(mask)
    }

    fn type_error(&mut self, span: Span, def: &FactDef, wanted: &str, help: &str) {
        self.error(
            "brightline::type",
            span,
            format!("`{}` is {}, not {wanted}", def.path, def.ty.describe()),
            "wrong type here",
            help.to_string(),
        );
    }

    fn atom_id(&mut self, text: String, reads: Vec<Ref>) -> u16 {
        self.atoms.push(AtomInfo {
            text,
            reads,
            list: self.list,
            negated: false,
        });
        (self.atoms.len() - 1) as u16
    }

    pub fn compile(&mut self, e: &Expr) -> Option<Cond> {
        match e {
            Expr::And(v) => v
                .iter()
                .map(|x| self.compile(x))
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(|v| Cond::All(v.into())),
            Expr::Or(v) => v
                .iter()
                .map(|x| self.compile(x))
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(|v| Cond::Any(v.into())),
            Expr::Not(x, _) => {
                let before = self.atoms.len();
                let c = self.compile(x)?;
                if matches!(**x, Expr::Atom(..)) && self.atoms.len() == before + 1 {
                    self.atoms[before].negated = true;
                }
                Some(Cond::Not(Box::new(c)))
            }
            Expr::Atom(a, span) => self.atom(a, span),
        }
    }

    // Long on purpose: one arm per form of test in the condition language, each type-checked against the schema where it is read; split, a form's parse and its check would sit apart.
    fn atom(&mut self, a: &Atom, span: &Span) -> Option<Cond> {
        let text = self
            .file
            .text
            .get(span.clone())
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        match a {
            Atom::Is {
                path,
                values,
                negated,
            } => {
                let (r, def) = self.resolve(path)?;
                if !matches!(def.ty, Ty::Enum(_)) {
                    let help = match def.ty {
                        Ty::Set(_) => "test a set with `has`, `has any {..}` or `only {..}`",
                        Ty::Bool => "test a true/false fact by naming it, or `not` it",
                        _ => "compare numbers and dates with < <= > >= ==",
                    };
                    self.type_error(path.span.clone(), &def, "one of a set of values", help);
                    return None;
                }
                let mask = self.values(&def, values)?;
                let c = Cond::EnumIn {
                    r,
                    mask,
                    atom: self.atom_id(text, vec![r]),
                };
                Some(if *negated { Cond::Not(Box::new(c)) } else { c })
            }
            Atom::Has { path, values } | Atom::Only { path, values } => {
                let (r, def) = self.resolve(path)?;
                if !matches!(def.ty, Ty::Set(_)) {
                    self.type_error(
                        path.span.clone(),
                        &def,
                        "a set",
                        "use `is` or `in {..}` for a single value",
                    );
                    return None;
                }
                let mask = self.values(&def, values)?;
                let atom = self.atom_id(text, vec![r]);
                Some(if matches!(a, Atom::Has { .. }) {
                    Cond::SetAny { r, mask, atom }
                } else {
                    Cond::SetOnly { r, mask, atom }
                })
            }
            Atom::Bool { path } => {
                let (r, def) = self.resolve(path)?;
                if def.ty != Ty::Bool {
                    self.type_error(
                        path.span.clone(),
                        &def,
                        "true or false",
                        "say what to test, e.g. `request.warrant is judicial`",
                    );
                    return None;
                }
                Some(Cond::Bool {
                    r,
                    atom: self.atom_id(text, vec![r]),
                })
            }
            Atom::Cmp {
                path,
                op,
                value,
                value_span,
            } => {
                let (r, def) = self.resolve(path)?;
                let v = match (def.ty, value) {
                    (Ty::Number, Literal::Number(n)) => *n,
                    (Ty::Date, Literal::Date(d)) => d.to_julian_day() as i64,
                    (Ty::Number, _) => {
                        self.type_error(
                            value_span.clone(),
                            &def,
                            "a date",
                            "compare a number with a number",
                        );
                        return None;
                    }
                    (Ty::Date, _) => {
                        self.type_error(
                            value_span.clone(),
                            &def,
                            "a number",
                            "compare a date with a date YYYY-MM-DD",
                        );
                        return None;
                    }
                    _ => {
                        self.type_error(
                            path.span.clone(),
                            &def,
                            "a number or a date",
                            "only numbers and dates compare with < <= > >= ==",
                        );
                        return None;
                    }
                };
                Some(Cond::Cmp {
                    r,
                    op: *op,
                    v,
                    atom: self.atom_id(text, vec![r]),
                })
            }
            Atom::Within {
                date,
                amount,
                unit,
                anchor,
                ext,
            } => {
                let (dr, dd) = self.resolve(date)?;
                let (ar, ad) = self.resolve(anchor)?;
                for (n, d) in [(date, &dd), (anchor, &ad)] {
                    if d.ty != Ty::Date {
                        self.type_error(
                            n.span.clone(),
                            d,
                            "a date",
                            "`within` measures between two dates",
                        );
                        return None;
                    }
                }
                let er = match ext {
                    Some(e) => {
                        let (er, ed) = self.resolve(e)?;
                        if ed.ty != Ty::Number {
                            self.type_error(
                                e.span.clone(),
                                &ed,
                                "a number",
                                "the extension is a number of days",
                            );
                            return None;
                        }
                        Some(er)
                    }
                    None => None,
                };
                let mut reads = vec![dr, ar];
                reads.extend(er);
                Some(Cond::Within {
                    date: dr,
                    amount: *amount,
                    unit: *unit,
                    anchor: ar,
                    ext: er,
                    atom: self.atom_id(text, reads),
                })
            }
            Atom::InTable { path, table } => {
                let (r, def) = self.resolve(path)?;
                if def.ty != Ty::Offense {
                    self.type_error(
                        path.span.clone(),
                        &def,
                        "an offense code",
                        "only offense codes are looked up in tables",
                    );
                    return None;
                }
                let Some(bit) = self
                    .tables
                    .iter()
                    .find(|(n, _)| n == &table.text)
                    .map(|(_, b)| *b)
                else {
                    let names: Vec<&str> = self.tables.iter().map(|(n, _)| n.as_str()).collect();
                    self.error(
                        "brightline::unknown-table",
                        table.span.clone(),
                        format!(
                            "no table `{}` is declared in this pack or its parents",
                            table.text
                        ),
                        "unknown table",
                        if names.is_empty() {
                            "declare it in pack.toml under [tables.NAME]".into()
                        } else {
                            format!("tables in scope: {}", names.join(", "))
                        },
                    );
                    return None;
                };
                Some(Cond::Table {
                    r,
                    bit,
                    atom: self.atom_id(text, vec![r]),
                })
            }
            Atom::Quant { any, list, body } => {
                let Some(l) = schema::list(&list.text) else {
                    let names: Vec<&str> = schema::LISTS.iter().map(|l| l.path).collect();
                    self.error(
                        "brightline::unknown-list",
                        list.span.clone(),
                        format!("`{}` is not a list", list.text),
                        "not a list",
                        format!("lists are: {}", names.join(", ")),
                    );
                    return None;
                };
                if self.list.is_some() {
                    self.error(
                        "brightline::nested-list",
                        list.span.clone(),
                        "lists cannot be nested".into(),
                        "inside another list",
                        "test the items of one list at a time".into(),
                    );
                    return None;
                }
                let atom = self.atom_id(text, vec![]);
                // A quantifier "reads" its list: when the list is missing, that is the fact to ask for.
                self.atoms[atom as usize].list = Some(l as u8);
                self.list = Some(l as u8);
                let body = self.compile(body);
                self.list = None;
                Some(Cond::Quant {
                    any: *any,
                    list: l as u8,
                    body: Box::new(body?),
                    atom,
                })
            }
        }
    }
}

/// The closest name by edit distance, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (levenshtein(word, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Cond {
    /// The values of an enum fact this condition can hold for, from its
    /// top-level conjunction (used to index rules by request kind and agency).
    pub(crate) fn values_of(&self, fact: usize) -> u64 {
        match self {
            Cond::EnumIn {
                r: Ref::Scalar(s),
                mask,
                ..
            } if *s as usize == fact => *mask,
            Cond::All(v) => v.iter().fold(u64::MAX, |m, c| m & c.values_of(fact)),
            Cond::Any(v) => v.iter().fold(0, |m, c| m | c.values_of(fact)),
            _ => u64::MAX,
        }
    }
}

/// A structural key for a condition that ignores atom numbering: two tests
/// with one key test the same thing (the checker and the analyses merge them).
pub fn key(c: &Cond) -> String {
    match c {
        Cond::All(v) => format!("all({})", v.iter().map(key).collect::<Vec<_>>().join(",")),
        Cond::Any(v) => format!("any({})", v.iter().map(key).collect::<Vec<_>>().join(",")),
        Cond::Not(x) => format!("not({})", key(x)),
        Cond::EnumIn { r, mask, .. } => format!("enum{r:?}{mask}"),
        Cond::SetAny { r, mask, .. } => format!("setany{r:?}{mask}"),
        Cond::SetOnly { r, mask, .. } => format!("setonly{r:?}{mask}"),
        Cond::Bool { r, .. } => format!("bool{r:?}"),
        Cond::Cmp { r, op, v, .. } => format!("cmp{r:?}{op:?}{v}"),
        Cond::Within {
            date,
            amount,
            unit,
            anchor,
            ext,
            ..
        } => format!("within{date:?}{amount}{unit:?}{anchor:?}{ext:?}"),
        Cond::Table { r, bit, .. } => format!("table{r:?}{bit}"),
        Cond::Quant {
            any, list, body, ..
        } => format!("quant{any}{list}({})", key(body)),
    }
}

/// The value of a condition that tests nothing: `All([])` is true, `Any([])` false.
pub fn constant(c: &Cond) -> Option<bool> {
    match c {
        Cond::All(v) if v.is_empty() => Some(true),
        Cond::Any(v) if v.is_empty() => Some(false),
        _ => None,
    }
}

/// `cond` with the tests of the request kind, and of the agency role when
/// `role` is known, replaced by their values. A plan serves exactly one kind
/// and role, so for every request routed to it these tests are settled; the
/// outcome-only path evaluates the result and skips them. Kleene semantics
/// are kept: a false conjunct settles `All` even beside unknowns, and a true
/// disjunct settles `Any`. Constants are `All([])` (true) and `Any([])` (false).
pub(crate) fn specialize(cond: &Cond, kind: usize, role: Option<usize>) -> Cond {
    const TRUE: fn() -> Cond = || Cond::All(Box::new([]));
    const FALSE: fn() -> Cond = || Cond::Any(Box::new([]));
    let settled = |r: &Ref, mask: &u64| -> Option<bool> {
        let v = match r {
            Ref::Scalar(i) if *i as usize == schema::KIND => kind,
            Ref::Scalar(i) if *i as usize == schema::AGENCY => role?,
            _ => return None,
        };
        Some(v < 64 && mask & (1 << v) != 0)
    };
    match cond {
        Cond::EnumIn { r, mask, .. } => match settled(r, mask) {
            Some(true) => TRUE(),
            Some(false) => FALSE(),
            None => cond.clone(),
        },
        Cond::All(v) => {
            let mut kept = Vec::with_capacity(v.len());
            for c in v.iter() {
                let s = specialize(c, kind, role);
                match constant(&s) {
                    Some(true) => {}
                    Some(false) => return FALSE(),
                    None => kept.push(s),
                }
            }
            if kept.len() == 1 {
                kept.pop().unwrap_or_else(TRUE)
            } else {
                Cond::All(kept.into())
            }
        }
        Cond::Any(v) => {
            let mut kept = Vec::with_capacity(v.len());
            for c in v.iter() {
                let s = specialize(c, kind, role);
                match constant(&s) {
                    Some(false) => {}
                    Some(true) => return TRUE(),
                    None => kept.push(s),
                }
            }
            if kept.len() == 1 {
                kept.pop().unwrap_or_else(FALSE)
            } else {
                Cond::Any(kept.into())
            }
        }
        Cond::Not(c) => {
            let s = specialize(c, kind, role);
            match constant(&s) {
                Some(b) if b => FALSE(),
                Some(_) => TRUE(),
                None => Cond::Not(Box::new(s)),
            }
        }
        // Inside a quantifier the kind and role tests are item-independent, but
        // the quantifier itself still depends on the list (missing: unknown;
        // empty: false), so only its body is simplified.
        Cond::Quant {
            any,
            list,
            body,
            atom,
        } => Cond::Quant {
            any: *any,
            list: *list,
            body: Box::new(specialize(body, kind, role)),
            atom: *atom,
        },
        _ => cond.clone(),
    }
}

/// The path and type of the fact a reference reads (`list` for a field).
pub(crate) fn fact_ty(r: Ref, list: Option<u8>) -> Option<(String, Ty)> {
    match r {
        Ref::Scalar(i) => schema::SCALARS
            .get(i as usize)
            .map(|d| (d.path.to_string(), d.ty)),
        Ref::Field(i) => {
            let l = schema::LISTS.get(list? as usize)?;
            l.fields.get(i as usize).map(|d| (d.path.to_string(), d.ty))
        }
    }
}

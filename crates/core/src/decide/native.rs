//! Plans compiled ahead of time to Rust: the outcome-only path's rule tests
//! as straight-line code instead of a walk over `Cond`.
//!
//! `rust_source` writes, for every plan of a library, one function that does
//! what `fast::live_bits` does by interpretation: evaluate each live rule's
//! settled condition to true, false or unknown and return the bit sets. A
//! build script compiles that source into the crate that bundles the packs
//! (`brightline-laws`), and `Library::attach_native` hands each function to
//! the plan it was written from. Everything else (choosing the plan,
//! combining the layers, completing unknowns) stays the interpreter's, so a
//! compiled plan differs from an interpreted one only in how fast it tests.
//!
//! A function is attached only to a plan whose fingerprint (its settled
//! conditions, live rules and settled-true rules, as text) matches the one it
//! was written from: a pack edited after the build, or a library that numbers
//! its tables differently, is interpreted as before. Equivalence with the
//! interpreter is a test over random facts (`crates/laws/tests/native.rs`).

use std::fmt::Write;

use crate::compile::{Cond, Ref};
use crate::expr::Unit;
use crate::facts::Facts;
use crate::library::{KindPlan, Library, RuleBits};

/// A compiled plan: `(rules that fire, rules the facts leave open)`, as
/// `fast::live_bits` computes them (the settled-true rules included).
pub type NativePlan = fn(&Facts) -> (RuleBits, RuleBits);

/// What a compiled plan was written from, as a number: FNV-1a over the
/// plan's settled conditions, live rules and settled-true rules as text
/// (`Debug` prints every constant, reference and table bit the code uses).
pub fn fingerprint(plan: &KindPlan) -> u64 {
    let text = format!(
        "{}|{:?}|{:?}|{:?}",
        plan.rules.len(),
        plan.always,
        plan.live,
        plan.fast
    );
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h: u64, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Plans the outcome-only path runs by bit sets and that still test
/// something: the ones worth compiling.
pub fn compilable(plan: &KindPlan) -> bool {
    plan.rules.len() <= crate::library::FAST_RULES && !plan.live.is_empty()
}

impl Library {
    /// Hands each compiled plan to every plan of this library with its
    /// fingerprint. Returns how many plans now run compiled code.
    pub fn attach_native(&mut self, compiled: &[(u64, NativePlan)]) -> usize {
        let mut n = 0;
        for plan in self
            .versions
            .values_mut()
            .flatten()
            .flat_map(|v| v.plans.iter_mut())
        {
            if !compilable(plan) {
                continue;
            }
            let fp = fingerprint(plan);
            if let Some((_, f)) = compiled.iter().find(|(x, _)| *x == fp) {
                plan.native = Some(*f);
                n += 1;
            }
        }
        n
    }
}

/// The interpreter's `(fires, unknown)` for a plan: what its compiled
/// function must return for the same facts.
pub fn interpreted(plan: &KindPlan, facts: &Facts) -> (RuleBits, RuleBits) {
    super::fast::live_bits(plan, facts, plan.always)
}

/// Rust source for every plan of the library the outcome-only path runs and
/// that tests something: functions `plan_<fingerprint>` and a table `PLANS`
/// of `(fingerprint, function)` for [`Library::attach_native`]. The source
/// names this crate as `brightline_core`.
pub fn rust_source(lib: &Library) -> String {
    let mut plans: Vec<(u64, &KindPlan)> = lib
        .versions
        .values()
        .flatten()
        .flat_map(|v| v.plans.iter())
        .filter(|p| compilable(p))
        .map(|p| (fingerprint(p), p))
        .collect();
    plans.sort_by_key(|(fp, _)| *fp);
    plans.dedup_by_key(|(fp, _)| *fp);
    let mut out = String::from(
        "// Written by brightline_core::decide::native::rust_source; do not edit.\n\
         #[allow(unused, unused_parens, clippy::all)]\n\
         mod compiled {\n\
         use brightline_core::decide::native::rt::*;\n\n",
    );
    for (fp, plan) in &plans {
        let _ = writeln!(
            out,
            "pub fn plan_{fp:016x}(f: &Facts) -> (RuleBits, RuleBits) {{\n\
             let mut memo = Memo::default();\n\
             let (mut fires, mut unknown): (RuleBits, RuleBits) = ({}, 0);",
            plan.always
        );
        for &i in &plan.live {
            let mut w = Writer {
                out: String::new(),
                labels: 0,
                depth: 0,
            };
            w.cond(&plan.fast[i as usize]);
            let _ = writeln!(
                out,
                "match ({}) {{ Tri::T => fires |= 1 << {i}, Tri::U => unknown |= 1 << {i}, Tri::F => {{}} }}",
                w.out
            );
        }
        out.push_str("(fires, unknown)\n}\n\n");
    }
    out.push_str("pub static PLANS: &[(u64, NativePlan)] = &[\n");
    for (fp, _) in &plans {
        let _ = writeln!(out, "({fp:#x}, plan_{fp:016x}),");
    }
    out.push_str("];\n}\n");
    out
}

/// The source of a build whose packs did not load: no compiled plans, so
/// every plan is interpreted (and the packs' own tests report the errors).
pub fn empty_source() -> String {
    "mod compiled { pub static PLANS: &[(u64, brightline_core::decide::native::NativePlan)] = &[]; }"
        .into()
}

/// Writes one condition as a Rust expression of type `Tri`, with the
/// interpreter's outcome-only semantics: ands and ors stop at the first part
/// that settles them; a missing value is unknown.
struct Writer {
    out: String,
    /// Labels written so far: each and/or block gets its own.
    labels: usize,
    /// Quantifiers around the expression being written: the current item is
    /// `it{depth - 1}`, none at depth 0.
    depth: usize,
}

impl Writer {
    fn cond(&mut self, c: &Cond) {
        match c {
            Cond::All(v) => self.junction(v, "F", "T"),
            Cond::Any(v) => self.junction(v, "T", "F"),
            Cond::Not(x) => {
                self.out.push_str("!(");
                self.cond(x);
                self.out.push(')');
            }
            Cond::EnumIn { r, mask, .. } => {
                self.leaf(*r, &format!("enum_in(v, {mask:#x})"));
            }
            Cond::SetAny { r, mask, .. } => {
                self.leaf(*r, &format!("v & {} != 0", *mask as i64));
            }
            Cond::SetOnly { r, mask, .. } => {
                self.leaf(*r, &format!("v != 0 && v & {} == 0", !(*mask as i64)));
            }
            Cond::Bool { r, .. } => self.leaf(*r, "v != 0"),
            Cond::Cmp { r, op, v, .. } => {
                self.leaf(*r, &format!("v {} {v}i64", op.symbol()));
            }
            Cond::Within {
                date,
                amount,
                unit,
                anchor,
                ext,
                ..
            } => {
                let ext = match ext {
                    Some(r) => format!("Some({})", self.read(*r)),
                    None => "None".into(),
                };
                let _ = write!(
                    self.out,
                    "within(&mut memo, {}, {}, {amount}i64, {}, {ext})",
                    self.read(*date),
                    self.read(*anchor),
                    matches!(unit, Unit::Years)
                );
            }
            Cond::Table { r, bit, .. } => {
                let item = match self.depth {
                    0 => "None".to_string(),
                    d => format!("Some(it{})", d - 1),
                };
                let _ = write!(
                    self.out,
                    "table({item}, {}, {})",
                    self.read(*r),
                    1u64 << bit
                );
            }
            Cond::Quant {
                any, list, body, ..
            } => {
                let it = format!("it{}", self.depth);
                let _ = write!(
                    self.out,
                    "{{ let res = match &f.lists[{list}] {{ None => Tri::U, Some(items) => {{ \
                     let mut acc = Tri::F; for {it} in items.iter() {{ match ("
                );
                self.depth += 1;
                self.cond(body);
                self.depth -= 1;
                let _ = write!(
                    self.out,
                    ") {{ Tri::T => {{ acc = Tri::T; break }} Tri::U => acc = Tri::U, Tri::F => {{}} }} }} acc }} }}; {} }}",
                    if *any { "res" } else { "!res" }
                );
            }
        }
    }

    /// An and (`stop` F, `start` T) or an or (`stop` T, `start` F).
    fn junction(&mut self, parts: &[Cond], stop: &str, start: &str) {
        let l = self.labels;
        self.labels += 1;
        let _ = write!(self.out, "'j{l}: {{ let mut acc = Tri::{start}; ");
        for x in parts {
            self.out.push_str("match (");
            self.cond(x);
            let _ = write!(
                self.out,
                ") {{ Tri::{stop} => break 'j{l} Tri::{stop}, Tri::U => acc = Tri::U, _ => {{}} }} "
            );
        }
        self.out.push_str("acc }");
    }

    /// A test of one value: unknown when it is missing, else `test` of `v`.
    fn leaf(&mut self, r: Ref, test: &str) {
        let _ = write!(
            self.out,
            "{{ let v = {}; if v == GONE {{ Tri::U }} else {{ Tri::from_bool({test}) }} }}",
            self.read(r)
        );
    }

    /// The value a reference reads, widened to `i64`: a field outside any
    /// item is missing, as in the interpreter.
    fn read(&self, r: Ref) -> String {
        match (r, self.depth) {
            (Ref::Scalar(i), _) => format!("i64::from(f.scalars[{i}])"),
            (Ref::Field(_), 0) => "GONE".into(),
            (Ref::Field(i), d) => format!("i64::from(it{}.fields[{i}])", d - 1),
        }
    }
}

/// What compiled plans call: the leaf tests that are more than a comparison,
/// with the interpreter's semantics (`eval::Eval::leaf_test`).
pub mod rt {
    pub use super::NativePlan;
    pub use crate::eval::Tri;
    pub use crate::facts::{Facts, Item};
    pub use crate::library::RuleBits;

    use crate::eval::minus_years;
    use crate::facts::MISSING;

    /// [`MISSING`] widened, as compiled plans read values.
    pub const GONE: i64 = MISSING as i64;

    /// The last look-back start computed: every item of a list is measured
    /// from the same anchor, so one entry saves the calendar arithmetic.
    pub struct Memo(i64, i64, Option<i64>);

    impl Default for Memo {
        fn default() -> Self {
            Memo(GONE, 0, None)
        }
    }

    #[inline(always)]
    pub fn enum_in(v: i64, mask: u64) -> bool {
        (0..64).contains(&v) && mask & (1 << v) != 0
    }

    /// A date `d` within `amount` years (or days) before `anchor`, widened by
    /// `ext` days when given.
    #[inline(always)]
    pub fn within(
        memo: &mut Memo,
        d: i64,
        anchor: i64,
        amount: i64,
        years: bool,
        ext: Option<i64>,
    ) -> Tri {
        if d == GONE || anchor == GONE {
            return Tri::U;
        }
        if d > anchor {
            return Tri::F;
        }
        let start = if !years {
            Some(anchor - amount)
        } else if memo.0 == anchor && memo.1 == amount {
            memo.2
        } else {
            let s = minus_years(anchor, amount);
            *memo = Memo(anchor, amount, s);
            s
        };
        match (start, ext) {
            (None, _) => Tri::U,
            (Some(s), _) if d >= s => Tri::T,
            (Some(_), Some(GONE)) => Tri::U,
            (Some(s), Some(e)) => Tri::from_bool(d >= s - e),
            (Some(_), None) => Tri::F,
        }
    }

    /// The current item's offense in the table of bit `bit`.
    #[inline(always)]
    pub fn table(item: Option<&Item>, v: i64, bit: u64) -> Tri {
        match item {
            Some(it) if v != GONE => {
                if it.unknown & bit != 0 {
                    Tri::U
                } else {
                    Tri::from_bool(it.member & bit != 0)
                }
            }
            _ => Tri::U,
        }
    }
}

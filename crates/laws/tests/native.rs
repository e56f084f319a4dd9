//! The bundled plans compiled to Rust at build time (`decide::native`) are
//! attached to every plan the outcome-only path runs, and answer as the
//! interpreter does over random facts: missing values, absent lists, table
//! memberships that cannot be decided, and dates around every look-back.

use brightline_core::decide::native::{compilable, fingerprint, interpreted};
use brightline_core::eval::minus_years;
use brightline_core::facts::{Facts, Item, Val, MISSING};
use brightline_core::schema::{self, Ty};

/// xorshift64*: deterministic, so a failure names facts that reproduce it.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Two anchors: 2024-02-29 and a plain day.
const ANCHORS: [Val; 2] = [2_460_370, 2_460_000];

/// The days on and either side of each look-back edge from the anchors: the
/// values where `>=` and `>` differ.
fn edge_dates() -> Vec<Val> {
    let mut v = Vec::new();
    for a in ANCHORS.map(i64::from) {
        for n in [0, 1, 2, 3, 5, 10] {
            let start = minus_years(a, n).expect("a date after year 0");
            v.extend([start - 1, start, start + 1]);
        }
        for days in [30, 48, 90, 180, 365] {
            v.extend([a - days - 1, a - days, a - days + 1]);
        }
    }
    v.into_iter().map(|d| d as Val).collect()
}

/// A value of type `ty`, missing one time in five. A request's dates are
/// mostly the anchors and an item's mostly edges from them, else any day
/// within a few years, so windows come out both ways and on their edges;
/// numbers straddle the thresholds the packs use (days, years, counts).
fn value(r: &mut Rng, ty: Ty, edges: &[Val]) -> Val {
    if r.below(5) == 0 {
        return MISSING;
    }
    match ty {
        Ty::Date if r.below(3) != 0 => edges[r.below(edges.len() as u64) as usize],
        Ty::Date => 2_459_000 + r.below(4_000) as Val,
        Ty::Number => [0, 1, 17, 18, 21, 90, 364, 365, 366, 1_000][r.below(10) as usize],
        Ty::Bool => r.below(2) as Val,
        Ty::Enum(d) => r.below(d.len() as u64) as Val,
        Ty::Set(d) => r.below(1 << d.len()) as Val,
        Ty::Offense => 0,
    }
}

fn facts(r: &mut Rng, tables: usize, edges: &[Val]) -> Facts {
    let mut f = Facts::default();
    for (i, d) in schema::SCALARS.iter().enumerate() {
        f.scalars[i] = value(r, d.ty, &ANCHORS);
    }
    for (l, def) in schema::LISTS.iter().enumerate() {
        f.lists[l] = (r.below(6) != 0).then(|| {
            (0..r.below(4))
                .map(|_| {
                    let mut it = Item::new();
                    for (i, d) in def.fields.iter().enumerate() {
                        it.fields[i] = value(r, d.ty, edges);
                    }
                    let bits = (1u64 << tables.min(63)) - 1;
                    it.member = r.next() & bits;
                    it.unknown = r.next() & r.next() & bits;
                    it
                })
                .collect()
        });
    }
    f
}

#[test]
fn every_bundled_plan_the_outcome_path_runs_is_compiled() {
    let lib = brightline_laws::library().expect("bundled packs load");
    let (mut plans, mut compiled) = (0, 0);
    for plan in lib.versions.values().flatten().flat_map(|v| &v.plans) {
        if compilable(plan) {
            plans += 1;
            compiled += usize::from(plan.native.is_some());
        }
    }
    assert!(
        plans > 100,
        "the bundled law has {plans} plans that test facts"
    );
    assert_eq!(
        compiled, plans,
        "plans without compiled code: the build's library differs from the embedded one"
    );
}

#[test]
fn compiled_plans_answer_as_the_interpreter_does() {
    let lib = brightline_laws::library().expect("bundled packs load");
    let mut r = Rng(0x5eed_0009_0131);
    let edges = edge_dates();
    let mut seen = std::collections::HashSet::new();
    let mut checked = 0;
    for plan in lib.versions.values().flatten().flat_map(|v| &v.plans) {
        let Some(native) = plan.native else { continue };
        if !seen.insert(fingerprint(plan)) {
            continue;
        }
        for _ in 0..400 {
            let f = facts(&mut r, lib.lists.len(), &edges);
            assert_eq!(
                native(&f),
                interpreted(plan, &f),
                "compiled plan {:016x} differs from the interpreter on {f:?}",
                fingerprint(plan)
            );
            checked += 1;
        }
    }
    assert_eq!(seen.len(), brightline_laws::compiled_plans().len());
    assert!(checked > 40_000, "{checked} comparisons");
}

#[test]
fn a_plan_edited_after_the_build_is_interpreted() {
    let mut lib = brightline_core::Library::from_sources(&brightline_laws::sources())
        .expect("bundled packs load");
    // Every plan's conditions changed: no fingerprint matches any more.
    for plan in lib
        .versions
        .values_mut()
        .flatten()
        .flat_map(|v| &mut v.plans)
    {
        plan.fast
            .push(brightline_core::compile::Cond::All(Box::new([])));
        plan.live.push(plan.fast.len() as u32 - 1);
    }
    assert_eq!(lib.attach_native(brightline_laws::compiled_plans()), 0);
}

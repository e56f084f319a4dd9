//! The memoized batch path over columns gives, on every FY2015 record, the
//! outcome the single-decision path gives (the records live in
//! `../shared/data`, as for `real_rows.rs`).

use brightline::{LawVersion, Outcome};
use brightline_sim::batch::{decide_columns_memo, Columns, Memos};
use brightline_sim::map::{mapped_rows, Mapper};

mod common;
use common::{data, present};

/// Every FY2015 record mapped to facts by the bundled library, or `None`
/// when the records are absent (and not required).
fn fy2015() -> Option<(Vec<(brightline::Facts, time::Date)>, Mapper)> {
    let input = data("ice-foia-fy2015/ice_lea_detainers_FY2015YTD.csv.gz");
    if !present(&input) {
        return None;
    }
    let lib = brightline::bundled().expect("bundled packs load");
    let profile = brightline_sim::profile::resolve("ice-lesa-fy2015").expect("profile");
    let (rows, mapper) = mapped_rows(lib, &profile, &input).expect("records read");
    assert!(rows.len() > 70_000, "{} rows", rows.len());
    Some((rows, mapper))
}

#[test]
fn the_memoized_batch_decides_every_fy2015_record_as_one_decision_does() {
    let Some((rows, mapper)) = fy2015() else {
        return;
    };
    let lib = brightline::bundled().expect("bundled packs load");
    let slots = mapper.scalar_slots();
    let mut checked = 0;
    for (jur, agency) in [("us-ny-nyc", "doc"), ("us-ca", "jail")] {
        let Ok(pack) = lib.jurisdiction(jur) else {
            continue;
        };
        let Ok(role) = lib.agency(pack, agency) else {
            continue;
        };
        let mut cols = Columns::new(slots.clone());
        let mut laws: Vec<&LawVersion> = Vec::new();
        let mut want: Vec<Outcome> = Vec::new();
        for (f, d) in &rows {
            let Ok(law) = lib.law(pack, *d) else {
                continue;
            };
            let mut f = f.clone();
            f.scalars[brightline::schema::DATE] = brightline::facts::date_value(*d);
            f.scalars[brightline::schema::AGENCY] = role as brightline::Val;
            if cols.push(&f) {
                laws.push(law);
                want.push(brightline::outcome(law, &f));
            }
        }
        // Twice over with the same memos: the second pass answers from them.
        let mut memos = Memos::default();
        for _ in 0..2 {
            let mut got = Vec::with_capacity(want.len());
            let mut s = 0;
            while s < laws.len() {
                let mut e = s + 1;
                while e < laws.len() && std::ptr::eq(laws[e], laws[s]) {
                    e += 1;
                }
                decide_columns_memo(laws[s], &cols, s..e, &mut memos, &mut got);
                s = e;
            }
            assert_eq!(got.len(), want.len());
            let bad = got.iter().zip(&want).filter(|(g, w)| g != w).count();
            assert_eq!(bad, 0, "{jur} {agency}: {bad} rows differ");
        }
        checked += want.len();
    }
    assert!(checked > 70_000, "{checked} rows checked");
}

/// The bundled law's compiled plans decide FY2015 records as the interpreter
/// does, under laws on both sides of the question: every 40th record (all of
/// them take minutes in a debug build, most being undetermined and completed
/// by the interpreter on both sides).
#[test]
fn compiled_plans_decide_fy2015_records_as_the_interpreter_does() {
    let Some((rows, _)) = fy2015() else {
        return;
    };
    let compiled = brightline::bundled().expect("bundled packs load");
    let interpreted =
        brightline::Library::from_sources(&brightline::bundled_sources()).expect("packs load");
    let (mut checked, mut native) = (0, 0);
    for (jur, agency) in [
        ("us-ny-nyc", "doc"),
        ("us-ca", "jail"),
        ("us-tx", "jail"),
        ("us-fl", "jail"),
    ] {
        let pack = compiled.jurisdiction(jur).expect("bundled jurisdiction");
        let role = compiled.agency(pack, agency).expect("agency role");
        assert_eq!(interpreted.jurisdiction(jur).ok(), Some(pack));
        for (f, d) in rows.iter().step_by(40) {
            let (Ok(c), Ok(i)) = (compiled.law(pack, *d), interpreted.law(pack, *d)) else {
                continue;
            };
            let mut f = f.clone();
            f.scalars[brightline::schema::DATE] = brightline::facts::date_value(*d);
            f.scalars[brightline::schema::AGENCY] = role as brightline::Val;
            assert_eq!(
                brightline::outcome(c, &f),
                brightline::outcome(i, &f),
                "{jur} {agency} on {d}: {f:?}"
            );
            checked += 1;
            native += usize::from(c.plans.iter().any(|p| p.native.is_some()));
        }
    }
    assert!(checked > 6_000, "{checked} decisions compared");
    assert_eq!(native, checked, "every law decided has compiled plans");
}

//! The batch path over columns gives exactly the outcome the single-decision
//! path gives each request: on generated requests under every bundled
//! jurisdiction, with the memo reused across batches and started over when full.

use brightline_core::decide::batch::{outcomes, Memo};
use brightline_core::decide::outcome;
use brightline_core::facts::{date_value, Facts, MISSING};
use brightline_core::schema;
use proptest::prelude::*;

fn value() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => Just(MISSING),
        6 => 0i32..4,
        1 => prop::sample::select(vec![-1i32, 4, 5, 63, 64, 1_000]),
        2 => 2_440_000i32..2_462_000,
    ]
}

/// (slots, rows of values for them, jurisdiction index, date index).
fn batch() -> impl Strategy<Value = (Vec<usize>, Vec<Vec<i32>>, usize, i32)> {
    let n = schema::SCALARS.len();
    prop::sample::subsequence((0..n).collect::<Vec<_>>(), 1..=12.min(n)).prop_flat_map(|slots| {
        let w = slots.len();
        (
            Just(slots),
            prop::collection::vec(prop::collection::vec(value(), w), 1..48),
            0usize..64,
            0i32..6_000,
        )
    })
}

fn law_of(pi: usize, day: i32) -> Option<&'static brightline_core::library::LawVersion> {
    let lib = brightline_laws::library().expect("bundled packs load");
    let pack = pi % lib.packs.len();
    let date = brightline_core::facts::value_date(
        date_value(brightline_core::expr::parse_date("2010-01-01").expect("date")) + day,
    )?;
    lib.law(pack, date).ok()
}

fn check(
    law: &brightline_core::library::LawVersion,
    slots: &[usize],
    rows: &[Vec<i32>],
    memo: &mut Memo,
) {
    let cols: Vec<Vec<i32>> = (0..slots.len())
        .map(|k| rows.iter().map(|r| r[k]).collect())
        .collect();
    let values: Vec<&[i32]> = cols.iter().map(Vec::as_slice).collect();
    let mut got = Vec::new();
    outcomes(law, slots, &values, 0..rows.len(), memo, &mut got);
    // Twice: the second pass answers from the memo.
    outcomes(law, slots, &values, 0..rows.len(), memo, &mut got);
    for (i, o) in got.iter().enumerate() {
        let mut f = Facts::default();
        for (k, &s) in slots.iter().enumerate() {
            f.scalars[s] = rows[i % rows.len()][k];
        }
        assert_eq!(*o, outcome(law, &f), "row {i}: {:?}", rows[i % rows.len()]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn the_batch_decides_as_one_decision_does((slots, rows, pi, day) in batch()) {
        if let Some(law) = law_of(pi, day) {
            let mut memo = Memo::new();
            check(law, &slots, &rows, &mut memo);
        }
    }
}

#[test]
fn the_memo_starts_over_when_full_and_stays_exact() {
    let lib = brightline_laws::library().expect("bundled packs load");
    let pack = lib.jurisdiction("us-ny-nyc").expect("nyc");
    let date = brightline_core::expr::parse_date("2025-11-09").expect("date");
    let law = lib.law(pack, date).expect("law");
    let warrant = schema::scalar("request.warrant").expect("warrant");
    let doc = lib.agency(pack, "doc").expect("doc") as i32;
    let slots = [schema::DATE, schema::AGENCY, schema::KIND, warrant];
    // More distinct tuples than the memo holds (every row its own date).
    let rows: Vec<Vec<i32>> = (0..300i32)
        .map(|i| {
            vec![
                2_450_000 + i,
                doc,
                i % schema::KINDS.len() as i32,
                if i % 4 == 3 { MISSING } else { i % 4 },
            ]
        })
        .collect();
    let mut memo = Memo::with_capacity(64);
    check(law, &slots, &rows, &mut memo);
    assert!(memo.len() <= 64);
}

//! The columnar batch path: the facts of many requests held column by column
//! (one vector per scalar fact the batch sets), decided by one scratch
//! request that stays in cache while the columns stream through it.
//!
//! A row-wise batch touches each request's whole fact record (every scalar
//! and list slot, a few hundred bytes) to decide it; here a row costs only
//! the loads of the columns the batch carries. Requests with list facts
//! (convictions, charges) are not columnar: they take the row path.

use brightline::{Facts, LawVersion, Outcome, MISSING};

/// Scalar facts of many requests, by column.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// Rows held.
    pub len: usize,
    /// The scalar slots (`schema::SCALARS` positions) held, one column each.
    pub slots: Vec<usize>,
    /// `values[k][r]`: slot `slots[k]` of row `r` (`MISSING` when unknown).
    pub values: Vec<Vec<brightline::Val>>,
    /// Per scalar slot: whether a column holds it.
    held: Vec<bool>,
}

impl Columns {
    pub fn new(slots: Vec<usize>) -> Columns {
        let n = slots.len();
        let mut held = vec![false; brightline::schema::SCALARS.len()];
        for &s in &slots {
            held[s] = true;
        }
        Columns {
            len: 0,
            slots,
            values: vec![Vec::new(); n],
            held,
        }
    }

    pub fn clear(&mut self) {
        self.len = 0;
        for v in &mut self.values {
            v.clear();
        }
    }

    /// Appends a request's held slots; false (and nothing appended) when it sets a slot
    /// the columns do not hold or has list facts, so it must take the row path.
    pub fn push(&mut self, f: &Facts) -> bool {
        if f.lists.iter().any(Option::is_some) {
            return false;
        }
        let held = f
            .scalars
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != MISSING)
            .all(|(s, _)| self.held[s]);
        if !held {
            return false;
        }
        for (k, &s) in self.slots.iter().enumerate() {
            self.values[k].push(f.scalars[s]);
        }
        self.len += 1;
        true
    }
}

/// [`decide_columns`] with each distinct fact tuple decided once per law: the
/// memos (one per law version, by address) are kept across calls.
pub fn decide_columns_memo(
    law: &LawVersion,
    cols: &Columns,
    range: std::ops::Range<usize>,
    memos: &mut Memos,
    out: &mut Vec<Outcome>,
) {
    let values: Vec<&[brightline::Val]> = cols.values.iter().map(|v| &v[..cols.len]).collect();
    let memo = memos
        .0
        .entry(law as *const LawVersion as usize)
        .or_default();
    brightline::batch::outcomes(law, &cols.slots, &values, range, memo, out);
}

/// The batch path's memos of decided fact tuples, one per law version.
#[derive(Debug, Default)]
pub struct Memos(std::collections::HashMap<usize, brightline::batch::Memo>);

/// Decides rows `range` of `cols` under one law, appending each outcome to `out`.
pub fn decide_columns(
    law: &LawVersion,
    cols: &Columns,
    range: std::ops::Range<usize>,
    out: &mut Vec<Outcome>,
) {
    out.reserve(range.len());
    // Fixed widths get loops whose column pointers stay in registers.
    match cols.slots.len() {
        1 => fixed::<1>(law, cols, range, out),
        2 => fixed::<2>(law, cols, range, out),
        3 => fixed::<3>(law, cols, range, out),
        4 => fixed::<4>(law, cols, range, out),
        5 => fixed::<5>(law, cols, range, out),
        6 => fixed::<6>(law, cols, range, out),
        7 => fixed::<7>(law, cols, range, out),
        8 => fixed::<8>(law, cols, range, out),
        _ => {
            let mut f = Facts::default();
            for r in range {
                for (k, &s) in cols.slots.iter().enumerate() {
                    f.scalars[s] = cols.values[k][r];
                }
                out.push(brightline::outcome(law, &f));
            }
        }
    }
}

fn fixed<const N: usize>(
    law: &LawVersion,
    cols: &Columns,
    range: std::ops::Range<usize>,
    out: &mut Vec<Outcome>,
) {
    let mut f = Facts::default();
    let slots: [usize; N] = std::array::from_fn(|k| cols.slots[k]);
    let values: [&[brightline::Val]; N] = std::array::from_fn(|k| &cols.values[k][..cols.len]);
    for r in range {
        for k in 0..N {
            f.scalars[slots[k]] = values[k][r];
        }
        out.push(brightline::outcome(law, &f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brightline::schema;

    #[test]
    fn columns_decide_as_the_row_path_does() {
        let lib = brightline::bundled().expect("bundled packs load");
        let pack = lib.jurisdiction("us-ny-nyc").expect("nyc");
        let date = brightline::parse_date("2025-11-09").expect("date");
        let law = lib.law(pack, date).expect("law");
        let warrant = schema::scalar("request.warrant").expect("warrant");
        let tsdb = schema::scalar("subject.tsdb_match").expect("tsdb");
        let doc = lib.agency(pack, "doc").expect("doc") as brightline::Val;
        let mut cols = Columns::new(vec![schema::DATE, schema::AGENCY, schema::KIND, warrant]);
        let mut rows = Vec::new();
        for w in [MISSING, 0, 1, 2] {
            for k in 0..schema::KINDS.len() as brightline::Val {
                let mut f = Facts::default();
                f.scalars[schema::DATE] = brightline::facts::date_value(date);
                f.scalars[schema::AGENCY] = doc;
                f.scalars[schema::KIND] = k;
                f.scalars[warrant] = w;
                assert!(cols.push(&f));
                rows.push(f);
            }
        }
        let mut with_tsdb = Facts::default();
        with_tsdb.scalars[tsdb] = 1;
        assert!(!cols.push(&with_tsdb), "a slot the columns do not hold");
        let mut out = Vec::new();
        decide_columns(law, &cols, 0..cols.len, &mut out);
        let want: Vec<Outcome> = rows.iter().map(|f| brightline::outcome(law, f)).collect();
        assert_eq!(out, want);
        assert!(out.contains(&Outcome::Prohibited) && out.contains(&Outcome::Permitted));
    }
}

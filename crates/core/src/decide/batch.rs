//! The batch path over columnar facts: many requests' scalar facts held
//! column by column (one slice per scalar slot the batch sets; every other
//! slot unknown, no list facts), decided under one law.
//!
//! Record files repeat a few fact tuples many times (the FY2015 release's
//! 79,053 rows hold a few hundred distinct tuples), so each distinct tuple is
//! decided once, by the outcome-only path on a scratch request, and every
//! other row with the same tuple costs one hash of its columns and a table
//! probe. The memo is keyed by the tuple alone and tied to one law: the
//! outcome is a function of the law and the scalars, so the batch gives
//! exactly the outcome `outcome` gives each row (tested on the FY2015 records
//! and on generated requests).

use std::ops::Range;

use super::fast::outcome;
use crate::facts::{Facts, Val};
use crate::library::LawVersion;
use crate::load::Outcome;

/// Distinct tuples a memo holds before it starts over.
const MEMO_MAX: usize = 1 << 14;
const EMPTY: u32 = u32::MAX;

/// Outcomes of the distinct fact tuples seen, for one law and one set of slots.
/// Reuse one across batches: it starts over when the law or the slots change.
#[derive(Clone, Debug, Default)]
pub struct Memo {
    /// The law (by address) and slots the entries were decided under.
    law: usize,
    slots: Vec<usize>,
    /// `keys[e * width..][..width]`: entry `e`'s tuple.
    keys: Vec<Val>,
    outs: Vec<Outcome>,
    /// Open addressing: entry index or `EMPTY`; a power of two, at most half full.
    table: Vec<u32>,
    /// Distinct tuples held before starting over (0: `MEMO_MAX`).
    cap: usize,
    /// Rows decided by evaluation (a tuple not in the memo), for the record.
    pub evaluated: u64,
}

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    /// A memo that holds at most `cap` distinct tuples before it starts over.
    pub fn with_capacity(cap: usize) -> Memo {
        Memo {
            cap: cap.max(1),
            ..Memo::default()
        }
    }

    fn cap(&self) -> usize {
        if self.cap == 0 {
            MEMO_MAX
        } else {
            self.cap
        }
    }

    /// Distinct tuples held.
    pub fn len(&self) -> usize {
        self.outs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outs.is_empty()
    }

    fn reset(&mut self, law: &LawVersion, slots: &[usize]) {
        self.law = law as *const LawVersion as usize;
        self.slots.clear();
        self.slots.extend_from_slice(slots);
        self.keys.clear();
        self.outs.clear();
        self.table.clear();
        self.table
            .resize((2 * self.cap()).next_power_of_two(), EMPTY);
    }
}

#[inline(always)]
fn hash(key: &[Val]) -> u64 {
    let mut h: u64 = 0;
    for &v in key {
        h = (h.rotate_left(5) ^ v as u32 as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

/// Decides rows `range` of the columns under `law`, appending each outcome to `out`:
/// `values[k][r]` is slot `slots[k]` of row `r` (`MISSING` when unknown). Every
/// slot the columns do not hold is unknown, and no row has list facts.
pub fn outcomes(
    law: &LawVersion,
    slots: &[usize],
    values: &[&[Val]],
    range: Range<usize>,
    memo: &mut Memo,
    out: &mut Vec<Outcome>,
) {
    assert_eq!(slots.len(), values.len(), "one column per slot");
    if memo.table.is_empty() || memo.law != law as *const LawVersion as usize || memo.slots != slots
    {
        memo.reset(law, slots);
    }
    out.reserve(range.len());
    // Fixed widths get loops whose column pointers stay in registers.
    match slots.len() {
        1 => fixed::<1>(law, slots, values, range, memo, out),
        2 => fixed::<2>(law, slots, values, range, memo, out),
        3 => fixed::<3>(law, slots, values, range, memo, out),
        4 => fixed::<4>(law, slots, values, range, memo, out),
        5 => fixed::<5>(law, slots, values, range, memo, out),
        6 => fixed::<6>(law, slots, values, range, memo, out),
        7 => fixed::<7>(law, slots, values, range, memo, out),
        8 => fixed::<8>(law, slots, values, range, memo, out),
        9 => fixed::<9>(law, slots, values, range, memo, out),
        10 => fixed::<10>(law, slots, values, range, memo, out),
        11 => fixed::<11>(law, slots, values, range, memo, out),
        12 => fixed::<12>(law, slots, values, range, memo, out),
        _ => {
            // Wide batches are rare: decide each row without the memo.
            let mut f = Facts::default();
            for r in range {
                for (k, &s) in slots.iter().enumerate() {
                    f.scalars[s] = values[k][r];
                }
                out.push(outcome(law, &f));
            }
        }
    }
}

fn fixed<const N: usize>(
    law: &LawVersion,
    slots: &[usize],
    values: &[&[Val]],
    range: Range<usize>,
    memo: &mut Memo,
    out: &mut Vec<Outcome>,
) {
    let slots: [usize; N] = std::array::from_fn(|k| slots[k]);
    let cols: [&[Val]; N] = std::array::from_fn(|k| values[k]);
    let mask = memo.table.len() - 1;
    let mut scratch = Facts::default();
    for r in range {
        let key: [Val; N] = std::array::from_fn(|k| cols[k][r]);
        let mut at = hash(&key) as usize & mask;
        let o = loop {
            let e = memo.table[at];
            if e == EMPTY {
                break None;
            }
            let e = e as usize;
            if memo.keys[e * N..(e + 1) * N] == key {
                break Some(memo.outs[e]);
            }
            at = (at + 1) & mask;
        };
        let o = match o {
            Some(o) => o,
            None => {
                for k in 0..N {
                    scratch.scalars[slots[k]] = key[k];
                }
                let o = outcome(law, &scratch);
                memo.evaluated += 1;
                if memo.outs.len() >= memo.cap() {
                    // Full: start over (the table is at most half full until then).
                    memo.keys.clear();
                    memo.outs.clear();
                    memo.table.fill(EMPTY);
                    at = hash(&key) as usize & mask;
                }
                memo.table[at] = memo.outs.len() as u32;
                memo.keys.extend_from_slice(&key);
                memo.outs.push(o);
                o
            }
        };
        out.push(o);
    }
}

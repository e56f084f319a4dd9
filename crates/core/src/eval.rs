//! Three-valued evaluation of compiled conditions.
//!
//! Generic over a `Tracer` so that the plain decision path compiles to code
//! that records nothing and allocates nothing.

use crate::compile::{Cond, Ref};
use crate::expr::{CmpOp, Unit};
use crate::facts::{Facts, Item, MISSING};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    F,
    T,
    U,
}

impl std::ops::Not for Tri {
    type Output = Tri;
    #[inline]
    fn not(self) -> Tri {
        match self {
            Tri::F => Tri::T,
            Tri::T => Tri::F,
            Tri::U => Tri::U,
        }
    }
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::T
        } else {
            Tri::F
        }
    }
}

/// Observes leaf tests as they are evaluated.
pub trait Tracer {
    /// Whether to evaluate every branch (for a complete trace) rather than short-circuit.
    const FULL: bool;
    fn leaf(&mut self, atom: u16, item: Option<usize>, seen: Seen, result: Tri);
    /// Marks a point before a subtree; `close` gets its result.
    fn open(&mut self) -> usize {
        0
    }
    fn close(&mut self, _mark: usize, _result: Tri) {}
    /// A value for a leaf the facts leave unknown: the branch enumeration of
    /// an undetermined decision assigns one; every other tracer leaves it unknown.
    #[inline(always)]
    fn assume(&mut self, _atom: u16, _item: Option<usize>) -> Tri {
        Tri::U
    }
}

/// What a leaf test saw: the raw value it read (or what was missing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    Value(Ref, i64),
    Missing(Ref),
    /// Table membership of the current item's offense could not be decided.
    TableUnknown,
    Nothing,
}

pub struct NoTrace;

impl Tracer for NoTrace {
    const FULL: bool = false;
    #[inline(always)]
    fn leaf(&mut self, _: u16, _: Option<usize>, _: Seen, _: Tri) {}
}

/// [`MISSING`] as evaluation sees it: values are read widened to `i64`, so
/// that a look-back's arithmetic and a rule's constants cannot overflow.
const GONE: i64 = MISSING as i64;

#[inline]
fn read(r: Ref, facts: &Facts, item: Option<&Item>) -> i64 {
    i64::from(match r {
        Ref::Scalar(i) => facts.scalars[i as usize],
        Ref::Field(i) => item.map(|it| it.fields[i as usize]).unwrap_or(MISSING),
    })
}

/// `anchor − n years` in days, with 29 February stepping back to 28 February.
/// Hand-rolled civil-calendar arithmetic because this runs on the hot path of
/// every look-back test: in years that start on 1 March, going back whole
/// years keeps the day of the year, so only the year is needed, not the
/// month and day (29 February, the last day of such a year, is the one day
/// that may not exist n years back).
#[inline]
pub fn minus_years(anchor: i64, n: i64) -> Option<i64> {
    // Days since 0000-03-01, in 400-year eras (H. Hinnant's algorithm).
    let z = anchor - 1_721_120;
    // Every date a record holds is after year 0: unsigned division by the
    // constants compiles to multiplications without sign corrections.
    if let (Ok(z), Ok(n)) = (u64::try_from(z), u64::try_from(n)) {
        let (era, doe) = (z / 146_097, z % 146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        if let Some(y) = (yoe + era * 400).checked_sub(n) {
            let doy = if doy == 365 && !is_leap(y as i64 + 1) {
                364
            } else {
                doy
            };
            let (era, yoe) = (y / 400, y % 400);
            let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
            return Some(days as i64 + 1_721_120);
        }
    }
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    // Day of the March-based year: 0 is 1 March, 365 is 29 February.
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let y = yoe + era * 400 - n;
    // The year from March `y` ends in February of `y + 1`.
    let doy = if doy == 365 && !is_leap(y + 1) {
        364
    } else {
        doy
    };
    let (era, yoe) = (y.div_euclid(400), y.rem_euclid(400));
    Some(era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy + 1_721_120)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Julian day number to proleptic Gregorian (year, month, day).
#[cfg(test)]
fn civil_from_julian(jd: i64) -> (i64, i64, i64) {
    // Days since 0000-03-01, in 400-year eras (H. Hinnant's algorithm).
    let z = jd - 1_721_120;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
fn julian_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe + 1_721_120
}

pub struct Eval<'a, T: Tracer> {
    facts: &'a Facts,
    tracer: &'a mut T,
    /// The last look-back start computed: (anchor, years, start). Every item
    /// of a list is measured from the same anchor, so one entry saves the
    /// calendar arithmetic for all but the first.
    memo: (i64, i64, Option<i64>),
}

impl<'a, T: Tracer> Eval<'a, T> {
    pub fn new(facts: &'a Facts, tracer: &'a mut T) -> Self {
        Eval {
            facts,
            tracer,
            memo: (GONE, 0, None),
        }
    }

    pub fn eval(&mut self, c: &Cond, item: Option<(usize, &Item)>) -> Tri {
        if !T::FULL {
            return self.eval_inner(c, item);
        }
        let mark = self.tracer.open();
        let r = self.eval_inner(c, item);
        self.tracer.close(mark, r);
        r
    }

    /// [`eval`](Self::eval) with the condition's own and/or and a leaf tested in
    /// place, for the top of a rule on the outcome-only path: a rule that a
    /// single test settles costs no call.
    #[inline(always)]
    pub(crate) fn eval_in_place(&mut self, c: &Cond) -> Tri {
        self.child(c, None)
    }

    #[inline(always)]
    fn leaf(
        &mut self,
        atom: u16,
        item: Option<(usize, &Item)>,
        r: Ref,
        test: impl Fn(i64) -> bool,
    ) -> Tri {
        let v = read(r, self.facts, item.map(|x| x.1));
        let (seen, res) = if v == GONE {
            (
                Seen::Missing(r),
                self.tracer.assume(atom, item.map(|x| x.0)),
            )
        } else {
            (Seen::Value(r, v), Tri::from_bool(test(v)))
        };
        self.tracer.leaf(atom, item.map(|x| x.0), seen, res);
        res
    }

    #[inline(always)]
    // The and/or/not structure and quantifiers; leaves are `leaf_test`.
    fn eval_inner(&mut self, c: &Cond, item: Option<(usize, &Item)>) -> Tri {
        match c {
            Cond::All(v) => self.all::<true>(v, item),
            Cond::Any(v) => self.any::<true>(v, item),
            Cond::Not(x) => !self.child(x, item),
            Cond::Quant {
                any,
                list,
                body,
                atom,
            } => {
                let res = match &self.facts.lists[*list as usize] {
                    None => {
                        let r = self.tracer.assume(*atom, None);
                        self.tracer.leaf(*atom, None, Seen::Nothing, r);
                        // An assumed quantifier is assumed as written (`no` included).
                        if r != Tri::U {
                            return r;
                        }
                        Tri::U
                    }
                    Some(items) => {
                        let mut acc = Tri::F;
                        for (i, it) in items.iter().enumerate() {
                            match self.child(body, Some((i, it))) {
                                Tri::T => {
                                    acc = Tri::T;
                                    if !T::FULL {
                                        break;
                                    }
                                }
                                Tri::U if acc == Tri::F => acc = Tri::U,
                                _ => {}
                            }
                        }
                        acc
                    }
                };
                if *any {
                    res
                } else {
                    !res
                }
            }
            _ => self.leaf_test(c, item),
        }
    }

    /// An and: false if a part is false, else unknown if one is unknown.
    /// `DEEP`: the parts' own ands and ors are evaluated in place too.
    #[inline(always)]
    fn all<const DEEP: bool>(&mut self, v: &[Cond], item: Option<(usize, &Item)>) -> Tri {
        let mut acc = Tri::T;
        for x in v.iter() {
            let r = if DEEP {
                self.child(x, item)
            } else {
                self.leaf_or_call(x, item)
            };
            match r {
                Tri::F => {
                    acc = Tri::F;
                    if !T::FULL {
                        return Tri::F;
                    }
                }
                Tri::U if acc == Tri::T => acc = Tri::U,
                _ => {}
            }
        }
        acc
    }

    /// An or: true if a part is true, else unknown if one is unknown.
    #[inline(always)]
    fn any<const DEEP: bool>(&mut self, v: &[Cond], item: Option<(usize, &Item)>) -> Tri {
        let mut acc = Tri::F;
        for x in v.iter() {
            let r = if DEEP {
                self.child(x, item)
            } else {
                self.leaf_or_call(x, item)
            };
            match r {
                Tri::T => {
                    acc = Tri::T;
                    if !T::FULL {
                        return Tri::T;
                    }
                }
                Tri::U if acc == Tri::F => acc = Tri::U,
                _ => {}
            }
        }
        acc
    }

    /// A child of an and, or, not or quantifier. On the outcome-only path a
    /// leaf, and an and or an or one level down, is evaluated in place,
    /// without a call; anything deeper recurses.
    #[inline(always)]
    fn child(&mut self, c: &Cond, item: Option<(usize, &Item)>) -> Tri {
        match c {
            _ if T::FULL => self.eval(c, item),
            Cond::All(v) => self.all::<false>(v, item),
            Cond::Any(v) => self.any::<false>(v, item),
            _ => self.leaf_or_call(c, item),
        }
    }

    /// A leaf tested in place; anything else through a call.
    #[inline(always)]
    fn leaf_or_call(&mut self, c: &Cond, item: Option<(usize, &Item)>) -> Tri {
        match c {
            Cond::All(_) | Cond::Any(_) | Cond::Not(_) | Cond::Quant { .. } => self.eval(c, item),
            _ => self.leaf_test(c, item),
        }
    }

    #[inline(always)]
    // Long on purpose: one arm per leaf test, inlined into the hot path; a call per arm would cost the outcome-only path its speed.
    fn leaf_test(&mut self, c: &Cond, item: Option<(usize, &Item)>) -> Tri {
        match c {
            // Not leaves: `eval_inner` and `child` take these themselves.
            Cond::All(_) | Cond::Any(_) | Cond::Not(_) | Cond::Quant { .. } => self.eval(c, item),
            Cond::EnumIn { r, mask, atom } => self.leaf(*atom, item, *r, |v| {
                (0..64).contains(&v) && mask & (1 << v) != 0
            }),
            Cond::SetAny { r, mask, atom } => self.leaf(*atom, item, *r, |v| v & *mask as i64 != 0),
            Cond::SetOnly { r, mask, atom } => {
                self.leaf(*atom, item, *r, |v| v != 0 && v & !(*mask as i64) == 0)
            }
            Cond::Bool { r, atom } => self.leaf(*atom, item, *r, |v| v != 0),
            Cond::Cmp {
                r,
                op,
                v: rhs,
                atom,
            } => self.leaf(*atom, item, *r, |v| match op {
                CmpOp::Lt => v < *rhs,
                CmpOp::Le => v <= *rhs,
                CmpOp::Gt => v > *rhs,
                CmpOp::Ge => v >= *rhs,
                CmpOp::Eq => v == *rhs,
            }),
            Cond::Within {
                date,
                amount,
                unit,
                anchor,
                ext,
                atom,
            } => {
                let it = item.map(|x| x.1);
                let d = read(*date, self.facts, it);
                let a = read(*anchor, self.facts, it);
                let (seen, res) = if d == GONE {
                    (Seen::Missing(*date), Tri::U)
                } else if a == GONE {
                    (Seen::Missing(*anchor), Tri::U)
                } else if d > a {
                    // The window has two ends: a judgment after the anchor
                    // date is not "within N years before" it.
                    (Seen::Value(*date, d), Tri::F)
                } else {
                    let start = match unit {
                        Unit::Years if self.memo.0 == a && self.memo.1 == *amount => self.memo.2,
                        Unit::Years => {
                            let s = minus_years(a, *amount);
                            self.memo = (a, *amount, s);
                            s
                        }
                        Unit::Days => Some(a - amount),
                    };
                    let e = ext.map(|r| (r, read(r, self.facts, it)));
                    match (start, e) {
                        (None, _) => (Seen::Nothing, Tri::U),
                        (Some(s), _) if d >= s => (Seen::Value(*date, d), Tri::T),
                        // The extension only widens the window, so it matters
                        // only for a date before the plain window.
                        (Some(_), Some((r, GONE))) => (Seen::Missing(r), Tri::U),
                        (Some(s), Some((_, e))) => {
                            (Seen::Value(*date, d), Tri::from_bool(d >= s - e))
                        }
                        (Some(_), None) => (Seen::Value(*date, d), Tri::F),
                    }
                };
                let res = match res {
                    Tri::U => self.tracer.assume(*atom, item.map(|x| x.0)),
                    r => r,
                };
                self.tracer.leaf(*atom, item.map(|x| x.0), seen, res);
                res
            }
            Cond::Table { r, bit, atom } => {
                let it = item.map(|x| x.1);
                let v = read(*r, self.facts, it);
                let (seen, res) = match it {
                    Some(it) if v != GONE => {
                        let b = 1u64 << bit;
                        if it.unknown & b != 0 {
                            (
                                Seen::TableUnknown,
                                self.tracer.assume(*atom, item.map(|x| x.0)),
                            )
                        } else {
                            (Seen::Value(*r, 0), Tri::from_bool(it.member & b != 0))
                        }
                    }
                    _ => (
                        Seen::Missing(*r),
                        self.tracer.assume(*atom, item.map(|x| x.0)),
                    ),
                };
                self.tracer.leaf(*atom, item.map(|x| x.0), seen, res);
                res
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::value_date;

    #[test]
    fn calendar_arithmetic_matches_the_time_crate() {
        let mut d = time::Date::from_calendar_date(1890, time::Month::January, 1).unwrap();
        let end = time::Date::from_calendar_date(2110, time::Month::January, 1).unwrap();
        while d < end {
            let jd = d.to_julian_day() as i64;
            let (y, m, day) = civil_from_julian(jd);
            assert_eq!(
                (y, m, day),
                (d.year() as i64, d.month() as i64, d.day() as i64)
            );
            assert_eq!(julian_from_civil(y, m, day), jd);
            d = d.next_day().unwrap();
        }
    }

    /// The calendar path: year, month and day, back `n` years, and back to days.
    fn minus_years_civil(anchor: i64, n: i64) -> i64 {
        let (y, m, d) = civil_from_julian(anchor);
        let y = y - n;
        let d = if m == 2 && d == 29 && !is_leap(y) {
            28
        } else {
            d
        };
        julian_from_civil(y, m, d)
    }

    #[test]
    fn minus_years_matches_the_calendar_path() {
        let start = time::Date::from_calendar_date(1890, time::Month::January, 1).unwrap();
        let end = time::Date::from_calendar_date(2110, time::Month::January, 1).unwrap();
        let mut d = start;
        while d < end {
            let jd = d.to_julian_day() as i64;
            for n in [0, 1, 3, 4, 5, 10, 100, 101, 400, 2000] {
                assert_eq!(
                    minus_years(jd, n),
                    Some(minus_years_civil(jd, n)),
                    "{d} - {n}"
                );
            }
            d = d.next_day().unwrap();
        }
        for jd in [-1_000_000, -1, 0, 1, 1_721_119, 1_721_120] {
            for n in [0, 1, 5, 400] {
                assert_eq!(
                    minus_years(jd, n),
                    Some(minus_years_civil(jd, n)),
                    "{jd} - {n}"
                );
            }
        }
    }

    #[test]
    fn leap_day_steps_back() {
        let d = time::Date::from_calendar_date(2024, time::Month::February, 29).unwrap();
        let back = minus_years(d.to_julian_day() as i64, 5).unwrap();
        assert_eq!(value_date(back).unwrap().to_string(), "2019-02-28");
    }
}

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
//!
//! - `scope`: the leaves of the conditions, the variables and classes they
//!   induce, and the enumeration of points;
//! - `codes`: offense codes as membership patterns of the loaded tables;
//! - `example`: a point as a concrete request;
//! - `cell`: one cell of the comparison matrix;
//! - `diff`: the exact diff of two laws;
//! - here: the limits, and the plans both analyses read.

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
use crate::library::{KindPlan, LawVersion, Library, RuleIx};
use crate::load::Outcome;
use crate::schema::{self, Ty};

/// Past this many points a plan's space is not enumerated (and the output says so).
pub(crate) const MAX_POINTS: u64 = 1 << 21;
const MAX_ITEM_POINTS: u64 = 1 << 16;
const MAX_QUANTS: usize = 20;
const MAX_SET_CLASSES: usize = 12;

mod cell;
mod codes;
mod diff;
mod example;
mod scope;

pub use cell::{cell, default_role, Cell, CellClass};
pub use codes::Codes;
pub use diff::{diff, diff_between, Check, Diff, LawAt, LawRef, Region, SideResult};
// Shared by the analyses, not part of the API.
use example::*;
use scope::*;

// ------------------------------------------------------------ plans

pub(super) fn plan(law: &LawVersion, kind: usize, role: usize) -> Option<&KindPlan> {
    law.plans.get(kind * (schema::AGENCIES.len() + 1) + role)
}

pub(super) fn sources<'a>(lib: &'a Library, plan: &'a KindPlan) -> Vec<Src<'a>> {
    plan.rules
        .iter()
        .map(|r| (&r.cond, lib.rule(r.rule).atoms.as_slice()))
        .collect()
}

pub(super) fn pinned(kind: usize, role: usize) -> Vec<(u8, i64)> {
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

pub(super) fn provision(lib: &Library, r: RuleIx) -> Provision {
    Provision {
        rule: lib.rule_ref(r).to_string(),
        citation: lib.rule(r).def.citation.clone(),
    }
}

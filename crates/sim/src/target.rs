//! Which law, jurisdiction and agency role a row goes to under one `--law`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use brightline::{LawVersion, Library};
use time::Date;

use crate::map::Mapped;
use crate::run::LawSpec;
use crate::summary::LawSummary;

/// One `--law` of a run: how its rows are placed, and its counts.
pub(crate) struct LawCtx<'a> {
    pub(crate) spec: LawSpec,
    /// Fixed pack, when the spec names one.
    pub(crate) pack: Option<usize>,
    /// Profile jurisdiction value -> pack.
    pub(crate) choice_packs: Vec<Option<usize>>,
    /// (pack, the agency asked) -> role.
    roles: HashMap<(usize, AgencyKey), Result<usize, String>>,
    fixed_law: HashMap<usize, Result<&'a LawVersion, String>>,
    last: Option<(usize, Date, Option<Date>, &'a LawVersion)>,
    pub(crate) sum: LawSummary,
}

/// Where a row goes under one law: a law version with the row's date and role, or nowhere.
pub(crate) enum Target<'a> {
    Law {
        law: &'a LawVersion,
        pack: usize,
        date: brightline::Val,
        role: brightline::Val,
    },
    Unmapped(Arc<str>),
}

fn unmapped<'a>(s: &str) -> Target<'a> {
    Target::Unmapped(Arc::from(s))
}

/// The agency a row is asked of: a value of the profile's agency column, or
/// the `--agency` that replaces every one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum AgencyKey {
    Value(u16),
    Override,
}

/// The agency a row is decided for: the profile's mapping, or `--agency` over it.
pub(crate) struct Agency<'s> {
    /// `--agency`, when given.
    pub(crate) over: Option<&'s str>,
    /// The profile's agency values, by id.
    pub(crate) names: &'s [String],
}

impl<'a> LawCtx<'a> {
    pub(crate) fn new(spec: &LawSpec, pack: Option<usize>) -> LawCtx<'a> {
        LawCtx {
            spec: spec.clone(),
            pack,
            choice_packs: Vec::new(),
            roles: HashMap::new(),
            fixed_law: HashMap::new(),
            last: None,
            sum: LawSummary {
                law: spec.label.clone(),
                ..Default::default()
            },
        }
    }

    /// Places `row`. When `overridden` is given, rows whose profile agency `--agency`
    /// replaces are counted into it (by the profile's agency).
    pub(crate) fn target(
        &mut self,
        lib: &'a Library,
        row: &Mapped,
        agency: &Agency<'_>,
        overridden: Option<&mut BTreeMap<String, u64>>,
    ) -> Target<'a> {
        let Some(pack) = self.pack_of(lib, row) else {
            return unmapped(match row.jurisdiction {
                None => "the profile maps no jurisdiction for this row",
                Some(_) => "no law pack for the row's jurisdiction",
            });
        };
        let agency_key = match agency.over {
            Some(over) => {
                if let (Some(counts), Some(a)) = (overridden, row.agency) {
                    if let Some(m) = agency.names.get(a as usize).filter(|m| *m != over) {
                        *counts.entry(m.clone()).or_default() += 1;
                    }
                }
                Some(AgencyKey::Override)
            }
            None => row.agency.map(AgencyKey::Value),
        };
        let Some(a) = agency_key else {
            return unmapped("the profile maps no agency for this row");
        };
        let name = match (a, agency.over) {
            (AgencyKey::Override, Some(over)) => over.to_string(),
            (AgencyKey::Value(v), _) => agency.names.get(v as usize).cloned().unwrap_or_default(),
            (AgencyKey::Override, None) => String::new(),
        };
        let role = match self
            .roles
            .entry((pack, a))
            .or_insert_with(|| lib.agency(pack, &name).map_err(|e| e.message))
        {
            Ok(r) => *r as brightline::Val,
            Err(_) => return unmapped("the agency is not known to this jurisdiction"),
        };
        let (date, law) = match self.law_of(lib, pack, row) {
            Ok(x) => x,
            Err(t) => return t,
        };
        Target::Law {
            law,
            pack,
            date: brightline::facts::date_value(date),
            role,
        }
    }

    /// The pack whose law decides the row; a row the profile places elsewhere is
    /// decided as a law naming a jurisdiction asks, and counted.
    fn pack_of(&mut self, lib: &Library, row: &Mapped) -> Option<usize> {
        match self.pack {
            Some(p) => {
                if let Some(j) = row.jurisdiction {
                    if let Some(Some(home)) = self.choice_packs.get(j as usize) {
                        if !lib.chain(*home).contains(&p) {
                            *self
                                .sum
                                .decided_as_if_here
                                .entry(lib.packs[*home].id.clone())
                                .or_default() += 1;
                        }
                    }
                }
                Some(p)
            }
            None => row
                .jurisdiction
                .and_then(|j| self.choice_packs.get(j as usize).copied().flatten()),
        }
    }

    /// The law of `pack` in force on the law's date, or on the row's own.
    fn law_of(
        &mut self,
        lib: &'a Library,
        pack: usize,
        row: &Mapped,
    ) -> Result<(Date, &'a LawVersion), Target<'a>> {
        if let Some(d) = self.spec.date {
            let law = self
                .fixed_law
                .entry(pack)
                .or_insert_with(|| lib.law(pack, d).map_err(|e| e.message));
            return match law {
                Ok(v) => Ok((d, *v)),
                Err(_) => Err(unmapped(
                    "no law of this jurisdiction is encoded for the date",
                )),
            };
        }
        let Some(d) = row.date else {
            return Err(unmapped("the row has no readable date"));
        };
        match self.last {
            Some((p, from, until, v)) if p == pack && from <= d && until.is_none_or(|u| d <= u) => {
                Ok((d, v))
            }
            _ => match lib.law(pack, d) {
                Ok(v) => {
                    self.last = Some((pack, v.from, v.until, v));
                    Ok((d, v))
                }
                Err(_) => Err(unmapped(
                    "no law of this jurisdiction is encoded for the row's date",
                )),
            },
        }
    }
}

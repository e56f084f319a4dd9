//! Typed, serialisable views of the law, each built once here so that the
//! CLI and the server only render them: the law in force on a date, a
//! jurisdiction's history, the compare matrix.
//!
//! The JSON these serialise to is the API's; a field added here appears in
//! `GET /v1/laws/{j}` and `GET /v1/compare` alike.

use std::fmt;

use serde::Serialize;
use time::Date;

use crate::analysis::{self, Cell, CellClass, Codes};
use crate::decide::period;
use crate::library::{Library, RuleIx};
use crate::load::{EventKind, Outcome};
use crate::{schema, words, RequestError};

/// A jurisdiction's id as packs and requests spell it (`us-ny-nyc`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PackId(pub String);

impl fmt::Display for PackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rule named across the library: `pack/rule`, the one spelling used in
/// decisions, traces, reports and views.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleRef {
    pub pack: PackId,
    pub rule: String,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.pack, self.rule)
    }
}

impl Serialize for RuleRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Library {
    /// The public name of the rule at `r`.
    pub(crate) fn rule_ref(&self, r: RuleIx) -> RuleRef {
        RuleRef {
            pack: PackId(self.packs[r.0].id.clone()),
            rule: self.rule(r).def.id.clone(),
        }
    }
}

/// One provision of the law in force.
#[derive(Clone, Debug, Serialize)]
pub struct Provision {
    pub rule: RuleRef,
    pub jurisdiction: PackId,
    pub title: String,
    pub citation: String,
    pub outcome: Outcome,
    pub effective: String,
    pub confidence: String,
    pub source: String,
    pub quote: Option<String>,
    /// When the rule applies, in plain English.
    pub condition: String,
    /// Rules this one is an exception to.
    pub overrides: Vec<String>,
    pub preempts: bool,
    pub obligations: Vec<String>,
}

/// A court order or other event in force.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    pub id: String,
    pub jurisdiction: PackId,
    pub date: String,
    pub until: Option<String>,
    pub kind: EventKind,
    pub citation: String,
    pub title: String,
    pub source: String,
    pub targets: Vec<String>,
}

/// A provision whose period covers the date but that an event took out.
#[derive(Clone, Debug, Serialize)]
pub struct Suspended {
    pub rule: RuleRef,
    pub citation: String,
    pub title: String,
    /// The id of the event (in the same view's `events`).
    pub event: String,
}

/// One version of a jurisdiction's law, as counted in its history.
#[derive(Clone, Debug, Serialize)]
pub struct VersionSummary {
    pub from: String,
    pub until: Option<String>,
    pub provisions: usize,
    pub events: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Period {
    pub from: String,
    pub until: Option<String>,
}

/// The law of a jurisdiction in force on a date, general layers included.
#[derive(Clone, Debug, Serialize)]
pub struct LawInForce {
    pub jurisdiction: PackId,
    pub name: String,
    pub as_of: String,
    pub version: Period,
    /// The jurisdiction first, then each more general layer.
    pub chain: Vec<PackId>,
    pub provisions: Vec<Provision>,
    pub events: Vec<EventView>,
    pub suspended: Vec<Suspended>,
    pub history: Vec<VersionSummary>,
}

fn event_view(lib: &Library, (pi, ei): (usize, usize)) -> EventView {
    let e = &lib.packs[pi].events[ei];
    EventView {
        id: e.id.clone(),
        jurisdiction: PackId(lib.packs[pi].id.clone()),
        date: e.date.to_string(),
        until: e.until.map(|u| u.to_string()),
        kind: e.kind,
        citation: e.citation.clone(),
        title: e.title.clone(),
        source: e.source.clone(),
        targets: e.targets.iter().map(|(t, _)| t.clone()).collect(),
    }
}

fn provision(lib: &Library, r: RuleIx) -> Provision {
    let c = lib.rule(r);
    let d = &c.def;
    Provision {
        rule: lib.rule_ref(r),
        jurisdiction: PackId(lib.packs[r.0].id.clone()),
        title: d.title.clone(),
        citation: d.citation.clone(),
        outcome: d.outcome,
        effective: period(d.from, d.until),
        confidence: d.confidence.clone(),
        source: d.source.clone(),
        quote: d.quote.clone(),
        condition: words::rule(&c.cond, &c.atoms),
        overrides: d.overrides.iter().map(|o| o.0.clone()).collect(),
        preempts: d.preempts,
        obligations: d.obligations.iter().map(|o| o.text.clone()).collect(),
    }
}

impl Library {
    /// The law of `pack` in force on `date`.
    pub fn law_in_force(&self, pack: usize, date: Date) -> Result<LawInForce, RequestError> {
        let law = self.law(pack, date)?;
        let p = &self.packs[pack];
        let mut events: Vec<EventView> = law.events.iter().map(|&e| event_view(self, e)).collect();
        // A suspension names its event; keep that event in the view even
        // when it is no longer in force, so the view is self-contained.
        for &(_, e) in &law.suspended {
            if !law.events.contains(&e) {
                events.push(event_view(self, e));
            }
        }
        Ok(LawInForce {
            jurisdiction: PackId(p.id.clone()),
            name: p.name.clone(),
            as_of: date.to_string(),
            version: Period {
                from: law.from.to_string(),
                until: law.until.map(|u| u.to_string()),
            },
            chain: law
                .chain
                .iter()
                .map(|&c| PackId(self.packs[c].id.clone()))
                .collect(),
            provisions: law.rules.iter().map(|&r| provision(self, r)).collect(),
            events,
            suspended: law
                .suspended
                .iter()
                .map(|&(r, (pi, ei))| {
                    let d = &self.rule(r).def;
                    Suspended {
                        rule: self.rule_ref(r),
                        citation: d.citation.clone(),
                        title: d.title.clone(),
                        event: self.packs[pi].events[ei].id.clone(),
                    }
                })
                .collect(),
            history: self
                .versions
                .get(&p.id)
                .map(|vs| {
                    vs.iter()
                        .map(|v| VersionSummary {
                            from: v.from.to_string(),
                            until: v.until.map(|u| u.to_string()),
                            provisions: v.rules.len(),
                            events: v.events.len(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Every version of the law of `pack`, with what each added and removed.
    pub fn history(&self, pack: usize) -> History {
        let p = &self.packs[pack];
        let versions = self.versions.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
        let mut prev: &[RuleIx] = &[];
        let mut out = Vec::new();
        for v in versions {
            let change = |r: &RuleIx, why: Option<String>| {
                let d = &self.rule(*r).def;
                Change {
                    rule: self.rule_ref(*r),
                    citation: d.citation.clone(),
                    title: d.title.clone(),
                    because: why,
                }
            };
            out.push(HistoryVersion {
                period: period(v.from, v.until),
                provisions: v.rules.len(),
                added: v
                    .rules
                    .iter()
                    .filter(|r| !prev.contains(r))
                    .map(|r| change(r, None))
                    .collect(),
                removed: prev
                    .iter()
                    .filter(|r| !v.rules.contains(r))
                    .map(|r| {
                        let why = v
                            .suspended
                            .iter()
                            .find(|(x, _)| x == r)
                            .map(|(_, (ep, ei))| self.packs[*ep].events[*ei].title.clone());
                        change(r, why)
                    })
                    .collect(),
            });
            prev = &v.rules;
        }
        let events = self
            .chain(pack)
            .iter()
            .rev()
            .flat_map(|&c| (0..self.packs[c].events.len()).map(move |e| (c, e)))
            .map(|e| event_view(self, e))
            .collect();
        History {
            jurisdiction: PackId(p.id.clone()),
            name: p.name.clone(),
            versions: out,
            events,
        }
    }
}

/// A provision that entered or left the law between two versions.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub rule: RuleRef,
    pub citation: String,
    pub title: String,
    /// For a removal: the title of the event that took it out, if one did.
    pub because: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryVersion {
    pub period: String,
    pub provisions: usize,
    pub added: Vec<Change>,
    pub removed: Vec<Change>,
}

/// Every version of a jurisdiction's law, general layers included, and the
/// court orders and other events of its chain, most general layer first.
#[derive(Clone, Debug, Serialize)]
pub struct History {
    pub jurisdiction: PackId,
    pub name: String,
    pub versions: Vec<HistoryVersion>,
    pub events: Vec<EventView>,
}

/// What each jurisdiction's law does with each kind of request on a date.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub date: String,
    pub kinds: &'static [&'static str],
    /// One row per jurisdiction, one cell per kind of `kinds`.
    pub rows: Vec<Vec<Cell>>,
}

/// Why a matrix could not be built: a name the caller gave is unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    #[error("{0}")]
    Jurisdiction(String),
    #[error("`{0}` is not an agency role; one of: {roles}", roles = schema::AGENCIES.join(", "))]
    Agency(String),
}

impl Library {
    /// The compare matrix for `jurisdictions` (every pack when empty) on
    /// `date`, asking every kind of an agency of role `agency` (each kind's
    /// usual role when `None`).
    pub fn matrix(
        &self,
        jurisdictions: &[&str],
        date: Date,
        agency: Option<&str>,
    ) -> Result<Matrix, MatrixError> {
        let packs: Vec<usize> = if jurisdictions.is_empty() {
            (0..self.packs.len()).collect()
        } else {
            jurisdictions
                .iter()
                .map(|j| {
                    self.jurisdiction(j.trim())
                        .map_err(|e| MatrixError::Jurisdiction(e.message))
                })
                .collect::<Result<_, _>>()?
        };
        if let Some(a) = agency {
            if schema::value_index(schema::AGENCIES, a).is_none() {
                return Err(MatrixError::Agency(a.to_string()));
            }
        }
        let codes = Codes::new(self);
        let rows = packs
            .into_iter()
            .map(|p| {
                schema::KINDS
                    .iter()
                    .enumerate()
                    .map(|(k, kind)| {
                        let role_name = agency.unwrap_or_else(|| analysis::default_role(kind));
                        let role = schema::value_index(schema::AGENCIES, role_name).unwrap_or(0);
                        analysis::cell(self, &codes, p, date, k, role).unwrap_or_else(|e| {
                            // No law in force on that date: the cell says so.
                            Cell {
                                jurisdiction: self.packs[p].id.clone(),
                                kind: kind.to_string(),
                                agency: role_name.to_string(),
                                class: CellClass::NoRule,
                                condition: None,
                                unless: None,
                                citations: Vec::new(),
                                outcomes: Vec::new(),
                                note: Some(e.message),
                            }
                        })
                    })
                    .collect()
            })
            .collect();
        Ok(Matrix {
            date: date.to_string(),
            kinds: schema::KINDS,
            rows,
        })
    }
}

/// A logged decision as replay needs it: its log id, entry kind, the hash
/// of the law it was made under, and its body (`{"request", "decision"}`).
pub struct Logged<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub law_hash: &'a str,
    pub body: &'a serde_json::Value,
}

/// A logged decision re-derived under the running law.
#[derive(Clone, Debug, Serialize)]
pub struct Replay {
    pub id: i64,
    pub law_hash_matches: bool,
    pub stored_law_hash: String,
    pub running_law_hash: String,
    pub outcome_matches: bool,
    pub stored_outcome: String,
    /// The re-derived decision, less what is not logged, equals the logged one.
    pub same_decision: bool,
    pub decision: crate::Decision,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ReplayError {
    #[error("entry {id} is an {kind}, not a decision")]
    NotADecision { id: i64, kind: String },
    #[error("decision {id} was made under law packs {stored} but {running} are running; replay with force to decide it under the running law")]
    OtherLaw {
        id: i64,
        stored: String,
        running: String,
    },
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// The decision as the log keeps it: the full decision less what replay
/// re-derives (trace, counterfactuals, the law block).
pub fn stored_decision(d: &serde_json::Value) -> serde_json::Value {
    let mut d = d.clone();
    if let Some(o) = d.as_object_mut() {
        for k in ["trace", "counterfactuals", "law"] {
            o.remove(k);
        }
    }
    d
}

impl Library {
    /// Re-decides a logged request under this library, whose content hash
    /// is `running_law_hash`; under other law than it was made only with `force`.
    pub fn replay(
        &self,
        logged: &Logged<'_>,
        running_law_hash: &str,
        force: bool,
    ) -> Result<Replay, ReplayError> {
        if logged.kind != "decision" {
            return Err(ReplayError::NotADecision {
                id: logged.id,
                kind: logged.kind.to_string(),
            });
        }
        let matches = logged.law_hash == running_law_hash;
        if !matches && !force {
            return Err(ReplayError::OtherLaw {
                id: logged.id,
                stored: logged.law_hash.to_string(),
                running: running_law_hash.to_string(),
            });
        }
        let d = self.decide_json(&logged.body["request"])?;
        let stored = logged.body["decision"]["outcome"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let full = serde_json::to_value(&d).unwrap_or_default();
        Ok(Replay {
            id: logged.id,
            law_hash_matches: matches,
            stored_law_hash: logged.law_hash.to_string(),
            running_law_hash: running_law_hash.to_string(),
            outcome_matches: d.outcome.as_str() == stored,
            stored_outcome: stored,
            same_decision: stored_decision(&full) == logged.body["decision"],
            decision: d,
        })
    }
}

/// One fact of the request contract, as a form asks for it.
#[derive(Clone, Debug, Serialize)]
pub struct FactView {
    pub path: &'static str,
    /// `date`, `number`, `bool`, `enum`, `set` or `offense`.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The closed set of an `enum` or `set`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<&'static [&'static str]>,
    pub question: &'static str,
    pub help: &'static str,
}

/// A list of items in the request (convictions, pending charges).
#[derive(Clone, Debug, Serialize)]
pub struct ListView {
    pub path: &'static str,
    pub fields: Vec<FactView>,
}

/// The request contract as a form needs it: every fact with its question,
/// help and values, and the agency roles (a request may also name a pack's
/// alias for one). `GET /v1/schema`; the console builds its form from it.
#[derive(Clone, Debug, Serialize)]
pub struct Contract {
    pub engine_version: &'static str,
    pub roles: &'static [&'static str],
    pub kinds: &'static [&'static str],
    pub forms: &'static [&'static str],
    pub facts: Vec<FactView>,
    pub lists: Vec<ListView>,
}

fn fact_view(d: &schema::FactDef) -> FactView {
    use schema::Ty;
    let (ty, values) = match d.ty {
        Ty::Date => ("date", None),
        Ty::Number => ("number", None),
        Ty::Bool => ("bool", None),
        Ty::Enum(v) => ("enum", Some(v)),
        Ty::Set(v) => ("set", Some(v)),
        Ty::Offense => ("offense", None),
    };
    FactView {
        path: d.path,
        ty,
        values,
        question: d.question,
        help: d.help,
    }
}

/// The request contract (it does not depend on the packs loaded).
pub fn contract() -> Contract {
    Contract {
        engine_version: crate::ENGINE_VERSION,
        roles: schema::AGENCIES,
        kinds: schema::KINDS,
        forms: schema::FORMS,
        facts: schema::SCALARS.iter().map(fact_view).collect(),
        lists: schema::LISTS
            .iter()
            .map(|l| ListView {
                path: l.path,
                fields: l.fields.iter().map(fact_view).collect(),
            })
            .collect(),
    }
}

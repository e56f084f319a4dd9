//! Statutory reports (`reports.toml` in a pack): definitions, their counting
//! conditions compiled by the rule compiler, checks, and the counting itself.
//!
//! A field's `count` is `count [distinct subject] where CONDITION`. The
//! condition is the rule language (`request.kind is detainer and any
//! subject.convictions (offense in vsc)`), compiled by `compile::Ctx` like a
//! rule's `when`, plus names only the decision log has: `outcome`, `rule`,
//! `obligation` (of the decision) and `action` (what the agency recorded that
//! it did), tested with `is` / `in {..}`, and the names of other fields of
//! the same report (their condition). A report counts only decisions of its
//! own pack (or a pack below it) and of its `agency` role (unless `all`).
//!
//! This module does no I/O: the server hands it rows read from the log, and
//! the worked examples (`[[report.example]]`) read a fixture file of the pack.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use crate::compile::{Cond, Ctx};
use crate::diag::{Diagnostic, SourceFile};
use crate::eval::{Eval, NoTrace, Tri};
use crate::expr::{self, Atom, Expr};
use crate::facts::Facts;
use crate::library::Library;
use crate::schema;

/// What an agency may record that it did. All but `declined` do what federal
/// immigration authorities asked.
pub const ACTS: &[&str] = &[
    "held",
    "notified",
    "transferred",
    "gave_information",
    "allowed_access",
    "declined",
];

const OUTCOMES: &[&str] = &["required", "permitted", "prohibited", "undetermined"];

/// The acts that do what a request of this kind asks, and so the acts a
/// decision that the request is prohibited forbids: a detainer asks the agency
/// to hold the person for ICE to take custody (held, transferred); a
/// notification and an information request ask for information (notified,
/// gave_information); a transfer asks for the person (transferred); access and
/// an interview ask to be let in (allowed_access). `None`: any act — the kind
/// is not known, or it asks for help that can take any form (assistance,
/// 287(g)).
pub(crate) fn asked_acts(kind: Option<&str>) -> Option<&'static [&'static str]> {
    Some(match kind? {
        "detainer" => &["held", "transferred"],
        "notification" | "information" => &["notified", "gave_information"],
        "transfer" => &["transferred"],
        "access" | "interview" => &["allowed_access"],
        _ => return None,
    })
}

/// Whether recording `act` goes against a decision with this outcome on a
/// request of this kind: only a prohibited decision is gone against, and only
/// by an act of the kind it prohibits (a hold on a prohibited detainer, giving
/// information on a prohibited notification), never by declining. Telling ICE
/// a release date after a prohibited *detainer* is not what that decision
/// forbade (another provision may; a decision on a notification request says).
pub fn against(outcome: &str, kind: Option<&str>, act: &str) -> bool {
    outcome == "prohibited"
        && act != "declined"
        && asked_acts(kind).is_none_or(|acts| acts.contains(&act))
}

/// The request kind of a decoded request, if it has one.
fn kind_of(facts: &Facts) -> Option<&'static str> {
    usize::try_from(facts.scalars[schema::KIND])
        .ok()
        .and_then(|i| schema::KINDS.get(i).copied())
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    report: Vec<RawReport>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct RawReport {
    id: String,
    title: String,
    citation: String,
    agency: String,
    #[serde(default)]
    publish: Option<String>,
    #[serde(default)]
    schedule: Vec<Schedule>,
    #[serde(default)]
    field: Vec<RawField>,
    #[serde(default)]
    note: Vec<Note>,
    #[serde(default)]
    example: Vec<RawExample>,
}

#[derive(Deserialize, Clone, Debug, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub effective: String,
    pub citation: String,
    pub period: String,
    pub period_ends: String,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub first_due: Option<String>,
    #[serde(default)]
    pub words: String,
    #[serde(default)]
    pub confidence: Option<String>,
}

#[derive(Deserialize, Clone, Debug, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub words: String,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: String,
    #[serde(default)]
    paragraph: Option<String>,
    words: String,
    #[serde(default)]
    count: Option<String>,
    #[serde(default)]
    by_hand: Option<String>,
    #[serde(default)]
    disaggregate: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct RawExample {
    name: String,
    /// A JSON file of the pack: `{"entries": [FixtureEntry…]}`.
    fixture: String,
    from: String,
    to: String,
    expect: BTreeMap<String, u64>,
}

/// One logged decision of a fixture: the request as received (identifiers
/// and `case_ref` included), what the agency did, and the decision it corrects.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct FixtureEntry {
    pub id: i64,
    pub request: Value,
    #[serde(default)]
    pub acts: Vec<Act>,
    #[serde(default)]
    pub supersedes: Option<i64>,
    /// What the fixture entry shows, for the reader of the file; not counted.
    #[serde(default)]
    #[allow(dead_code)]
    pub comment: Option<String>,
}

#[derive(Deserialize, Clone, Debug, PartialEq, serde::Serialize)]
pub struct Act {
    pub act: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A compiled counting condition.
#[derive(Clone, Debug)]
pub enum Term {
    All(Vec<Term>),
    Any(Vec<Term>),
    Not(Box<Term>),
    /// A condition on the request's facts, compiled by the rule compiler.
    Fact(Cond),
    /// `outcome`/`rule`/`obligation`/`action` is one of `values`.
    Log(LogName, Vec<String>),
    /// Another field's condition, by index.
    Field(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogName {
    Outcome,
    Rule,
    Obligation,
    Action,
}

#[derive(Clone, Debug)]
pub struct Count {
    pub distinct: bool,
    pub term: Term,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub paragraph: Option<String>,
    pub words: String,
    pub count_text: Option<String>,
    pub count: Option<Count>,
    pub by_hand: Option<String>,
    pub disaggregate: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Example {
    pub name: String,
    pub fixture: String,
    pub from: String,
    pub to: String,
    pub expect: BTreeMap<String, u64>,
}

#[derive(Clone, Debug)]
pub struct ReportDef {
    pub id: String,
    pub title: String,
    pub citation: String,
    /// An agency role, or `all`.
    pub agency: String,
    pub publish: Option<String>,
    /// The pack that defines it: it counts decisions of this pack and below.
    pub pack: usize,
    pub file: SourceFile,
    pub schedule: Vec<Schedule>,
    pub fields: Vec<FieldDef>,
    pub notes: Vec<Note>,
    pub examples: Vec<Example>,
}

const LOG_NAMES: &[(&str, LogName)] = &[
    ("outcome", LogName::Outcome),
    ("rule", LogName::Rule),
    ("obligation", LogName::Obligation),
    ("action", LogName::Action),
];

/// Reads, compiles and checks every `reports.toml` of the library. Reports
/// with errors are left out; the diagnostics say why.
pub fn load(lib: &Library) -> (Vec<ReportDef>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out = Vec::new();
    for (pi, p) in lib.packs.iter().enumerate() {
        for f in p.files.iter().filter(|f| f.path.ends_with("reports.toml")) {
            let file: File = match toml::from_str(&f.text) {
                Ok(x) => x,
                Err(e) => {
                    let span = e.span().unwrap_or(0..0);
                    diags.push(Diagnostic::error(
                        "brightline::report-syntax",
                        f,
                        span,
                        e.message().to_string(),
                    ));
                    continue;
                }
            };
            for r in file.report {
                if let Some(def) = compile_report(lib, pi, f, r, &mut diags) {
                    out.push(def);
                }
            }
        }
    }
    (out, diags)
}

/// The byte offset of a string value in the file (for spans), or 0.
fn offset_of(text: &str, value: &str, after: usize) -> usize {
    let quoted = format!("\"{value}\"");
    text.get(after..)
        .and_then(|t| t.find(&quoted))
        .map(|i| after + i + 1)
        .unwrap_or(0)
}

// Long on purpose: a report's entries read in order, each with its own diagnostic, as the rule loader reads a rule.
fn compile_report(
    lib: &Library,
    pi: usize,
    f: &SourceFile,
    r: RawReport,
    diags: &mut Vec<Diagnostic>,
) -> Option<ReportDef> {
    let before = diags.len();
    let at = offset_of(&f.text, &r.id, 0);
    let err =
        |diags: &mut Vec<Diagnostic>, span: std::ops::Range<usize>, msg: String, help: &str| {
            diags
                .push(Diagnostic::error("brightline::report", f, span, msg).help(help.to_string()));
        };
    if r.agency != "all" && schema::value_index(schema::AGENCIES, &r.agency).is_none() {
        err(
            diags,
            at..at + r.id.len(),
            format!(
                "report `{}`: agency `{}` is not an agency role",
                r.id, r.agency
            ),
            &format!("one of: all, {}", schema::AGENCIES.join(", ")),
        );
    }
    let names: Vec<String> = r.field.iter().map(|x| x.name.clone()).collect();
    let visible = lib.visible_tables(pi);
    let mut fields = Vec::new();
    for fd in &r.field {
        let count = match &fd.count {
            None => {
                if fd.by_hand.is_none() {
                    err(
                        diags,
                        at..at,
                        format!(
                            "report `{}` field `{}` has neither `count` nor `by_hand`",
                            r.id, fd.name
                        ),
                        "give a `count`, or say in `by_hand` how the figure is filled in",
                    );
                }
                None
            }
            Some(text) => {
                let base = offset_of(&f.text, text, at);
                compile_count(lib, pi, f, &visible, &names, text, base, diags)
            }
        };
        fields.push(FieldDef {
            name: fd.name.clone(),
            paragraph: fd.paragraph.clone(),
            words: fd.words.clone(),
            count_text: fd.count.clone(),
            count,
            by_hand: fd.by_hand.clone(),
            disaggregate: fd.disaggregate.clone(),
        });
    }
    // Fields that refer to each other in a loop cannot be counted.
    for (i, fd) in fields.iter().enumerate() {
        if let Some(c) = &fd.count {
            if reaches(&fields, &c.term, i, 0) {
                err(
                    diags,
                    at..at,
                    format!("report `{}` field `{}` refers to itself", r.id, fd.name),
                    "a field may name other fields, but not in a loop",
                );
            }
        }
    }
    for s in &r.schedule {
        let (a, b) = s.effective.split_once("..").unwrap_or((&s.effective, ""));
        let bad = |d: &str| !d.trim().is_empty() && expr::parse_date(d.trim()).is_none();
        if bad(a) || bad(b) {
            err(
                diags,
                at..at,
                format!(
                    "report `{}`: schedule effective `{}` is not `YYYY-MM-DD .. [YYYY-MM-DD]`",
                    r.id, s.effective
                ),
                "write e.g. `2018-01-30 ..`",
            );
        }
    }
    for e in &r.example {
        for k in e.expect.keys() {
            if !names.contains(k) {
                err(
                    diags,
                    at..at,
                    format!(
                        "report `{}` example `{}` expects a field `{k}` the report does not have",
                        r.id, e.name
                    ),
                    &format!("fields: {}", names.join(", ")),
                );
            }
        }
    }
    if diags.len() > before {
        return None;
    }
    Some(ReportDef {
        id: r.id,
        title: r.title,
        citation: r.citation,
        agency: r.agency,
        publish: r.publish,
        pack: pi,
        file: f.clone(),
        schedule: r.schedule,
        fields,
        notes: r.note,
        examples: r
            .example
            .into_iter()
            .map(|e| Example {
                name: e.name,
                fixture: e.fixture,
                from: e.from,
                to: e.to,
                expect: e.expect,
            })
            .collect(),
    })
}

fn reaches(fields: &[FieldDef], t: &Term, target: usize, depth: usize) -> bool {
    if depth > fields.len() {
        return true;
    }
    match t {
        Term::All(v) | Term::Any(v) => v.iter().any(|x| reaches(fields, x, target, depth)),
        Term::Not(x) => reaches(fields, x, target, depth),
        Term::Field(i) => {
            *i == target
                || fields[*i]
                    .count
                    .as_ref()
                    .is_some_and(|c| reaches(fields, &c.term, target, depth + 1))
        }
        Term::Fact(_) | Term::Log(..) => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn compile_count(
    lib: &Library,
    pi: usize,
    f: &SourceFile,
    visible: &[(String, u8)],
    fields: &[String],
    text: &str,
    base: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Count> {
    let (distinct, skip) = if text.starts_with("count distinct subject where ") {
        (true, "count distinct subject where ".len())
    } else if text.starts_with("count where ") {
        (false, "count where ".len())
    } else {
        diags.push(
            Diagnostic::error(
                "brightline::report-count",
                f,
                base..base + text.len().min(20),
                "a count starts with `count where` or `count distinct subject where`".to_string(),
            )
            .help("a figure the log cannot give goes in `by_hand` instead of `count`"),
        );
        return None;
    };
    let e = match expr::parse(&text[skip..], base + skip) {
        Ok(e) => e,
        Err(se) => {
            let mut d = Diagnostic::error("brightline::report-count", f, se.span, se.message);
            if let Some(h) = se.help {
                d = d.help(h);
            }
            diags.push(d);
            return None;
        }
    };
    let before = diags.len();
    let term = term_of(lib, pi, f, visible, fields, &e, diags);
    if diags.len() > before {
        return None;
    }
    term.map(|term| Count { distinct, term })
}

/// Rule ids and obligation ids a report of pack `pi` can name: those of the
/// pack, its ancestors and the packs below it.
fn known_ids(lib: &Library, pi: usize) -> (HashSet<String>, HashSet<String>) {
    let mut rules = HashSet::new();
    let mut obligations = HashSet::new();
    for (qi, q) in lib.packs.iter().enumerate() {
        let chain = lib.chain(qi);
        if !chain.contains(&pi) && !lib.chain(pi).contains(&qi) {
            continue;
        }
        for r in &q.rules {
            rules.insert(r.def.id.clone());
            for o in &r.def.obligations {
                obligations.insert(o.id.clone());
            }
        }
    }
    (rules, obligations)
}

// Long on purpose: one arm per term of a report's counting language.
fn term_of(
    lib: &Library,
    pi: usize,
    f: &SourceFile,
    visible: &[(String, u8)],
    fields: &[String],
    e: &Expr,
    diags: &mut Vec<Diagnostic>,
) -> Option<Term> {
    let sub =
        |x: &Expr, diags: &mut Vec<Diagnostic>| term_of(lib, pi, f, visible, fields, x, diags);
    match e {
        Expr::And(v) => v
            .iter()
            .map(|x| sub(x, diags))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .map(Term::All),
        Expr::Or(v) => v
            .iter()
            .map(|x| sub(x, diags))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .map(Term::Any),
        Expr::Not(x, _) => sub(x, diags).map(|t| Term::Not(Box::new(t))),
        Expr::Atom(atom, span) => {
            let path = match atom {
                Atom::Is { path, .. } | Atom::Has { path, .. } | Atom::Bool { path } => Some(path),
                _ => None,
            };
            if let Some(path) = path {
                if let Some(i) = fields.iter().position(|x| *x == path.text) {
                    if matches!(atom, Atom::Bool { .. }) {
                        return Some(Term::Field(i));
                    }
                }
                if let Some((_, name)) = LOG_NAMES.iter().find(|(n, _)| *n == path.text) {
                    let (values, negated) = match atom {
                        Atom::Is {
                            values, negated, ..
                        } => (values, *negated),
                        Atom::Has { values, .. } => (values, false),
                        _ => {
                            diags.push(
                                Diagnostic::error(
                                    "brightline::report-count",
                                    f,
                                    span.clone(),
                                    format!("`{}` is tested with `is` or `in {{..}}`", path.text),
                                )
                                .help("e.g. `action is held`, `outcome in {permitted, required}`"),
                            );
                            return None;
                        }
                    };
                    let (rules, obligations) = known_ids(lib, pi);
                    for v in values {
                        let ok = match name {
                            LogName::Outcome => OUTCOMES.contains(&v.text.as_str()),
                            LogName::Action => ACTS.contains(&v.text.as_str()),
                            LogName::Rule => rules.contains(&v.text),
                            LogName::Obligation => obligations.contains(&v.text),
                        };
                        if !ok {
                            let help = match name {
                                LogName::Outcome => format!("one of: {}", OUTCOMES.join(", ")),
                                LogName::Action => format!("one of: {}", ACTS.join(", ")),
                                LogName::Rule => {
                                    "a rule id of this pack, a pack above it or below it"
                                        .to_string()
                                }
                                LogName::Obligation => {
                                    "an obligation id of a rule of this pack, above or below it"
                                        .to_string()
                                }
                            };
                            diags.push(
                                Diagnostic::error(
                                    "brightline::report-count",
                                    f,
                                    v.span.clone(),
                                    format!("`{}` is not a known {} value", v.text, path.text),
                                )
                                .help(help),
                            );
                        }
                    }
                    let t = Term::Log(*name, values.iter().map(|v| v.text.clone()).collect());
                    return Some(if negated { Term::Not(Box::new(t)) } else { t });
                }
            }
            // Everything else is a fact of the request, read as a rule reads it.
            let mut unkept = None;
            atom_paths(atom, &mut |p: &str, sp: &std::ops::Range<usize>| {
                let last = p.rsplit('.').next().unwrap_or(p);
                if p.starts_with("decision.") || p.starts_with("action.") {
                    unkept = Some((sp.clone(), format!("the decision log keeps no `{p}`"), "what the agency did is `action is held` (held, notified, transferred, gave_information, allowed_access, declined); the decision's own result is `outcome`, `rule`, `obligation`".to_string()));
                } else if ["booking_number", "name", "identifiers", "case_ref"].contains(&last) {
                    unkept = Some((
                        sp.clone(),
                        format!("the decision log keeps `{p}` only as a keyed hash"),
                        "count persons with `count distinct subject where …`".to_string(),
                    ));
                }
            });
            if let Some((sp, msg, help)) = unkept {
                diags.push(Diagnostic::error("brightline::report-unkept", f, sp, msg).help(help));
                return None;
            }
            let mut ctx = Ctx::new(f, visible, diags);
            ctx.compile(e).map(Term::Fact)
        }
    }
}

fn atom_paths(a: &Atom, out: &mut dyn FnMut(&str, &std::ops::Range<usize>)) {
    match a {
        Atom::Is { path, .. }
        | Atom::Has { path, .. }
        | Atom::Only { path, .. }
        | Atom::Bool { path }
        | Atom::Cmp { path, .. }
        | Atom::InTable { path, .. } => out(&path.text, &path.span),
        Atom::Within { date, anchor, .. } => {
            out(&date.text, &date.span);
            out(&anchor.text, &anchor.span);
        }
        Atom::Quant { list, .. } => out(&list.text, &list.span),
    }
}

// ------------------------------------------------------------ counting

/// What a count can see of one logged decision (the latest of its chain),
/// with every act recorded on any decision of the chain.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: i64,
    /// The keyed hash of the person's identifiers (or, in a fixture, the identifier).
    pub subject: Option<String>,
    pub pack: usize,
    pub facts: Facts,
    pub outcome: String,
    pub rules: Vec<String>,
    pub obligations: Vec<String>,
    pub acts: Vec<Act>,
}

impl Row {
    /// A row from a logged request and decision (as `POST /v1/decisions`
    /// stores them); `None` if the request no longer decodes.
    pub fn new(
        lib: &Library,
        id: i64,
        request: &Value,
        subject: Option<String>,
        decision: &Value,
        acts: Vec<Act>,
    ) -> Option<Row> {
        let (pack, facts) = lib.decode(request).ok()?;
        let ids = |key: &str, sub: &str| -> Vec<String> {
            decision
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.get(sub).and_then(Value::as_str))
                        .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(Row {
            id,
            subject,
            pack,
            facts,
            outcome: decision
                .get("outcome")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            rules: ids("reasons", "rule"),
            obligations: ids("obligations", "id"),
            acts,
        })
    }
}

/// An act counted in a field that the decision said was prohibited.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Flag {
    pub decision: i64,
    pub act: String,
    pub date: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct FieldCount {
    pub name: String,
    /// `None`: not derivable from the log (`by_hand`).
    pub value: Option<u64>,
    pub unit: Option<&'static str>,
    /// Decisions counted (ids), for audit.
    pub decisions: Vec<i64>,
    /// Requests counted by the information they asked for (information fields only).
    pub by_information: Option<BTreeMap<String, u64>>,
    pub anonymous: usize,
    pub flagged: Vec<Flag>,
}

fn tri_and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::F, _) | (_, Tri::F) => Tri::F,
        (Tri::T, Tri::T) => Tri::T,
        _ => Tri::U,
    }
}

fn tri_or(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::T, _) | (_, Tri::T) => Tri::T,
        (Tri::F, Tri::F) => Tri::F,
        _ => Tri::U,
    }
}

fn holds(r: &ReportDef, t: &Term, row: &Row, depth: usize) -> Tri {
    match t {
        Term::All(v) => v
            .iter()
            .fold(Tri::T, |a, x| tri_and(a, holds(r, x, row, depth))),
        Term::Any(v) => v
            .iter()
            .fold(Tri::F, |a, x| tri_or(a, holds(r, x, row, depth))),
        Term::Not(x) => !holds(r, x, row, depth),
        Term::Fact(c) => Eval::new(&row.facts, &mut NoTrace).eval(c, None),
        Term::Log(name, values) => {
            let has = |s: &str| values.iter().any(|v| v == s);
            Tri::from_bool(match name {
                LogName::Outcome => has(&row.outcome),
                LogName::Rule => row.rules.iter().any(|x| has(x)),
                LogName::Obligation => row.obligations.iter().any(|x| has(x)),
                LogName::Action => row.acts.iter().any(|a| has(&a.act)),
            })
        }
        Term::Field(i) => match (&r.fields[*i].count, depth < 16) {
            (Some(c), true) => holds(r, &c.term, row, depth + 1),
            _ => Tri::U,
        },
    }
}

/// Whether a row is within the report's jurisdiction and agency.
pub fn in_scope(lib: &Library, r: &ReportDef, row: &Row) -> bool {
    let agency_ok = r.agency == "all"
        || schema::value_index(schema::AGENCIES, &r.agency)
            .is_some_and(|a| row.facts.scalars[schema::AGENCY] == a as crate::facts::Val);
    agency_ok && lib.chain(row.pack).contains(&r.pack)
}

fn acts_in(t: &Term, out: &mut Vec<String>) {
    match t {
        Term::All(v) | Term::Any(v) => v.iter().for_each(|x| acts_in(x, out)),
        Term::Not(_) => {}
        Term::Log(LogName::Action, values) => out.extend(values.iter().cloned()),
        _ => {}
    }
}

/// Counts every field over rows that are already in scope and the latest of
/// their chains. A field that counts an act flags each counted act that the
/// decision said was prohibited.
// Long on purpose: one pass over the logged rows; each field's count reads the same row state (latest in its chain, acts, subject).
pub fn count(r: &ReportDef, rows: &[&Row]) -> Vec<FieldCount> {
    let info = schema::scalar("request.information");
    r.fields
        .iter()
        .map(|fd| {
            let Some(c) = &fd.count else {
                return FieldCount {
                    name: fd.name.clone(),
                    value: None,
                    unit: None,
                    decisions: Vec::new(),
                    by_information: None,
                    anonymous: 0,
                    flagged: Vec::new(),
                };
            };
            let matched: Vec<&Row> = rows
                .iter()
                .copied()
                .filter(|row| holds(r, &c.term, row, 0) == Tri::T)
                .collect();
            let mut anonymous = 0;
            let value = if c.distinct {
                let mut seen = HashSet::new();
                for m in &matched {
                    match &m.subject {
                        Some(s) => {
                            seen.insert(s.clone());
                        }
                        None => {
                            anonymous += 1;
                            seen.insert(format!("#{}", m.id));
                        }
                    }
                }
                seen.len() as u64
            } else {
                matched.len() as u64
            };
            let mut counted_acts = Vec::new();
            let mut t = &c.term;
            // A field defined by another field counts that field's acts too.
            let mut chain = vec![t];
            while let Term::All(v) = t {
                if let Some(Term::Field(i)) = v.iter().find(|x| matches!(x, Term::Field(_))) {
                    if let Some(cc) = &r.fields[*i].count {
                        t = &cc.term;
                        chain.push(t);
                        continue;
                    }
                }
                break;
            }
            for t in chain {
                acts_in(t, &mut counted_acts);
            }
            let mut flagged = Vec::new();
            for m in &matched {
                let kind = kind_of(&m.facts);
                for a in &m.acts {
                    if against(&m.outcome, kind, &a.act) && counted_acts.contains(&a.act) {
                        flagged.push(Flag {
                            decision: m.id,
                            act: a.act.clone(),
                            date: a.date.clone(),
                            reason: a.reason.clone(),
                        });
                    }
                }
            }
            let asks_information = matched.iter().any(|m| {
                m.facts.scalars[schema::KIND]
                    == schema::value_index(schema::KINDS, "information").unwrap_or(0)
                        as crate::facts::Val
            });
            let by_information = match (info, asks_information) {
                (Some(ix), true) => {
                    let mut b = BTreeMap::new();
                    for (bit, cat) in schema::INFORMATION.iter().enumerate() {
                        let n = matched
                            .iter()
                            .filter(|m| {
                                let v = m.facts.scalars[ix];
                                v != crate::facts::MISSING && v & (1 << bit) != 0
                            })
                            .count();
                        b.insert(cat.to_string(), n as u64);
                    }
                    Some(b)
                }
                _ => None,
            };
            FieldCount {
                name: fd.name.clone(),
                value: Some(value),
                unit: Some(if c.distinct { "persons" } else { "requests" }),
                decisions: matched.iter().map(|m| m.id).collect(),
                by_information,
                anonymous,
                flagged,
            }
        })
        .collect()
}

/// The latest decision of each chain, with the acts recorded on every
/// decision of its chain. `entries` are (id, supersedes, row).
pub(crate) fn latest_of_chains(entries: Vec<(i64, Option<i64>, Row)>) -> Vec<Row> {
    let superseded: HashSet<i64> = entries.iter().filter_map(|e| e.1).collect();
    let by_id: HashMap<i64, (Option<i64>, Vec<Act>)> = entries
        .iter()
        .map(|(id, s, r)| (*id, (*s, r.acts.clone())))
        .collect();
    entries
        .into_iter()
        .filter(|(id, _, _)| !superseded.contains(id))
        .map(|(_, mut prev, mut row)| {
            let mut guard = 0;
            while let Some(p) = prev {
                guard += 1;
                let Some((pp, acts)) = by_id.get(&p).filter(|_| guard < 1000) else {
                    break;
                };
                row.acts.extend(acts.iter().cloned());
                prev = *pp;
            }
            row
        })
        .collect()
}

/// The identifier a fixture counts persons by: `case_ref`, else the booking
/// number, else the name (the server uses keyed hashes of the same, in the same order).
fn fixture_subject(req: &Value) -> Option<String> {
    if let Some(c) = req.get("case_ref").and_then(Value::as_str) {
        return Some(format!("case_ref:{c}"));
    }
    let s = req.get("subject")?;
    ["booking_number", "name"].iter().find_map(|k| {
        s.get(*k)
            .and_then(Value::as_str)
            .map(|v| format!("{k}:{v}"))
    })
}

/// Decides every entry of a fixture and returns its rows (latest of each
/// chain). Entries whose request date is outside `[from, to]` are left out,
/// as the log's own query would.
pub fn fixture_rows(
    lib: &Library,
    text: &str,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<Row>, String> {
    #[derive(Deserialize)]
    struct Fx {
        entries: Vec<FixtureEntry>,
    }
    let fx: Fx = serde_json::from_str(text).map_err(|e| format!("fixture: {e}"))?;
    let mut entries = Vec::new();
    for e in fx.entries {
        let mut req = e.request.clone();
        if let Some(o) = req.as_object_mut() {
            o.remove("case_ref");
        }
        let d = lib
            .decide_json(&req)
            .map_err(|x| format!("fixture entry {}: {}: {}", e.id, x.field, x.message))?;
        let dv = serde_json::to_value(&d).map_err(|x| x.to_string())?;
        let date = req
            .get("date")
            .and_then(Value::as_str)
            .and_then(expr::parse_date);
        let row = Row::new(lib, e.id, &req, fixture_subject(&e.request), &dv, e.acts)
            .ok_or_else(|| format!("fixture entry {}: the request does not decode", e.id))?;
        entries.push((e.id, e.supersedes, row, date));
    }
    // Superseded entries drop whatever their own date; the latest counts by its date.
    let rows = latest_of_chains(
        entries
            .iter()
            .map(|(i, s, r, _)| (*i, *s, r.clone()))
            .collect(),
    );
    let dates: HashMap<i64, Option<time::Date>> = entries.iter().map(|e| (e.0, e.3)).collect();
    Ok(rows
        .into_iter()
        .filter(|r| {
            dates
                .get(&r.id)
                .copied()
                .flatten()
                .is_some_and(|d| from <= d && d <= to)
        })
        .collect())
}

/// Runs every report's worked examples; a wrong total is an error at the
/// example. Returns (run, failed).
pub fn check_examples(
    lib: &Library,
    reports: &[ReportDef],
    diags: &mut Vec<Diagnostic>,
) -> (usize, usize) {
    let (mut run, mut failed) = (0, 0);
    for r in reports {
        for e in &r.examples {
            run += 1;
            let at = offset_of(&r.file.text, &e.name, 0);
            let span = at..at + e.name.len();
            let mut fail = |msg: String| {
                diags.push(Diagnostic::error(
                    "brightline::report-example",
                    &r.file,
                    span.clone(),
                    msg,
                ));
            };
            let dir = r.file.path.rsplit_once('/').map(|x| x.0).unwrap_or("");
            let want = format!("{dir}/{}", e.fixture);
            let Some(fx) = lib.packs[r.pack]
                .files
                .iter()
                .find(|f| f.path == want || f.path.ends_with(&format!("/{}", e.fixture)))
            else {
                fail(format!(
                    "report `{}` example `{}`: no fixture file `{}` in the pack",
                    r.id, e.name, e.fixture
                ));
                failed += 1;
                continue;
            };
            let (Some(from), Some(to)) = (expr::parse_date(&e.from), expr::parse_date(&e.to))
            else {
                fail(format!(
                    "report `{}` example `{}`: from and to must be dates",
                    r.id, e.name
                ));
                failed += 1;
                continue;
            };
            let rows = match fixture_rows(lib, &fx.text, from, to) {
                Ok(x) => x,
                Err(m) => {
                    fail(format!("report `{}` example `{}`: {m}", r.id, e.name));
                    failed += 1;
                    continue;
                }
            };
            let scoped: Vec<&Row> = rows.iter().filter(|x| in_scope(lib, r, x)).collect();
            let counts = count(r, &scoped);
            let mut wrong = Vec::new();
            for (k, want) in &e.expect {
                let got = counts.iter().find(|c| &c.name == k).and_then(|c| c.value);
                if got != Some(*want) {
                    wrong.push(format!(
                        "{k}: expected {want}, counted {}",
                        got.map(|g| g.to_string())
                            .unwrap_or_else(|| "nothing".into())
                    ));
                }
            }
            if !wrong.is_empty() {
                failed += 1;
                fail(format!(
                    "report `{}` example `{}`: {}",
                    r.id,
                    e.name,
                    wrong.join("; ")
                ));
            }
        }
    }
    (run, failed)
}

/// `lint`'s check of the reports: load (compile and check) them and run their examples.
pub fn check(lib: &Library, diags: &mut Vec<Diagnostic>) -> (usize, usize) {
    let (reports, mut d) = load(lib);
    diags.append(&mut d);
    check_examples(lib, &reports, diags)
}

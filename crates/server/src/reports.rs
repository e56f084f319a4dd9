//! The statutory reports of `laws/*/reports.toml`, computed from the log.
//!
//! Each field's `count` is a small language: `count [distinct subject] where
//! TERM and TERM …`, with terms `PATH == V`, `PATH in {A, B}`, `[not] PATH`,
//! `any|no subject.convictions (offense in TABLE and level is LEVEL)`, and
//! names of other fields of the same report (their condition). Text in
//! parentheses after a term is a remark for whoever files the report. A count
//! that does not start with `count` is not derivable from decisions and is
//! reported as null with its text as the note.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use brightline::{schema, Library};
use serde::Deserialize;
use serde_json::{json, Value};
use time::{Date, Month};

use crate::error::ApiError;

#[derive(Deserialize, Clone, Debug)]
pub struct ReportsFile {
    #[serde(default)]
    pub report: Vec<ReportDef>,
}

#[derive(Deserialize, Clone, Debug)]
pub struct ReportDef {
    pub id: String,
    pub title: String,
    pub citation: String,
    pub agency: String,
    #[serde(default)]
    pub schedule: Vec<Schedule>,
    #[serde(default)]
    pub field: Vec<Field>,
}

#[derive(Deserialize, Clone, Debug)]
pub struct Schedule {
    pub effective: String,
    pub citation: String,
    pub period: String,
    pub period_ends: String,
    #[serde(default)]
    pub words: String,
    #[serde(default)]
    pub confidence: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
pub struct Field {
    pub name: String,
    #[serde(default)]
    pub paragraph: Option<String>,
    pub words: String,
    pub count: String,
    #[serde(default)]
    pub disaggregate: Option<String>,
}

/// Every report definition of the loaded packs.
pub fn load(lib: &Library) -> Result<Vec<ReportDef>, String> {
    let mut out = Vec::new();
    for p in &lib.packs {
        for f in p.files.iter().filter(|f| f.path.ends_with("/reports.toml")) {
            let file: ReportsFile =
                toml::from_str(&f.text).map_err(|e| format!("{}: {e}", f.path))?;
            out.extend(file.report);
        }
    }
    Ok(out)
}

// ------------------------------------------------------------ the count language

#[derive(Clone, Debug, PartialEq)]
enum Cond {
    In(String, Vec<String>),
    Truthy(String, bool),
    Field(String),
    Convictions {
        any: bool,
        table: String,
        level: Option<String>,
    },
}

#[derive(Clone, Debug)]
struct Count {
    distinct: bool,
    terms: Vec<Cond>,
    remarks: Vec<String>,
}

/// Splits on ` and ` outside parentheses and braces.
fn split_and(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if depth == 0 && rest.starts_with(" and ") {
            out.push(std::mem::take(&mut cur));
            rest = &rest[5..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            _ => {}
        }
        cur.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.push(cur);
    out.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_count(text: &str, fields: &[String]) -> Result<Option<Count>, String> {
    let t = text.trim();
    let (distinct, rest) = if let Some(r) = t.strip_prefix("count distinct subject where ") {
        (true, r)
    } else if let Some(r) = t.strip_prefix("count where ") {
        (false, r)
    } else {
        return Ok(None);
    };
    let mut terms = Vec::new();
    let mut remarks = Vec::new();
    for term in split_and(rest) {
        let (any, inner) = if let Some(r) = term.strip_prefix("any ") {
            (Some(true), r)
        } else if let Some(r) = term.strip_prefix("no ") {
            (Some(false), r)
        } else {
            (None, term.as_str())
        };
        if let Some(any) = any {
            let inner = inner
                .strip_prefix("subject.convictions")
                .ok_or_else(|| format!("`{term}`: only subject.convictions can be quantified"))?
                .trim();
            let inner = inner
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .ok_or_else(|| format!("`{term}`: expected (offense in TABLE …)"))?;
            let (mut table, mut level) = (None, None);
            for part in split_and(inner) {
                if let Some(t) = part.strip_prefix("offense in ") {
                    table = Some(t.trim().to_string());
                } else if let Some(l) = part.strip_prefix("level is ") {
                    level = Some(l.trim().to_string());
                } else {
                    return Err(format!("`{part}` is not a conviction test"));
                }
            }
            let table = table.ok_or_else(|| format!("`{term}`: no `offense in TABLE`"))?;
            terms.push(Cond::Convictions { any, table, level });
            continue;
        }
        // A trailing parenthetical is a remark for the person filing the report.
        let (body, remark) = match term.find(" (") {
            Some(i) if term.ends_with(')') => (
                term[..i].trim().to_string(),
                Some(term[i + 2..term.len() - 1].to_string()),
            ),
            _ => (term.clone(), None),
        };
        remarks.extend(remark);
        let cond = if let Some((p, v)) = body.split_once(" == ") {
            match v.trim() {
                "true" => Cond::Truthy(p.trim().into(), true),
                "false" => Cond::Truthy(p.trim().into(), false),
                v => Cond::In(p.trim().into(), vec![v.to_string()]),
            }
        } else if let Some((p, v)) = body.split_once(" in ") {
            let set = v
                .trim()
                .strip_prefix('{')
                .and_then(|x| x.strip_suffix('}'))
                .ok_or_else(|| format!("`{body}`: expected {{a, b}}"))?;
            Cond::In(
                p.trim().into(),
                set.split(',').map(|x| x.trim().to_string()).collect(),
            )
        } else if let Some(p) = body.strip_prefix("not ") {
            Cond::Truthy(p.trim().into(), false)
        } else if fields.iter().any(|f| f == &body) {
            Cond::Field(body)
        } else if !body.contains(' ') {
            Cond::Truthy(body, true)
        } else {
            return Err(format!("cannot read `{body}`"));
        };
        terms.push(cond);
    }
    Ok(Some(Count {
        distinct,
        terms,
        remarks,
    }))
}

// ------------------------------------------------------------ rows

/// What the counts can see of one logged decision.
pub struct Row {
    subject: Option<String>,
    seq: i64,
    agency: Option<&'static str>,
    kind: Option<&'static str>,
    outcome: String,
    rules: Vec<String>,
    obligations: Vec<String>,
    acted: Option<bool>,
    transferred: Option<bool>,
    tsdb: Option<bool>,
    /// (member bits, level index) of each conviction.
    convictions: Vec<(u64, i64)>,
    information: Vec<&'static str>,
}

/// Builds a row from a decision entry and the latest action recorded for it.
pub fn row(lib: &Library, e: &brightline_store::Entry, action: Option<&Value>) -> Option<Row> {
    let body = e.body_json();
    let (_, facts) = lib.decode(body.get("request")?).ok()?;
    let en = |domain: &'static [&'static str], v: i64| {
        if v == brightline::MISSING {
            None
        } else {
            domain.get(v as usize).copied()
        }
    };
    let d = body.get("decision")?;
    let strs = |key: &str, sub: &str| -> Vec<String> {
        d.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get(sub).and_then(Value::as_str))
                    .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let info_v = facts.scalars[schema::scalar("request.information")?];
    let level = schema::CONVICTION_FIELDS
        .iter()
        .position(|f| f.path == "level")?;
    let tsdb = facts.scalars[schema::scalar("subject.tsdb_match")?];
    Some(Row {
        subject: body
            .get("subject_key")
            .and_then(Value::as_str)
            .map(str::to_string),
        seq: e.seq,
        agency: en(schema::AGENCIES, facts.scalars[schema::AGENCY]),
        kind: en(schema::KINDS, facts.scalars[schema::KIND]),
        outcome: d
            .get("outcome")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        rules: strs("reasons", "rule"),
        obligations: strs("obligations", "id"),
        acted: action.and_then(|a| a.get("acted")).and_then(Value::as_bool),
        transferred: action
            .and_then(|a| a.get("transferred"))
            .and_then(Value::as_bool),
        tsdb: if tsdb == brightline::MISSING {
            None
        } else {
            Some(tsdb != 0)
        },
        convictions: facts.lists[0]
            .as_ref()
            .map(|items| items.iter().map(|i| (i.member, i.fields[level])).collect())
            .unwrap_or_default(),
        information: if info_v == brightline::MISSING {
            Vec::new()
        } else {
            schema::INFORMATION
                .iter()
                .enumerate()
                .filter(|(i, _)| info_v & (1 << i) != 0)
                .map(|(_, s)| *s)
                .collect()
        },
    })
}

struct Evaluator<'a> {
    lib: &'a Library,
    counts: BTreeMap<String, Count>,
}

impl Evaluator<'_> {
    fn holds(&self, c: &Cond, r: &Row, depth: usize) -> Result<bool, String> {
        Ok(match c {
            Cond::In(path, vals) => {
                let has = |v: &str| vals.iter().any(|x| x == v);
                match path.as_str() {
                    "agency" => r.agency.is_some_and(has),
                    "request.kind" => r.kind.is_some_and(has),
                    "outcome" => has(&r.outcome),
                    "rule" => r.rules.iter().any(|x| has(x)),
                    "obligation" => r.obligations.iter().any(|x| has(x)),
                    "request.information" => r.information.iter().any(|x| has(x)),
                    p => return Err(format!("`{p}` is not something the log records")),
                }
            }
            Cond::Truthy(path, want) => {
                let v = match path.as_str() {
                    "decision.acted" => r.acted,
                    "decision.transferred" => r.transferred,
                    "subject.tsdb_match" => r.tsdb,
                    p => return Err(format!("`{p}` is not a true/false fact the log records")),
                };
                // Unknown (no action recorded, fact not sent) satisfies neither reading.
                v == Some(*want)
            }
            Cond::Field(name) => {
                let f = self
                    .counts
                    .get(name)
                    .ok_or_else(|| format!("no field `{name}`"))?;
                if depth > 8 {
                    return Err("fields refer to each other in a loop".into());
                }
                let mut ok = true;
                for t in &f.terms {
                    ok &= self.holds(t, r, depth + 1)?;
                }
                ok
            }
            Cond::Convictions { any, table, level } => {
                let bit = self
                    .lib
                    .lists
                    .iter()
                    .position(|t| &t.name == table)
                    .ok_or_else(|| format!("no offense table `{table}`"))?;
                let lvl = match level {
                    Some(l) => Some(
                        schema::value_index(schema::LEVELS, l)
                            .ok_or_else(|| format!("`{l}` is not a level"))?
                            as i64,
                    ),
                    None => None,
                };
                let found = r
                    .convictions
                    .iter()
                    .any(|(m, l)| m & (1 << bit) != 0 && lvl.is_none_or(|x| x == *l));
                found == *any
            }
        })
    }
}

// ------------------------------------------------------------ periods

pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// A date parameter or field, or a 400 naming it.
pub(crate) fn date(s: &str, field: &str) -> Result<Date, ApiError> {
    brightline_core::expr::parse_date(s)
        .ok_or_else(|| ApiError::bad(field, format!("`{s}` is not a date; write YYYY-MM-DD")))
}

fn month_day(y: i32, md: &str) -> Option<Date> {
    let (m, d) = md.trim().split_once('-')?;
    let m = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y, m, d.parse().ok()?).ok()
}

fn in_effective(s: &Schedule, d: Date) -> bool {
    let (a, b) = s.effective.split_once("..").unwrap_or((&s.effective, ""));
    let a = brightline_core::expr::parse_date(a.trim());
    let b = brightline_core::expr::parse_date(b.trim());
    a.is_none_or(|a| a <= d) && b.is_none_or(|b| d <= b)
}

/// The period a query names, and the schedule in force at its end.
pub fn period<'a>(
    r: &'a ReportDef,
    q: &std::collections::HashMap<String, String>,
) -> Result<(Period, Option<&'a Schedule>), ApiError> {
    let p = if let Some(y) = q.get("year") {
        let y: i32 = y
            .parse()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .ok_or_else(|| ApiError::bad("year", "expected a year such as 2025"))?;
        // The schedule in force on the last day of year Y says where the year ends.
        let end_of = |s: &Schedule| {
            s.period_ends
                .split(',')
                .next()
                .and_then(|md| month_day(y, md))
        };
        let sched = r
            .schedule
            .iter()
            .rev()
            .find(|s| end_of(s).is_some_and(|e| in_effective(s, e)));
        let to = sched
            .and_then(end_of)
            .or_else(|| month_day(y, "12-31"))
            .ok_or_else(|| ApiError::bad("year", "no such year"))?;
        let from = to
            .replace_year(y - 1)
            .ok()
            .and_then(|d| d.next_day())
            .ok_or_else(|| ApiError::bad("year", "no such year"))?;
        Period { from, to }
    } else if let Some(qs) = q.get("quarter") {
        let bad = || ApiError::bad("quarter", "expected YYYYQn, e.g. 2025Q3");
        let (y, n) = qs.split_once(['Q', 'q']).ok_or_else(bad)?;
        let y: i32 = y.parse().map_err(|_| bad())?;
        let n: u8 = n
            .parse()
            .ok()
            .filter(|n| (1..=4).contains(n))
            .ok_or_else(bad)?;
        let from = Date::from_calendar_date(y, Month::try_from(3 * n - 2).map_err(|_| bad())?, 1)
            .map_err(|_| bad())?;
        let next = if n == 4 {
            Date::from_calendar_date(y + 1, Month::January, 1)
        } else {
            Date::from_calendar_date(y, Month::try_from(3 * n + 1).map_err(|_| bad())?, 1)
        };
        let to = next.ok().and_then(|d| d.previous_day()).ok_or_else(bad)?;
        Period { from, to }
    } else {
        let from = q.get("from").ok_or_else(|| {
            ApiError::bad("year", "give year=YYYY, quarter=YYYYQn, or from= and to=")
        })?;
        let to = q
            .get("to")
            .ok_or_else(|| ApiError::bad("to", "required with from"))?;
        Period {
            from: date(from, "from")?,
            to: date(to, "to")?,
        }
    };
    if p.to < p.from {
        return Err(ApiError::bad("to", "the period ends before it starts"));
    }
    let sched = r.schedule.iter().rev().find(|s| in_effective(s, p.to));
    Ok((p, sched))
}

// ------------------------------------------------------------ computing

/// Computes a report over the given rows. Returns the JSON of docs/api.md.
pub fn compute(
    lib: &Library,
    r: &ReportDef,
    p: &Period,
    sched: Option<&Schedule>,
    rows: &[Row],
    unreadable: usize,
) -> Value {
    let names: Vec<String> = r.field.iter().map(|f| f.name.clone()).collect();
    let mut ev = Evaluator {
        lib,
        counts: BTreeMap::new(),
    };
    let mut parsed = Vec::new();
    for f in &r.field {
        let c = parse_count(&f.count, &names);
        if let Ok(Some(c)) = &c {
            ev.counts.insert(f.name.clone(), c.clone());
        }
        parsed.push(c);
    }
    let without_action = rows.iter().filter(|r| r.acted.is_none()).count();
    let mut fields = Vec::new();
    for (f, c) in r.field.iter().zip(parsed) {
        let (value, unit, breakdown, mut note) = match c {
            Ok(None) => (Value::Null, Value::Null, Value::Null, f.count.clone()),
            Err(e) => (
                Value::Null,
                Value::Null,
                Value::Null,
                format!("cannot compute: {e}"),
            ),
            Ok(Some(c)) => {
                let mut matched: Vec<&Row> = Vec::new();
                let mut err = None;
                for row in rows {
                    let mut ok = true;
                    for t in &c.terms {
                        match ev.holds(t, row, 0) {
                            Ok(b) => ok &= b,
                            Err(e) => {
                                err = Some(e);
                                ok = false;
                            }
                        }
                    }
                    if ok {
                        matched.push(row);
                    }
                }
                if let Some(e) = err {
                    (
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        format!("cannot compute: {e}"),
                    )
                } else {
                    let mut note = String::new();
                    let value = if c.distinct {
                        let mut seen = HashSet::new();
                        let anonymous = matched.iter().filter(|r| r.subject.is_none()).count();
                        for m in &matched {
                            seen.insert(m.subject.clone().unwrap_or_else(|| format!("#{}", m.seq)));
                        }
                        if anonymous > 0 {
                            note.push_str(&format!("{anonymous} matching decisions sent no subject identifier and count as one person each. "));
                        }
                        seen.len()
                    } else {
                        matched.len()
                    };
                    let uses_actions = c.terms.iter().any(|t| matches!(t, Cond::Truthy(p, _) if p.starts_with("decision.")))
                        || c.terms.iter().any(|t| matches!(t, Cond::Field(n) if ev.counts.get(n).is_some_and(|x| x.terms.iter().any(|t| matches!(t, Cond::Truthy(p, _) if p.starts_with("decision."))))));
                    if uses_actions && without_action > 0 {
                        note.push_str(&format!("{without_action} decisions in the period have no recorded action (POST /v1/decisions/{{id}}/actions) and are not counted here. "));
                    }
                    for rm in &c.remarks {
                        note.push_str(&format!("By hand: {rm}. "));
                    }
                    let breakdown = if c.terms.iter().any(|t| matches!(t, Cond::In(p, v) if p == "request.kind" && v.iter().any(|x| x == "information"))) {
                        let mut b = serde_json::Map::new();
                        for cat in schema::INFORMATION {
                            let n = matched.iter().filter(|r| r.information.contains(cat)).count();
                            b.insert(cat.to_string(), json!(n));
                        }
                        Value::Object(b)
                    } else {
                        Value::Null
                    };
                    (
                        json!(value),
                        json!(if c.distinct { "persons" } else { "requests" }),
                        breakdown,
                        note.trim().to_string(),
                    )
                }
            }
        };
        if let Some(d) = &f.disaggregate {
            if !note.is_empty() {
                note.push(' ');
            }
            note.push_str(&format!("Disaggregate: {d}"));
        }
        fields.push(json!({
            "name": f.name, "paragraph": f.paragraph, "words": f.words, "count": f.count,
            "value": value, "unit": unit, "breakdown": breakdown, "note": note,
        }));
    }
    json!({
        "report": { "id": r.id, "title": r.title, "citation": r.citation, "agency": r.agency },
        "period": { "from": p.from.to_string(), "to": p.to.to_string() },
        "schedule": sched.map(|s| json!({ "citation": s.citation, "period": s.period, "period_ends": s.period_ends, "words": s.words, "confidence": s.confidence })),
        "decisions_counted": rows.len(),
        "decisions_unreadable": unreadable,
        "fields": fields,
    })
}

pub fn csv(v: &Value) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let s = |x: &Value| match x {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let _ = w.write_record([
        "report",
        "period_from",
        "period_to",
        "field",
        "paragraph",
        "value",
        "unit",
        "breakdown",
        "note",
    ]);
    for f in v["fields"].as_array().into_iter().flatten() {
        let _ = w.write_record([
            s(&v["report"]["id"]),
            s(&v["period"]["from"]),
            s(&v["period"]["to"]),
            s(&f["name"]),
            s(&f["paragraph"]),
            s(&f["value"]),
            s(&f["unit"]),
            if f["breakdown"].is_null() {
                String::new()
            } else {
                f["breakdown"].to_string()
            },
            s(&f["note"]),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained page: the figures as a table and as an inline SVG bar chart.
pub fn html(v: &Value) -> String {
    let t = |x: &Value| esc(x.as_str().unwrap_or(""));
    let fields: Vec<&Value> = v["fields"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}.note{{color:#555;font-size:.9em}}</style></head><body>\
         <h1>{title}</h1><p>{cit} — period {from} to {to}</p>",
        title = t(&v["report"]["title"]),
        cit = t(&v["report"]["citation"]),
        from = t(&v["period"]["from"]),
        to = t(&v["period"]["to"]),
    );
    if let Some(s) = v["schedule"].as_object() {
        let _ = write!(
            out,
            "<p class=\"note\">Schedule: {} ({}). “{}”</p>",
            t(&s["citation"]),
            t(&s["period"]),
            t(&s["words"])
        );
    }
    let _ = write!(out, "<p>Decisions counted: {}.</p>", v["decisions_counted"]);
    // The chart: one horizontal bar per derivable field.
    let bars: Vec<(&str, u64)> = fields
        .iter()
        .filter_map(|f| Some((f["name"].as_str()?, f["value"].as_u64()?)))
        .collect();
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let (w, lh, label_w) = (720.0, 26.0, 260.0);
    let h = lh * bars.len() as f64 + 10.0;
    let _ = write!(out, "<svg role=\"img\" aria-label=\"bar chart of the report's figures\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
    for (i, (name, n)) in bars.iter().enumerate() {
        let y = 5.0 + lh * i as f64;
        let bw = (w - label_w - 60.0) * (*n as f64) / (max as f64);
        let _ = write!(
            out,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"13\">{name}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{bw:.1}\" height=\"{bh}\" fill=\"#2b6cb0\"><title>{name}: {n}</title></rect><text x=\"{vx:.1}\" y=\"{ty}\" font-size=\"13\">{n}</text>",
            lx = label_w - 8.0,
            ty = y + 16.0,
            name = esc(name),
            bh = lh - 8.0,
            vx = label_w + bw + 6.0,
        );
    }
    out.push_str("</svg>");
    out.push_str("<table><thead><tr><th>Field</th><th>Paragraph</th><th>Value</th><th>What the law asks</th></tr></thead><tbody>");
    for f in fields {
        let value = match &f["value"] {
            Value::Null => "<em>by hand</em>".to_string(),
            x => format!("{x} {}", t(&f["unit"])),
        };
        let mut extra = String::new();
        if let Some(b) = f["breakdown"].as_object() {
            let parts: Vec<String> = b.iter().map(|(k, n)| format!("{}: {n}", esc(k))).collect();
            extra = format!(
                "<br><span class=\"note\">By category: {}</span>",
                parts.join(", ")
            );
        }
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{value}</td><td>{}<br><span class=\"note\">{}</span>{extra}</td></tr>",
            t(&f["name"]),
            t(&f["paragraph"]),
            t(&f["words"]),
            t(&f["note"])
        );
    }
    out.push_str("</tbody></table><p class=\"note\">Computed by brightline from its decision log. Not legal advice.</p></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_bundled_count() {
        let lib = brightline::bundled().unwrap();
        let reports = load(lib).unwrap();
        assert!(reports.iter().any(|r| r.id == "doc-annual-detainers"));
        for r in &reports {
            let names: Vec<String> = r.field.iter().map(|f| f.name.clone()).collect();
            for f in &r.field {
                let c = parse_count(&f.count, &names);
                assert!(c.is_ok(), "{}.{}: {:?}", r.id, f.name, c);
                if f.count.starts_with("count") {
                    assert!(c.unwrap().is_some());
                }
            }
        }
    }

    #[test]
    fn parses_quantified_and_remarked_terms() {
        let names = vec!["persons_held".to_string()];
        let c = parse_count("count distinct subject where persons_held and decision.transferred == false (reason — recorded by hand)", &names).unwrap().unwrap();
        assert!(c.distinct);
        assert_eq!(
            c.terms,
            vec![
                Cond::Field("persons_held".into()),
                Cond::Truthy("decision.transferred".into(), false)
            ]
        );
        assert_eq!(c.remarks.len(), 1);
        let c = parse_count("count where agency == jail and request.kind in {detainer, transfer} and no subject.convictions (offense in vsc and level is felony) and not subject.tsdb_match", &[]).unwrap().unwrap();
        assert_eq!(c.terms.len(), 4);
        assert_eq!(
            c.terms[2],
            Cond::Convictions {
                any: false,
                table: "vsc".into(),
                level: Some("felony".into())
            }
        );
        assert_eq!(c.terms[3], Cond::Truthy("subject.tsdb_match".into(), false));
        assert!(parse_count("not derivable from decisions", &[])
            .unwrap()
            .is_none());
    }
}

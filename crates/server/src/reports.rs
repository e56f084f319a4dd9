//! The statutory reports of `laws/*/reports.toml`, counted from the log.
//!
//! The definitions are law: `brightline::report` reads, compiles and
//! checks them when the server starts (a report that does not compile stops
//! it). This module chooses the period, reads the decisions of that period
//! with their actions and corrections, and renders the counts (JSON, CSV, HTML).

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use brightline::report::{self, Act, ReportDef, Row, Schedule};
use brightline::Library;
use brightline_store::{Entry, Store};
use serde_json::{json, Value};
use time::{Date, Month};

use crate::error::ApiError;

/// Every report definition of the loaded packs, compiled; an error names the
/// file and line of every definition that does not compile.
pub fn load(lib: &Library) -> Result<Vec<ReportDef>, String> {
    let (reports, diags) = report::load(lib);
    if diags.is_empty() {
        Ok(reports)
    } else {
        Err(diags
            .iter()
            .map(|d| d.short())
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// The acts recorded by one action entry, with its date and reason.
pub fn acts_of(action: &Entry, kind: Option<&str>) -> Vec<Act> {
    let b = action.body_json();
    let date = b["date"]
        .as_str()
        .map(str::to_string)
        .or_else(|| Some(action.logged_at.chars().take(10).collect()));
    crate::actions::acts_of(&b, kind)
        .into_iter()
        .map(|act| Act {
            act,
            date: date.clone(),
            reason: b["reason"].as_str().map(str::to_string),
        })
        .collect()
}

/// The rows a report counts for a period: every decision whose request date
/// is in it and that no later decision corrects, with the acts recorded on
/// it and on every decision it corrects. Returns the rows and how many
/// decisions could not be read (a request the running law no longer decodes).
pub fn rows(
    lib: &Library,
    store: &Store,
    from: &str,
    to: &str,
) -> Result<(Vec<Row>, usize), ApiError> {
    let entries = store.decisions_between(from, to).map_err(ApiError::store)?;
    let ids: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let mut refs: HashMap<i64, Vec<Entry>> = HashMap::new();
    for chunk in ids.chunks(10_000) {
        for r in store.referring(chunk).map_err(ApiError::store)? {
            if let Some(d) = r.meta.ref_seq {
                refs.entry(d).or_default().push(r);
            }
        }
    }
    let superseded: HashSet<i64> = refs
        .iter()
        .filter(|(_, v)| v.iter().any(|e| e.kind == "decision"))
        .map(|(k, _)| *k)
        .collect();
    let mut out = Vec::new();
    let mut unreadable = 0;
    for e in entries.iter().filter(|e| !superseded.contains(&e.seq)) {
        let b = e.body_json();
        let kind = e.meta.req_kind.as_deref();
        let mut acts: Vec<Act> = refs
            .get(&e.seq)
            .into_iter()
            .flatten()
            .filter(|r| r.kind == "action")
            .flat_map(|a| acts_of(a, kind))
            .collect();
        // The decisions this one corrects may lie outside the period: their
        // acts belong to the chain all the same.
        let mut prev = b["supersedes"].as_i64();
        let mut seen = HashSet::new();
        while let Some(p) = prev.filter(|p| seen.insert(*p)) {
            let Some(pe) = store.get(p).map_err(ApiError::store)? else {
                break;
            };
            let pk = pe.meta.req_kind.clone();
            for a in store.actions_for(&[p]).map_err(ApiError::store)? {
                acts.extend(acts_of(&a, pk.as_deref()));
            }
            prev = pe.body_json()["supersedes"].as_i64();
        }
        match Row::new(
            lib,
            e.seq,
            &b["request"],
            b["subject_key"].as_str().map(str::to_string),
            &b["decision"],
            acts,
        ) {
            Some(r) => out.push(r),
            None => unreadable += 1,
        }
    }
    Ok((out, unreadable))
}

// ------------------------------------------------------------ periods

pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// A date parameter or field, or a 400 naming it.
pub(crate) fn date(s: &str, field: &str) -> Result<Date, ApiError> {
    brightline::parse_date(s)
        .ok_or_else(|| ApiError::bad(field, format!("`{s}` is not a date; write YYYY-MM-DD")))
}

fn month_day(y: i32, md: &str) -> Option<Date> {
    let (m, d) = md.trim().split_once('-')?;
    let m = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y, m, d.parse().ok()?).ok()
}

fn in_effective(s: &Schedule, d: Date) -> bool {
    let (a, b) = s.effective.split_once("..").unwrap_or((&s.effective, ""));
    let a = brightline::parse_date(a.trim());
    let b = brightline::parse_date(b.trim());
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

/// Counts a report over rows of its period. Returns the JSON of docs/api.md.
pub fn compute(
    lib: &Library,
    r: &ReportDef,
    p: &Period,
    sched: Option<&Schedule>,
    rows: &[Row],
    unreadable: usize,
) -> Value {
    let scoped: Vec<&Row> = rows
        .iter()
        .filter(|x| report::in_scope(lib, r, x))
        .collect();
    let counts = report::count(r, &scoped);
    let without_action = scoped.iter().filter(|x| x.acts.is_empty()).count();
    let mut fields = Vec::new();
    let mut flagged_all: Vec<&report::Flag> = Vec::new();
    for (f, c) in r.fields.iter().zip(&counts) {
        let mut note = String::new();
        if c.anonymous > 0 {
            let _ = write!(note, "{} counted decisions sent no case reference or identifier and count as one person each. ", c.anonymous);
        }
        let uses_actions = f
            .count_text
            .as_deref()
            .is_some_and(|t| t.contains("action ") || t.contains("action is"))
            || f.count_text.as_deref().is_some_and(|t| {
                r.fields.iter().any(|o| {
                    t.contains(&o.name)
                        && o.count_text
                            .as_deref()
                            .is_some_and(|x| x.contains("action "))
                })
            });
        if uses_actions && without_action > 0 {
            let _ = write!(note, "{without_action} decisions in the period have no recorded action (POST /v1/decisions/{{id}}/actions); a count of what was done does not see them. ");
        }
        if !c.flagged.is_empty() {
            for x in &c.flagged {
                if !flagged_all.contains(&x) {
                    flagged_all.push(x);
                }
            }
            let _ = write!(note, "{} counted acts went against a decision that said the request was prohibited (listed in `flagged`). ", c.flagged.len());
        }
        if let Some(h) = &f.by_hand {
            let _ = write!(note, "By hand: {h}. ");
        }
        if let Some(d) = &f.disaggregate {
            let _ = write!(note, "Disaggregate: {d}");
        }
        fields.push(json!({
            "name": f.name, "paragraph": f.paragraph, "words": f.words, "count": f.count_text,
            "value": c.value, "unit": c.unit, "breakdown": c.by_information, "decisions": c.decisions,
            "flagged": c.flagged, "note": note.trim(),
        }));
    }
    json!({
        "report": { "id": r.id, "title": r.title, "citation": r.citation, "agency": r.agency, "jurisdiction": lib.packs[r.pack].id },
        "period": { "from": p.from.to_string(), "to": p.to.to_string() },
        "schedule": sched.map(|s| json!({ "citation": s.citation, "period": s.period, "period_ends": s.period_ends, "words": s.words, "confidence": s.confidence })),
        "decisions_counted": scoped.len(),
        "decisions_elsewhere": rows.len() - scoped.len(),
        "decisions_unreadable": unreadable,
        "decisions_without_action": without_action,
        "flagged": flagged_all,
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
// Long on purpose: one self-contained HTML page written top to bottom.
pub fn html(v: &Value) -> String {
    let t = |x: &Value| esc(x.as_str().unwrap_or(""));
    let fields: Vec<&Value> = v["fields"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #ccc;padding:.4rem;text-align:left;vertical-align:top}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}.note{{color:#555;font-size:.9em}}.flag{{color:#9b1c1c}}@media print{{svg{{max-width:100%}}}}</style></head><body>\
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
        if let Some(fl) = f["flagged"].as_array().filter(|a| !a.is_empty()) {
            let items: Vec<String> = fl
                .iter()
                .map(|x| {
                    format!(
                        "<li>decision #{} — {} on {}: {}</li>",
                        x["decision"],
                        esc(x["act"].as_str().unwrap_or("")),
                        esc(x["date"].as_str().unwrap_or("?")),
                        esc(x["reason"].as_str().unwrap_or("no reason recorded"))
                    )
                })
                .collect();
            let _ = write!(
                extra,
                "<div class=\"flag\"><strong>Against the decision (prohibited):</strong><ul>{}</ul></div>",
                items.join("")
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
    fn every_bundled_report_loads() {
        let lib = brightline::bundled().unwrap();
        let reports = load(lib).unwrap();
        for id in [
            "doc-annual-detainers",
            "nypd-annual-detainers",
            "city-quarterly-immigration-enforcement",
            "il-annual-trust-act",
        ] {
            assert!(reports.iter().any(|r| r.id == id), "{id}");
        }
    }
}

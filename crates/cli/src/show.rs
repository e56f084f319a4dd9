//! Readable renderings: the law in force on a date, its history, a trace.

use std::fmt::Write;

use brightline::EventKind;
use brightline::{Decision, Library, RequestError};

pub fn show(lib: &Library, pack: usize, date: time::Date) -> Result<String, RequestError> {
    let law = lib.law_in_force(pack, date)?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}) — the law in force on {date}",
        law.name, law.jurisdiction
    );
    let layers: Vec<String> = law.chain.iter().rev().map(|c| c.to_string()).collect();
    let version = match &law.version.until {
        Some(u) => format!("{} .. {u}", law.version.from),
        None => format!("{} ..", law.version.from),
    };
    let _ = writeln!(
        s,
        "Layers: {}. This version: {version}.\n",
        layers.join(" > ")
    );
    for r in &law.provisions {
        let _ = writeln!(s, "{} [{}] {}", r.citation, r.jurisdiction, r.title);
        let _ = writeln!(
            s,
            "  status: in force {}{}",
            r.effective,
            if r.confidence == "verbatim" {
                String::new()
            } else {
                format!("; confidence: {}", r.confidence)
            }
        );
        let _ = writeln!(
            s,
            "  rule: {} when {}.",
            r.outcome.as_str().to_uppercase(),
            r.condition
        );
        if !r.overrides.is_empty() {
            let _ = writeln!(s, "  an exception to: {}", r.overrides.join(", "));
        }
        if r.preempts {
            let _ = writeln!(s, "  preempts lower layers when it applies");
        }
        for o in &r.obligations {
            let _ = writeln!(s, "  obligation: {o}");
        }
        if let Some(q) = &r.quote {
            let _ = writeln!(s, "  text: \"{q}\"");
        }
        let _ = writeln!(s, "  source: {}\n", r.source);
    }
    if !law.suspended.is_empty() || !law.events.is_empty() {
        let _ = writeln!(
            s,
            "Not in force on {date} because of a court order or other event:"
        );
        let event = |id: &str| law.events.iter().find(|e| e.id == id);
        for r in &law.suspended {
            if let Some(e) = event(&r.event) {
                let _ = writeln!(
                    s,
                    "  {} ({}) — {} {} {}: {}",
                    r.citation,
                    r.title,
                    e.date,
                    kind(e.kind),
                    e.citation,
                    e.title
                );
            }
        }
        if law.suspended.is_empty() {
            for e in &law.events {
                let _ = writeln!(
                    s,
                    "  {} {} {}: {}",
                    e.date,
                    kind(e.kind),
                    e.citation,
                    e.title
                );
            }
        }
    }
    Ok(s)
}

fn kind(k: EventKind) -> &'static str {
    match k {
        EventKind::Suspends => "suspended by",
        EventKind::Voids => "voided by",
    }
}

pub fn history(lib: &Library, pack: usize) -> String {
    let h = lib.history(pack);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}): versions of the law, general layers included\n",
        h.name, h.jurisdiction
    );
    for v in &h.versions {
        let _ = writeln!(s, "{}  ({} provisions in force)", v.period, v.provisions);
        for c in &v.added {
            let _ = writeln!(s, "  + {} — {}", c.citation, c.title);
        }
        for c in &v.removed {
            let why = c
                .because
                .as_ref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            let _ = writeln!(s, "  - {} — {}{why}", c.citation, c.title);
        }
    }
    let _ = writeln!(s, "\nCourt orders and other events:");
    for e in &h.events {
        let until = e
            .until
            .as_ref()
            .map(|u| format!(" until {u}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {}{until} [{}] {} {}: {} — {}",
            e.date,
            e.jurisdiction,
            if e.kind == EventKind::Suspends {
                "suspends"
            } else {
                "voids"
            },
            e.targets.join(", "),
            e.title,
            e.citation
        );
    }
    s
}

pub fn trace_text(d: &Decision) -> String {
    let mut s = String::from("\nTrace (every rule this kind of request brings into play):\n");
    for t in &d.trace {
        let by = if t.defeated_by.is_empty() {
            String::new()
        } else {
            format!(" by {}", t.defeated_by.join(", "))
        };
        let _ = writeln!(
            s,
            "  {} [{}] → {}: {}{by}",
            t.rule,
            t.citation,
            t.outcome.as_str(),
            t.result
        );
        for c in &t.conditions {
            let item = c
                .item
                .as_ref()
                .map(|i| format!(" [{i}]"))
                .unwrap_or_default();
            let _ = writeln!(s, "      {}{item}: saw {} → {}", c.test, c.saw, c.result);
        }
    }
    s
}

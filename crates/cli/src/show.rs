//! Readable renderings: the law in force on a date, its history, a trace.

use std::fmt::Write;

use brightline_core::decide::period;
use brightline_core::{Decision, Library, RequestError};

pub fn show(lib: &Library, pack: usize, date: time::Date) -> Result<String, RequestError> {
    let law = lib.law(pack, date)?;
    let mut s = String::new();
    let p = &lib.packs[pack];
    let _ = writeln!(s, "{} ({}) — the law in force on {date}", p.name, p.id);
    let _ = writeln!(
        s,
        "Layers: {}. This version: {}.\n",
        law.chain
            .iter()
            .rev()
            .map(|&c| lib.packs[c].id.as_str())
            .collect::<Vec<_>>()
            .join(" > "),
        period(law.from, law.until)
    );
    for &(pi, ri) in &law.rules {
        let compiled = &lib.packs[pi].rules[ri];
        let r = &compiled.def;
        let _ = writeln!(s, "{} [{}] {}", r.citation, lib.packs[pi].id, r.title);
        let _ = writeln!(
            s,
            "  status: in force {}{}",
            period(r.from, r.until),
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
            brightline_core::words::rule(&compiled.cond, &compiled.atoms)
        );
        if !r.overrides.is_empty() {
            let _ = writeln!(
                s,
                "  an exception to: {}",
                r.overrides
                    .iter()
                    .map(|o| o.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if r.preempts {
            let _ = writeln!(s, "  preempts lower layers when it applies");
        }
        for o in &r.obligations {
            let _ = writeln!(s, "  obligation: {}", o.text);
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
        for ((pi, ri), (ep, ei)) in &law.suspended {
            let r = &lib.packs[*pi].rules[*ri].def;
            let e = &lib.packs[*ep].events[*ei];
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
        if law.suspended.is_empty() {
            for (ep, ei) in &law.events {
                let e = &lib.packs[*ep].events[*ei];
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

fn kind(k: brightline_core::load::EventKind) -> &'static str {
    match k {
        brightline_core::load::EventKind::Suspends => "suspended by",
        brightline_core::load::EventKind::Voids => "voided by",
    }
}

pub fn history(lib: &Library, pack: usize) -> String {
    let mut s = String::new();
    let p = &lib.packs[pack];
    let _ = writeln!(
        s,
        "{} ({}): versions of the law, general layers included\n",
        p.name, p.id
    );
    let versions = lib.versions.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
    let mut prev: Vec<(usize, usize)> = Vec::new();
    for v in versions {
        let _ = writeln!(
            s,
            "{}  ({} provisions in force)",
            period(v.from, v.until),
            v.rules.len()
        );
        for r in v.rules.iter().filter(|r| !prev.contains(r)) {
            let d = &lib.packs[r.0].rules[r.1].def;
            let _ = writeln!(s, "  + {} — {}", d.citation, d.title);
        }
        for r in prev.iter().filter(|r| !v.rules.contains(r)) {
            let d = &lib.packs[r.0].rules[r.1].def;
            let why = v
                .suspended
                .iter()
                .find(|(x, _)| x == r)
                .map(|(_, (ep, ei))| format!(" ({})", lib.packs[*ep].events[*ei].title))
                .unwrap_or_default();
            let _ = writeln!(s, "  - {} — {}{why}", d.citation, d.title);
        }
        prev = v.rules.clone();
    }
    let _ = writeln!(s, "\nCourt orders and other events:");
    for &c in lib.chain(pack).iter().rev() {
        for e in &lib.packs[c].events {
            let until = e.until.map(|u| format!(" until {u}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "  {}{until} [{}] {} {}: {} — {}",
                e.date,
                lib.packs[c].id,
                if e.kind == brightline_core::load::EventKind::Suspends {
                    "suspends"
                } else {
                    "voids"
                },
                e.targets
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                e.title,
                e.citation
            );
        }
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

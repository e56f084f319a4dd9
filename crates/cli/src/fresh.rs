//! `brightline history --changes-since DATE`: what in the library is dated after a day —
//! provisions taking effect or ending, court events, and the dates pack notes mention —
//! so a reviewer sees what to read again.

use std::fmt::Write;

use brightline::EventKind;
use brightline::Library;
use time::Date;

#[derive(Debug, serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub date: String,
    pub jurisdiction: String,
    /// `provision`, `provision-ends`, `court-event`, `court-event-ends`, `note`, `checked`.
    pub what: String,
    pub citation: String,
    pub text: String,
}

/// Every dated item after `since`, in the packs given (all when empty), by date then pack.
pub fn changes_since(lib: &Library, packs: &[usize], since: Date) -> Vec<Change> {
    let all: Vec<usize>;
    let packs = if packs.is_empty() {
        all = (0..lib.packs.len()).collect();
        &all
    } else {
        packs
    };
    let mut out = Vec::new();
    let mut push = |date: Date, j: &str, what: &str, citation: &str, text: String| {
        out.push(Change {
            date: date.to_string(),
            jurisdiction: j.to_string(),
            what: what.to_string(),
            citation: citation.to_string(),
            text,
        })
    };
    for &pi in packs {
        let p = &lib.packs[pi];
        for r in &p.rules {
            let d = &r.def;
            if d.from > since {
                push(d.from, &p.id, "provision", &d.citation, d.title.clone());
            }
            if let Some(u) = d.until.filter(|u| *u > since) {
                push(u, &p.id, "provision-ends", &d.citation, d.title.clone());
            }
        }
        for e in &p.events {
            let verb = match e.kind {
                EventKind::Suspends => "suspends",
                EventKind::Voids => "voids",
            };
            let targets: Vec<&str> = e.targets.iter().map(|t| t.0.as_str()).collect();
            let text = format!("{} ({verb} {})", e.title, targets.join(", "));
            if e.date > since {
                push(e.date, &p.id, "court-event", &e.citation, text.clone());
            }
            if let Some(u) = e.until.filter(|u| *u > since) {
                push(u, &p.id, "court-event-ends", &e.citation, text);
            }
        }
        if let Some(c) = p.checked.filter(|c| *c > since) {
            push(
                c,
                &p.id,
                "checked",
                "pack.toml",
                "text checked against the law".into(),
            );
        }
        if let Some(note) = &p.note {
            for (at, d) in dates_in(note) {
                if d > since {
                    push(d, &p.id, "note", "pack.toml note", context(note, at));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The ISO dates (YYYY-MM-DD) a free text mentions, with their byte offsets.
fn dates_in(text: &str) -> Vec<(usize, Date)> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 10 <= b.len() {
        let w = &b[i..i + 10];
        let shaped = w.iter().enumerate().all(|(k, c)| match k {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit())
            && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        if shaped && bounded {
            if let Some(d) = std::str::from_utf8(w).ok().and_then(brightline::parse_date) {
                found.push((i, d));
                i += 10;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The words around a date in a note, on one line.
fn context(text: &str, at: usize) -> String {
    let mut start = at.saturating_sub(70);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + 80).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let words = text[start..end]
        .replace("\\\n", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{}{words}{}",
        if start > 0 { "…" } else { "" },
        if end < text.len() { "…" } else { "" }
    )
}

pub fn to_text(changes: &[Change], since: Date) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Dated after {since}: {} items (provisions, court events, pack notes)\n",
        changes.len()
    );
    for c in changes {
        let _ = writeln!(
            s,
            "{}  {:<14} {:<16} {} — {}",
            c.date, c.jurisdiction, c.what, c.citation, c.text
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_are_found_only_where_whole() {
        let t = "Checked 2026-12-04. Ballot of 2026-11-03; not 12026-11-03 nor 2026-11-031 nor 2026-13-01.";
        let ds: Vec<Date> = dates_in(t).into_iter().map(|x| x.1).collect();
        assert_eq!(ds, vec![date!(2026 - 12 - 04), date!(2026 - 11 - 03)]);
    }

    #[test]
    fn the_bundled_library_lists_what_changed_in_2025() {
        let lib = brightline::bundled().expect("bundled packs load");
        let c = changes_since(lib, &[], date!(2024 - 12 - 31));
        assert!(c.iter().all(|x| x.date.as_str() > "2024-12-31"));
        // Delaware's 2025 ban on 287(g) and the NYC court event on EO 50 are both there.
        assert!(
            c.iter()
                .any(|x| x.jurisdiction == "us-de" && x.what == "provision"),
            "{}",
            to_text(&c, date!(2024 - 12 - 31))
        );
        assert!(c
            .iter()
            .any(|x| x.jurisdiction == "us-ny-nyc" && x.what == "court-event"));
        // Nothing before the day.
        let later = changes_since(lib, &[], date!(2099 - 01 - 01));
        assert!(later.is_empty(), "{later:?}");
    }
}

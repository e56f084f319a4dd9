//! The decision memo: one page for a lawyer or counsel, with the facts as
//! given, what was assumed, the outcome, the reasons in the statute's words,
//! the obligations, the law and court events it was decided under, and the
//! log entry that records it. One model, rendered as print-ready HTML and as
//! a PDF (pdf-writer, the base-14 Helvetica fonts: nothing to embed).

use std::fmt::Write;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde_json::Value;

use crate::reports::esc;

/// A block of the memo.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    /// An emphasised line (the outcome).
    Strong(String),
    /// Label, value.
    Pairs(Vec<(String, String)>),
    Items(Vec<String>),
    /// The statute's words.
    Quote(String),
    Small(String),
}

/// What the log holds about a recorded decision (absent for a draft).
pub struct LogInfo {
    pub id: i64,
    pub logged_at: String,
    pub by: String,
    pub entry_hash: String,
    pub prev_hash: String,
    pub law_hash: String,
    pub law_hash_current: bool,
    pub supersedes: Option<i64>,
    pub superseded_by: Option<i64>,
    /// (date, act in words, reason)
    pub actions: Vec<(String, String, Option<String>)>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Null => "—".into(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| format!("{}: {}", k.replace('_', " "), text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A conviction or charge in a few words: offense, level, date, then what is true of it.
fn item_words(it: &Value) -> String {
    let mut parts: Vec<String> = ["offense", "level", "date"]
        .iter()
        .filter_map(|k| it.get(*k).map(text))
        .collect();
    if let Some(o) = it.as_object() {
        for (k, v) in o {
            if ["offense", "level", "date"].contains(&k.as_str()) || v == &Value::Bool(false) {
                continue;
            }
            if v == &Value::Bool(true) {
                parts.push(k.replace('_', " "));
            } else {
                parts.push(format!("{} {}", k.replace('_', " "), text(v)));
            }
        }
    }
    parts.join(", ")
}

/// The facts of a request as label/value pairs, in the order a reader asks them.
fn facts(request: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for k in ["jurisdiction", "agency", "date"] {
        if let Some(v) = request.get(k) {
            out.push((k.to_string(), text(v)));
        }
    }
    for part in ["request", "subject"] {
        let Some(obj) = request.get(part).and_then(Value::as_object) else {
            continue;
        };
        for (k, v) in obj {
            if brightline::schema::IDENTIFIERS.contains(&k.as_str()) {
                continue;
            }
            let label = format!("{part}.{k}");
            match v {
                Value::Array(items) if items.iter().any(Value::is_object) => {
                    for (i, it) in items.iter().enumerate() {
                        out.push((format!("{label} {}", i + 1), item_words(it)));
                    }
                }
                Value::Array(items) if items.is_empty() && k != "information" => {
                    out.push((label, "none".into()))
                }
                _ => out.push((label, text(v))),
            }
        }
    }
    out
}

/// The memo of a decision. `decision` is the full decision (with its `law`
/// block); `log` is the log entry if the decision was recorded.
pub fn build(request: &Value, decision: &Value, log: Option<&LogInfo>, engine: &str) -> Vec<Block> {
    let mut b = Vec::new();
    let d = decision;
    let kind = request["request"]["kind"].as_str().unwrap_or("request");
    b.push(Block::Title(format!(
        "Decision memo: {} to {} ({}), {}",
        kind,
        request["agency"].as_str().unwrap_or("an agency"),
        request["jurisdiction"].as_str().unwrap_or(""),
        request["date"].as_str().unwrap_or("")
    )));
    b.push(Block::Small(match log {
        Some(l) => format!(
            "Recorded decision #{} — logged {} by {}.",
            l.id, l.logged_at, l.by
        ),
        None => "Draft — decided on request, not recorded in the decision log.".into(),
    }));
    b.push(Block::Heading("Outcome".into()));
    b.push(Block::Strong(format!(
        "{}: {}",
        d["outcome"].as_str().unwrap_or("").to_uppercase(),
        d["summary"]
            .as_str()
            .unwrap_or("")
            .split_once(": ")
            .map(|x| x.1)
            .unwrap_or(d["summary"].as_str().unwrap_or(""))
    )));
    b.push(Block::Heading("Facts as given".into()));
    b.push(Block::Pairs(facts(request)));
    assumptions(&mut b, d);
    reasons(&mut b, d);
    law(&mut b, d, log, engine);
    log_entry(&mut b, log);
    b.push(Block::Small(format!(
        "Not legal advice. Every answer cites the provisions it rests on; read them. brightline {engine}."
    )));
    b
}

/// What the decision took as given without its being stated, and what it lacked.
fn assumptions(b: &mut Vec<Block>, d: &Value) {
    let mut assumed = Vec::new();
    for a in d["assumptions"].as_array().into_iter().flatten() {
        assumed.push(match a.get("fact").and_then(Value::as_str) {
            Some(f) => {
                let mut line = format!(
                    "{} {f} = {}",
                    match a["basis"].as_str() {
                        Some("presumed") => "Presumed:",
                        Some("implied") => "Implied by the request:",
                        Some(b) => b,
                        None => "Assumed:",
                    },
                    text(&a["value"])
                );
                if let Some(w) = a["why"].as_str().filter(|w| !w.is_empty()) {
                    let _ = write!(line, " — {w}");
                }
                if let Some(r) = a["rebutted_by"].as_str().filter(|w| !w.is_empty()) {
                    let _ = write!(line, " (unless: {r})");
                }
                if let Some(c) = a["citation"].as_str().filter(|w| !w.is_empty()) {
                    let _ = write!(line, " [{c}]");
                }
                line
            }
            None => text(a),
        });
    }
    for m in d["missing_facts"].as_array().into_iter().flatten() {
        assumed.push(format!(
            "Not given, and the answer depends on it: {}",
            text(m)
        ));
    }
    for n in d["notes"].as_array().into_iter().flatten() {
        assumed.push(text(n));
    }
    b.push(Block::Heading("Assumptions and facts not given".into()));
    if assumed.is_empty() {
        assumed.push("None: every fact the answer reads was given.".into());
    }
    b.push(Block::Items(assumed));
}

/// The provisions that decided, their words, what they oblige, and where
/// the law can be read otherwise.
fn reasons(b: &mut Vec<Block>, d: &Value) {
    b.push(Block::Heading("Reasons".into()));
    let reasons = d["reasons"].as_array().cloned().unwrap_or_default();
    if reasons.is_empty() {
        b.push(Block::Para("No provision decided this request.".into()));
    }
    for r in &reasons {
        b.push(Block::Para(format!(
            "{} — {}. {} ({}).",
            r["outcome"].as_str().unwrap_or("").to_uppercase(),
            r["title"].as_str().unwrap_or(""),
            r["citation"].as_str().unwrap_or(""),
            r["confidence"].as_str().unwrap_or("")
        )));
        if let Some(q) = r["quote"].as_str() {
            b.push(Block::Quote(q.to_string()));
        }
    }
    let obligations: Vec<String> = d["obligations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            format!(
                "{} ({})",
                o["text"].as_str().unwrap_or(""),
                o["citation"].as_str().unwrap_or("")
            )
        })
        .collect();
    b.push(Block::Heading("Obligations".into()));
    b.push(Block::Items(if obligations.is_empty() {
        vec!["None stated by the provisions that decided.".into()]
    } else {
        obligations
    }));
    let amb: Vec<String> = d["ambiguities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            format!(
                "{}: {}",
                a["citation"].as_str().unwrap_or(""),
                a["other_reading"].as_str().unwrap_or("")
            )
        })
        .collect();
    if !amb.is_empty() {
        b.push(Block::Heading(
            "Where the law can be read differently".into(),
        ));
        b.push(Block::Items(amb));
    }
}

/// The law as of the request's date: version, layers, court events.
fn law(b: &mut Vec<Block>, d: &Value, log: Option<&LogInfo>, engine: &str) {
    b.push(Block::Heading("Law and court events".into()));
    let law = &d["law"];
    let mut pairs = vec![
        (
            "law in force on".to_string(),
            law["as_of"].as_str().unwrap_or("").to_string(),
        ),
        (
            "version".to_string(),
            law["version"].as_str().unwrap_or("").to_string(),
        ),
        ("layers".to_string(), text(&law["layers"])),
        ("engine".to_string(), engine.to_string()),
    ];
    if let Some(l) = log {
        pairs.push(("law packs (hash)".into(), l.law_hash.clone()));
        if !l.law_hash_current {
            pairs.push((
                "note".into(),
                "decided under other law packs than the running ones; the law block above is re-derived under the running packs".into(),
            ));
        }
    }
    b.push(Block::Pairs(pairs));
    let mut events: Vec<String> = law["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{} ({}, from {}{}) — {}",
                e["title"].as_str().unwrap_or(""),
                e["kind"].as_str().unwrap_or(""),
                e["date"].as_str().unwrap_or(""),
                e["until"]
                    .as_str()
                    .map(|u| format!(" to {u}"))
                    .unwrap_or_default(),
                e["citation"].as_str().unwrap_or("")
            )
        })
        .collect();
    for s in law["suspended"].as_array().into_iter().flatten() {
        events.push(format!(
            "Not applied (suspended): {}",
            s["citation"].as_str().unwrap_or("")
        ));
    }
    b.push(Block::Items(if events.is_empty() {
        vec!["No court order or other event affects this law on this date.".into()]
    } else {
        events
    }));
}

/// The decision's log entry and the acts recorded against it.
fn log_entry(b: &mut Vec<Block>, log: Option<&LogInfo>) {
    b.push(Block::Heading("Log entry".into()));
    match log {
        Some(l) => {
            let mut p = vec![
                ("decision".to_string(), format!("#{}", l.id)),
                ("logged".to_string(), l.logged_at.clone()),
                ("by".to_string(), l.by.clone()),
                ("entry hash".to_string(), l.entry_hash.clone()),
                ("previous entry hash".to_string(), l.prev_hash.clone()),
            ];
            if let Some(s) = l.supersedes {
                p.push(("corrects".into(), format!("decision #{s}")));
            }
            if let Some(s) = l.superseded_by {
                p.push((
                    "corrected by".into(),
                    format!("decision #{s} (reports count that one)"),
                ));
            }
            b.push(Block::Pairs(p));
            let acts: Vec<String> = l
                .actions
                .iter()
                .map(|(date, act, reason)| match reason {
                    Some(r) => format!("{date}: {act} — against the decision; reason: {r}"),
                    None => format!("{date}: {act}"),
                })
                .collect();
            b.push(Block::Items(if acts.is_empty() {
                vec!["No action recorded yet.".into()]
            } else {
                acts
            }));
        }
        None => b.push(Block::Para(
            "Not recorded: this memo is of a draft and has no log entry.".into(),
        )),
    }
}

/// The memo as a self-contained page; the print stylesheet fits it on one A4/Letter page.
pub fn html(blocks: &[Block]) -> String {
    let title = blocks
        .iter()
        .find_map(|b| match b {
            Block::Title(t) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("Decision memo");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
body{{font-family:Georgia,'Times New Roman',serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#111;line-height:1.35}}\
h1{{font-size:1.3rem;margin:.2rem 0}}h2{{font-size:1rem;margin:1rem 0 .3rem;border-bottom:1px solid #999;text-transform:uppercase;letter-spacing:.04em}}\
dl{{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0}}dt{{color:#444}}dd{{margin:0;overflow-wrap:anywhere}}\
blockquote{{margin:.2rem 0 .5rem 1.2rem;font-style:italic}}.outcome{{font-weight:bold;font-size:1.05rem}}.small{{color:#555;font-size:.85rem}}ul{{margin:.2rem 0;padding-left:1.2rem}}\
@media print{{@page{{size:auto;margin:12mm}}body{{margin:0;max-width:none;font-size:9.5pt;line-height:1.25}}h1{{font-size:12pt}}h2{{font-size:9.5pt;margin:.5rem 0 .15rem}}a{{color:inherit;text-decoration:none}}}}\
</style></head><body><article class=\"memo\">",
        esc(title)
    );
    for b in blocks {
        match b {
            Block::Title(t) => {
                let _ = write!(out, "<h1>{}</h1>", esc(t));
            }
            Block::Heading(t) => {
                let _ = write!(out, "<h2>{}</h2>", esc(t));
            }
            Block::Para(t) => {
                let _ = write!(out, "<p>{}</p>", esc(t));
            }
            Block::Strong(t) => {
                let _ = write!(out, "<p class=\"outcome\">{}</p>", esc(t));
            }
            Block::Small(t) => {
                let _ = write!(out, "<p class=\"small\">{}</p>", esc(t));
            }
            Block::Quote(t) => {
                let _ = write!(out, "<blockquote>“{}”</blockquote>", esc(t));
            }
            Block::Pairs(p) => {
                out.push_str("<dl>");
                for (k, v) in p {
                    let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
                }
                out.push_str("</dl>");
            }
            Block::Items(items) => {
                out.push_str("<ul>");
                for i in items {
                    let _ = write!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul>");
            }
        }
    }
    out.push_str("</article></body></html>");
    out
}

/// A character in WinAnsiEncoding (the base-14 fonts' encoding), or `?`.
/// Callers pass text through [`to_win_ansi`] first, so `?` is never reached
/// for a character that has a readable stand-in.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => b'?',
    }
}

fn encodable(c: char) -> bool {
    c == '?' || win_ansi(c) != b'?'
}

/// A Cyrillic letter in Latin letters (the common scholarly/passport
/// readings), so that a name or a word in Cyrillic stays readable.
fn cyrillic(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next()?;
    let t = match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    };
    Some(t)
}

/// Text the base-14 fonts can show: every character WinAnsi has is kept;
/// typographic characters it lacks become their usual equivalents (spaces,
/// hyphens, dashes, primes, bullets, arrows, comparison signs); accented and
/// compatibility letters lose what WinAnsi cannot draw (ł → l, ﬁ → fi,
/// Ő → O); Cyrillic is transliterated; anything else is written as its code
/// point (`[U+4E2D]`), never silently as `?`.
pub fn to_win_ansi(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if encodable(c) {
            out.push(c);
            continue;
        }
        let sub = match c {
            '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => "",
            '\u{2010}' | '\u{2011}' | '\u{2043}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => "-",
            '\u{2012}' => "–",
            '\u{2015}' => "—",
            '\u{201B}' | '\u{2032}' | '\u{02BC}' => "’",
            '\u{201F}' => "“",
            '\u{2033}' => "\"",
            '\u{2023}' | '\u{2219}' | '\u{25CF}' | '\u{25E6}' | '\u{2027}' => "•",
            '\u{2190}' => "<-",
            '\u{2192}' => "->",
            '\u{2194}' => "<->",
            '\u{21D2}' => "=>",
            '\u{2264}' => "<=",
            '\u{2265}' => ">=",
            '\u{2260}' => "!=",
            '\u{2248}' => "~",
            '\u{2116}' => "No.",
            '\u{2713}' | '\u{2714}' => "[x]",
            'ł' => "l",
            'Ł' => "L",
            'đ' => "d",
            'Đ' => "D",
            'ı' => "i",
            'ħ' => "h",
            'Ħ' => "H",
            'ŧ' => "t",
            'Ŧ' => "T",
            _ => "\u{0}",
        };
        if sub != "\u{0}" {
            out.push_str(sub);
            continue;
        }
        if let Some(t) = cyrillic(c) {
            let upper = c.is_uppercase();
            let mut ch = t.chars();
            if let (true, Some(f)) = (upper, ch.next()) {
                out.extend(f.to_uppercase());
                out.push_str(ch.as_str());
            } else {
                out.push_str(t);
            }
            continue;
        }
        // Compatibility decomposition, keeping what WinAnsi has and dropping
        // combining marks: é stays (it is in WinAnsi); ő → o; ﬁ → fi; ² → 2.
        let kept: String = c
            .nfkd()
            .filter(|d| !('\u{0300}'..='\u{036F}').contains(d))
            .filter(|d| encodable(*d))
            .collect();
        if kept.is_empty() {
            let _ = write!(out, "[U+{:04X}]", c as u32);
        } else {
            out.push_str(&kept);
        }
    }
    out
}

/// Approximate Helvetica advance widths (thousandths of an em), enough to
/// wrap lines without overrunning the margin.
fn width(c: char) -> f32 {
    match c {
        'i' | 'j' | 'l' | '\'' | '|' | '.' | ',' | ':' | ';' | '!' => 250.0,
        ' ' | 'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '/' => 300.0,
        'm' | 'w' | 'M' | 'W' | '@' | '%' | '—' => 850.0,
        'A'..='Z' | '&' => 690.0,
        _ => 560.0,
    }
}

struct Writer {
    pages: Vec<Content>,
    y: f32,
    /// Every type size and gap is multiplied by this (1.0: the memo's own sizes).
    scale: f32,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 36.0;
/// The scales tried, largest first, to fit a memo on one page: at the
/// smallest, the smallest type (the statute's words, 7.5 pt) is 6.5 pt, about
/// as small as print stays readable. A memo that does not fit even then is
/// set at full size on as many pages as it needs, each numbered "Page i of n".
const FIT_SCALES: [f32; 4] = [1.0, 0.95, 0.91, 0.87];

impl Writer {
    fn new(scale: f32) -> Writer {
        Writer {
            pages: Vec::new(),
            y: PAGE_H - MARGIN,
            scale,
        }
    }

    /// The page a line of height `lead` goes on, starting a new one when full.
    fn line(&mut self, lead: f32) -> (&mut Content, f32) {
        if self.pages.is_empty() || self.y - lead < MARGIN {
            self.pages.push(Content::new());
            self.y = PAGE_H - MARGIN;
        }
        self.y -= lead;
        let y = self.y;
        (self.pages.last_mut().expect("a page was just pushed"), y)
    }

    /// Writes `text` wrapped to the width, in font `font` at `size` (scaled), from `x`.
    fn text(&mut self, font: &[u8], size: f32, x: f32, text: &str) {
        let size = size * self.scale;
        let text = to_win_ansi(text);
        let max = (PAGE_W - MARGIN - x) * 1000.0 / size;
        let mut lines: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut w = 0.0;
        for word in text.split(' ') {
            let ww: f32 = word.chars().map(width).sum();
            if !cur.is_empty() && w + 300.0 + ww > max {
                lines.push(std::mem::take(&mut cur));
                w = 0.0;
            }
            // A word wider than the line (a hash) is cut where it overflows.
            let mut word = word.to_string();
            while word.chars().map(width).sum::<f32>() > max {
                let mut acc = 0.0;
                let cut = word
                    .char_indices()
                    .find(|(_, c)| {
                        acc += width(*c);
                        acc > max
                    })
                    .map(|(i, _)| i)
                    .unwrap_or(word.len());
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                }
                lines.push(word[..cut].to_string());
                word = word[cut..].to_string();
                w = 0.0;
            }
            if !cur.is_empty() {
                cur.push(' ');
                w += 300.0;
            }
            w += word.chars().map(width).sum::<f32>();
            cur.push_str(&word);
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        for line in lines {
            let bytes: Vec<u8> = line.chars().map(win_ansi).collect();
            let (c, y) = self.line(size * 1.25);
            c.begin_text();
            c.set_font(Name(font), size);
            c.next_line(x, y);
            c.show(Str(&bytes));
            c.end_text();
        }
    }

    fn gap(&mut self, h: f32) {
        self.y -= h * self.scale;
    }
}

/// The memo's blocks set at `scale`: its pages and its title.
fn layout(blocks: &[Block], scale: f32) -> (Vec<Content>, String) {
    let mut w = Writer::new(scale);
    let (reg, bold, ital) = (b"F1".as_slice(), b"F2".as_slice(), b"F3".as_slice());
    let mut title = String::from("Decision memo");
    for b in blocks {
        match b {
            Block::Title(t) => {
                title = t.clone();
                w.text(bold, 12.0, MARGIN, t);
                w.gap(2.0);
            }
            Block::Heading(t) => {
                w.gap(3.0);
                w.text(bold, 8.5, MARGIN, &t.to_uppercase());
            }
            Block::Para(t) => w.text(reg, 8.0, MARGIN, t),
            Block::Strong(t) => w.text(bold, 9.0, MARGIN, t),
            Block::Small(t) => w.text(ital, 7.5, MARGIN, t),
            Block::Quote(t) => w.text(ital, 7.5, MARGIN + 14.0, &format!("“{t}”")),
            Block::Pairs(p) => {
                for (k, v) in p {
                    w.text(reg, 7.5, MARGIN, &format!("{k}: {v}"));
                }
            }
            Block::Items(items) => {
                for i in items {
                    w.text(reg, 7.5, MARGIN + 6.0, &format!("• {i}"));
                }
            }
        }
    }
    if w.pages.is_empty() {
        w.pages.push(Content::new());
    }
    (w.pages, title)
}

/// The memo as a PDF (A4), in the order and words of the HTML: on one page,
/// in type up to 13% smaller if that is what it takes; a memo longer than
/// that runs on at full size, every page numbered "Page i of n" with the
/// memo's title, so that no page is read without the others.
pub fn pdf(blocks: &[Block]) -> Vec<u8> {
    let (pages, title) = FIT_SCALES
        .iter()
        .map(|s| layout(blocks, *s))
        .find(|(p, _)| p.len() == 1)
        .unwrap_or_else(|| layout(blocks, 1.0));
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let fonts = [Ref::new(4), Ref::new(5), Ref::new(6)];
    let n = pages.len() as i32;
    let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(10 + 2 * i)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(n);
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("brightline"));
    for (id, base) in fonts.iter().zip([
        b"Helvetica".as_slice(),
        b"Helvetica-Bold",
        b"Helvetica-Oblique",
    ]) {
        pdf.type1_font(*id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (i, mut content) in pages.into_iter().enumerate() {
        if n > 1 {
            // The footer, in the bottom margin: which page of how many, of what.
            let mut footer = to_win_ansi(&format!("Page {} of {n} — {title}", i + 1));
            let max = (PAGE_W - 2.0 * MARGIN) * 1000.0 / 7.0;
            while footer.chars().map(width).sum::<f32>() > max {
                footer.pop();
            }
            let bytes: Vec<u8> = footer.chars().map(win_ansi).collect();
            content.begin_text();
            content.set_font(Name(b"F3"), 7.0);
            content.next_line(MARGIN, MARGIN - 16.0);
            content.show(Str(&bytes));
            content.end_text();
        }
        let pid = page_ids[i];
        let cid = Ref::new(pid.get() + 1);
        let mut page = pdf.page(pid);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(cid);
        let mut res = page.resources();
        let mut f = res.fonts();
        f.pair(Name(b"F1"), fonts[0]);
        f.pair(Name(b"F2"), fonts[1]);
        f.pair(Name(b"F3"), fonts[2]);
        f.finish();
        res.finish();
        page.finish();
        let data = content.finish();
        pdf.stream(cid, &data);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every page of a PDF, with its text read back.
    fn pages_text(bytes: &[u8]) -> Vec<String> {
        assert!(bytes.starts_with(b"%PDF-"));
        let doc = lopdf::Document::load_mem(bytes).unwrap();
        doc.get_pages()
            .keys()
            .map(|p| doc.extract_text(&[*p]).unwrap())
            .collect()
    }

    #[test]
    fn wraps_and_encodes_without_losing_words() {
        let blocks = vec![
            Block::Title("Decision memo: detainer — § 9-131".into()),
            Block::Para("word ".repeat(1500)),
            Block::Pairs(vec![("entry hash".into(), "ab".repeat(64))]),
        ];
        let text = pages_text(&pdf(&blocks)).concat();
        assert_eq!(text.matches("word").count(), 1500);
        assert!(text.contains("§ 9-131"), "{}", &text[..80]);
        let hash: String = text
            .split_whitespace()
            .filter(|w| w.chars().all(|c| c == 'a' || c == 'b'))
            .collect();
        assert!(
            hash.contains(&"ab".repeat(64)),
            "the hash survives wrapping"
        );
    }

    /// A memo a little too long for one page at its own sizes is set a
    /// little smaller, on one page, with every word.
    #[test]
    fn a_memo_a_little_too_long_is_fitted_on_one_page() {
        let memo = |n: usize| {
            vec![
                Block::Title("Decision memo".into()),
                Block::Para((0..n).map(|i| format!("w{i} ")).collect()),
            ]
        };
        let n = (100..5000)
            .step_by(20)
            .find(|n| layout(&memo(*n), 1.0).0.len() == 2)
            .unwrap();
        let pages = pages_text(&pdf(&memo(n)));
        assert_eq!(pages.len(), 1, "{n} words fit on one page, smaller");
        for i in 0..n {
            assert!(
                pages[0].contains(&format!("w{i} ")) || pages[0].contains(&format!("w{i}\n")),
                "w{i}"
            );
        }
        assert!(!pages[0].contains("Page 1 of"), "one page needs no number");
        // Much longer, and the type would be too small: it runs on instead.
        assert!(layout(&memo(n * 2), FIT_SCALES[3]).0.len() > 1);
        assert!(pages_text(&pdf(&memo(n * 2))).len() > 1);
    }

    /// A long decision (many provisions, each with the statute's words) runs
    /// onto numbered pages at full size, in order, with nothing lost.
    #[test]
    fn a_long_decision_runs_on_numbered_pages() {
        let req = json!({"jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-01-01",
            "request": {"kind": "detainer", "warrant": "administrative"}, "subject": {"tsdb_match": false}});
        let reasons: Vec<Value> = (0..60)
            .map(|i| json!({"outcome": "prohibited", "title": format!("Provision number {i} decides"),
                "citation": format!("N.Y.C. Admin. Code § 9-131(b)({i})"), "confidence": "verbatim",
                "quote": "The department may only honor a civil immigration detainer by holding a person beyond the time when such person would otherwise be released from the department's custody if federal immigration authorities present a judicial warrant.".repeat(2)}))
            .collect();
        let d = json!({"outcome": "prohibited", "summary": "PROHIBITED: no hold", "reasons": reasons, "law": {}});
        let blocks = build(&req, &d, None, "0.1.0");
        let pages = pages_text(&pdf(&blocks));
        let n = pages.len();
        assert!(n >= 3, "{n} pages");
        for (i, p) in pages.iter().enumerate() {
            assert!(
                p.contains(&format!("Page {} of {n}", i + 1)),
                "page {} has no number: {}",
                i + 1,
                &p[p.len().saturating_sub(200)..]
            );
        }
        assert!(pages[0].contains("Decision memo: detainer"));
        let all = pages.concat();
        let mut at = 0;
        for i in 0..60 {
            let k = format!("Provision number {i} decides");
            let p = all[at..]
                .find(&k)
                .unwrap_or_else(|| panic!("{k} missing or out of order"));
            at += p;
        }
        assert!(all.contains("OBLIGATIONS"), "the memo's end is there");
    }

    /// Typographic characters are written as themselves where WinAnsi has
    /// them and as their usual stand-ins where it does not; letters outside
    /// it keep their Latin reading; nothing becomes `?`.
    #[test]
    fn typographic_and_non_latin_characters_are_written_not_lost() {
        let line = "“Quoted” — it’s ‘so’… § 9-131(b) ≤ 48 hours → release; Łukasz Wałęsa, Őrs, ﬁle; Дмитрий Щукин; 中";
        assert_eq!(
            to_win_ansi(line),
            "“Quoted” — it’s ‘so’… § 9-131(b) <= 48 hours -> release; Lukasz Walesa, Ors, file; Dmitriy Shchukin; [U+4E2D]"
        );
        assert_eq!(
            to_win_ansi("café Müller ñ ß"),
            "café Müller ñ ß",
            "Latin-1 stays"
        );
        assert_eq!(to_win_ansi("a\u{2009}b\u{200B}c\u{2011}d"), "a bc-d");
        let text = pages_text(&pdf(&[Block::Para(line.into())])).concat();
        for want in [
            "“Quoted” — it’s ‘so’…",
            "§ 9-131(b) <= 48 hours -> release",
            "Lukasz Walesa",
            "Dmitriy Shchukin",
            "[U+4E2D]",
        ] {
            assert!(text.contains(want), "{want} not in {text}");
        }
        assert!(!text.contains('?'), "{text}");
    }

    #[test]
    fn html_escapes_and_has_a_print_stylesheet() {
        let req = json!({"jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-01-01",
            "request": {"kind": "detainer"}, "subject": {"booking_number": "B-1", "tsdb_match": false}});
        let d = json!({"outcome": "prohibited", "summary": "PROHIBITED: <no> hold", "reasons": [], "law": {}});
        let h = html(&build(&req, &d, None, "0.1.0"));
        assert!(h.contains("@media print"));
        assert!(h.contains("&lt;no&gt; hold"));
        assert!(!h.contains("B-1"), "identifiers never reach a memo");
        assert!(h.contains("Draft"));
    }
}

// ------------------------------------------------------------ endpoints

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::{blocking, parse_id, query, reader, token_names, visible_decision, Shared};

fn respond(blocks: &[Block], pdf_wanted: bool, name: &str) -> Response {
    if pdf_wanted {
        (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{name}.pdf\""),
                ),
            ],
            pdf(blocks),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html(blocks),
        )
            .into_response()
    }
}

/// The memo of a logged decision: its stored decision, the law block
/// re-derived from its request, and its log entry with the actions recorded.
async fn logged_memo(st: &Shared, headers: &HeaderMap, id: &str) -> Result<Vec<Block>, ApiError> {
    let t = reader(st, headers).await?;
    let id = parse_id(id)?;
    let e = visible_decision(st, &t, id).await?;
    let s = st.clone();
    let refs = blocking(move || s.store.referring(&[id])).await?;
    let names = token_names(st).await;
    let b = e.body_json();
    let mut decision = b["decision"].clone();
    if let Ok(full) = st.lib.decide_json(&b["request"]) {
        if let Ok(v) = serde_json::to_value(&full) {
            decision["law"] = v["law"].clone();
        }
    }
    let kind = e.meta.req_kind.as_deref();
    let actions = refs
        .iter()
        .filter(|r| r.kind == "action")
        .flat_map(|a| {
            let ab = a.body_json();
            let date = ab["date"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| a.logged_at.chars().take(10).collect());
            let reason = ab["reason"].as_str().map(str::to_string);
            crate::actions::acts_of(&ab, kind)
                .into_iter()
                .map(move |act| {
                    (
                        date.clone(),
                        crate::actions::words(&act).to_string(),
                        reason.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let log = LogInfo {
        id: e.seq,
        logged_at: e.logged_at.clone(),
        by: names
            .get(&e.token_id)
            .cloned()
            .unwrap_or_else(|| e.token_id.clone()),
        entry_hash: e.entry_hash.clone(),
        prev_hash: e.prev_hash.clone(),
        law_hash: e.law_hash.clone(),
        law_hash_current: e.law_hash == st.law_hash,
        supersedes: b["supersedes"].as_i64(),
        superseded_by: refs.iter().find(|r| r.kind == "decision").map(|r| r.seq),
        actions,
    };
    Ok(build(
        &b["request"],
        &decision,
        Some(&log),
        &e.engine_version,
    ))
}

#[utoipa::path(get, path = "/v1/decisions/{id}/memo", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The decision memo as a print-ready HTML page", content_type = "text/html"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn memo_html(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let b = logged_memo(&st, &headers, &id).await?;
    Ok(respond(&b, false, ""))
}

#[utoipa::path(get, path = "/v1/decisions/{id}/memo.pdf", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The decision memo as a PDF", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn memo_pdf(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let b = logged_memo(&st, &headers, &id).await?;
    Ok(respond(&b, true, &format!("decision-{id}-memo")))
}

/// Removes what identifies a person from a request: a shared memo link must carry none.
pub fn strip_identifiers(v: &mut serde_json::Value) {
    if let Some(o) = v.as_object_mut() {
        o.remove("case_ref");
        if let Some(s) = o.get_mut("subject").and_then(|s| s.as_object_mut()) {
            for k in brightline::schema::IDENTIFIERS {
                s.remove(*k);
            }
        }
    }
}

/// The memo of a draft: the request travels in the link (`request=` JSON),
/// identifiers are dropped, and nothing is logged.
pub fn draft_blocks(
    lib: &brightline::Library,
    request: &serde_json::Value,
) -> Result<Vec<Block>, ApiError> {
    let mut req = request.clone();
    strip_identifiers(&mut req);
    let d = lib.decide_json(&req)?;
    let full = serde_json::to_value(&d).map_err(ApiError::internal)?;
    Ok(build(&req, &full, None, brightline::ENGINE_VERSION))
}

#[utoipa::path(get, path = "/v1/memo", security(("bearer" = [])),
    params(("request" = String, Query, description = "the request contract as JSON; identifiers are dropped"), ("format" = Option<String>, Query, description = "html (default) or pdf")),
    responses((status = 200, description = "The memo of a draft decision (not logged): HTML, or with format=pdf a PDF", content((String = "text/html"), (Vec<u8> = "application/pdf"))), (status = 400, body = crate::error::ErrorBody)))]
pub async fn draft_memo(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    crate::caller(&st, &headers).await?;
    let q = query(q)?;
    let text = q
        .get("request")
        .ok_or_else(|| ApiError::bad("request", "required: the request as JSON"))?;
    let v: serde_json::Value = crate::strict::from_slice(text.as_bytes())
        .map_err(|e| ApiError::bad("request", format!("not valid JSON: {e}")))?;
    // The contract is POST /v1/decisions's: what it refuses, a draft refuses too.
    let mut checked = v.clone();
    crate::record::take_case_ref(&mut checked)?;
    crate::canon::canonicalize(st.lib, &st.key, &checked)?;
    let pdf_wanted = match q.get("format").map(String::as_str) {
        None | Some("html") => false,
        Some("pdf") => true,
        Some(_) => return Err(ApiError::bad("format", "html or pdf")),
    };
    let b = draft_blocks(st.lib, &v)?;
    Ok(respond(&b, pdf_wanted, "draft-memo"))
}

//! Offense tables: scheme tables (every known code of one offense scheme) and
//! list tables (the members of a statutory list), read from CSV.

use std::collections::HashMap;

/// Schemes a request may use even when no loaded pack declares a table for
/// them: membership in any list is then `undetermined`, never a guess.
pub(crate) const KNOWN_SCHEMES: &[&str] = &[
    "NY PL", "NY VTL", "CA PC", "CA VC", "CA HS", "TX PC", "TX HS", "FL STAT", "IL CS", "OR ORS",
    "WA RCW", "NJ SA", "NCIC", "USC",
];

/// An offense code split into its parts: `NY PL 265.02(3)(b)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffenseCode {
    pub scheme: String,
    pub section: String,
    pub subdivisions: Vec<String>,
}

impl OffenseCode {
    /// Parses a code against the known scheme names (longest match wins).
    pub fn parse(code: &str, schemes: &[String]) -> Result<OffenseCode, String> {
        let words: Vec<&str> = code.split_whitespace().collect();
        if words.len() < 2 {
            return Err(format!(
                "`{code}` is not an offense code; write SCHEME SECTION, e.g. `NY PL 120.05`"
            ));
        }
        let mut best: Option<usize> = None;
        for n in (1..words.len()).rev() {
            let head = words[..n].join(" ");
            if schemes.iter().any(|s| s.eq_ignore_ascii_case(&head)) {
                best = Some(n);
                break;
            }
        }
        let Some(n) = best else {
            return Err(format!(
                "`{code}` uses an unknown offense scheme; known schemes: {}",
                schemes.join(", ")
            ));
        };
        let scheme = words[..n].join(" ").to_ascii_uppercase();
        let rest = words[n..].join(" ");
        // Sections compare without case: `120.04-a`, `171B`.
        let (section, subs) = match rest.find('(') {
            Some(i) => (rest[..i].trim().to_ascii_lowercase(), &rest[i..]),
            None => (rest.trim().to_ascii_lowercase(), ""),
        };
        let mut subdivisions = Vec::new();
        let mut s = subs.trim();
        while let Some(stripped) = s.strip_prefix('(') {
            let Some(close) = stripped.find(')') else {
                return Err(format!("`{code}`: unclosed subdivision parenthesis"));
            };
            subdivisions.push(clean_sub(&stripped[..close]));
            s = stripped[close + 1..].trim();
        }
        if !s.is_empty() || section.is_empty() {
            return Err(format!(
                "`{code}`: expected SCHEME SECTION(SUBDIVISION), e.g. `NY PL 265.02(3)`"
            ));
        }
        Ok(OffenseCode {
            scheme,
            section,
            subdivisions,
        })
    }

    pub fn key(&self) -> String {
        format!("{} {}", self.scheme, self.section)
    }

    /// The code as brightline writes it: `NY PL 120.05(2)`. Only this form is
    /// kept and shown; whatever else the record's text held is dropped.
    pub(crate) fn normalized(&self) -> String {
        let mut s = self.key();
        for d in &self.subdivisions {
            s.push('(');
            s.push_str(d);
            s.push(')');
        }
        s
    }

    /// The two-letter state a scheme belongs to (`NY PL` → `NY`), if it names one.
    pub fn state(scheme: &str) -> Option<&str> {
        let first = scheme.split_whitespace().next()?;
        (first.len() == 2 && STATES.contains(&first)).then_some(first)
    }

    /// Reads a code as records print it: `NY PL 120.05(2)`, `PL 120.05 02`,
    /// `120.05-2`, `NY PL 120.05 SUBD 2`, `N.Y. Penal Law § 120.05`, with any
    /// text after the code ignored. `None` when no scheme can be placed.
    pub fn read(text: &str, ctx: &ReadContext<'_>) -> Option<OffenseCode> {
        let cleaned: String = text
            .chars()
            .map(|c| match c {
                '§' | ',' | ';' => ' ',
                c => c,
            })
            .collect();
        let upper = cleaned.to_ascii_uppercase();
        let words: Vec<&str> = upper.split_whitespace().collect();
        let (scheme, rest) = ctx.scheme_of(&words)?;
        let lower = cleaned.to_ascii_lowercase();
        let lower: Vec<&str> = lower.split_whitespace().collect();
        let mut rest = lower[words.len() - rest.len()..]
            .iter()
            .copied()
            .filter(|w| !matches!(*w, "sec" | "sec." | "section"));
        let first = rest.next()?;
        let (mut section, mut subdivisions) = split_parens(first)?;
        if scheme == "USC" && subdivisions.is_empty() {
            // Title and section: `USC 8 1326`.
            let (sec, subs) = split_parens(rest.next()?)?;
            section = format!("{section} {sec}");
            subdivisions = subs;
        }
        if !section.chars().next()?.is_ascii_alphanumeric() {
            return None;
        }
        if subdivisions.is_empty() {
            if let Some((head, tail)) = section.rsplit_once('-') {
                // `120.05-2` is subdivision 2 of 120.05, but `120.04-a` is a section.
                let full_known = (ctx.is_section)(&scheme, &section);
                if !full_known && !head.is_empty() && is_subdivision(tail) {
                    subdivisions.push(clean_sub(tail));
                    section = head.to_string();
                }
            }
        }
        let mut expect_sub = false;
        for w in rest {
            if matches!(
                w,
                "subd" | "subd." | "subdiv" | "subdivision" | "sub" | "para"
            ) {
                expect_sub = true;
                continue;
            }
            match split_parens(w) {
                Some((head, subs))
                    if is_subdivision(&head) || (head.is_empty() && !subs.is_empty()) =>
                {
                    if !head.is_empty() {
                        subdivisions.push(clean_sub(&head));
                    }
                    subdivisions.extend(subs);
                    expect_sub = false;
                }
                _ if expect_sub => return None,
                // Free text after the code (a name, a date of birth) is not part of it.
                _ => break,
            }
        }
        Some(OffenseCode {
            scheme,
            section,
            subdivisions,
        })
    }
}

pub(crate) const STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
];

/// What reading a record's code needs beyond its text.
pub struct ReadContext<'a> {
    /// Canonical scheme names, upper case.
    pub schemes: &'a [String],
    /// Other names records use, upper case, to the canonical name.
    pub aliases: &'a HashMap<String, String>,
    /// The request's own state (`NY`): a code without a state prefix is read there.
    pub state: Option<&'a str>,
    /// The scheme a bare section number is read in (`120.05` → `NY PL`).
    pub default_scheme: Option<&'a str>,
    /// Whether a section is known in a scheme (scheme table or any list).
    pub is_section: &'a dyn Fn(&str, &str) -> bool,
}

impl ReadContext<'_> {
    fn canonical(&self, name: &str) -> Option<String> {
        if let Some(c) = self.schemes.iter().find(|s| s.as_str() == name) {
            return Some(c.clone());
        }
        self.aliases.get(name).cloned()
    }

    /// The scheme the words start with, and the words after it: the longest
    /// known name, then the same with the request's state before it, then the
    /// state's default scheme for a bare section number.
    fn scheme_of<'w>(&self, words: &'w [&'w str]) -> Option<(String, &'w [&'w str])> {
        let max = words.len().saturating_sub(1).min(4);
        for n in (1..=max).rev() {
            // `N.Y. PENAL LAW` is `NY PENAL LAW`.
            let head = words[..n].join(" ").replace('.', "");
            if let Some(c) = self.canonical(&head) {
                return Some((c, &words[n..]));
            }
            if let Some(st) = self.state {
                if let Some(c) = self.canonical(&format!("{st} {head}")) {
                    return Some((c, &words[n..]));
                }
            }
        }
        let d = self.default_scheme?;
        words
            .first()
            .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
            .map(|_| (d.to_string(), words))
    }
}

/// `120.05(2)(b)` → (`120.05`, [`2`, `b`]).
fn split_parens(w: &str) -> Option<(String, Vec<String>)> {
    let (head, mut tail) = match w.find('(') {
        Some(i) => (&w[..i], &w[i..]),
        None => (w, ""),
    };
    let mut subs = Vec::new();
    while let Some(t) = tail.strip_prefix('(') {
        let close = t.find(')')?;
        subs.push(clean_sub(&t[..close]));
        tail = &t[close + 1..];
    }
    tail.is_empty().then(|| (head.to_string(), subs))
}

/// A subdivision as records print it: up to three digits, or one letter.
fn is_subdivision(w: &str) -> bool {
    (!w.is_empty() && w.len() <= 3 && w.chars().all(|c| c.is_ascii_digit()))
        || (w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `02` → `2`, `B` → `b`.
fn clean_sub(w: &str) -> String {
    let w = w.trim();
    if w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty() {
        let t = w.trim_start_matches('0');
        return if t.is_empty() { "0".into() } else { t.into() };
    }
    w.to_ascii_lowercase()
}

/// The level an offense class names: felony classes as New York (`A-I` ..
/// `E`) and Texas (`capital`, `F1` .. `F3`, `SJF`) write them, `misd-A`,
/// `violation`. An empty class (grades of different levels) names none.
pub(crate) fn level_of_class(class: &str) -> Option<&'static str> {
    let c = class.trim();
    match c {
        "A-I" | "A-II" | "B" | "C" | "D" | "E" | "capital" | "F1" | "F2" | "F3" | "SJF" => {
            Some("felony")
        }
        "violation" => Some("violation"),
        _ if c.starts_with("misd") => Some("misdemeanor"),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct SchemeRow {
    pub code: String,
    pub name: String,
    pub class: String,
    pub violent_felony: String,
    pub repealed: Option<String>,
    pub source: String,
}

/// Which subdivisions of a section a list names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subdivisions {
    All,
    /// Top-level subdivisions (inclusive ranges of numbers, or of single letters),
    /// each optionally with one nested part.
    Some(Vec<(SubKey, SubKey, Option<String>)>),
}

/// A top-level subdivision: `3` or `a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubKey {
    Number(u32),
    Letter(char),
}

impl std::fmt::Display for SubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubKey::Number(n) => write!(f, "{n}"),
            SubKey::Letter(c) => write!(f, "{c}"),
        }
    }
}

impl SubKey {
    /// The subdivision after this one (a code just outside a range).
    pub fn next(self) -> SubKey {
        match self {
            SubKey::Number(n) => SubKey::Number(n.saturating_add(1)),
            SubKey::Letter(c) => SubKey::Letter(char::from_u32(c as u32 + 1).unwrap_or(c)),
        }
    }

    fn parse(s: &str) -> Option<SubKey> {
        if let Ok(n) = s.parse() {
            return Some(SubKey::Number(n));
        }
        let mut cs = s.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => {
                Some(SubKey::Letter(c.to_ascii_lowercase()))
            }
            _ => None,
        }
    }
}

impl Subdivisions {
    pub fn parse(s: &str) -> Result<Subdivisions, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Subdivisions::All);
        }
        let mut out = Vec::new();
        for part in s.split(';') {
            let part = part.trim().replace(['(', ')'], " ");
            let mut words = part.split_whitespace();
            let head = words.next().ok_or("empty subdivision")?;
            let nested = words.next().map(str::to_string);
            let (a, b) = match head.split_once('-') {
                Some((a, b)) => (a, b),
                None => (head, head),
            };
            let bad =
                |x: &str| format!("`{s}`: subdivision `{x}` is not a number or a single letter");
            let a = SubKey::parse(a).ok_or_else(|| bad(a))?;
            let b = SubKey::parse(b).ok_or_else(|| bad(b))?;
            if std::mem::discriminant(&a) != std::mem::discriminant(&b) || b < a {
                return Err(format!(
                    "`{s}`: range {head} runs backwards or mixes numbers and letters"
                ));
            }
            out.push((a, b, nested));
        }
        Ok(Subdivisions::Some(out))
    }

    /// `Some(true/false)` when decided; `None` when the code lacks the subdivision it needs.
    pub fn matches(&self, subs: &[String]) -> Option<bool> {
        match self {
            Subdivisions::All => Some(true),
            Subdivisions::Some(ranges) => {
                let first = subs.first()?;
                let Some(n) = SubKey::parse(first) else {
                    return Some(false);
                };
                let mut need_nested = false;
                for (a, b, nested) in ranges {
                    if n >= *a && n <= *b {
                        match nested {
                            None => return Some(true),
                            Some(x) => match subs.get(1) {
                                Some(y) if y.eq_ignore_ascii_case(x) => return Some(true),
                                Some(_) => {}
                                None => need_nested = true,
                            },
                        }
                    }
                }
                if need_nested {
                    None
                } else {
                    Some(false)
                }
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct ListTable {
    pub pack: String,
    pub name: String,
    pub title: String,
    pub citation: String,
    pub rows: HashMap<String, Subdivisions>,
    /// Schemes the list has rows in.
    pub schemes: Vec<String>,
    /// The state whose law the list belongs to (`NY`), if any: its list is
    /// closed over every scheme of that state.
    pub state: Option<String>,
}

/// The result of testing a code against a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    Member,
    NotMember,
    /// Unknown, and why.
    Unknown(Unknown),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// The list names some subdivisions only and the code gives none.
    NeedsSubdivision,
    /// The list has no rows of the code's scheme: an equivalent is needed.
    NeedsEquivalent,
}

impl ListTable {
    /// A list is a closed list of sections: a code of a scheme it covers (a
    /// scheme it has rows in, or any scheme of its own state) is a member
    /// exactly when the list names it. A code of another state's or the
    /// federal schemes needs its equivalent here, which only a person can give.
    pub fn membership(&self, code: &OffenseCode) -> Membership {
        let own_state =
            self.state.is_some() && OffenseCode::state(&code.scheme) == self.state.as_deref();
        if !own_state && !self.schemes.iter().any(|s| s == &code.scheme) {
            return Membership::Unknown(Unknown::NeedsEquivalent);
        }
        match self.rows.get(&code.key()) {
            Some(subs) => match subs.matches(&code.subdivisions) {
                Some(true) => Membership::Member,
                Some(false) => Membership::NotMember,
                None => Membership::Unknown(Unknown::NeedsSubdivision),
            },
            None => Membership::NotMember,
        }
    }
}

/// A CSV problem, with the 1-based line it is on.
#[derive(Clone, Debug)]
pub(crate) struct RowError {
    pub line: usize,
    pub message: String,
}

fn records(text: &str, header: &[&str]) -> Result<Vec<(usize, csv::StringRecord)>, RowError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let got = rdr
        .headers()
        .map_err(|e| RowError {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let got: Vec<&str> = got.iter().map(str::trim).collect();
    if got != header {
        return Err(RowError {
            line: 1,
            message: format!(
                "header is `{}`; expected `{}`",
                got.join(","),
                header.join(",")
            ),
        });
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => out.push((r.position().map(|p| p.line() as usize).unwrap_or(0), r)),
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                return Err(RowError {
                    line,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

pub(crate) fn parse_scheme(
    text: &str,
    scheme: &str,
) -> (HashMap<String, SchemeRow>, Vec<RowError>) {
    let mut rows = HashMap::new();
    let mut errors = Vec::new();
    let recs = match records(
        text,
        &[
            "code",
            "name",
            "class",
            "violent_felony",
            "repealed",
            "source",
        ],
    ) {
        Ok(r) => r,
        Err(e) => return (rows, vec![e]),
    };
    for (line, r) in recs {
        let code = r[0].trim();
        match OffenseCode::parse(code, &[scheme.to_string()]) {
            Ok(c) if c.subdivisions.is_empty() && c.scheme == scheme.to_ascii_uppercase() => {}
            Ok(_) => {
                errors.push(RowError {
                    line,
                    message: format!("`{code}` must be a `{scheme}` section without subdivisions"),
                });
                continue;
            }
            Err(e) => {
                errors.push(RowError { line, message: e });
                continue;
            }
        }
        if !["yes", "no", "partial", ""].contains(&r[3].trim()) {
            errors.push(RowError {
                line,
                message: format!("violent_felony is `{}`; expected yes, no or partial", &r[3]),
            });
        }
        let repealed = r[4].trim();
        if !repealed.is_empty() && crate::expr::parse_date(repealed).is_none() {
            errors.push(RowError {
                line,
                message: format!("repealed is `{repealed}`; expected a date YYYY-MM-DD"),
            });
        }
        let row = SchemeRow {
            code: code.to_string(),
            name: r[1].trim().to_string(),
            class: r[2].trim().to_string(),
            violent_felony: r[3].trim().to_string(),
            repealed: (!repealed.is_empty()).then(|| repealed.to_string()),
            source: r[5].trim().to_string(),
        };
        let key = OffenseCode::parse(code, &[scheme.to_string()])
            .map(|c| c.key())
            .unwrap_or_default();
        if rows.insert(key, row).is_some() {
            errors.push(RowError {
                line,
                message: format!("`{code}` appears twice"),
            });
        }
    }
    (rows, errors)
}

pub(crate) fn parse_list(
    text: &str,
    schemes: &[String],
) -> (HashMap<String, Subdivisions>, Vec<String>, Vec<RowError>) {
    let mut rows = HashMap::new();
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    let recs = match records(text, &["code", "subdivisions", "note", "source"]) {
        Ok(r) => r,
        Err(e) => return (rows, seen, vec![e]),
    };
    for (line, r) in recs {
        let code = match OffenseCode::parse(r[0].trim(), schemes) {
            Ok(c) if c.subdivisions.is_empty() => c,
            Ok(_) => {
                errors.push(RowError {
                    line,
                    message: "put subdivisions in the `subdivisions` column, not in the code"
                        .into(),
                });
                continue;
            }
            Err(e) => {
                errors.push(RowError { line, message: e });
                continue;
            }
        };
        match Subdivisions::parse(&r[1]) {
            Ok(s) => {
                if !seen.contains(&code.scheme) {
                    seen.push(code.scheme.clone());
                }
                if rows.insert(code.key(), s).is_some() {
                    errors.push(RowError {
                        line,
                        message: format!("`{}` appears twice", code.key()),
                    });
                }
            }
            Err(e) => errors.push(RowError { line, message: e }),
        }
    }
    (rows, seen, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes() -> Vec<String> {
        KNOWN_SCHEMES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_codes() {
        let c = OffenseCode::parse("NY PL 265.02(3)(b)", &schemes()).unwrap();
        assert_eq!(c.scheme, "NY PL");
        assert_eq!(c.section, "265.02");
        assert_eq!(c.subdivisions, vec!["3", "b"]);
        assert_eq!(
            OffenseCode::parse("USC 8 1326", &schemes())
                .unwrap()
                .section,
            "8 1326"
        );
        assert!(OffenseCode::parse("XX 1", &schemes()).is_err());
        assert!(OffenseCode::parse("NY PL 1(2", &schemes()).is_err());
    }

    fn read(text: &str) -> Option<String> {
        let names = schemes();
        let mut aliases = HashMap::new();
        aliases.insert("TX H&S".to_string(), "TX HS".to_string());
        aliases.insert("TX HSC".to_string(), "TX HS".to_string());
        aliases.insert("NY PENAL LAW".to_string(), "NY PL".to_string());
        let known = |scheme: &str, section: &str| scheme == "NY PL" && section == "120.04-a";
        let ctx = ReadContext {
            schemes: &names,
            aliases: &aliases,
            state: Some("NY"),
            default_scheme: Some("NY PL"),
            is_section: &known,
        };
        OffenseCode::read(text, &ctx).map(|c| c.normalized())
    }

    #[test]
    fn reads_codes_as_records_print_them() {
        for (text, want) in [
            ("NY PL 120.05(2)", "NY PL 120.05(2)"),
            ("PL 120.05 02", "NY PL 120.05(2)"),
            ("120.05-2", "NY PL 120.05(2)"),
            ("NY PL 120.05 SUBD 2", "NY PL 120.05(2)"),
            ("ny pl 120.05 subd. 2", "NY PL 120.05(2)"),
            ("N.Y. Penal Law § 120.05", "NY PL 120.05"),
            ("NY Penal Law § 120.05", "NY PL 120.05"),
            ("NY PL 120.04-a", "NY PL 120.04-a"),
            ("NY PL 265.02(3)(b)", "NY PL 265.02(3)(b)"),
            ("NY PL 120.05 Juan Perez DOB 1990-01-01", "NY PL 120.05"),
            ("TX HSC 481.115", "TX HS 481.115"),
            ("TX H&S 481.115", "TX HS 481.115"),
            ("USC 8 1326", "USC 8 1326"),
        ] {
            assert_eq!(read(text).as_deref(), Some(want), "{text}");
        }
        for text in [
            "",
            "Juan Perez",
            "ZZ QQ 1.2",
            "NY PL",
            "NY PL 120.05 SUBD Juan",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }

    #[test]
    fn lists_are_closed_over_their_state() {
        let (rows, schemes, errs) = parse_list(
            "code,subdivisions,note,source\nNY PL 120.05,,,\nNY PL 265.02,2-8,,\n",
            &super::tests::schemes(),
        );
        assert!(errs.is_empty());
        let t = ListTable {
            pack: "us-ny-nyc".into(),
            name: "vsc".into(),
            title: String::new(),
            citation: String::new(),
            rows,
            schemes,
            state: Some("NY".into()),
        };
        let code = |s: &str| OffenseCode::parse(s, &super::tests::schemes()).unwrap();
        assert_eq!(t.membership(&code("NY PL 120.05")), Membership::Member);
        assert_eq!(t.membership(&code("NY PL 999.99")), Membership::NotMember);
        assert_eq!(t.membership(&code("NY VTL 1192")), Membership::NotMember);
        assert_eq!(
            t.membership(&code("NY PL 265.02")),
            Membership::Unknown(Unknown::NeedsSubdivision)
        );
        assert_eq!(
            t.membership(&code("TX PC 19.02")),
            Membership::Unknown(Unknown::NeedsEquivalent)
        );
        assert_eq!(
            t.membership(&code("NCIC 1313")),
            Membership::Unknown(Unknown::NeedsEquivalent)
        );
    }

    #[test]
    fn subdivision_limits() {
        let s = Subdivisions::parse("2-8").unwrap();
        assert_eq!(s.matches(&["3".into()]), Some(true));
        assert_eq!(s.matches(&["1".into()]), Some(false));
        assert_eq!(s.matches(&[]), None);
        let s = Subdivisions::parse("2(b)").unwrap();
        assert_eq!(s.matches(&["2".into(), "b".into()]), Some(true));
        assert_eq!(s.matches(&["2".into(), "a".into()]), Some(false));
        assert_eq!(s.matches(&["2".into()]), None);
        let s = Subdivisions::parse("a;c-e").unwrap();
        assert_eq!(s.matches(&["a".into()]), Some(true));
        assert_eq!(s.matches(&["D".into()]), Some(true));
        assert_eq!(s.matches(&["b".into()]), Some(false));
        assert!(Subdivisions::parse("a-3").is_err());
    }
}

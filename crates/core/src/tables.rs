//! Offense tables: scheme tables (every known code of one offense scheme) and
//! list tables (the members of a statutory list), read from CSV.

use std::collections::HashMap;

/// Schemes a request may use even when no loaded pack declares a table for
/// them: membership in any list is then `undetermined`, never a guess.
pub const KNOWN_SCHEMES: &[&str] = &[
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
        let (section, subs) = match rest.find('(') {
            Some(i) => (rest[..i].trim().to_string(), &rest[i..]),
            None => (rest.trim().to_string(), ""),
        };
        let mut subdivisions = Vec::new();
        let mut s = subs.trim();
        while let Some(stripped) = s.strip_prefix('(') {
            let Some(close) = stripped.find(')') else {
                return Err(format!("`{code}`: unclosed subdivision parenthesis"));
            };
            subdivisions.push(stripped[..close].trim().to_string());
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
    /// Schemes the list has rows in; codes of other schemes are undetermined.
    pub schemes: Vec<String>,
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
    /// The scheme table does not know the section.
    UnknownSection,
    /// The list names some subdivisions only and the code gives none.
    NeedsSubdivision,
    /// The list has no rows of the code's scheme: an equivalent is needed.
    NeedsEquivalent,
}

impl ListTable {
    pub fn membership(
        &self,
        code: &OffenseCode,
        universe: Option<&HashMap<String, SchemeRow>>,
    ) -> Membership {
        if !self.schemes.iter().any(|s| s == &code.scheme) {
            return Membership::Unknown(Unknown::NeedsEquivalent);
        }
        match self.rows.get(&code.key()) {
            Some(subs) => match subs.matches(&code.subdivisions) {
                Some(true) => Membership::Member,
                Some(false) => Membership::NotMember,
                None => Membership::Unknown(Unknown::NeedsSubdivision),
            },
            None => match universe {
                Some(u) if u.contains_key(&code.key()) => Membership::NotMember,
                _ => Membership::Unknown(Unknown::UnknownSection),
            },
        }
    }
}

/// A CSV problem, with the 1-based line it is on.
#[derive(Clone, Debug)]
pub struct RowError {
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

pub fn parse_scheme(text: &str, scheme: &str) -> (HashMap<String, SchemeRow>, Vec<RowError>) {
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
        if rows.insert(code.to_ascii_uppercase(), row).is_some() {
            errors.push(RowError {
                line,
                message: format!("`{code}` appears twice"),
            });
        }
    }
    (rows, errors)
}

pub fn parse_list(
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

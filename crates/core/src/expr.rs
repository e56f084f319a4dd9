//! The condition language: lexer and recursive-descent parser.
//!
//! Hand-written rather than generated: the grammar is small, and a hand-written
//! parser gives exact spans and a no-panic guarantee that a property test checks.
//! Spans are absolute byte offsets in the file.

use crate::syntax::{Span, SyntaxError};

#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl CmpOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Years,
    Days,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Number(i64),
    Date(time::Date),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Atom {
    /// `path is v`, `path in {..}`, negated by `is not` / `not in`.
    Is {
        path: Name,
        values: Vec<Name>,
        negated: bool,
    },
    /// `path has v` (one value) or `path has any {..}`.
    Has {
        path: Name,
        values: Vec<Name>,
    },
    /// `path only {..}`: a non-empty set within the values.
    Only {
        path: Name,
        values: Vec<Name>,
    },
    Bool {
        path: Name,
    },
    Cmp {
        path: Name,
        op: CmpOp,
        value: Literal,
        value_span: Span,
    },
    Within {
        date: Name,
        amount: i64,
        unit: Unit,
        anchor: Name,
        ext: Option<Name>,
    },
    InTable {
        path: Name,
        table: Name,
    },
    /// `any list (..)` or, with `any: false`, `no list (..)`.
    Quant {
        any: bool,
        list: Name,
        body: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>, Span),
    Atom(Atom, Span),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Number(i64),
    Date(time::Date),
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Cmp(CmpOp),
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Number(n) => format!("number {n}"),
        Tok::Date(d) => format!("date {d}"),
        Tok::LBrace => "`{`".into(),
        Tok::RBrace => "`}`".into(),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Cmp(op) => format!("`{}`", op.symbol()),
    }
}

fn err(message: impl Into<String>, span: Span, help: Option<&str>) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span,
        help: help.map(Into::into),
    }
}

pub fn parse_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = s.get(5..7)?.parse().ok()?;
    let d: u8 = s.get(8..10)?.parse().ok()?;
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

// Long on purpose: one pass over the bytes, one arm per token.
fn lex(src: &str, base: usize) -> Result<Vec<(Tok, Span)>, SyntaxError> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let span = |end: usize| base + start..base + end;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' | b'}' | b'(' | b')' | b',' => {
                i += 1;
                out.push((
                    match c {
                        b'{' => Tok::LBrace,
                        b'}' => Tok::RBrace,
                        b'(' => Tok::LParen,
                        b')' => Tok::RParen,
                        _ => Tok::Comma,
                    },
                    span(i),
                ));
            }
            b'<' | b'>' | b'=' | b'!' => {
                let two = bytes.get(i + 1) == Some(&b'=');
                let op = match (c, two) {
                    (b'<', true) => CmpOp::Le,
                    (b'<', false) => CmpOp::Lt,
                    (b'>', true) => CmpOp::Ge,
                    (b'>', false) => CmpOp::Gt,
                    (b'=', true) => CmpOp::Eq,
                    _ => {
                        return Err(err(
                            format!("unexpected `{}`", c as char),
                            span(i + 1),
                            Some("comparisons are < <= > >= ==; use `is` for values"),
                        ))
                    }
                };
                i += if two { 2 } else { 1 };
                out.push((Tok::Cmp(op), span(i)));
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'-'))
                {
                    i += 1;
                }
                // A trailing dot or dash belongs to prose, not the word.
                while i > start + 1 && matches!(bytes[i - 1], b'.' | b'-') {
                    i -= 1;
                }
                let word = &src[start..i];
                let tok = if let Some(d) = parse_date(word) {
                    Tok::Date(d)
                } else if word.bytes().all(|b| b.is_ascii_digit()) {
                    match word.parse() {
                        Ok(n) => Tok::Number(n),
                        Err(_) => return Err(err("number too large", span(i), None)),
                    }
                } else if c.is_ascii_digit() && word.contains('-') {
                    return Err(err(
                        format!("`{word}` is not a valid date"),
                        span(i),
                        Some("dates are written YYYY-MM-DD and must exist in the calendar"),
                    ));
                } else {
                    Tok::Word(word.to_string())
                };
                out.push((tok, span(i)));
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(err(
                    format!("unexpected character `{ch}`"),
                    base + i..base + i + ch.len_utf8(),
                    Some("conditions use words (and, or, not, is, in, has), paths and values"),
                ));
            }
        }
    }
    Ok(out)
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "is", "in", "has", "any", "only", "within", "years", "year", "days", "day",
    "before", "extended", "by", "no",
];

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    end: usize,
    depth: usize,
}

/// Parses a condition. `base` is the byte offset of `src` in its file.
pub fn parse(src: &str, base: usize) -> Result<Expr, SyntaxError> {
    let toks = lex(src, base)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: base + src.len(),
        depth: 0,
    };
    if p.toks.is_empty() {
        return Err(err(
            "empty condition",
            base..base + src.len(),
            Some("write a condition, e.g. `agency is jail`"),
        ));
    }
    let e = p.or()?;
    if let Some((t, s)) = p.toks.get(p.pos) {
        return Err(err(
            format!("unexpected {} after a complete condition", describe(t)),
            s.clone(),
            Some("join conditions with `and` or `or`"),
        ));
    }
    Ok(e)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn span(&self) -> Span {
        self.toks
            .get(self.pos)
            .map(|t| t.1.clone())
            .unwrap_or(self.end..self.end)
    }
    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map(|t| t.1.end)
            .unwrap_or(self.end)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: Tok, help: &str) -> Result<Span, SyntaxError> {
        if self.peek() == Some(&t) {
            self.pos += 1;
            Ok(self.toks[self.pos - 1].1.clone())
        } else {
            Err(self.unexpected(&format!("expected {}", describe(&t)), help))
        }
    }
    fn unexpected(&self, what: &str, help: &str) -> SyntaxError {
        let found = self
            .peek()
            .map(describe)
            .unwrap_or_else(|| "the end of the condition".into());
        err(format!("{what}, found {found}"), self.span(), Some(help))
    }
    fn name(&mut self, what: &str, help: &str) -> Result<Name, SyntaxError> {
        match self.toks.get(self.pos) {
            Some((Tok::Word(w), s)) if !KEYWORDS.contains(&w.as_str()) => {
                self.pos += 1;
                Ok(Name {
                    text: w.clone(),
                    span: s.clone(),
                })
            }
            Some((Tok::Number(n), s)) => {
                // Enum values such as `287g` lex as words; bare numbers are not names.
                Err(err(
                    format!("expected {what}, found number {n}"),
                    s.clone(),
                    Some(help),
                ))
            }
            _ => Err(self.unexpected(&format!("expected {what}"), help)),
        }
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(err(
                "condition nested too deeply",
                self.span(),
                Some("split the rule in two"),
            ));
        }
        let mut parts = vec![self.and()?];
        while self.eat_word("or") {
            parts.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Expr::And(vec![]))
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut parts = vec![self.unary()?];
        while self.eat_word("and") {
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Expr::And(vec![]))
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.span().start;
        if self.eat_word("not") {
            let inner = self.unary()?;
            return Ok(Expr::Not(Box::new(inner), start..self.prev_end()));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen, "close the parenthesis")?;
            return Ok(e);
        }
        let atom = self.atom()?;
        Ok(Expr::Atom(atom, start..self.prev_end()))
    }

    fn values(&mut self) -> Result<Vec<Name>, SyntaxError> {
        self.expect(Tok::LBrace, "write the values as `{a, b}`")?;
        let mut out = vec![self.name("a value", "write the values as `{a, b}`")?];
        while self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            out.push(self.name("a value", "write the values as `{a, b}`")?);
        }
        self.expect(Tok::RBrace, "close the set with `}`")?;
        Ok(out)
    }

    // Long on purpose: the grammar of a test, one branch per form, in the order the parser tries them.
    fn atom(&mut self) -> Result<Atom, SyntaxError> {
        const PATH_HELP: &str = "a condition starts with a fact such as `request.kind`, `any subject.convictions (...)` or `not`";
        if self.is_word("any") || self.is_word("no") {
            let any = self.is_word("any");
            self.pos += 1;
            let list = self.name(
                "a list such as `subject.convictions`",
                "e.g. `any subject.convictions (level is felony)`",
            )?;
            self.expect(Tok::LParen, "the item condition goes in parentheses")?;
            let body = self.or()?;
            self.expect(Tok::RParen, "close the item condition")?;
            return Ok(Atom::Quant {
                any,
                list,
                body: Box::new(body),
            });
        }
        let path = self.name("a fact", PATH_HELP)?;
        if self.eat_word("is") {
            let negated = self.eat_word("not");
            let v = self.name("a value", "e.g. `request.warrant is judicial`")?;
            return Ok(Atom::Is {
                path,
                values: vec![v],
                negated,
            });
        }
        if self.is_word("not")
            && matches!(self.toks.get(self.pos + 1), Some((Tok::Word(w), _)) if w == "in")
        {
            self.pos += 2;
            return Ok(Atom::Is {
                path,
                values: self.values()?,
                negated: true,
            });
        }
        if self.eat_word("in") {
            if self.peek() == Some(&Tok::LBrace) {
                return Ok(Atom::Is {
                    path,
                    values: self.values()?,
                    negated: false,
                });
            }
            let table = self.name(
                "a set `{..}` or a table name",
                "e.g. `offense in vsc` or `request.kind in {detainer, transfer}`",
            )?;
            return Ok(Atom::InTable { path, table });
        }
        if self.eat_word("has") {
            if self.eat_word("any") {
                return Ok(Atom::Has {
                    path,
                    values: self.values()?,
                });
            }
            let v = self.name("a value", "e.g. `request.information has release_date`")?;
            return Ok(Atom::Has {
                path,
                values: vec![v],
            });
        }
        if self.eat_word("only") {
            return Ok(Atom::Only {
                path,
                values: self.values()?,
            });
        }
        if self.eat_word("within") {
            let amount = match self.peek() {
                Some(Tok::Number(n)) => {
                    let n = *n;
                    self.pos += 1;
                    n
                }
                _ => {
                    return Err(self.unexpected(
                        "expected a number of years or days",
                        "e.g. `date within 5 years before subject.arrest_date`",
                    ))
                }
            };
            let unit = if self.eat_word("years") || self.eat_word("year") {
                Unit::Years
            } else if self.eat_word("days") || self.eat_word("day") {
                Unit::Days
            } else {
                return Err(self.unexpected(
                    "expected `years` or `days`",
                    "e.g. `within 5 years before ...`",
                ));
            };
            if !self.eat_word("before") {
                return Err(self.unexpected(
                    "expected `before`",
                    "e.g. `within 5 years before subject.arrest_date`",
                ));
            }
            let anchor = self.name("a date fact", "e.g. `subject.arrest_date`")?;
            let ext = if self.eat_word("extended") {
                if !self.eat_word("by") {
                    return Err(self
                        .unexpected("expected `by`", "e.g. `extended by incarcerated_days days`"));
                }
                let f = self.name(
                    "a number field",
                    "e.g. `extended by incarcerated_days days`",
                )?;
                if !(self.eat_word("days") || self.eat_word("day")) {
                    return Err(
                        self.unexpected("expected `days`", "the extension is counted in days")
                    );
                }
                Some(f)
            } else {
                None
            };
            return Ok(Atom::Within {
                date: path,
                amount,
                unit,
                anchor,
                ext,
            });
        }
        if let Some(Tok::Cmp(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            let vspan = self.span();
            let value = match self.peek() {
                Some(Tok::Number(n)) => Literal::Number(*n),
                Some(Tok::Date(d)) => Literal::Date(*d),
                _ => {
                    return Err(
                        self.unexpected("expected a number or a date", "e.g. `subject.age < 18`")
                    )
                }
            };
            self.pos += 1;
            return Ok(Atom::Cmp {
                path,
                op,
                value,
                value_span: vspan,
            });
        }
        Ok(Atom::Bool { path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_binds_tighter() {
        let e = parse("a and b or c", 0).unwrap();
        match e {
            Expr::Or(v) => {
                assert_eq!(v.len(), 2);
                assert!(matches!(v[0], Expr::And(_)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_every_atom_form() {
        let src = "request.kind in {detainer, 287g} and request.warrant is not none \
                   and request.information has any {address, court_date} \
                   and request.information only {immigration_status} and subject.age < 18 \
                   and date >= 2014-12-14 and no subject.convictions (offense in vsc \
                   and date within 5 years before subject.arrest_date extended by incarcerated_days days)";
        let e = parse(src, 0).unwrap();
        fn count(e: &Expr) -> usize {
            match e {
                Expr::And(v) | Expr::Or(v) => v.iter().map(count).sum(),
                Expr::Not(e, _) => count(e),
                Expr::Atom(..) => 1,
            }
        }
        assert_eq!(count(&e), 7);
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = parse("agency is", 10).unwrap_err();
        assert_eq!(e.span, 19..19);
        let e = parse("agency ! jail", 0).unwrap_err();
        assert_eq!(e.span, 7..8);
        assert!(parse("date > 2014-02-30", 0).is_err());
    }
}

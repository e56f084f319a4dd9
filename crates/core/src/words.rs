//! Conditions in plain English, with the grouping said in words: the one
//! renderer behind `compare`, `diff` summaries and `show`, in the CLI and the
//! server alike.
//!
//! A compiled condition is first put in negation normal form (a "not" is
//! pushed down to the tests, by De Morgan's laws, and each test says its own
//! negation: "no court order", "without a judicial warrant"), then written
//! with "either … or …" and "both … and …" wherever a group sits inside
//! another, so that "not (not judicial warrant and not a court order)" reads
//! "a judicial warrant or a court order".

use crate::compile::{AtomInfo, Cond, Ref};
use crate::expr::CmpOp;
use crate::schema::{self, Ty};

/// A condition as a tree of phrases, negations already pushed to the leaves.
#[derive(Clone, Debug, PartialEq)]
pub enum Words {
    True,
    False,
    Leaf(String),
    All(Vec<Words>),
    Any(Vec<Words>),
}

fn fact(r: Ref, list: Option<u8>) -> Option<schema::FactDef> {
    match r {
        Ref::Scalar(i) => schema::SCALARS.get(i as usize).copied(),
        Ref::Field(i) => list
            .and_then(|l| schema::LISTS.get(l as usize))
            .and_then(|l| l.fields.get(i as usize))
            .copied(),
    }
}

fn short(path: &str) -> String {
    path.trim_start_matches("request.")
        .trim_start_matches("subject.")
        .replace('_', " ")
}

/// "a, b or c".
pub(crate) fn or_list(v: &[String]) -> String {
    match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        n => format!("{} or {}", v[..n - 1].join(", "), v[n - 1]),
    }
}

fn values(dom: &[&str], mask: u64) -> Vec<String> {
    (0..dom.len())
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| dom[i].replace('_', " "))
        .collect()
}

/// A true/false fact and its negation, as a person says them.
pub(crate) fn bool_words(path: &str) -> (String, String) {
    let (yes, no) = match path {
        "request.court_ordered" => ("a court order", "no court order"),
        "request.criminal_warrant" => ("a criminal warrant", "no criminal warrant"),
        "request.office_on_premises" => ("an office on premises", "no office on premises"),
        "request.information_public" => ("public information", "information not public"),
        "subject.tsdb_match" => ("a TSDB match", "no TSDB match"),
        "subject.reentry_after_removal" => ("re-entry after removal", "no re-entry after removal"),
        "subject.final_order_of_removal" => ("a final removal order", "no final removal order"),
        "subject.lawful_status_proof" => ("proof of lawful status", "no proof of lawful status"),
        "subject.in_custody" => ("in custody", "not in custody"),
        "subject.registered_sex_offender" => {
            ("a registered sex offender", "not a registered sex offender")
        }
        "subject.probable_cause_finding" => {
            ("a probable-cause finding", "no probable-cause finding")
        }
        "subject.aggravated_felony" => ("an aggravated felony", "no aggravated felony"),
        "youthful_offender" => (
            "a youthful-offender adjudication",
            "not a youthful-offender adjudication",
        ),
        "juvenile" => ("a juvenile adjudication", "not a juvenile adjudication"),
        "hate_crime" => ("a hate crime", "not a hate crime"),
        p => return (short(p), format!("not {}", short(p))),
    };
    (yes.to_string(), no.to_string())
}

pub(crate) fn enum_words(path: &str, dom: &[&str], mask: u64, negated: bool) -> String {
    // "Not one value" reads better as what it is not than as the list of the rest.
    if negated && mask.count_ones() == 1 && dom.len() > 2 {
        let v = values(dom, mask).remove(0);
        return match path {
            "request.warrant" => match v.as_str() {
                "judicial" => "without a judicial warrant".into(),
                "administrative" => "without an administrative warrant".into(),
                "none" => "with a warrant".into(),
                o => format!("without a {o} warrant"),
            },
            "request.purpose" => format!("a purpose other than {v}"),
            "request.place" => format!("not at {v}"),
            p => format!("{} is not {v}", short(p)),
        };
    }
    let all = (1u64 << dom.len()) - 1;
    let shown = if negated { all & !mask } else { mask };
    let v = values(dom, shown);
    match path {
        "request.warrant" => {
            let w: Vec<String> = v
                .iter()
                .map(|x| match x.as_str() {
                    "judicial" => "a judicial warrant".to_string(),
                    "administrative" => "an administrative warrant".to_string(),
                    "none" => "no warrant".to_string(),
                    o => format!("{o} warrant"),
                })
                .collect();
            or_list(&w)
        }
        "request.purpose" => format!("a {} purpose", or_list(&v)),
        "request.kind" => format!("{} {} request", article(&v[0]), or_list(&v)),
        "agency" => format!("asked of the {}", or_list(&v)),
        // A long complement reads worse than "not at a courthouse".
        "request.place" if negated && v.len() > 2 => {
            format!("not at {}", or_list(&values(dom, mask)))
        }
        "request.place" => format!("at {}", or_list(&v)),
        "level" => format!("a {}", or_list(&v)),
        p if negated && v.len() > 2 => {
            format!("{} is not {}", short(p), or_list(&values(dom, mask)))
        }
        p => format!("{} is {}", short(p), or_list(&v)),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn flip(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => ">=",
        CmpOp::Le => ">",
        CmpOp::Gt => "<=",
        CmpOp::Ge => "<",
        CmpOp::Eq => "!=",
    }
}

fn has_table(c: &Cond) -> bool {
    c.any_test(|t| matches!(t, Cond::Table { .. }))
}

/// The tree of a condition, for a request of `kind` to an agency of `role`
/// (tests of the kind and the agency are settled, not written), with the
/// negation `neg` applied.
// Long on purpose: one arm per `Cond`, each saying its test in words.
pub fn tree(
    c: &Cond,
    atoms: &[AtomInfo],
    kind: usize,
    role: usize,
    list: Option<u8>,
    neg: bool,
) -> Words {
    let group = |v: &[Cond], and: bool| {
        // Under a negation, "all" becomes "any" and the reverse.
        let and = and != neg;
        let mut parts: Vec<Words> = Vec::new();
        for x in v {
            match tree(x, atoms, kind, role, list, neg) {
                Words::False if and => return Words::False,
                Words::True if !and => return Words::True,
                Words::True | Words::False => {}
                // Flatten a group into one of its own kind.
                Words::All(inner) if and => parts.extend(inner),
                Words::Any(inner) if !and => parts.extend(inner),
                w => {
                    if !parts.contains(&w) {
                        parts.push(w);
                    }
                }
            }
        }
        absorb(&mut parts, and);
        match parts.len() {
            0 if and => Words::True,
            0 => Words::False,
            1 => parts.remove(0),
            _ if and => Words::All(parts),
            _ => Words::Any(parts),
        }
    };
    let leaf = |yes: String, no: String| Words::Leaf(if neg { no } else { yes });
    match c {
        Cond::All(v) => group(v, true),
        Cond::Any(v) => group(v, false),
        Cond::Not(x) => tree(x, atoms, kind, role, list, !neg),
        Cond::EnumIn {
            r: Ref::Scalar(f),
            mask,
            ..
        } if (*f as usize == schema::KIND && kind != ANY)
            || (*f as usize == schema::AGENCY && role != ANY) =>
        {
            let v = if *f as usize == schema::KIND {
                kind
            } else {
                role
            };
            if (mask & (1 << v) != 0) != neg {
                Words::True
            } else {
                Words::False
            }
        }
        Cond::EnumIn { r, mask, .. } => match fact(*r, list).map(|d| (d.path, d.ty)) {
            Some((path, Ty::Enum(dom))) => Words::Leaf(enum_words(path, dom, *mask, neg)),
            _ => leaf(atom_text(c, atoms), format!("not {}", atom_text(c, atoms))),
        },
        Cond::SetAny { r, mask, .. } | Cond::SetOnly { r, mask, .. } => {
            match fact(*r, list).map(|d| d.ty) {
                Some(Ty::Set(dom)) => {
                    let only = matches!(c, Cond::SetOnly { .. });
                    let v = or_list(&values(dom, *mask));
                    if only {
                        leaf(
                            format!("asks only for {v}"),
                            format!("asks for more than {v}"),
                        )
                    } else {
                        leaf(format!("asks for {v}"), format!("does not ask for {v}"))
                    }
                }
                _ => leaf(atom_text(c, atoms), format!("not {}", atom_text(c, atoms))),
            }
        }
        Cond::Bool { r, .. } => {
            let (yes, no) = bool_words(fact(*r, list).map(|d| d.path).unwrap_or("?"));
            leaf(yes, no)
        }
        Cond::Cmp { r, op, v, .. } => {
            let d = fact(*r, list);
            let val = d
                .map(|d| {
                    crate::facts::show_value(d.ty, *v)
                        .to_string()
                        .trim_matches('"')
                        .to_string()
                })
                .unwrap_or_else(|| v.to_string());
            let name = short(d.map(|d| d.path).unwrap_or("?"));
            leaf(
                format!("{name} {} {val}", op.symbol()),
                format!("{name} {} {val}", flip(*op)),
            )
        }
        Cond::Within { .. } => {
            // The atom's own words, with the names a reader knows.
            let t = atom_text(c, atoms)
                .replace("subject.arrest_date", "the arrest date")
                .replace("date within", "dated within")
                .replace("as_of", "the request date");
            let t = match t.split_once(" extended by ") {
                Some((a, b)) => format!(
                    "{a} (plus the {})",
                    b.trim_end_matches(" days").replace('_', " ")
                ),
                None => t,
            };
            leaf(t.clone(), format!("not {t}"))
        }
        Cond::Table { .. } => {
            let t = atom_text(c, atoms);
            let list = t.rsplit(" in ").next().unwrap_or("a list").to_string();
            leaf(
                format!("an offense on the {list} list"),
                format!("an offense not on the {list} list"),
            )
        }
        Cond::Quant {
            any, list: l, body, ..
        } => {
            let noun = match schema::LISTS.get(*l as usize).map(|x| x.path) {
                Some("subject.convictions") => "conviction",
                Some("subject.pending_charges") => "pending charge",
                _ => "item",
            };
            let inner = tree(body, atoms, kind, role, Some(*l), false);
            let what = match &inner {
                Words::True => String::new(),
                w => format!(" ({})", render(w)),
            };
            let adj = if has_table(body) && what.is_empty() {
                "listed "
            } else {
                ""
            };
            let some = *any != neg;
            Words::Leaf(if some {
                format!("a {adj}{noun}{what}")
            } else {
                format!("no {adj}{noun}{what}")
            })
        }
    }
}

fn atom_text(c: &Cond, atoms: &[AtomInfo]) -> String {
    let a = c.atom();
    a.and_then(|a| atoms.get(a as usize))
        .map(|a| a.text.clone())
        .unwrap_or_else(|| "a test".into())
}

/// A test that is itself a choice between values ("a judicial warrant or an
/// administrative warrant"); a list of things asked for is not.
fn choice(s: &str) -> bool {
    // What a conviction's parentheses say is its own group.
    let mut depth = 0;
    let outer: String = s
        .chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth == 0 && *c != ')'
        })
        .collect();
    outer.contains(" or ") && !s.starts_with("asks") && !s.starts_with("does not ask")
}

/// Words, with "either … or …" and "both … and …" wherever a group sits in another.
pub fn render(w: &Words) -> String {
    fn go(w: &Words, inside: bool) -> String {
        match w {
            Words::True => "always".into(),
            Words::False => "never".into(),
            Words::Leaf(s) => s.clone(),
            Words::All(v) => {
                // A test that is itself a choice ("a judicial or an administrative warrant") is grouped too.
                let parts: Vec<String> = v
                    .iter()
                    .map(|x| match x {
                        Words::Leaf(s) if choice(s) => format!("either {s}"),
                        x => go(x, true),
                    })
                    .collect();
                let nested = v.iter().any(|x| {
                    matches!(x, Words::Any(_)) || matches!(x, Words::Leaf(s) if choice(s))
                });
                let body = join(&parts, "and", nested);
                if inside && v.len() == 2 {
                    format!("both {body}")
                } else if inside {
                    format!("all of: {body}")
                } else {
                    body
                }
            }
            Words::Any(v) => {
                let parts: Vec<String> = v.iter().map(|x| go(x, true)).collect();
                let nested = v.iter().any(|x| {
                    matches!(x, Words::All(_)) || matches!(x, Words::Leaf(s) if choice(s))
                });
                let body = join(&parts, "or", nested);
                if inside || nested {
                    format!("either {body}")
                } else {
                    body
                }
            }
        }
    }
    fn join(parts: &[String], word: &str, nested: bool) -> String {
        match parts.len() {
            0 => String::new(),
            1 => parts[0].clone(),
            2 if !nested => format!("{} {word} {}", parts[0], parts[1]),
            n => format!("{}, {word} {}", parts[..n - 1].join(", "), parts[n - 1]),
        }
    }
    go(w, false)
}

/// No particular request kind or agency role: their tests are written out.
pub const ANY: usize = usize::MAX;

/// A rule's whole condition in words, request kind and agency included (`show`).
pub fn rule(c: &Cond, atoms: &[AtomInfo]) -> String {
    render(&tree(c, atoms, ANY, ANY, None, false))
}

/// A condition in words for a request of `kind` to an agency of `role`;
/// `None` when it always or never holds for them.
pub fn plain(c: &Cond, atoms: &[AtomInfo], kind: usize, role: usize) -> Option<String> {
    match tree(c, atoms, kind, role, None, false) {
        Words::True | Words::False => None,
        w => Some(render(&w)),
    }
}

/// A test as the pack writes it, in words a clerk reads: the look-back
/// windows and list tests that branches most often turn on.
pub fn test(test: &str) -> String {
    let mut s = test.to_string();
    for (from, to) in [
        (
            " before subject.arrest_date extended by incarcerated_days days",
            " before the arrest, counting the days incarcerated for it",
        ),
        (" before subject.arrest_date", " before the arrest"),
        (" before as_of", " before the request"),
        ("any subject.convictions (", "a conviction where ("),
        ("no subject.convictions (", "no conviction where ("),
        ("any subject.pending_charges (", "a pending charge where ("),
        ("no subject.pending_charges (", "no pending charge where ("),
        ("level is felony", "it is a felony"),
        ("level is misdemeanor", "it is a misdemeanor"),
    ] {
        s = s.replace(from, to);
    }
    if let Some(rest) = s.strip_prefix("date within ") {
        s = format!("judgment within {rest}");
    }
    s = s.replace("(date within ", "(judgment within ");
    s = s.replace(" date within ", " judgment within ");
    if let Some(rest) = s.strip_prefix("offense in ") {
        s = format!("offense listed in {rest}");
    }
    s.replace(" offense in ", " offense listed in ")
        .replace("(offense in ", "(offense listed in ")
}

/// Absorption: in "A and (B or A)" the group adds nothing, and in
/// "A or (B and A)" neither.
fn absorb(parts: &mut Vec<Words>, and: bool) {
    let snapshot = parts.clone();
    parts.retain(|p| match p {
        Words::Any(inner) if and => !inner.iter().any(|x| snapshot.contains(x)),
        Words::All(inner) if !and => !inner.iter().any(|x| snapshot.contains(x)),
        _ => true,
    });
}

/// Several trees that must all hold, as one (nested groups of the same kind flattened).
pub(crate) fn all_of(trees: Vec<Words>) -> Words {
    let mut parts = Vec::new();
    for t in trees {
        match t {
            Words::True => {}
            Words::False => return Words::False,
            Words::All(v) => parts.extend(v),
            w => {
                if !parts.contains(&w) {
                    parts.push(w);
                }
            }
        }
    }
    absorb(&mut parts, true);
    match parts.len() {
        0 => Words::True,
        1 => parts.remove(0),
        _ => Words::All(parts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_is_said_in_words() {
        let l = |s: &str| Words::Leaf(s.into());
        assert_eq!(
            render(&Words::Any(vec![
                l("a judicial warrant"),
                l("a court order")
            ])),
            "a judicial warrant or a court order"
        );
        assert_eq!(
            render(&Words::All(vec![
                l("in custody"),
                Words::Any(vec![l("a judicial warrant"), l("a court order")])
            ])),
            "in custody, and either a judicial warrant or a court order"
        );
        assert_eq!(
            render(&Words::Any(vec![
                Words::All(vec![l("at a courthouse"), l("a civil immigration purpose")]),
                l("a court order")
            ])),
            "either both at a courthouse and a civil immigration purpose, or a court order"
        );
    }
}

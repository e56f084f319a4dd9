//! The parts of a decision that speak to the person at the desk: what was
//! assumed, what is still asked, the outcome under each answer, and which
//! part of a list matched.

use serde_json::Value;

use crate::branches::{Enumeration, Question as Open};
use crate::compile::fact_ty;
use crate::compile::Ref;
use crate::decide::{Answer, Assumption, Branch, Question};
use crate::eval::Seen;
use crate::facts::show_value;
use crate::facts::Facts;
use crate::library::{KindPlan, Library, Presumed};
use crate::schema;

/// `subject.convictions[0]`, and how a person would name it.
fn item_names(facts: &Facts, list: u8, item: usize) -> (String, String) {
    let l = &schema::LISTS[list as usize];
    let noun = match l.path {
        "subject.convictions" => "Conviction",
        _ => "Pending charge",
    };
    let code = facts.lists[list as usize]
        .as_ref()
        .and_then(|v| v.get(item))
        .and_then(|it| it.offense.clone());
    let label = match code {
        Some(c) => format!("{noun} {} ({c})", item + 1),
        None => format!("{noun} {}", item + 1),
    };
    (format!("{}[{item}]", l.path), label)
}

impl Library {
    /// The assumptions the plan's rules read: implied facts and presumed ones.
    pub(crate) fn assumptions(
        &self,
        pack: usize,
        plan: &KindPlan,
        facts: &Facts,
    ) -> Vec<Assumption> {
        let mut reads_scalar = 0u64;
        let mut reads_field: Vec<(u8, u8)> = Vec::new();
        for pr in &plan.rules {
            for a in &self.rule(pr.rule).atoms {
                for r in &a.reads {
                    match (*r, a.list) {
                        (Ref::Scalar(i), _) => reads_scalar |= 1 << i,
                        (Ref::Field(f), Some(l)) => reads_field.push((l, f)),
                        _ => {}
                    }
                }
            }
        }
        let mut out = Vec::new();
        let (kind, form) = (facts.scalars[schema::KIND], facts.scalars[schema::FORM]);
        for (i, def) in schema::SCALARS.iter().enumerate() {
            let bit = 1u64 << i;
            if (facts.implied | facts.presumed) & bit == 0 {
                continue;
            }
            if i != schema::KIND && reads_scalar & bit == 0 {
                continue;
            }
            let value = show_value(def.ty, facts.scalars[i]);
            if facts.implied & bit != 0 {
                if i == schema::KIND {
                    let f = schema::FORMS.get(form as usize).copied().unwrap_or("?");
                    out.push(Assumption {
                        fact: def.path.into(),
                        value,
                        basis: "implied",
                        why: format!("the request came on Form {f}, which is this kind of request"),
                        citation: format!("ICE Form {f}"),
                        rebutted_by: None,
                    });
                    continue;
                }
                if let Some(imp) = crate::implied::IMPLICATIONS
                    .iter()
                    .find(|m| m.fact == def.path && m.applies(kind, form))
                {
                    out.push(Assumption {
                        fact: def.path.into(),
                        value,
                        basis: "implied",
                        why: imp.why.into(),
                        citation: imp.citation.into(),
                        rebutted_by: None,
                    });
                }
            } else if let Some(p) = self.presumption(pack, Presumed::Scalar(i)) {
                out.push(presumed(def.path.into(), value, p));
            }
        }
        for (li, items) in facts.lists.iter().enumerate() {
            for (ii, it) in items.iter().flatten().enumerate() {
                for (fi, def) in schema::LISTS[li].fields.iter().enumerate() {
                    if !reads_field.contains(&(li as u8, fi as u8)) {
                        continue;
                    }
                    if it.implied & (1 << fi) != 0 {
                        let code = it.offense.clone().unwrap_or_default();
                        let value = show_value(def.ty, it.fields[fi]);
                        out.push(Assumption {
                            fact: format!("{}[{ii}].{}", schema::LISTS[li].path, def.path),
                            why: format!(
                                "the offense tables class {code} as a {}",
                                value.as_str().unwrap_or("")
                            ),
                            value,
                            basis: "implied",
                            citation: code,
                            rebutted_by: None,
                        });
                        continue;
                    }
                    if it.presumed & (1 << fi) == 0 {
                        continue;
                    }
                    let Some(p) = self.presumption(
                        pack,
                        Presumed::Field {
                            list: li,
                            field: fi,
                        },
                    ) else {
                        continue;
                    };
                    let path = format!("{}[{ii}].{}", schema::LISTS[li].path, def.path);
                    out.push(presumed(path, show_value(def.ty, it.fields[fi]), p));
                }
            }
        }
        out
    }

    /// One answer of a branch, in words.
    pub(crate) fn answer(&self, plan: &KindPlan, facts: &Facts, q: &Open, v: i64) -> Answer {
        match q {
            Open::Scalar(i) => {
                let d = &schema::SCALARS[*i];
                Answer {
                    fact: d.path.into(),
                    question: d.question.into(),
                    answer: show_value(d.ty, v),
                    test: None,
                }
            }
            Open::Field { list, item, field } => {
                let d = &schema::LISTS[*list as usize].fields[*field as usize];
                let (path, label) = item_names(facts, *list, *item);
                Answer {
                    fact: format!("{path}.{}", d.path),
                    question: format!("{label}: {}", d.question),
                    answer: show_value(d.ty, v),
                    test: None,
                }
            }
            Open::Test {
                list,
                item,
                at,
                seen,
                table,
                ..
            } => {
                let atom = plan
                    .rules
                    .get(at.0)
                    .and_then(|pr| self.rule(pr.rule).atoms.get(at.1 as usize));
                let text = atom.map(|a| a.text.clone()).unwrap_or_default();
                let (path, label) = match (list, item) {
                    (Some(l), Some(i)) => {
                        let (p, n) = item_names(facts, *l, *i);
                        (p, format!("{n}: "))
                    }
                    _ => (String::new(), String::new()),
                };
                let (fact, question) = match seen {
                    Seen::TableUnknown => {
                        let t = table.and_then(|b| self.lists.get(b as usize));
                        let what = t
                            .map(|t| {
                                if t.citation.is_empty() {
                                    t.title.clone()
                                } else {
                                    format!("{} ({})", t.title, t.citation)
                                }
                            })
                            .unwrap_or_default();
                        (
                            format!("{path}.offense"),
                            format!("{label}Is the offense one of those listed in {what}?"),
                        )
                    }
                    Seen::Missing(r) => {
                        let name = fact_ty(*r, *list).map(|x| x.0).unwrap_or_default();
                        let d = match r {
                            Ref::Scalar(i) => schema::SCALARS.get(*i as usize),
                            Ref::Field(f) => {
                                list.and_then(|l| schema::LISTS[l as usize].fields.get(*f as usize))
                            }
                        };
                        let fact = if path.is_empty() {
                            name
                        } else {
                            format!("{path}.{name}")
                        };
                        (
                            fact,
                            format!("{label}{}", d.map(|d| d.question).unwrap_or("")),
                        )
                    }
                    _ => {
                        let l = list.map(|l| schema::LISTS[l as usize].path).unwrap_or("");
                        let q = match l {
                            "subject.convictions" => {
                                "What has the person been convicted of (the rap sheet)?"
                            }
                            _ => "What charges are pending against the person?",
                        };
                        (l.to_string(), q.to_string())
                    }
                };
                Answer {
                    fact,
                    question,
                    answer: Value::Bool(v == 1),
                    test: Some(text),
                }
            }
        }
    }

    /// A few branches of an enumeration, in words, the most common first.
    pub(crate) fn branches(
        &self,
        plan: &KindPlan,
        facts: &Facts,
        e: &Enumeration,
        max: usize,
    ) -> Vec<Branch> {
        e.cubes(max)
            .into_iter()
            .map(|c| Branch {
                when: c
                    .fixed
                    .iter()
                    .map(|&(q, v)| self.answer(plan, facts, &e.questions[q], v))
                    .collect(),
                outcome: c.outcome,
            })
            .collect()
    }
}

fn presumed(fact: String, value: Value, p: &crate::library::Presumption) -> Assumption {
    Assumption {
        fact,
        value,
        basis: "presumed",
        why: p.reason.clone(),
        citation: p.citation.clone(),
        rebutted_by: Some(p.rebutted_by.clone()),
    }
}

/// The questions the branches ask, once each, in the branches' order.
pub(crate) fn questions(branches: &[Branch]) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    for b in branches {
        for a in &b.when {
            if out
                .iter()
                .any(|q| q.fact == a.fact && q.question == a.question)
            {
                continue;
            }
            let help = help_for(&a.fact);
            out.push(Question {
                fact: a.fact.clone(),
                question: a.question.clone(),
                help,
            });
        }
    }
    out
}

/// The help line of a fact path such as `subject.convictions[0].juvenile`.
fn help_for(path: &str) -> String {
    if let Some(d) = schema::SCALARS.iter().find(|d| d.path == path) {
        return d.help.into();
    }
    for l in schema::LISTS {
        if let Some(rest) = path.strip_prefix(l.path) {
            let field = rest.rsplit('.').next().unwrap_or("");
            if let Some(d) = l.fields.iter().find(|d| d.path == field) {
                return d.help.into();
            }
        }
    }
    String::new()
}

/// An answer as a phrase: "Did a court order accompany the request? yes".
pub fn phrase(a: &Answer) -> String {
    let v = match &a.answer {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    match &a.test {
        Some(t) => {
            // The item's label ("Conviction 1 (NY PL 120.05): ") leads the question.
            let label = a.question.split_once(": ").map(|(l, _)| l);
            match label.filter(|l| l.starts_with("Conviction") || l.starts_with("Pending")) {
                Some(l) => format!("{l}: {}? {v}", plain(t)),
                None => format!("{}? {v}", plain(t)),
            }
        }
        None => format!("{} {v}", a.question),
    }
}

/// A test as the pack writes it, in words a clerk reads: the look-back
/// windows and list tests that branches most often turn on.
pub fn plain(test: &str) -> String {
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

/// The one-line answer of an undetermined decision: the most common outcome,
/// unless the answers of the other branches.
pub(crate) fn undetermined_summary(branches: &[Branch]) -> Option<String> {
    let first = branches.first()?;
    let others: Vec<String> = branches[1..]
        .iter()
        .filter(|b| b.outcome != first.outcome)
        .map(|b| {
            let when: Vec<String> = b.when.iter().map(phrase).collect();
            format!("{} → {}", when.join(" and "), b.outcome.as_str())
        })
        .collect();
    let head = first.outcome.as_str().to_uppercase();
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "UNDETERMINED: {head} unless {}",
        others.join("; or ")
    ))
}

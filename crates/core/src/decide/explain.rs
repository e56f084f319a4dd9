//! The parts of a decision that speak to the person at the desk: what was
//! assumed, what is still asked, the outcome under each answer, and which
//! part of a list matched.

use serde_json::Value;

use serde_json::Map;

use super::branches::{Enumeration, Question as Open};
use super::combine::{plan_of, statuses};
use super::combine::{sets_aside, Selection};
use super::{
    item_path, outcome, tri_str, AmbiguityOut, Answer, Assumption, Branch, Condition,
    Counterfactual, ObligationOut, PreemptedRule, Preemption, Question, Reason, Recorder,
    TraceRule, MAX_BRANCHES,
};
use crate::compile::{fact_ty, Ref};
use crate::eval::{Eval, Seen, Tri};
use crate::facts::{show_value, Facts, Val, MISSING};
use crate::library::{KindPlan, LawVersion, Library, Presumed};
use crate::load::Outcome;
use crate::schema::{self, Ty};
use crate::words;

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
    // Long on purpose: one arm per way a fact is filled (implied by the request, presumed by a pack), each with its citation and what rebuts it.
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
            if u64::from(facts.implied | facts.presumed) & bit == 0 {
                continue;
            }
            if i != schema::KIND && reads_scalar & bit == 0 {
                continue;
            }
            let value = show_value(def.ty, facts.scalars[i].into());
            if u64::from(facts.implied) & bit != 0 {
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
                        let value = show_value(def.ty, it.fields[fi].into());
                        out.push(Assumption {
                            fact: format!("{}[{ii}].{}", schema::LISTS[li].path, def.path),
                            why: format!(
                                "the offense tables class {code} as a {}",
                                value.as_str().unwrap_or("")
                            ),
                            value,
                            basis: "implied",
                            citation: code.into(),
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
                    out.push(presumed(path, show_value(def.ty, it.fields[fi].into()), p));
                }
            }
        }
        out
    }

    /// One answer of a branch, in words.
    // Long on purpose: one arm per kind of open question (a fact, an item's field, a test), each said in words.
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
pub(crate) fn phrase(a: &Answer) -> String {
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
                Some(l) => format!("{l}: {}? {v}", words::test(t)),
                None => format!("{}? {v}", words::test(t)),
            }
        }
        None => format!("{} {v}", a.question),
    }
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

const COUNTERFACTUAL_COMBOS: usize = 256;

// ---------------------------------------------------------------- trace, reasons, missing facts, counterfactuals

/// What the deciding and supporting rules contribute to a decision.
#[derive(Default)]
pub(super) struct Grounds {
    pub(super) reasons: Vec<Reason>,
    pub(super) citations: Vec<String>,
    pub(super) obligations: Vec<ObligationOut>,
    pub(super) ambiguities: Vec<AmbiguityOut>,
    /// What each preempting rule set aside, in words.
    pub(super) notes: Vec<String>,
    pub(super) preemptions: Vec<Preemption>,
}

impl Library {
    /// The trace: every rule the request kind brings into play, with its
    /// result and the tests it read.
    pub(super) fn trace(
        &self,
        plan: &KindPlan,
        facts: &Facts,
        status: &[Tri],
        fires: &[bool],
    ) -> Vec<TraceRule> {
        let mut trace = Vec::new();
        for (i, pr) in plan.rules.iter().enumerate() {
            let cr = self.rule(pr.rule);
            let mut rec = Recorder {
                leaves: Vec::new(),
                only_unknown: false,
            };
            Eval::new(facts, &mut rec).eval(&pr.cond, None);
            let defeated_by: Vec<String> = pr
                .overriders
                .iter()
                .filter(|&&o| fires[o as usize])
                .map(|&o| self.plan_rule_name(plan, o as usize))
                .collect();
            let result = match status[i] {
                Tri::T if !defeated_by.is_empty() => "defeated",
                Tri::T => "fires",
                Tri::F => "does not fire",
                Tri::U => "unknown",
            };
            let conditions = rec
                .leaves
                .iter()
                .map(|(a, item, seen, res)| {
                    let info = &cr.atoms[*a as usize];
                    // A negated test is shown as written, with its own result.
                    let (test, res) = if info.negated {
                        (format!("not {}", info.text), !*res)
                    } else {
                        (info.text.clone(), *res)
                    };
                    Condition {
                        test,
                        item: item_path(info.list, *item),
                        saw: self.describe_seen(*seen, info.list, *item, facts),
                        result: tri_str(res),
                    }
                })
                .collect();
            trace.push(TraceRule {
                rule: self.plan_rule_name(plan, i),
                citation: cr.def.citation.clone(),
                outcome: cr.def.outcome,
                result,
                defeated_by,
                conditions,
            });
        }

        trace
    }

    /// The missing facts the rules still unknown read, in the order met.
    pub(super) fn missing_facts(
        &self,
        plan: &KindPlan,
        facts: &Facts,
        status: &[Tri],
    ) -> Vec<String> {
        let mut missing = Vec::new();
        for (i, pr) in plan.rules.iter().enumerate() {
            if status[i] != Tri::U {
                continue;
            }
            let cr = self.rule(pr.rule);
            let mut rec = Recorder {
                leaves: Vec::new(),
                only_unknown: true,
            };
            Eval::new(facts, &mut rec).eval(&pr.cond, None);
            for (a, item, seen, _) in rec.leaves {
                let info = &cr.atoms[a as usize];
                if let Some(m) = self.missing_name(seen, info.list, item, facts) {
                    if !missing.contains(&m) {
                        missing.push(m);
                    }
                }
            }
        }
        missing
    }

    /// What the deciding rules (most specific layer first) and the rules of
    /// other layers to the same effect contribute: reasons, citations,
    /// obligations, ambiguities, and what a preempting rule set aside.
    // Long on purpose: one pass over the deciding rules and their layers; reasons, citations, obligations, ambiguities and preemptions are gathered from the same rules.
    pub(super) fn grounds(
        &self,
        plan: &KindPlan,
        facts: &Facts,
        sel: &Selection,
        eff: &[bool],
    ) -> Grounds {
        let n = plan.rules.len();
        let mut g = Grounds::default();
        // Deciding rules first (most specific layer first), then rules of other layers to the same effect.
        let mut deciding = vec![false; n];
        for &i in &sel.winners {
            deciding[i] = true;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (!deciding[i], plan.rules[i].depth));
        for i in order {
            let pr = &plan.rules[i];
            let decisive = deciding[i];
            // Rules of other layers that fired to the same effect support the answer.
            let supporting = eff[i] && pr.outcome == sel.outcome && !decisive;
            if !(decisive || supporting) {
                continue;
            }
            let cr = self.rule(pr.rule);
            let d = &cr.def;
            if !g.citations.contains(&d.citation) {
                g.citations.push(d.citation.clone());
            }
            g.reasons.push(Reason {
                rule: self.plan_rule_name(plan, i),
                citation: d.citation.clone(),
                title: d.title.clone(),
                outcome: d.outcome,
                jurisdiction: self.packs[pr.rule.0].id.clone(),
                confidence: d.confidence.clone(),
                source: d.source.clone(),
                quote: d.quote.clone(),
                matched: self.matched(pr, facts),
            });
            for o in &d.obligations {
                if !g.obligations.iter().any(|x| x.id == o.id) {
                    g.obligations.push(ObligationOut {
                        id: o.id.clone(),
                        text: o.text.clone(),
                        citation: d.citation.clone(),
                    });
                }
            }
            if let Some(a) = &d.ambiguity {
                g.ambiguities.push(AmbiguityOut {
                    rule: self.plan_rule_name(plan, i),
                    citation: d.citation.clone(),
                    other_reading: a.other_reading.clone(),
                    cites: a.cites.clone(),
                });
            }
            if decisive && pr.preempts {
                let set_aside: Vec<PreemptedRule> = (0..n)
                    .filter(|&j| {
                        let o = &plan.rules[j];
                        eff[j] && o.depth < pr.depth && sets_aside(pr.outcome, o.outcome)
                    })
                    .map(|j| {
                        let o = &plan.rules[j];
                        PreemptedRule {
                            rule: self.plan_rule_name(plan, j),
                            citation: self.rule(o.rule).def.citation.clone(),
                            jurisdiction: self.packs[o.rule.0].id.clone(),
                            outcome: o.outcome,
                        }
                    })
                    .collect();
                if !set_aside.is_empty() {
                    g.notes.push(format!(
                        "{} ({}) preempts the lower layer's {}.",
                        d.citation,
                        self.packs[pr.rule.0].id,
                        set_aside
                            .iter()
                            .map(|p| format!(
                                "{} ({}), which alone would make this {}",
                                p.citation,
                                p.jurisdiction,
                                p.outcome.as_str()
                            ))
                            .collect::<Vec<_>>()
                            .join("; and ")
                    ));
                    g.preemptions.push(Preemption {
                        prevailing: self.plan_rule_name(plan, i),
                        citation: d.citation.clone(),
                        preempted: set_aside,
                    });
                }
            }
        }
        g
    }

    /// A plan rule's qualified name, `pack/rule`.
    pub(super) fn plan_rule_name(&self, plan: &KindPlan, i: usize) -> String {
        self.rule_ref(plan.rules[i].rule).to_string()
    }

    pub(super) fn describe_seen(
        &self,
        seen: Seen,
        list: Option<u8>,
        item: Option<usize>,
        facts: &Facts,
    ) -> String {
        match seen {
            Seen::Value(r, v) => match fact_ty(r, list) {
                Some((_, Ty::Offense)) => {
                    let code = item.and_then(|i| {
                        facts
                            .lists
                            .get(list.unwrap_or(0) as usize)?
                            .as_ref()?
                            .get(i)?
                            .offense
                            .clone()
                    });
                    code.map(String::from).unwrap_or_default()
                }
                Some((_, ty)) => show_value(ty, v).to_string().trim_matches('"').to_string(),
                None => v.to_string(),
            },
            Seen::Missing(r) => format!(
                "{} not given",
                fact_ty(r, list).map(|x| x.0).unwrap_or_default()
            ),
            Seen::TableUnknown => {
                let code = item
                    .and_then(|i| {
                        facts
                            .lists
                            .get(list.unwrap_or(0) as usize)?
                            .as_ref()?
                            .get(i)?
                            .offense
                            .clone()
                    })
                    .unwrap_or_default();
                format!("{code}: membership cannot be decided from the tables")
            }
            Seen::Nothing => "list not given".into(),
        }
    }

    pub(super) fn missing_name(
        &self,
        seen: Seen,
        list: Option<u8>,
        item: Option<usize>,
        facts: &Facts,
    ) -> Option<String> {
        match seen {
            Seen::Missing(Ref::Scalar(i)) => {
                Some(schema::SCALARS.get(i as usize)?.path.to_string())
            }
            Seen::Missing(r @ Ref::Field(_)) => Some(format!(
                "{}.{}",
                item_path(list, item)?,
                fact_ty(r, list)?.0
            )),
            Seen::TableUnknown => {
                let it = facts.lists.get(list? as usize)?.as_ref()?.get(item?)?;
                Some(format!(
                    "{}.offense ({}: not decidable from the offense tables — an unknown section, a missing subdivision, or a code from another jurisdiction whose equivalent here must be determined)",
                    item_path(list, item)?,
                    it.offense.clone().unwrap_or_default()
                ))
            }
            Seen::Nothing => Some(schema::LISTS.get(list? as usize)?.path.to_string()),
            _ => None,
        }
    }

    // Long on purpose: the search for the one-fact changes that flip the outcome: candidate facts, their values, and the answers each still needs share one enumeration.
    pub(super) fn counterfactuals(
        &self,
        law: &LawVersion,
        plan: &KindPlan,
        facts: &Facts,
        current: Outcome,
    ) -> Vec<Counterfactual> {
        // Facts the rules read, except those that define the question itself.
        let mut scalars: Vec<u8> = Vec::new();
        let mut fields: Vec<(u8, u8)> = Vec::new();
        for pr in &plan.rules {
            for a in &self.rule(pr.rule).atoms {
                for r in &a.reads {
                    match (*r, a.list) {
                        (Ref::Scalar(i), _)
                            if ![schema::DATE, schema::AGENCY, schema::KIND]
                                .contains(&(i as usize))
                                && !scalars.contains(&i) =>
                        {
                            scalars.push(i)
                        }
                        (Ref::Field(f), Some(l)) if !fields.contains(&(l, f)) => {
                            fields.push((l, f))
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut try_change = |path: String, ty: Ty, value: Val, f: Facts, assumed: bool| {
            let o = outcome(law, &f);
            let mut change = Map::new();
            change.insert(path, show_value(ty, value.into()));
            if o != current && o != Outcome::Undetermined {
                out.push(Counterfactual {
                    change,
                    outcome: o,
                    provided: Vec::new(),
                    assumption: assumed,
                });
            } else if o == Outcome::Undetermined {
                // The change alone leaves the answer open: show what else it
                // would take ("with a judicial warrant: permitted, if …").
                let Some(plan) = plan_of(law, &f) else { return };
                let status = statuses(plan, &f);
                let e = super::branches::enumerate(plan, &f, &status, COUNTERFACTUAL_COMBOS);
                let best = e
                    .cubes(MAX_BRANCHES)
                    .into_iter()
                    .find(|c| c.outcome != current && c.outcome != Outcome::Undetermined);
                if let Some(c) = best {
                    out.push(Counterfactual {
                        change,
                        outcome: c.outcome,
                        provided: c
                            .fixed
                            .iter()
                            .map(|&(q, v)| self.answer(plan, &f, &e.questions[q], v))
                            .collect(),
                        assumption: assumed,
                    });
                }
            }
        };
        for &i in &scalars {
            let def = schema::SCALARS[i as usize];
            let cur = facts.scalars[i as usize];
            let assumed = (facts.implied | facts.presumed) & (1 << i) != 0;
            for v in candidates(def.ty, cur) {
                let mut f = facts.clone();
                f.scalars[i as usize] = v;
                // A fact now stated is no longer presumed.
                f.implied &= !(1 << i);
                f.presumed &= !(1 << i);
                try_change(def.path.to_string(), def.ty, v, f, assumed);
            }
        }
        for &(l, fi) in &fields {
            let def = schema::LISTS[l as usize].fields[fi as usize];
            let Some(items) = &facts.lists[l as usize] else {
                continue;
            };
            for (ii, it) in items.iter().enumerate() {
                let assumed = (it.presumed | it.implied) & (1 << fi) != 0;
                for v in candidates(def.ty, it.fields[fi as usize]) {
                    let mut f = facts.clone();
                    if let Some(items) = f.lists[l as usize].as_mut() {
                        items[ii].fields[fi as usize] = v;
                        items[ii].presumed &= !(1 << fi);
                        items[ii].implied &= !(1 << fi);
                    }
                    try_change(
                        format!("{}[{ii}].{}", schema::LISTS[l as usize].path, def.path),
                        def.ty,
                        v,
                        f,
                        assumed,
                    );
                }
            }
        }
        // What the decision assumed comes first: those are what a lawyer checks.
        out.sort_by_key(|c| !c.assumption);
        out.truncate(16);
        out
    }

    /// The part of a firing rule's condition that matched a list: "NY PL
    /// 120.05 is listed (N.Y.C. Admin. Code § 9-131(a)(7))".
    pub(super) fn matched(&self, pr: &crate::library::PlanRule, facts: &Facts) -> Vec<String> {
        let cr = self.rule(pr.rule);
        let mut rec = Recorder {
            leaves: Vec::new(),
            only_unknown: false,
        };
        Eval::new(facts, &mut rec).eval(&pr.cond, None);
        let tables = super::branches::tables_of(&pr.cond);
        let mut out: Vec<String> = Vec::new();
        for (a, item, seen, res) in rec.leaves {
            let Some(Some(bit)) = tables.get(a as usize) else {
                continue;
            };
            let info = &cr.atoms[a as usize];
            if res != Tri::from_bool(!info.negated) || !matches!(seen, crate::eval::Seen::Value(..))
            {
                continue;
            }
            let code = item.and_then(|i| {
                facts
                    .lists
                    .get(info.list? as usize)?
                    .as_ref()?
                    .get(i)?
                    .offense
                    .clone()
            });
            let Some(t) = self.lists.get(*bit as usize) else {
                continue;
            };
            let list = if t.citation.is_empty() {
                t.title.clone()
            } else {
                t.citation.clone()
            };
            let line = match (code, info.negated) {
                (Some(c), false) => format!("{list}: {c} is listed"),
                (Some(c), true) => format!("{list}: {c} is not listed"),
                (None, _) => continue,
            };
            if !out.contains(&line) {
                out.push(line);
            }
        }
        out
    }
}

fn candidates(ty: Ty, cur: Val) -> Vec<Val> {
    match ty {
        Ty::Bool => match cur {
            MISSING => vec![0, 1],
            v => vec![1 - v],
        },
        Ty::Enum(d) => (0..d.len() as Val).filter(|v| *v != cur).collect(),
        Ty::Set(d) => {
            let base = if cur == MISSING { 0 } else { cur };
            (0..d.len())
                .map(|i| base ^ (1 << i))
                .filter(|v| *v != 0)
                .collect()
        }
        _ => vec![],
    }
}

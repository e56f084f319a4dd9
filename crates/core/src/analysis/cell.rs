//! One cell of the comparison matrix: what a law does with one request kind.

use super::*;
use crate::words::plain;

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CellClass {
    Prohibited,
    PermittedOnlyIf,
    Required,
    CannotBeRestricted,
    Permitted,
    NoRule,
    NotDecided,
}

impl CellClass {
    pub fn label(self) -> &'static str {
        match self {
            CellClass::Prohibited => "prohibited",
            CellClass::PermittedOnlyIf => "permitted only if",
            CellClass::Required => "required",
            CellClass::CannotBeRestricted => "cannot be restricted",
            CellClass::Permitted => "permitted",
            CellClass::NoRule => "no rule",
            CellClass::NotDecided => "not decided",
        }
    }
}

/// What one jurisdiction's law does with one request kind, for one agency role.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub jurisdiction: String,
    pub kind: String,
    pub agency: String,
    pub class: CellClass,
    /// For `permitted only if` and a partial `required` or `prohibited`: when, in short words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Exceptions to a `required` cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
    pub citations: Vec<String>,
    /// Every outcome some request of this kind gets.
    pub outcomes: Vec<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Cell {
    /// The cell as one line of words: `permitted only if judicial warrant and …`.
    pub fn headline(&self) -> String {
        let mut s = self.class.label().to_string();
        match (self.class, &self.condition) {
            (CellClass::PermittedOnlyIf, Some(c)) => s = format!("{s} {c}"),
            (CellClass::Required | CellClass::Prohibited, Some(c)) => s = format!("{s} if {c}"),
            _ => {}
        }
        if let Some(u) = &self.unless {
            s = format!("{s}, unless {u}");
        }
        s
    }
}

/// The default agency role for a request kind in the comparison matrix.
pub fn default_role(kind: &str) -> &'static str {
    match kind {
        "assistance" => "police",
        "information" => "agency",
        _ => "jail",
    }
}

/// Classifies what the law of `pack` on `date` does with requests of `kind` to an agency of `role`.
// Long on purpose: classify, then word the condition and the exceptions, over one tally of the scope's points.
pub fn cell(
    lib: &Library,
    codes: &Codes,
    pack: usize,
    date: Date,
    kind: usize,
    role: usize,
) -> Result<Cell, RequestError> {
    let law = lib.law(pack, date)?;
    let mut c = Cell {
        jurisdiction: lib.packs[pack].id.clone(),
        kind: schema::KINDS.get(kind).copied().unwrap_or("?").into(),
        agency: schema::AGENCIES.get(role).copied().unwrap_or("?").into(),
        class: CellClass::NoRule,
        condition: None,
        unless: None,
        citations: Vec::new(),
        outcomes: Vec::new(),
        note: None,
    };
    let Some(pl) = plan(law, kind, role) else {
        return Ok(c);
    };
    if pl.rules.is_empty() {
        return Ok(c);
    }
    let scope = match Scope::build(&sources(lib, pl), None, pinned(kind, role), codes) {
        Ok(s) => s,
        Err(e) => {
            c.class = CellClass::NotDecided;
            c.note = Some(e);
            return Ok(c);
        }
    };
    let Some(Tally { deciders, count }) = tally(pl, &scope) else {
        c.class = CellClass::NotDecided;
        c.note = Some(format!(
            "the space of requests is larger than {MAX_POINTS} points and was not enumerated"
        ));
        return Ok(c);
    };
    let has = |k: &str| count.contains_key(k);
    for (k, o) in [
        ("required", Outcome::Required),
        ("permitted", Outcome::Permitted),
        ("cannot", Outcome::Permitted),
        ("prohibited", Outcome::Prohibited),
        ("undetermined", Outcome::Undetermined),
    ] {
        if has(k) && !c.outcomes.contains(&o) {
            c.outcomes.push(o);
        }
    }
    // An unconditional rule that decides only where a prohibition does not
    // apply is described by what it escapes, not as "always": the negation of
    // every prohibition, in words (crate::words).
    let prohibiting: Vec<usize> = deciders.get("prohibited").cloned().unwrap_or_default();
    let escaped: Vec<crate::words::Words> = prohibiting
        .iter()
        .map(|&i| {
            let r = lib.rule(pl.rules[i].rule);
            crate::words::tree(&r.cond, &r.atoms, kind, role, None, true)
        })
        .filter(|w| *w != crate::words::Words::True)
        .collect();
    let otherwise = if escaped.is_empty() || escaped.len() < prohibiting.len() {
        "where no prohibition applies".to_string()
    } else {
        crate::words::render(&crate::words::all_of(escaped))
    };
    let words = |classes: &[&str]| -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        for k in classes {
            for &i in deciders.get(k).into_iter().flatten() {
                let r = lib.rule(pl.rules[i].rule);
                let w = plain(&r.cond, &r.atoms, kind, role).unwrap_or_else(|| otherwise.clone());
                if !parts.contains(&w) {
                    parts.push(w);
                }
            }
        }
        (!parts.is_empty()).then(|| parts.join("; or "))
    };
    let decided = count.iter().filter(|(k, _)| **k != "undetermined").count();
    let (class, cond_from) = classify(&has, decided);
    c.class = class;
    c.condition = words(cond_from);
    if class == CellClass::Required {
        c.unless = exceptions(lib, pl, &deciders, kind, role, c.condition.as_deref());
    }
    if has("undetermined") && decided > 0 {
        c.note = Some("no rule decides some requests of this kind".into());
    }
    // Citations: the deciding rules of the headline class first.
    let order: &[&str] = match class {
        CellClass::Required => &["required", "permitted", "cannot", "prohibited"],
        CellClass::PermittedOnlyIf => &["permitted", "cannot", "prohibited"],
        CellClass::CannotBeRestricted => &["cannot", "permitted"],
        _ => &["prohibited", "permitted", "cannot", "required"],
    };
    for k in order {
        for &i in deciders.get(k).into_iter().flatten() {
            let cit = &lib.rule(pl.rules[i].rule).def.citation;
            if !c.citations.contains(cit) {
                c.citations.push(cit.clone());
            }
        }
    }
    Ok(c)
}

/// Per class of point (an outcome, or `cannot` for a permission that a
/// preempting rule makes unrestrictable): the deciding plan rules and the
/// number of points.
struct Tally {
    deciders: BTreeMap<&'static str, Vec<usize>>,
    count: BTreeMap<&'static str, u64>,
}

/// Decides every point of the scope with the engine's own combination;
/// `None` past `MAX_POINTS`.
fn tally(pl: &KindPlan, scope: &Scope) -> Option<Tally> {
    let nodes: Vec<Node> = pl.rules.iter().map(|r| scope.compile(&r.cond)).collect();
    let mut deciders: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    let mut count: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut fires = vec![false; nodes.len()];
    let ok = scope.each(MAX_POINTS, |p| {
        for (i, n) in nodes.iter().enumerate() {
            fires[i] = n.eval(p);
        }
        let (o, w) = combine(pl, &fires);
        let class = match o {
            Outcome::Permitted
                if w.iter().any(|&i| {
                    pl.rules[i].preempts && pl.rules[i].outcome == Outcome::Permitted
                }) =>
            {
                "cannot"
            }
            o => o.as_str(),
        };
        *count.entry(class).or_default() += 1;
        let d = deciders.entry(class).or_default();
        for i in w {
            if !d.contains(&i) {
                d.push(i);
            }
        }
    });
    ok.then_some(Tally { deciders, count })
}

/// The cell's class from the classes of points it has, and the classes whose
/// deciding rules give its condition.
fn classify(has: &dyn Fn(&str) -> bool, decided: usize) -> (CellClass, &'static [&'static str]) {
    if decided == 0 {
        (CellClass::NoRule, &[])
    } else if has("required") {
        let only = decided == 1;
        (CellClass::Required, if only { &[] } else { &["required"] })
    } else if has("prohibited") && (has("permitted") || has("cannot")) {
        (CellClass::PermittedOnlyIf, &["permitted", "cannot"])
    } else if has("prohibited") {
        (
            CellClass::Prohibited,
            if has("undetermined") {
                &["prohibited"]
            } else {
                &[]
            },
        )
    } else if has("cannot") && !has("permitted") {
        (CellClass::CannotBeRestricted, &[])
    } else {
        (CellClass::Permitted, &[])
    }
}

/// The exceptions to a duty: rules deciding elsewhere that override a
/// required rule, in words, less the duty's own `condition`.
fn exceptions(
    lib: &Library,
    pl: &KindPlan,
    deciders: &BTreeMap<&'static str, Vec<usize>>,
    kind: usize,
    role: usize,
    condition: Option<&str>,
) -> Option<String> {
    let req: Vec<usize> = deciders.get("required").cloned().unwrap_or_default();
    let mut ex: Vec<String> = Vec::new();
    for k in ["permitted", "cannot", "prohibited"] {
        for &i in deciders.get(k).into_iter().flatten() {
            if req.iter().any(|&q| {
                pl.rules[q]
                    .overriders
                    .contains(&(i as crate::library::PlanPos))
            }) {
                let r = lib.rule(pl.rules[i].rule);
                if let Some(mut w) = plain(&r.cond, &r.atoms, kind, role) {
                    // "in custody and proof of lawful status" under "required if in custody".
                    if let Some(rest) =
                        condition.and_then(|cond| w.strip_prefix(&format!("{cond} and ")))
                    {
                        w = rest.to_string();
                    }
                    if !ex.contains(&w) {
                        ex.push(w);
                    }
                }
            }
        }
    }
    (!ex.is_empty()).then(|| ex.join("; or "))
}

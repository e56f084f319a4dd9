//! Whole-pack checks: references, conflicts, unreachable rules, and the
//! worked examples. Conflict and reachability are decided over an abstract
//! fact space (see `space`), which over-approximates what can be true
//! together: it may report a conflict the author must resolve with
//! `overrides`, but never calls a reachable rule unreachable.

use crate::diag::Diagnostic;
use crate::library::Library;
use crate::load::Outcome;
use crate::space::{Space, SpaceResult};

fn overlaps(a: &crate::load::Rule, b: &crate::load::Rule) -> bool {
    a.from <= b.until.unwrap_or(time::Date::MAX) && b.from <= a.until.unwrap_or(time::Date::MAX)
}

/// Transitively: does `a` override `b` (or the reverse) within the pack?
fn ordered(p: &crate::library::Pack, a: usize, b: usize) -> bool {
    let reach = |from: usize, to: usize| {
        let mut stack = vec![from];
        let mut seen = vec![false; p.rules.len()];
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if std::mem::replace(&mut seen[x], true) {
                continue;
            }
            for (o, _) in &p.rules[x].def.overrides {
                if let Some(i) = p.rules.iter().position(|r| r.def.id == *o) {
                    stack.push(i);
                }
            }
        }
        false
    };
    reach(a, b) || reach(b, a)
}

/// Conflicts and unreachable rules.
// Long on purpose: one walk over every plan of every law version; conflicts and unreachable rules are found in the same enumeration.
pub fn check_rules(lib: &Library, diags: &mut Vec<Diagnostic>) {
    for p in &lib.packs {
        for (i, a) in p.rules.iter().enumerate() {
            let file = &p.files[a.def.loc.file];
            let space = Space::new(&[&a.cond]);
            match space.find(|v| v[0]) {
                SpaceResult::None => diags.push(
                    Diagnostic::error(
                        "brightline::unreachable",
                        file,
                        a.def.loc.span.clone(),
                        format!(
                            "rule `{}` can never fire: its condition is contradictory",
                            a.def.id
                        ),
                    )
                    .help("a fact cannot hold two values at once; check `and` vs `or`"),
                ),
                SpaceResult::TooLarge => {}
                SpaceResult::Found(_) => {
                    // Always defeated: whenever it fires, an overrider in force at the same time fires too.
                    let over: Vec<&crate::library::CompiledRule> = p
                        .rules
                        .iter()
                        .filter(|o| {
                            o.def.overrides.iter().any(|(x, _)| *x == a.def.id)
                                && overlaps(&o.def, &a.def)
                        })
                        .collect();
                    if !over.is_empty()
                        && over.iter().any(|o| {
                            o.def.from <= a.def.from
                                && o.def.until.unwrap_or(time::Date::MAX)
                                    >= a.def.until.unwrap_or(time::Date::MAX)
                        })
                    {
                        let mut conds = vec![&a.cond];
                        conds.extend(over.iter().map(|o| &o.cond));
                        let s = Space::new(&conds);
                        if let SpaceResult::None = s.find(|v| v[0] && !v[1..].iter().any(|x| *x)) {
                            diags.push(
                                Diagnostic::error("brightline::unreachable", file, a.def.loc.span.clone(), format!("rule `{}` is unreachable: a rule that overrides it fires whenever it does", a.def.id))
                                    .help("narrow the overriding rule, or remove this one"),
                            );
                        }
                    }
                }
            }
            for b in p.rules.iter().skip(i + 1) {
                // Two versions of one provision (same citation, same condition) must not overlap in time:
                // a new version closes the old one with `effective: FROM .. UNTIL`.
                if a.def.citation == b.def.citation
                    && a.def.when_text == b.def.when_text
                    && overlaps(&a.def, &b.def)
                {
                    let start = a.def.from.max(b.def.from);
                    diags.push(
                        Diagnostic::error(
                            "brightline::overlapping-versions",
                            &p.files[b.def.loc.file],
                            b.def.effective_span.clone(),
                            format!("`{}` and `{}` are versions of {} in force at the same time from {start}", a.def.id, b.def.id, a.def.citation),
                        )
                        .label("overlaps the other version")
                        .help(format!("end the earlier version the day before the later one starts, e.g. `effective: {} .. {}`", a.def.from.min(b.def.from), start.previous_day().unwrap_or(start))),
                    );
                    continue;
                }
                if a.def.outcome == b.def.outcome
                    || !overlaps(&a.def, &b.def)
                    || a.kinds & b.kinds == 0
                    || a.agencies & b.agencies == 0
                {
                    continue;
                }
                let j = p.rules.iter().position(|r| std::ptr::eq(r, b)).unwrap_or(0);
                if ordered(p, i, j) {
                    continue;
                }
                let s = Space::new(&[&a.cond, &b.cond]);
                if let SpaceResult::Found(example) = s.find(|v| v[0] && v[1]) {
                    let bfile = &p.files[b.def.loc.file];
                    let (bl, _) = crate::syntax::line_col(&bfile.text, b.def.loc.span.start);
                    diags.push(
                        Diagnostic::error(
                            "brightline::conflict",
                            file,
                            a.def.loc.span.clone(),
                            format!(
                                "rules `{}` ({}) and `{}` ({}) can both fire with different outcomes, and neither overrides the other",
                                a.def.id,
                                a.def.outcome.as_str(),
                                b.def.id,
                                b.def.outcome.as_str()
                            ),
                        )
                        .label(format!("conflicts with `{}` at {}:{bl}", b.def.id, bfile.path))
                        .help(format!(
                            "state the priority: add `overrides: {}` to the exception (or the reverse). Both fire when {}",
                            b.def.id,
                            example
                        )),
                    );
                }
            }
        }
    }
}

/// Runs every worked example; a failing example is an error at its block.
pub fn check_examples(lib: &Library, diags: &mut Vec<Diagnostic>) -> (usize, usize) {
    let (mut run, mut failed) = (0, 0);
    for p in &lib.packs {
        for ex in &p.examples {
            run += 1;
            let file = &p.files[ex.loc.file];
            if let Err(msg) = run_example(lib, &ex.json) {
                failed += 1;
                let name = ex
                    .json
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("(unnamed)");
                diags.push(Diagnostic::error("brightline::example", file, ex.loc.span.clone(), format!("worked example `{name}` fails: {msg}")).help(
                    "fix the rule or the example; `brightline check` on the example's request shows the full trace",
                ));
            }
        }
    }
    (run, failed)
}

/// Decides one worked example and compares it with its `expect`.
pub(crate) fn run_example(lib: &Library, json: &serde_json::Value) -> Result<(), String> {
    let expect = json.get("expect").ok_or("it has no `expect`")?;
    let want = expect
        .get("outcome")
        .and_then(|o| o.as_str())
        .and_then(|o| {
            if o == "undetermined" {
                Some(Outcome::Undetermined)
            } else {
                Outcome::parse(o)
            }
        })
        .ok_or("`expect.outcome` must be required, permitted, prohibited or undetermined")?;
    if json.get("name").and_then(|n| n.as_str()).is_none() {
        return Err("it has no `name`".into());
    }
    if json
        .get("tests")
        .and_then(|n| n.as_str())
        .is_none_or(|t| t.trim().is_empty())
    {
        return Err("it has no `tests` quoting the words of the statute it tests".into());
    }
    let d = lib
        .decide_json(json)
        .map_err(|e| format!("bad request: {e}"))?;
    if d.outcome != want {
        return Err(format!(
            "expected {}, got {} ({})",
            want.as_str(),
            d.outcome.as_str(),
            d.summary
        ));
    }
    if let Some(cs) = expect.get("citations").and_then(|c| c.as_array()) {
        for c in cs {
            let c = c.as_str().unwrap_or("");
            if !d.citations.iter().any(|x| x == c) {
                return Err(format!(
                    "expected citation `{c}`; the decision cites {:?}",
                    d.citations
                ));
            }
        }
    }
    if let Some(ms) = expect.get("missing_facts").and_then(|c| c.as_array()) {
        let want: Vec<&str> = ms.iter().filter_map(|m| m.as_str()).collect();
        let got: Vec<&str> = d
            .missing_facts
            .iter()
            .map(|m| m.split(" (").next().unwrap_or(m))
            .collect();
        if want != got {
            return Err(format!("expected missing facts {want:?}, got {got:?}"));
        }
    }
    if let Some(obs) = expect.get("obligations").and_then(|c| c.as_array()) {
        for o in obs {
            let o = o.as_str().unwrap_or("");
            if !d.obligations.iter().any(|x| x.id == o) {
                return Err(format!("expected obligation `{o}`"));
            }
        }
    }
    // `assumptions`: the exact facts the decision took as implied or presumed.
    if let Some(xs) = expect.get("assumptions").and_then(|c| c.as_array()) {
        let mut want: Vec<&str> = xs.iter().filter_map(|x| x.as_str()).collect();
        let mut got: Vec<&str> = d.assumptions.iter().map(|a| a.fact.as_str()).collect();
        want.sort_unstable();
        got.sort_unstable();
        if want != got {
            return Err(format!("expected assumptions {want:?}, got {got:?}"));
        }
    }
    Ok(())
}

/// How long a pack's text may go unchecked before `lint` says so.
pub(crate) const STALE_AFTER_DAYS: i64 = 180;

/// Warns for every pack whose text was last checked more than `STALE_AFTER_DAYS`
/// before `today`, or never (no `checked` in pack.toml). `today` is a parameter so
/// the check is reproducible.
pub fn check_freshness(lib: &Library, today: time::Date, diags: &mut Vec<Diagnostic>) {
    for p in &lib.packs {
        let Some(file) = p.files.get(p.manifest_file) else {
            continue;
        };
        match p.checked {
            None => diags.push(
                Diagnostic::warning(
                    "brightline::unchecked-pack",
                    file,
                    0..0,
                    format!("`{}` does not say when its text was last checked", p.id),
                )
                .help("after reading the law again, add `checked = \"YYYY-MM-DD\"` to pack.toml"),
            ),
            Some(d) if (today - d).whole_days() > STALE_AFTER_DAYS => diags.push(
                Diagnostic::warning(
                    "brightline::stale-pack",
                    file,
                    crate::library::key_span(&file.text, "checked"),
                    format!(
                        "`{}` was last checked on {d}, {} days before {today}",
                        p.id,
                        (today - d).whole_days()
                    ),
                )
                .label("older than 180 days")
                .help("read the cited provisions and court dockets again, then update `checked`"),
            ),
            Some(_) => {}
        }
    }
}

//! A law may hold more rules than the outcome-only path's bit sets
//! (`library::FAST_RULES`): such a plan is decided by the slice-based path,
//! and a rule past that position keeps its reasons, its preemption note and
//! its place among the deciding rules.

mod common;

use brightline_core::library::FAST_RULES;
use brightline_core::{Library, Outcome};
use common::{pack, render};
use serde_json::json;

/// `count` rules that never fire for an administrative-warrant detainer,
/// each in the plan of a detainer request.
fn fillers(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "```rule\nid: filler-{i:03}\ncitation: Filler § {i}\nsource: https://example.invalid/{i}\n\
                 effective: 2014-01-01 ..\ntitle: Filler {i}\n\
                 when: request.kind is detainer and request.warrant is judicial\noutcome: permitted\n```\n\n"
            )
        })
        .collect()
}

fn rule(id: &str, outcome: &str, extra: &str) -> String {
    format!(
        "```rule\nid: {id}\ncitation: Law § {id}\nsource: https://example.invalid/{id}\n\
         effective: 2014-01-01 ..\ntitle: Rule {id}\nwhen: request.kind is detainer\n\
         outcome: {outcome}\n{extra}```\n\n"
    )
}

fn request(jurisdiction: &str) -> serde_json::Value {
    json!({ "jurisdiction": jurisdiction, "date": "2020-01-01",
            "request": { "kind": "detainer", "warrant": "administrative" } })
}

fn federal(rules: String) -> brightline_core::PackSource {
    pack(
        "t/us",
        &[
            (
                "pack.toml",
                "id = \"us\"\nname = \"F\"\nlayer = \"federal\"\n",
            ),
            ("f.md", &rules),
        ],
    )
}

#[test]
fn a_rule_past_the_bit_set_capacity_keeps_its_reasons() {
    // Two rules of one layer that disagree: the first and one past the capacity.
    let mut rules = rule("first", "prohibited", "");
    rules += &fillers(FAST_RULES + 4);
    rules += &rule("last", "permitted", "");
    let lib = Library::from_sources(&[federal(rules)]).unwrap_or_else(|d| panic!("{}", render(&d)));
    let (pack, facts) = lib.decode(&request("us")).unwrap();
    let law = lib.law_for(pack, &facts).unwrap();
    assert!(law.plans.iter().any(|p| p.rules.len() > FAST_RULES));

    let d = lib.decide(pack, &facts).unwrap();
    assert_eq!(d.outcome, Outcome::Prohibited);
    let reasons: Vec<&str> = d.reasons.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(reasons, vec!["us/first", "us/last"], "both deciding rules");
    assert!(d.notes.iter().any(|n| n.contains("disagree")));
    assert_eq!(brightline_core::decide::outcome(law, &facts), d.outcome);

    // The shared combination the whole-space analyses use sees it too.
    let plan = law
        .plans
        .iter()
        .find(|p| p.rules.len() > FAST_RULES)
        .unwrap();
    let fires: Vec<bool> = (0..plan.rules.len())
        .map(|i| i == 0 || i == plan.rules.len() - 1)
        .collect();
    let (o, winners) = brightline_core::decide::combine(plan, &fires);
    assert_eq!(o, Outcome::Prohibited);
    assert_eq!(winners, vec![0, plan.rules.len() - 1]);
}

#[test]
fn a_preempting_rule_past_the_capacity_still_says_what_it_sets_aside() {
    let mut rules = fillers(FAST_RULES + 4);
    rules += &rule("floor", "permitted", "preempts: lower\n");
    let city = pack(
        "t/us-ny-nyc",
        &[
            (
                "pack.toml",
                "id = \"us-ny-nyc\"\nname = \"C\"\nparent = \"us\"\nlayer = \"city\"\n",
            ),
            ("c.md", &rule("refuse", "prohibited", "")),
        ],
    );
    let lib =
        Library::from_sources(&[federal(rules), city]).unwrap_or_else(|d| panic!("{}", render(&d)));
    let d = lib.decide_json(&request("us-ny-nyc")).unwrap();
    assert_eq!(d.outcome, Outcome::Permitted);
    assert_eq!(d.reasons.len(), 1);
    assert_eq!(d.reasons[0].rule, "us/floor");
    assert_eq!(d.preemptions.len(), 1, "{:?}", d.notes);
    assert_eq!(d.preemptions[0].preempted[0].rule, "us-ny-nyc/refuse");
}

//! One fixture per check: each bad pack gives exactly the diagnostic the
//! checker promises, at the right place, with a hint (snapshots).

mod common;
use common::*;

fn check(name: &str, rules: &str) {
    let (_, diags) = lib_with(rules);
    assert!(!diags.is_empty(), "{name}: expected a diagnostic");
    insta::assert_snapshot!(name, render(&diags));
}

#[test]
fn the_valid_fixture_is_clean() {
    let (lib, diags) = lib_with(RULES);
    assert!(diags.is_empty(), "{}", render(&diags));
    assert_eq!(lib.packs[0].rules.len(), 2);
}

#[test]
fn unknown_fact() {
    check(
        "unknown_fact",
        &RULES.replace("request.warrant is judicial", "request.warant is judicial"),
    );
}

#[test]
fn unknown_enum_value() {
    check(
        "unknown_value",
        &RULES.replace("request.warrant is judicial", "request.warrant is judical"),
    );
}

#[test]
fn type_error() {
    check(
        "type_error",
        &RULES.replace(
            "request.warrant is judicial",
            "subject.tsdb_match is judicial",
        ),
    );
}

#[test]
fn missing_citation() {
    check(
        "missing_citation",
        &RULES.replacen("citation: Test Code § 1(a)\n", "", 1),
    );
}

#[test]
fn contradictory_rule_is_unreachable() {
    check(
        "unreachable_contradiction",
        &RULES.replace(
            "agency is jail and request.kind is detainer\noutcome: prohibited",
            "agency is jail and agency is police and request.kind is detainer\noutcome: prohibited",
        ),
    );
}

#[test]
fn always_overridden_rule_is_unreachable() {
    check("unreachable_overridden", &RULES.replace(
        "when: agency is jail and request.kind is detainer and request.warrant is judicial\n  and any subject.convictions (offense in vsc and level is felony\n      and date within 5 years before subject.arrest_date extended by incarcerated_days days)",
        "when: request.kind is detainer",
    ).replace("when: agency is jail and request.kind is detainer\noutcome: prohibited", "when: agency is jail and request.kind is detainer and request.warrant is judicial\noutcome: prohibited"));
}

#[test]
fn conflict_without_priority() {
    check("conflict", &RULES.replace("overrides: default\n", ""));
}

#[test]
fn malformed_period() {
    check(
        "bad_period",
        &RULES.replacen(
            "effective: 2014-12-14 ..",
            "effective: 2014-12-14 .. 2013-01-01",
            1,
        ),
    );
}

#[test]
fn impossible_date() {
    check(
        "bad_date",
        &RULES.replacen("effective: 2014-12-14 ..", "effective: 2014-02-30 ..", 1),
    );
}

#[test]
fn condition_syntax_error() {
    check(
        "syntax",
        &RULES.replace("request.warrant is judicial", "request.warrant is"),
    );
}

#[test]
fn unknown_table() {
    check(
        "unknown_table",
        &RULES.replace("offense in vsc", "offense in vcs"),
    );
}

#[test]
fn unknown_override_target() {
    check(
        "unknown_override",
        &RULES.replace("overrides: default", "overrides: defualt"),
    );
}

#[test]
fn unclosed_block() {
    check("unclosed", RULES.trim_end().trim_end_matches("```"));
}

#[test]
fn bad_table_row() {
    let p = pack("t/us", &[
        ("pack.toml", MANIFEST),
        ("pl.csv", "code,name,class,violent_felony,repealed,source\nNY PL 120.05,Assault 2,D,maybe,,test\nXX 1,Bad,,no,,x\n"),
        ("vsc.csv", "code,subdivisions,note,source\nNY PL 120.05,8-2,,test\n"),
        ("rules.md", RULES),
    ]);
    let (_, diags) = brightline_core::Library::load(&[p]);
    insta::assert_snapshot!("bad_table_row", render(&diags));
}

#[test]
fn failing_example() {
    let ex = r#"
```example
{ "name": "admin warrant", "tests": "only with a judicial warrant",
  "jurisdiction": "us", "agency": "jail", "date": "2020-01-01",
  "request": { "kind": "detainer", "warrant": "administrative" },
  "subject": { "convictions": [] },
  "expect": { "outcome": "permitted" } }
```
"#;
    check("failing_example", &format!("{RULES}{ex}"));
}

#[test]
fn overlapping_versions_of_one_provision() {
    let v2 = RULES
        .split("```rule")
        .nth(1)
        .unwrap()
        .replace("id: default", "id: default-v2")
        .replace("2014-12-14 ..", "2016-01-01 ..");
    check("overlapping_versions", &format!("{RULES}\n```rule{v2}"));
}

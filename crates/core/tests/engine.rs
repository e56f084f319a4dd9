//! Semantics of decisions on a small fixture pack: three-valued logic,
//! look-back edges, tables, exceptions, layers and events.

mod common;
use brightline_core::{Library, Outcome};
use common::*;
use serde_json::json;

fn fixture() -> Library {
    let (lib, diags) = lib_with(RULES);
    assert!(diags.is_empty(), "{}", render(&diags));
    lib
}

fn req(warrant: &str, convictions: serde_json::Value) -> serde_json::Value {
    json!({ "jurisdiction": "us", "agency": "jail", "date": "2020-06-01",
            "request": { "kind": "detainer", "warrant": warrant },
            "subject": { "arrest_date": "2020-05-01", "convictions": convictions } })
}

fn conv(offense: &str, date: &str, days: i64) -> serde_json::Value {
    json!([{ "offense": offense, "date": date, "level": "felony", "incarcerated_days": days }])
}

#[test]
fn exception_overrides_the_general_rule() {
    let lib = fixture();
    let d = lib
        .decide_json(&req("judicial", conv("NY PL 120.05", "2018-01-01", 0)))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Permitted);
    assert_eq!(d.citations, vec!["Test Code § 1(b)"]);
    assert_eq!(d.obligations[0].id, "hold-48h");
    let t = d.trace.iter().find(|t| t.rule == "us/default").unwrap();
    assert_eq!(t.result, "defeated");
    let d = lib
        .decide_json(&req(
            "administrative",
            conv("NY PL 120.05", "2018-01-01", 0),
        ))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Prohibited);
    assert_eq!(
        d.counterfactuals[0].change.get("request.warrant").unwrap(),
        "judicial"
    );
    assert_eq!(d.counterfactuals[0].outcome, Outcome::Permitted);
}

#[test]
fn look_back_edges() {
    let lib = fixture();
    let o = |date: &str, days: i64| {
        lib.decide_json(&req("judicial", conv("NY PL 120.05", date, days)))
            .unwrap()
            .outcome
    };
    // Arrest 2020-05-01: the anniversary 2015-05-01 is within, the day before is not.
    assert_eq!(o("2015-05-01", 0), Outcome::Permitted);
    assert_eq!(o("2015-04-30", 0), Outcome::Prohibited);
    // Incarceration extends the window day for day.
    assert_eq!(o("2015-04-30", 1), Outcome::Permitted);
    assert_eq!(o("2014-05-01", 365), Outcome::Permitted);
    assert_eq!(o("2014-04-30", 365), Outcome::Prohibited);
}

#[test]
fn missing_facts_never_become_no() {
    let lib = fixture();
    let d = lib
        .decide_json(&req(
            "judicial",
            json!([{ "offense": "NY PL 120.05", "level": "felony", "incarcerated_days": 0 }]),
        ))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Undetermined);
    assert_eq!(d.missing_facts, vec!["subject.convictions[0].date"]);
    // ...but a fact the answer does not depend on is not asked for.
    let d = lib
        .decide_json(&req(
            "administrative",
            json!([{ "offense": "NY PL 120.05" }]),
        ))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Prohibited);
    assert!(d.missing_facts.is_empty());
    let mut r = req("judicial", json!(null));
    r["subject"].as_object_mut().unwrap().remove("convictions");
    let d = lib.decide_json(&r).unwrap();
    assert_eq!(d.missing_facts, vec!["subject.convictions"]);
}

#[test]
fn tables_decide_or_say_why_not() {
    let lib = fixture();
    let o = |code: &str| {
        lib.decide_json(&req("judicial", conv(code, "2018-01-01", 0)))
            .unwrap()
    };
    assert_eq!(
        o("NY PL 155.30").outcome,
        Outcome::Prohibited,
        "known, not listed"
    );
    assert_eq!(
        o("NY PL 265.02(3)").outcome,
        Outcome::Permitted,
        "listed subdivision"
    );
    assert_eq!(
        o("NY PL 265.02(1)").outcome,
        Outcome::Prohibited,
        "unlisted subdivision"
    );
    let d = o("NY PL 265.02");
    assert_eq!(d.outcome, Outcome::Undetermined, "subdivision needed");
    assert!(d.missing_facts[0].contains("NY PL 265.02"));
    // A list is closed: a section it does not name is not listed, whether or
    // not the scheme table knows it.
    assert_eq!(o("NY PL 999.99").outcome, Outcome::Prohibited, "not listed");
    let d = o("CA PC 187");
    assert_eq!(
        d.outcome,
        Outcome::Undetermined,
        "another state's code needs its equivalent"
    );
    let mut r = req("judicial", conv("CA PC 187", "2018-01-01", 0));
    r["subject"]["convictions"][0]["equivalent"] = json!("NY PL 120.05");
    assert_eq!(lib.decide_json(&r).unwrap().outcome, Outcome::Permitted);
}

#[test]
fn bad_input_names_the_field() {
    let lib = fixture();
    let mut r = req("judicial", json!([]));
    r["request"]["kind"] = json!("detainr");
    let e = lib.decide_json(&r).unwrap_err();
    assert_eq!(e.field, "request.kind");
    assert!(e.message.contains("detainer"));
    r["request"]["kind"] = json!("detainer");
    r["jurisdiction"] = json!("us-zz");
    assert_eq!(lib.decide_json(&r).unwrap_err().field, "jurisdiction");
    r["jurisdiction"] = json!("us");
    r["date"] = json!("2010-01-01");
    r["subject"]["arrest_date"] = json!("2009-12-01");
    let e = lib.decide_json(&r).unwrap_err();
    assert_eq!(e.field, "date");
    assert!(e.message.contains("before any law"), "{e}");
    r["date"] = json!("2020-01-01");
    // A code no table can place is an unknown, never bad input.
    r["subject"]["convictions"] = conv("ZZ 1", "2018-01-01", 0);
    assert!(lib.decide_json(&r).is_ok());
    // A judgment dated after the request is.
    r["subject"]["convictions"] = conv("NY PL 120.05", "2031-01-01", 0);
    let e = lib.decide_json(&r).unwrap_err();
    assert_eq!(e.field, "subject.convictions[0].date");
    assert!(e.message.contains("after the request"), "{e}");
    r["subject"]["convictions"] = json!([]);
    r["subject"]["favourite_colour"] = json!("blue");
    assert_eq!(
        lib.decide_json(&r).unwrap_err().field,
        "subject.favourite_colour"
    );
    r["subject"]
        .as_object_mut()
        .unwrap()
        .remove("favourite_colour");
    r["agency"] = json!("zoo");
    assert_eq!(lib.decide_json(&r).unwrap_err().field, "agency");
}

const LAYERED: &str = r#"
```rule
id: city-no
citation: City Code § 2
source: https://example.invalid/2
effective: 2015-01-01 ..
title: City forbids status sharing
when: request.kind is information
outcome: prohibited
```

```event
id: court-stay
date: 2016-01-01
until: 2016-12-31
kind: suspends
targets: city-no
citation: Doe v. City (2016)
source: https://example.invalid/court
title: Preliminary injunction
```
"#;

const FED: &str = r#"
```rule
id: status
citation: 8 U.S.C. § 1373
source: https://example.invalid/1373
effective: 1996-09-30 ..
title: Status sharing cannot be restricted
when: request.kind is information and request.information only {immigration_status}
outcome: permitted
preempts: lower
```

```rule
id: info
citation: Fed § 1
source: https://example.invalid/f
effective: 1996-09-30 ..
title: Information sharing is voluntary
when: request.kind is information and not request.information only {immigration_status}
outcome: permitted
```
"#;

fn layered() -> Library {
    let fed = pack(
        "t/us",
        &[
            (
                "pack.toml",
                "id = \"us\"\nname = \"F\"\nlayer = \"federal\"\n",
            ),
            ("f.md", FED),
        ],
    );
    let city = pack(
        "t/us-ny-nyc",
        &[
            (
                "pack.toml",
                "id = \"us-ny-nyc\"\nname = \"C\"\nparent = \"us\"\nlayer = \"city\"\n",
            ),
            ("c.md", LAYERED),
        ],
    );
    Library::from_sources(&[fed, city]).unwrap_or_else(|d| panic!("{}", render(&d)))
}

fn info(date: &str, items: &[&str]) -> serde_json::Value {
    json!({ "jurisdiction": "us-ny-nyc", "date": date, "request": { "kind": "information", "information": items } })
}

#[test]
fn the_most_specific_layer_decides_unless_preempted() {
    let lib = layered();
    let d = lib
        .decide_json(&info("2015-06-01", &["release_date"]))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Prohibited);
    assert_eq!(d.law.layers, vec!["us", "us-ny-nyc"]);
    let d = lib
        .decide_json(&info("2015-06-01", &["immigration_status"]))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Permitted);
    assert_eq!(d.citations, vec!["8 U.S.C. § 1373"]);
    assert!(d.notes.iter().any(|n| n.contains("preempts")));
}

#[test]
fn court_orders_suspend_provisions_for_their_dates() {
    let lib = layered();
    let o = |date: &str| lib.decide_json(&info(date, &["release_date"])).unwrap();
    assert_eq!(o("2015-12-31").outcome, Outcome::Prohibited);
    let d = o("2016-01-01");
    assert_eq!(d.outcome, Outcome::Permitted);
    assert_eq!(d.law.events[0].id, "us-ny-nyc/court-stay");
    assert_eq!(d.law.suspended[0].rule, "us-ny-nyc/city-no");
    assert_eq!(o("2017-01-01").outcome, Outcome::Prohibited);
    // Before the city law: only the federal layer.
    assert_eq!(o("2014-01-01").outcome, Outcome::Permitted);
    // OCD ids are accepted.
    let mut r = info("2015-06-01", &["release_date"]);
    r["jurisdiction"] = json!("ocd-division/country:us/state:ny/place:new_york");
    assert_eq!(lib.decide_json(&r).unwrap().outcome, Outcome::Prohibited);
}

#[test]
fn unknown_rules_are_enumerated_not_guessed() {
    let lib = layered();
    // The information set is not given: the status rule and the info rule are both unknown,
    // but the city rule prohibits either way unless the federal preemption fires.
    let r = json!({ "jurisdiction": "us-ny-nyc", "date": "2015-06-01", "request": { "kind": "information" } });
    let d = lib.decide_json(&r).unwrap();
    assert_eq!(d.outcome, Outcome::Undetermined);
    assert_eq!(d.missing_facts, vec!["request.information"]);
    // During the stay both federal rules give `permitted`: determined without the fact.
    let r = json!({ "jurisdiction": "us-ny-nyc", "date": "2016-06-01", "request": { "kind": "information" } });
    assert_eq!(lib.decide_json(&r).unwrap().outcome, Outcome::Permitted);
}

#[test]
fn possible_outcomes_bound_an_undetermined_request() {
    let lib = fixture();
    // Without the warrant, the judicial branch permits and the others prohibit.
    let mut r = req("judicial", conv("NY PL 120.05", "2018-01-01", 0));
    r["request"].as_object_mut().unwrap().remove("warrant");
    let (pack, facts) = lib.decode(&r).unwrap();
    let law = lib.law_for(pack, &facts).unwrap();
    assert_eq!(
        brightline_core::decide::outcome(law, &facts),
        Outcome::Undetermined
    );
    let set = brightline_core::decide::possible_outcomes(law, &facts);
    assert!(set.contains(Outcome::Permitted) && set.contains(Outcome::Prohibited));
    assert_eq!(set.single(), None);
    // A decided request has exactly its outcome.
    let (pack, facts) = lib
        .decode(&req("judicial", conv("NY PL 120.05", "2018-01-01", 0)))
        .unwrap();
    let law = lib.law_for(pack, &facts).unwrap();
    assert_eq!(
        brightline_core::decide::possible_outcomes(law, &facts).single(),
        Some(Outcome::Permitted)
    );
}

/// A state's "cooperation cannot be restricted" (permitted, preempting) sets
/// aside a county's refusal but not a county's duty to cooperate more.
#[test]
fn preemption_reaches_only_what_the_higher_law_forbids() {
    let rule = |id: &str, when: &str, outcome: &str, extra: &str| {
        format!(
            "```rule\nid: {id}\ncitation: § {id}\nsource: https://example.invalid/{id}\neffective: 2010-01-01 ..\ntitle: {id}\nwhen: {when}\noutcome: {outcome}\n{extra}```\n"
        )
    };
    let state = rule(
        "no-limit",
        "request.kind is detainer",
        "permitted",
        "preempts: lower\n",
    );
    let county = |outcome: &str| rule("county", "request.kind is detainer", outcome, "");
    for (county_outcome, want) in [
        ("prohibited", Outcome::Permitted),
        ("required", Outcome::Required),
    ] {
        let packs = [
            common::pack("us", &[("pack.toml", "id = \"us\"\nname = \"US\"\nlayer = \"federal\"\n"), ("f.md", "")]),
            common::pack(
                "us-fl",
                &[
                    ("pack.toml", "id = \"us-fl\"\nname = \"State\"\nparent = \"us\"\nlayer = \"state\"\n"),
                    ("s.md", state.as_str()),
                ],
            ),
            common::pack(
                "us-fl-miami-dade",
                &[
                    ("pack.toml", "id = \"us-fl-miami-dade\"\nname = \"County\"\nparent = \"us-fl\"\nlayer = \"county\"\n"),
                    ("c.md", county(county_outcome).as_str()),
                ],
            ),
        ];
        let (lib, diags) = Library::load(&packs);
        assert!(
            !diags
                .iter()
                .any(|d| d.severity == brightline_core::diag::Severity::Error),
            "{}",
            common::render(&diags)
        );
        let d = lib
            .decide_json(
                &json!({ "jurisdiction": "us-fl-miami-dade", "date": "2020-06-01",
                "request": { "kind": "detainer" } }),
            )
            .unwrap();
        assert_eq!(d.outcome, want, "county {county_outcome}: {}", d.summary);
    }
}

//! The bundled packs load with no error, pass every check, and every worked
//! example beside its provision decides as the pack says.

use brightline_core::{lint, Library, Severity};

#[test]
fn bundled_packs_are_clean_and_every_worked_example_passes() {
    let (lib, mut diags) = Library::load(&brightline_laws::sources());
    lint::check_rules(&lib, &mut diags);
    let (run, failed) = lint::check_examples(&lib, &mut diags);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.short())
        .collect();
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert_eq!(failed, 0);
    assert!(
        run >= 80,
        "the packs carry at least 80 worked examples, found {run}"
    );
    for id in ["us", "us-ny", "us-ny-nyc"] {
        assert!(lib.pack(id).is_some(), "pack {id} is bundled");
    }
}

#[test]
fn every_rule_cites_dates_and_sources() {
    let lib = brightline_laws::library().expect("bundled packs load");
    for p in &lib.packs {
        for r in &p.rules {
            let d = &r.def;
            assert!(!d.citation.trim().is_empty(), "{}/{}", p.id, d.id);
            assert!(
                d.source.starts_with("http"),
                "{}/{} source must be a URL: {}",
                p.id,
                d.id,
                d.source
            );
            assert!(d.until.is_none_or(|u| u >= d.from));
        }
    }
}

/// A preempting provision that decides names the lower provisions it sets aside.
#[test]
fn preemption_names_the_prevailing_and_the_preempted_provision() {
    let lib = brightline_laws::library().expect("bundled packs load");
    let names = |d: &brightline_core::decide::Decision| -> Vec<(String, Vec<String>)> {
        d.preemptions
            .iter()
            .map(|p| {
                (
                    p.prevailing.clone(),
                    p.preempted.iter().map(|x| x.rule.clone()).collect(),
                )
            })
            .collect()
    };
    // Texas's detainer mandate over the Travis County policy, on the day the
    // Fifth Circuit's stay restored the mandate and before the policy's rescission.
    let travis = serde_json::json!({
        "jurisdiction": "us-tx-travis", "agency": "tcso", "date": "2017-09-25",
        "request": { "kind": "detainer", "warrant": "administrative", "place": "jail",
                     "purpose": "civil_immigration", "court_ordered": false },
        "subject": { "in_custody": true, "lawful_status_proof": false,
                     "convictions": [], "pending_charges": [] } });
    let d = lib.decide_json(&travis).unwrap();
    assert_eq!(d.outcome, brightline_core::Outcome::Required);
    assert_eq!(
        names(&d),
        vec![(
            "us-tx/tx-detainer-2017".to_string(),
            vec!["us-tx-travis/travis-default".to_string()]
        )]
    );
    assert!(d.notes.iter().any(|n| n.contains("Travis County")));
    // The day before, the mandate was enjoined: the county policy decides alone.
    let mut before = travis.clone();
    before["date"] = "2017-09-24".into();
    let d = lib.decide_json(&before).unwrap();
    assert_eq!(d.outcome, brightline_core::Outcome::Prohibited);
    assert!(d.preemptions.is_empty());

    // 8 U.S.C. § 1373 over New York City's ban on sharing status information.
    let status = serde_json::json!({
        "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-11-09",
        "request": { "kind": "information", "warrant": "administrative",
                     "information": ["immigration_status"], "purpose": "civil_immigration", "place": "jail" },
        "subject": { "arrest_date": "2025-11-01", "convictions": [], "pending_charges": [], "tsdb_match": false } });
    let d = lib.decide_json(&status).unwrap();
    assert_eq!(d.outcome, brightline_core::Outcome::Permitted);
    let p = names(&d);
    assert_eq!(p.len(), 1);
    assert!(p[0].0.starts_with("us/"), "{p:?}");
    assert!(
        p[0].1.iter().all(|r| r.starts_with("us-ny-nyc/")) && !p[0].1.is_empty(),
        "{p:?}"
    );
}

/// Every report definition compiles and checks, and every report's worked
/// example counts its fixture to the stated totals.
#[test]
fn reports_compile_and_their_worked_examples_count_right() {
    let lib = brightline_laws::library().expect("bundled packs load");
    let (reports, mut diags) = brightline_core::report::load(lib);
    let (run, failed) = brightline_core::report::check_examples(lib, &reports, &mut diags);
    let errors: Vec<String> = diags.iter().map(|d| d.short()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(failed, 0);
    assert!(reports.len() >= 4, "{} reports", reports.len());
    // Every report with fields that count has a worked example.
    for r in &reports {
        assert!(
            !r.examples.is_empty() || r.fields.iter().all(|f| f.count.is_none()),
            "report {} has no worked example",
            r.id
        );
    }
    assert!(run >= reports.len(), "{run} examples");
}

/// The checks a report definition gets at load and from `lint`: unknown
/// facts, names the log does not keep, values outside their sets, fields
/// that refer to themselves, and a wrong total in a worked example.
#[test]
fn report_checks_name_what_is_wrong() {
    let bad = r#"
[[report]]
id = "bad"
title = "t"
citation = "c"
agency = "jail"

  [[report.field]]
  name = "unknown_fact"
  words = "w"
  count = "count where request.knd is detainer"

  [[report.field]]
  name = "unkept"
  words = "w"
  count = "count where decision.acted"

  [[report.field]]
  name = "identifier"
  words = "w"
  count = "count where subject.booking_number is x"

  [[report.field]]
  name = "bad_act"
  words = "w"
  count = "count where action is detained"

  [[report.field]]
  name = "bad_rule"
  words = "w"
  count = "count where rule is no-such-rule"

  [[report.field]]
  name = "loop_a"
  words = "w"
  count = "count where loop_b"

  [[report.field]]
  name = "loop_b"
  words = "w"
  count = "count where loop_a"

  [[report.field]]
  name = "no_count"
  words = "w"

[[report]]
id = "good-but-wrong-example"
title = "t"
citation = "c"
agency = "jail"

  [[report.field]]
  name = "detainers"
  words = "w"
  count = "count where request.kind is detainer"

  [[report.example]]
  name = "wrong-total"
  fixture = "reports-fixture.json"
  from = "2024-07-01"
  to = "2025-06-30"
  expect = { detainers = 4 }
"#;
    let mut sources = brightline_laws::sources();
    let nyc = sources
        .iter_mut()
        .find(|s| s.dir.ends_with("us-ny-nyc"))
        .unwrap();
    let f = nyc
        .files
        .iter_mut()
        .find(|f| f.path.ends_with("reports.toml"))
        .unwrap();
    f.text = std::sync::Arc::from(bad);
    let (lib, _) = Library::load(&sources);
    let (reports, mut diags) = brightline_core::report::load(&lib);
    let msgs: Vec<String> = diags.iter().map(|d| d.short()).collect();
    let all = msgs.join("\n");
    for want in [
        "request.knd",
        "keeps no `decision.acted`",
        "`subject.booking_number` only as a keyed hash",
        "`detained` is not a known action value",
        "`no-such-rule` is not a known rule value",
        "field `loop_a` refers to itself",
        "field `no_count` has neither `count` nor `by_hand`",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
    assert!(reports.iter().all(|r| r.id != "bad"));
    // Diagnostics point into the file, at the count's words.
    let d = diags
        .iter()
        .find(|d| d.message.contains("decision.acted"))
        .unwrap();
    assert_eq!(&d.file.text[d.span.clone()], "decision.acted");
    diags.clear();
    let mine: Vec<_> = reports
        .into_iter()
        .filter(|r| r.id == "good-but-wrong-example")
        .collect();
    let (run, failed) = brightline_core::report::check_examples(&lib, &mine, &mut diags);
    assert_eq!((run, failed), (1, 1));
    assert!(
        diags[0]
            .message
            .contains("detainers: expected 4, counted 5"),
        "{}",
        diags[0].message
    );
}

/// A report flags an act only when the decision prohibited that kind of act:
/// a hold on a prohibited detainer and information given on a prohibited
/// notification are flagged; a release date told to ICE after a prohibited
/// detainer, and a hold on a permitted one, are counted but not flagged.
#[test]
fn reports_flag_only_acts_of_the_kind_the_decision_prohibits() {
    let report = r#"
[[report]]
id = "acts"
title = "t"
citation = "c"
agency = "all"

  [[report.field]]
  name = "acted"
  words = "w"
  count = "count where action in {held, notified, transferred, gave_information, allowed_access}"
"#;
    let mut sources = brightline_laws::sources();
    let nyc = sources
        .iter_mut()
        .find(|s| s.dir.ends_with("us-ny-nyc"))
        .unwrap();
    let f = nyc
        .files
        .iter_mut()
        .find(|f| f.path.ends_with("reports.toml"))
        .unwrap();
    f.text = std::sync::Arc::from(report);
    let (lib, _) = Library::load(&sources);
    let (reports, diags) = brightline_core::report::load(&lib);
    assert!(
        diags.is_empty(),
        "{:?}",
        diags.iter().map(|d| d.short()).collect::<Vec<_>>()
    );
    let r = reports.iter().find(|r| r.id == "acts").unwrap();
    let req = |kind: &str, warrant: &str, convictions: serde_json::Value| {
        serde_json::json!({
            "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-02-01",
            "request": { "kind": kind, "warrant": warrant, "information": ["release_date"],
                         "place": "jail", "purpose": "civil_immigration", "court_ordered": false },
            "subject": { "arrest_date": "2025-01-30", "convictions": convictions, "pending_charges": [],
                         "tsdb_match": false, "reentry_after_removal": false, "lawful_status_proof": false },
        })
    };
    let vsc = serde_json::json!([{ "offense": "NY PL 120.05", "date": "2022-03-01", "level": "felony",
        "incarcerated_days": 0, "youthful_offender": false, "juvenile": false, "hate_crime": false }]);
    let entries = [
        (
            1,
            req("detainer", "administrative", serde_json::json!([])),
            "notified",
        ),
        (
            2,
            req("detainer", "administrative", serde_json::json!([])),
            "held",
        ),
        (
            3,
            req("notification", "none", serde_json::json!([])),
            "gave_information",
        ),
        (4, req("detainer", "judicial", vsc), "held"),
    ];
    let want = ["prohibited", "prohibited", "prohibited", "permitted"];
    for ((_, q, _), w) in entries.iter().zip(want) {
        let d = lib.decide_json(q).unwrap();
        assert_eq!(serde_json::to_value(&d).unwrap()["outcome"], w, "{q}");
    }
    let fixture = serde_json::json!({ "entries": entries.iter().map(|(id, q, act)| serde_json::json!({
        "id": id, "request": q, "acts": [{ "act": act, "date": "2025-02-02" }],
    })).collect::<Vec<_>>() });
    let d = |s: &str| brightline_core::expr::parse_date(s).unwrap();
    let rows = brightline_core::report::fixture_rows(
        &lib,
        &fixture.to_string(),
        d("2025-01-01"),
        d("2025-12-31"),
    )
    .unwrap();
    let rows: Vec<_> = rows.iter().collect();
    let counted = brightline_core::report::count(r, &rows);
    assert_eq!(counted[0].value, Some(4));
    let flagged: Vec<(i64, &str)> = counted[0]
        .flagged
        .iter()
        .map(|f| (f.decision, f.act.as_str()))
        .collect();
    assert_eq!(flagged, [(2, "held"), (3, "gave_information")]);
}

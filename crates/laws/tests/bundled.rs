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

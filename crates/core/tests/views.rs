//! The typed views are the API's: built once in core, rendered by the CLI
//! and the server. These check them against the bundled packs.

use brightline_core::views::MatrixError;
use brightline_core::Outcome;
use time::macros::date;

fn lib() -> &'static brightline_core::Library {
    brightline_laws::library().expect("bundled packs load")
}

#[test]
fn law_in_force_names_rules_once_and_keeps_suspensions_self_contained() {
    let lib = lib();
    let nyc = lib.jurisdiction("us-ny-nyc").unwrap();
    let law = lib.law_in_force(nyc, date!(2025 - 11 - 09)).unwrap();
    assert_eq!(law.jurisdiction.to_string(), "us-ny-nyc");
    assert_eq!(
        law.chain.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["us-ny-nyc", "us-ny", "us"]
    );
    assert!(!law.provisions.is_empty());
    for p in &law.provisions {
        assert_eq!(
            p.rule.to_string(),
            format!("{}/{}", p.rule.pack, p.rule.rule)
        );
        assert_eq!(p.rule.pack, p.jurisdiction);
        assert!(
            !p.condition.is_empty(),
            "{} has no English condition",
            p.rule
        );
    }
    assert!(law
        .provisions
        .iter()
        .any(|p| p.outcome == Outcome::Prohibited));
    // The JSON spells a rule as one string, as decisions do.
    let v = serde_json::to_value(&law).unwrap();
    assert!(v["provisions"][0]["rule"].as_str().unwrap().contains('/'));
    // Every suspension's event is in the view.
    let mut seen = 0;
    for day in [
        date!(2017 - 06 - 01),
        date!(2020 - 01 - 01),
        date!(2025 - 11 - 09),
    ] {
        for j in ["us-ny-nyc", "us-il-chicago", "us-ca", "us-tx"] {
            let law = lib.law_in_force(lib.jurisdiction(j).unwrap(), day);
            let Ok(law) = law else { continue };
            seen += law.suspended.len();
            for s in &law.suspended {
                assert!(
                    law.events.iter().any(|e| e.id == s.event),
                    "{j} {day}: {}",
                    s.event
                );
            }
        }
    }
    assert!(
        seen > 0,
        "no suspension on any of these days: the check saw nothing"
    );
}

#[test]
fn history_adds_and_removes_between_versions() {
    let lib = lib();
    let h = lib.history(lib.jurisdiction("us-ny-nyc").unwrap());
    assert!(h.versions.len() > 2);
    let added: usize = h.versions.iter().map(|v| v.added.len()).sum();
    let removed: usize = h.versions.iter().map(|v| v.removed.len()).sum();
    let last = h.versions.last().unwrap().provisions;
    // Each version's count is what entered minus what left.
    assert_eq!(added - removed, last);
}

#[test]
fn matrix_has_a_cell_per_kind_and_refuses_unknown_names() {
    let lib = lib();
    let m = lib
        .matrix(&["us-ny-nyc", "us-tx"], date!(2025 - 11 - 09), None)
        .unwrap();
    assert_eq!(m.rows.len(), 2);
    assert!(m.rows.iter().all(|r| r.len() == m.kinds.len()));
    assert_eq!(m.rows[1][0].jurisdiction, "us-tx");
    assert!(matches!(
        lib.matrix(&["xx-nowhere"], date!(2025 - 11 - 09), None),
        Err(MatrixError::Jurisdiction(_))
    ));
    assert_eq!(
        lib.matrix(&[], date!(2025 - 11 - 09), Some("sheriff"))
            .unwrap_err(),
        MatrixError::Agency("sheriff".into())
    );
}

#[test]
fn the_canonical_request_keeps_what_rules_read_and_decodes_the_same() {
    let lib = lib();
    let req = serde_json::json!({
        "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-11-09",
        "request": { "kind": "detainer", "warrant": "administrative" },
        "subject": {
            "booking_number": "B-77", "name": "A Person",
            "convictions": [{ "offense": "PL 120.05(2) assault 2nd", "date": "2020-01-02" }],
            "tsdb_match": null
        }
    });
    let c = lib.canonical(&req).unwrap();
    let s = &c.request["subject"];
    for k in brightline_core::schema::IDENTIFIERS {
        assert!(s.get(*k).is_none(), "{k} kept: {}", c.request);
    }
    assert!(s.get("tsdb_match").is_none(), "a null is not a fact");
    assert_eq!(s["convictions"][0]["offense"], "NY PL 120.05(2)");
    assert_eq!(lib.decode(&c.request).unwrap(), (c.pack, c.facts));
}

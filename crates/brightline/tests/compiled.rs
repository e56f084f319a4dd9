//! Packs loaded at run time reuse the bundled build's compiled plans only
//! where a plan is unchanged; an edited rule is interpreted as edited.

use brightline::{Library, Outcome, PackSource, SourceFile};
use serde_json::json;

fn compiled(lib: &Library) -> usize {
    lib.versions
        .values()
        .flatten()
        .flat_map(|v| &v.plans)
        .filter(|p| p.native.is_some())
        .count()
}

/// A DOC detainer with a judicial warrant and one violent felony conviction
/// 5½ years before the arrest: outside the five-year look-back of § 9-131.
fn outcome(lib: &Library) -> Outcome {
    let req = json!({
        "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-06-01",
        "request": { "kind": "detainer", "warrant": "judicial" },
        "subject": {
            "arrest_date": "2025-05-01", "tsdb_match": false,
            "convictions": [{ "offense": "NY PL 160.15", "date": "2019-11-01",
                              "level": "felony", "incarcerated_days": 0 }]
        }
    });
    let (pack, facts) = lib.decode(&req).expect("a valid request");
    let date = brightline::parse_date("2025-06-01").expect("a date");
    brightline::outcome(lib.law(pack, date).expect("law in force"), &facts)
}

#[test]
fn unchanged_packs_loaded_from_disk_run_compiled() {
    let bundled = brightline::bundled().expect("bundled packs load");
    let loaded = brightline::load(&brightline::bundled_sources()).expect("bundled packs load");
    assert!(compiled(bundled) > 100);
    assert_eq!(compiled(&loaded), compiled(bundled));
    assert_eq!(outcome(&loaded), outcome(bundled));
    assert_eq!(outcome(bundled), Outcome::Prohibited);
}

#[test]
fn an_edited_rule_is_interpreted_as_edited() {
    let bundled = brightline::bundled().expect("bundled packs load");
    // The look-back widened from five years to six in the DOC rules.
    let sources: Vec<PackSource> = brightline::bundled_sources()
        .into_iter()
        .map(|mut p| {
            for f in &mut p.files {
                if f.path.ends_with("us-ny-nyc/doc-9-131.md") {
                    let text = f
                        .text
                        .replace("within 5 years before", "within 6 years before");
                    assert_ne!(text, *f.text, "the DOC rules have a five-year look-back");
                    *f = SourceFile {
                        path: f.path.clone(),
                        text: text.into(),
                    };
                }
            }
            p
        })
        .collect();
    let edited = brightline::load(&sources).expect("the edited packs load");
    let (all, kept) = (compiled(bundled), compiled(&edited));
    assert!(
        kept < all,
        "the edited plans no longer match their compiled code"
    );
    assert!(kept > 0, "the plans the edit did not touch still do");
    assert_eq!(outcome(&edited), Outcome::Permitted);
}

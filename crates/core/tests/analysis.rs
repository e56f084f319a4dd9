//! Whole-space analyses: the comparison matrix and the law diff, on the
//! bundled packs and on a fixture pair that differs in one clause.

use std::path::Path;
use std::sync::Arc;

use brightline_core::analysis::{self, CellClass, Codes, Diff, LawAt};
use brightline_core::load::Outcome;
use brightline_core::{Library, PackSource, SourceFile};

fn date(s: &str) -> time::Date {
    brightline_core::expr::parse_date(s).expect("test date")
}

fn fixture(name: &str) -> Library {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let mut sources = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    for d in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .expect("pack folder")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        sources.push(PackSource {
            dir: d.display().to_string(),
            files: files
                .into_iter()
                .map(|f| SourceFile {
                    path: f.display().to_string(),
                    text: Arc::from(std::fs::read_to_string(&f).expect("fixture file")),
                })
                .collect(),
        });
    }
    match Library::from_sources(&sources) {
        Ok(l) => l,
        Err(d) => panic!(
            "fixture {name} does not load: {:?}",
            d.iter().map(|x| x.to_string()).collect::<Vec<_>>()
        ),
    }
}

fn bundled() -> &'static Library {
    brightline_laws::library().expect("bundled packs load")
}

fn at(lib: &Library, j: &str, d: &str) -> LawAt {
    LawAt {
        pack: lib.jurisdiction(j).expect("jurisdiction"),
        date: date(d),
    }
}

/// Every reported example, decided for real, gives the outcomes the region states.
fn assert_examples_decide(lib_a: &Library, lib_b: &Library, d: &Diff) {
    for r in &d.regions {
        let a = lib_a
            .decide_json(&r.example)
            .expect("example A is a valid request");
        let b = lib_b
            .decide_json(&r.example_b)
            .expect("example B is a valid request");
        assert_eq!(a.outcome, r.a.outcome, "example A of {:?}", r.when);
        assert_eq!(b.outcome, r.b.outcome, "example B of {:?}", r.when);
        assert!(r.check.agrees, "{:?}", r.check.note);
        assert_ne!(r.a.outcome, r.b.outcome);
    }
}

#[test]
fn a_law_diffed_with_itself_is_equivalent() {
    let lib = bundled();
    let mut checked = 0;
    for (j, d) in [
        ("us", "2020-01-01"),
        ("us-ny-nyc", "2014-12-13"),
        ("us-ny-nyc", "2014-12-14"),
        ("us-ny-nyc", "2025-06-01"),
        ("us-ny", "2019-06-01"),
        ("us-tx", "2018-06-01"),
        ("us-ca", "2019-01-01"),
        ("us-il-chicago", "2022-01-01"),
    ] {
        // The packs are bundled: one missing, or without law on the date, is a broken build.
        let pack = lib.jurisdiction(j).expect("bundled pack");
        lib.law(pack, date(d))
            .unwrap_or_else(|e| panic!("{j}@{d}: {e}"));
        let x = LawAt {
            pack,
            date: date(d),
        };
        let diff = analysis::diff(lib, x, x).expect("diff");
        assert!(diff.equivalent, "{j}@{d}: {}", diff.to_text());
        assert!(diff.regions.is_empty() && diff.undecided.is_empty());
        assert!(diff.points > 0, "{j}@{d}: nothing was enumerated");
        assert!(diff.to_text().contains("equivalent"));
        checked += 1;
    }
    assert_eq!(checked, 8, "every listed law is diffed with itself");
}

#[test]
fn two_dates_of_one_unchanged_version_are_equivalent() {
    let lib = bundled();
    let d = analysis::diff(
        lib,
        at(lib, "us-ny-nyc", "2015-03-01"),
        at(lib, "us-ny-nyc", "2015-03-02"),
    )
    .expect("diff");
    assert!(d.equivalent, "{}", d.to_text());
}

#[test]
fn fixture_pair_with_one_clause_changed_differs_exactly_there() {
    let (a, b) = (fixture("diff-a"), fixture("diff-b"));
    let x = at(&a, "us", "2020-01-01");
    let y = at(&b, "us", "2020-01-01");
    // Each fixture is equivalent to itself, also across two libraries.
    assert!(
        analysis::diff_between(&a, x, &a, x)
            .expect("diff")
            .equivalent
    );
    assert!(
        analysis::diff_between(&a, x, &fixture("diff-a"), x)
            .expect("diff")
            .equivalent
    );
    let d = analysis::diff_between(&a, x, &b, y).expect("diff");
    assert!(!d.equivalent);
    assert!(d.undecided.is_empty(), "{:?}", d.undecided);
    assert_eq!(d.regions.len(), 1, "{}", d.to_text());
    let r = &d.regions[0];
    assert_eq!(r.kinds, ["detainer"]);
    assert_eq!(r.agencies, ["jail"]);
    assert_eq!(r.a.outcome, Outcome::Prohibited);
    assert_eq!(r.b.outcome, Outcome::Permitted);
    assert_eq!(r.a.provisions[0].citation, "Fixture Code § 1(a)");
    assert_eq!(r.b.provisions[0].citation, "Fixture Code § 1(b)");
    // The region is what the clause touches: an administrative warrant, with a listed conviction.
    assert!(
        r.when.iter().any(|w| w == "an administrative warrant"),
        "{:?}",
        r.when
    );
    assert!(
        r.when
            .iter()
            .any(|w| w.starts_with("subject.convictions: a conviction (an offense on the vsc list")),
        "{:?}",
        r.when
    );
    assert_eq!(r.when.len(), 2, "{:?}", r.when);
    assert_eq!(r.example["request"]["warrant"], "administrative");
    assert_examples_decide(&a, &b, &d);
    // The reverse diff is the mirror image.
    let back = analysis::diff_between(&b, y, &a, x).expect("diff");
    assert_eq!(back.regions.len(), 1);
    assert_eq!(back.regions[0].a.outcome, Outcome::Permitted);
    assert_eq!(back.regions[0].b.outcome, Outcome::Prohibited);
    insta::assert_snapshot!(d.to_text());
}

#[test]
fn fixture_cell_is_permitted_only_if_with_plain_conditions() {
    let a = fixture("diff-a");
    let codes = Codes::new(&a);
    let p = a.jurisdiction("us").expect("us");
    let c = analysis::cell(&a, &codes, p, date("2020-01-01"), 0, 1).expect("cell");
    assert_eq!(c.class, CellClass::PermittedOnlyIf);
    assert_eq!(
        c.condition.as_deref(),
        Some("a judicial warrant and a conviction (an offense on the vsc list, a felony, and dated within 5 years before the arrest date (plus the incarcerated days))")
    );
    assert_eq!(c.citations, ["Fixture Code § 1(b)", "Fixture Code § 1(a)"]);
    // Information with status asked for civil immigration purposes is prohibited, nothing else decided.
    let i = analysis::cell(&a, &codes, p, date("2020-01-01"), 3, 4).expect("cell");
    assert_eq!(i.class, CellClass::Prohibited);
    assert!(i.note.is_some());
    // No rule for a 287(g) agreement.
    let g = analysis::cell(&a, &codes, p, date("2020-01-01"), 7, 1).expect("cell");
    assert_eq!(g.class, CellClass::NoRule);
    // Before the fixture law takes effect there is no law at all: an error, not a guess.
    assert!(analysis::cell(&a, &codes, p, date("2010-01-01"), 0, 1).is_err());
}

#[test]
fn nyc_detainer_change_of_2014_is_reported_with_section_9_131_on_both_sides() {
    let lib = bundled();
    let d = analysis::diff(
        lib,
        at(lib, "us-ny-nyc", "2014-12-13"),
        at(lib, "us-ny-nyc", "2014-12-14"),
    )
    .expect("diff");
    assert!(!d.equivalent);
    assert!(d.undecided.is_empty(), "{:?}", d.undecided);
    let jail: Vec<_> = d
        .regions
        .iter()
        .filter(|r| {
            r.kinds.iter().any(|k| k == "detainer") && r.agencies.iter().any(|a| a == "jail")
        })
        .collect();
    assert!(!jail.is_empty(), "{}", d.to_text());
    let cites =
        |r: &analysis::SideResult| r.provisions.iter().any(|p| p.citation.contains("§ 9-131"));
    assert!(
        jail.iter().all(|r| cites(&r.a) && cites(&r.b)),
        "{}",
        d.to_text()
    );
    // Both directions of the change: the old grounds without a judicial warrant stop
    // permitting, and a judicial warrant with a recent violent or serious felony starts to.
    assert!(jail
        .iter()
        .any(|r| r.a.outcome == Outcome::Permitted && r.b.outcome == Outcome::Prohibited));
    assert!(jail
        .iter()
        .any(|r| r.a.outcome == Outcome::Prohibited && r.b.outcome == Outcome::Permitted));
    assert_examples_decide(lib, lib, &d);
    assert!(d.to_text().contains("§ 9-131(b)(1)"));
}

#[test]
fn examples_of_a_cross_jurisdiction_diff_decide_as_reported() {
    let lib = bundled();
    let d = analysis::diff(
        lib,
        at(lib, "us-ny-nyc", "2024-01-01"),
        at(lib, "us-tx", "2024-01-01"),
    )
    .expect("diff");
    assert!(!d.regions.is_empty());
    assert_examples_decide(lib, lib, &d);
    let json = serde_json::to_value(&d).expect("serializes");
    assert_eq!(json["equivalent"], false);
}

#[test]
fn compare_cells_nyc_detainer_and_texas_detainer() {
    let lib = bundled();
    let codes = Codes::new(lib);
    let jail = 1;
    let nyc = lib.jurisdiction("us-ny-nyc").expect("nyc pack");
    let c = analysis::cell(lib, &codes, nyc, date("2025-06-01"), 0, jail).expect("cell");
    assert_eq!(c.class, CellClass::PermittedOnlyIf, "{c:?}");
    let cond = c.condition.clone().unwrap_or_default();
    assert!(cond.contains("judicial warrant"), "{cond}");
    assert!(
        c.citations.iter().any(|x| x.contains("§ 9-131(b)(1)")),
        "{:?}",
        c.citations
    );
    assert!(c.outcomes.contains(&Outcome::Prohibited) && c.outcomes.contains(&Outcome::Permitted));
    let tx = lib.jurisdiction("us-tx").expect("texas pack");
    let t = analysis::cell(lib, &codes, tx, date("2025-06-01"), 0, jail).expect("cell");
    assert_eq!(t.class, CellClass::Required, "{t:?}");
    assert!(
        t.citations.iter().any(|x| x.contains("2.251")),
        "{:?}",
        t.citations
    );
    assert!(t.headline().starts_with("required"));
    // Every cell of every pack classifies without error, with a citation whenever a rule decides.
    for p in 0..lib.packs.len() {
        for k in 0..brightline_core::schema::KINDS.len() {
            let role = brightline_core::schema::value_index(
                brightline_core::schema::AGENCIES,
                analysis::default_role(brightline_core::schema::KINDS[k]),
            )
            .expect("role");
            let c = analysis::cell(lib, &codes, p, date("2025-06-01"), k, role)
                .unwrap_or_else(|e| panic!("{}: {e}", lib.packs[p].id));
            if !matches!(c.class, CellClass::NoRule | CellClass::NotDecided) {
                assert!(!c.citations.is_empty(), "{c:?}");
            }
            if c.class == CellClass::PermittedOnlyIf {
                assert!(c.condition.is_some(), "{c:?}");
            }
        }
    }
}

/// Compare cells read as plain English: no "not (…)" left for the reader to
/// work out, and a group inside another says so ("either", "both").
#[test]
fn compare_conditions_are_plain_english_with_explicit_grouping() {
    let lib = bundled();
    let codes = Codes::new(lib);
    let mut seen = 0;
    for p in 0..lib.packs.len() {
        for kind in 0..brightline_core::schema::KINDS.len() {
            let role = brightline_core::schema::value_index(
                brightline_core::schema::AGENCIES,
                analysis::default_role(brightline_core::schema::KINDS[kind]),
            )
            .unwrap();
            let c = analysis::cell(lib, &codes, p, date("2025-11-09"), kind, role)
                .unwrap_or_else(|e| panic!("{}: {e}", lib.packs[p].id));
            for text in c.condition.iter().chain(c.unless.iter()) {
                seen += 1;
                assert!(!text.contains("not ("), "{}: {text}", lib.packs[p].id);
                assert!(
                    !text.contains("not not") && !text.contains("not no "),
                    "{text}"
                );
                assert!(
                    !text.contains('`') && !text.contains("request.") && !text.contains("subject."),
                    "{text}"
                );
            }
        }
    }
    assert!(seen > 20, "{seen} conditions");
    // The example: "not (not judicial warrant and not a court order)".
    let nyc = lib.jurisdiction("us-ny-nyc").unwrap();
    let c = analysis::cell(lib, &codes, nyc, date("2025-11-09"), 5, 0).unwrap();
    let cond = c.condition.unwrap_or_default();
    assert!(
        cond.contains("a judicial warrant or a court order"),
        "{cond}"
    );
}

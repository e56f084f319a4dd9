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

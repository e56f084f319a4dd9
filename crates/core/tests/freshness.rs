//! `checked = "YYYY-MM-DD"` in pack.toml and the lint warning for a pack not checked in 180 days.

mod common;
use brightline_core::{lint, Library, Severity};
use common::*;
use time::macros::date;

fn load(manifest: &str) -> (Library, Vec<brightline_core::Diagnostic>) {
    let p = pack(
        "t/us",
        &[
            ("pack.toml", manifest),
            ("pl.csv", PL),
            ("vsc.csv", VSC),
            ("rules.md", RULES),
        ],
    );
    Library::load(&[p])
}

fn with_checked(line: &str) -> String {
    MANIFEST.replacen(
        "layer = \"federal\"\n",
        &format!("layer = \"federal\"\n{line}\n"),
        1,
    )
}

fn freshness(lib: &Library, today: time::Date) -> Vec<brightline_core::Diagnostic> {
    let mut d = Vec::new();
    lint::check_freshness(lib, today, &mut d);
    d
}

#[test]
fn a_recent_check_is_quiet_and_an_old_one_warns() {
    let m = with_checked("checked = \"2026-06-01\"");
    let (lib, diags) = load(&m);
    assert!(
        diags.iter().all(|d| d.severity != Severity::Error),
        "{diags:?}"
    );
    assert_eq!(lib.packs[0].checked, Some(date!(2026 - 06 - 01)));
    // 180 days after 2026-06-01 is 2026-11-28: still fresh that day, stale the next.
    assert!(freshness(&lib, date!(2026 - 11 - 28)).is_empty());
    let w = freshness(&lib, date!(2026 - 11 - 29));
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].code, "brightline::stale-pack");
    assert!(w[0].message.contains("181 days"), "{}", w[0].message);
    // The warning points at the `checked` key.
    let span = w[0].span.clone();
    assert_eq!(&m[span], "checked");
}

#[test]
fn a_pack_that_never_says_is_warned_about() {
    let (lib, _) = load(MANIFEST);
    assert_eq!(lib.packs[0].checked, None);
    let w = freshness(&lib, date!(2026 - 12 - 04));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].code, "brightline::unchecked-pack");
}

#[test]
fn a_malformed_date_is_an_error() {
    let (_, diags) = load(&with_checked("checked = \"2026-13-01\""));
    assert!(
        diags
            .iter()
            .any(|d| d.severity == Severity::Error && d.message.contains("2026-13-01")),
        "{diags:?}"
    );
}

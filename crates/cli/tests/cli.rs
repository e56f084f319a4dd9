//! The `brightline` command as a user runs it: exit codes, text for a person,
//! JSON for a program, one-line errors for bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_brightline"))
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_bundled_example_is_decided_with_citations() {
    let out = bin()
        .current_dir(root())
        .args(["check", "examples/nyc-doc-detainer.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("nyc_doc_detainer_text", text);
}

#[test]
fn json_output_keeps_the_contract_fields() {
    let out = bin()
        .current_dir(root())
        .args([
            "check",
            "examples/nyc-doc-detainer.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in [
        "outcome",
        "citations",
        "obligations",
        "missing_facts",
        "counterfactuals",
        "trace",
        "law",
    ] {
        assert!(v.get(k).is_some(), "decision has `{k}`");
    }
    assert_eq!(v["outcome"], "prohibited");
    assert!(v["citations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "N.Y.C. Admin. Code § 9-131(b)(1)"));
    assert_eq!(
        v["law"]["layers"],
        serde_json::json!(["us", "us-ny", "us-ny-nyc"])
    );
}

#[test]
fn stdin_and_date_override() {
    let req = std::fs::read_to_string(root().join("examples/nyc-doc-detainer.json")).unwrap();
    let out = run_stdin(
        &["check", "-", "--format", "json", "--date", "2026-01-02"],
        &req,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["law"]["as_of"], "2026-01-02");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_field() {
    let cases = [
        ("{", "(request)"),
        (
            r#"{"jurisdiction":"us-zz","date":"2025-01-01","request":{"kind":"detainer"}}"#,
            "jurisdiction",
        ),
        (
            r#"{"jurisdiction":"us-ny-nyc","agency":"dmv","date":"2025-01-01","request":{"kind":"detainer"}}"#,
            "agency",
        ),
        (
            r#"{"jurisdiction":"us-ny-nyc","agency":"doc","date":"2025-01-01","request":{"kind":"hold"}}"#,
            "request.kind",
        ),
        (
            r#"{"jurisdiction":"us-ny-nyc","agency":"doc","date":"1800-01-01","request":{"kind":"detainer"}}"#,
            "date",
        ),
        (
            r#"{"jurisdiction":"us-ny-nyc","agency":"doc","date":"2025-01-01","request":{"kind":"detainer"},"subject":{"convictions":[{"offense":"NY PL 120.05","date":"2031-01-01"}]}}"#,
            "subject.convictions[0].date",
        ),
        (
            r#"{"jurisdiction":"us-ny-nyc","agency":"doc","date":"2025-01-01","request":{"kind":"detainer","form":"I-247N"}}"#,
            "request.kind",
        ),
    ];
    for (input, field) in cases {
        let out = run_stdin(&["check", "-"], input);
        assert_eq!(out.status.code(), Some(2), "{input}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {field}")), "{err}");
    }
}

#[test]
fn lint_reports_diagnostics_with_location_and_fails() {
    let dir = std::env::temp_dir().join(format!("bl-lint-{}", std::process::id()));
    let pack = dir.join("us");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("pack.toml"),
        "id = \"us\"\nname = \"x\"\nlayer = \"federal\"\n",
    )
    .unwrap();
    std::fs::write(pack.join("r.md"), "```rule\nid: a\ncitation: X\nsource: http://x\neffective: 2020-01-01 ..\ntitle: t\nwhen: request.knd is detainer\noutcome: permitted\n```\n").unwrap();
    let out = bin()
        .args(["lint", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("r.md:7:7"), "{err}");
    assert!(err.contains("did you mean `request.kind`?"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn lint_of_the_bundled_packs_passes() {
    let out = bin().arg("lint").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn show_and_history_render_the_law_by_date() {
    let out = bin()
        .args(["show", "us-ny-nyc", "--date", "2025-05-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("§ 9-131(b)(1)"));
    assert!(
        text.contains("suspended by"),
        "EO 50 is restrained on 2025-05-01:\n{text}"
    );
    let out = bin().args(["history", "us-ny-nyc"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for d in [
        "2014-12-14",
        "2015-02-12",
        "2025-04-08",
        "2025-06-13",
        "2025-09-08",
        "2026-01-29",
    ] {
        assert!(text.contains(d), "history mentions {d}");
    }
}

#[test]
fn published_schemas_match_the_code() {
    for which in ["request", "decision"] {
        let out = bin().args(["schema", which]).output().unwrap();
        let published =
            std::fs::read_to_string(root().join(format!("schema/{which}.schema.json"))).unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            published,
            "regenerate with `brightline schema {which} > schema/{which}.schema.json`"
        );
    }
}

#[test]
fn lint_warns_about_packs_not_checked_in_180_days() {
    let count = |today: &str| {
        let out = bin().args(["lint", "--today", today]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "warnings do not fail lint");
        let err = String::from_utf8(out.stderr).unwrap();
        let packs: usize = err
            .lines()
            .find_map(|l| {
                l.split_once(" packs, ")
                    .map(|(n, _)| n.trim().parse().unwrap())
            })
            .expect("the summary line");
        (
            err.matches("does not say when its text was last checked")
                .count(),
            err.matches("was last checked on").count(),
            packs,
        )
    };
    let (never, stale, packs) = count("2026-12-04");
    assert!(never > 0, "packs with no `checked` are named");
    assert_eq!(stale, 0);
    // 2026-12-04 + 181 days: every pack that says when it was checked is now stale.
    let (never_later, stale_later, _) = count("2027-06-03");
    assert_eq!(never_later, never);
    assert_eq!(never + stale_later, packs, "every pack is warned about");
    let out = bin()
        .args(["lint", "--today", "2027-13-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn history_changes_since_lists_provisions_events_and_notes() {
    let out = bin()
        .args([
            "history",
            "--changes-since",
            "2025-06-30",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert!(items
        .iter()
        .all(|c| c["date"].as_str().unwrap() > "2025-06-30"));
    for what in ["provision", "court-event", "note", "checked"] {
        assert!(items.iter().any(|c| c["what"] == what), "no {what}");
    }
    // North Carolina's S.L. 2025-85, in force 2025-10-01.
    assert!(items.iter().any(|c| c["jurisdiction"] == "us-nc"
        && c["date"] == "2025-10-01"
        && c["what"] == "provision"));
    // One jurisdiction: its own chain only.
    let out = bin()
        .args(["history", "us-ny-nyc", "--changes-since", "2025-01-01"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("us-ny-nyc") && !text.contains("us-nc "),
        "{text}"
    );
    let out = bin().arg("history").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `check --memo` writes the one-page memo: a PDF whose text reads back with
/// the outcome and the citation, or HTML; the identifiers never reach it.
#[test]
fn check_writes_the_decision_memo() {
    let dir = std::env::temp_dir().join(format!("bl_memo_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("memo.pdf");
    let html = dir.join("memo.html");
    let mut req: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/nyc-doc-detainer.json")).unwrap(),
    )
    .unwrap();
    req["case_ref"] = serde_json::json!("BK-31337");
    req["subject"]["booking_number"] = serde_json::json!("BN-4242");
    let out = run_stdin(
        &["check", "-", "--memo", pdf.to_str().unwrap()],
        &req.to_string(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert_eq!(pages.len(), 1);
    let text = doc.extract_text(&pages).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("PROHIBITED"), "{flat}");
    assert!(flat.contains("N.Y.C. Admin. Code § 9-131"), "{flat}");
    assert!(flat.contains("Draft"), "{flat}");
    assert!(!flat.contains("31337") && !flat.contains("4242"));
    let out = run_stdin(
        &["check", "-", "--memo", html.to_str().unwrap()],
        &req.to_string(),
    );
    assert_eq!(out.status.code(), Some(0));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("@media print") && page.contains("PROHIBITED"));
    let _ = std::fs::remove_dir_all(&dir);
}

//! `brightline compare` and `brightline diff` through the real binary.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_brightline"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn compare_text_csv_json_html() {
    let (code, text, err) = run(&["compare", "us-ny-nyc", "us-tx", "--date", "2025-06-01"]);
    assert_eq!(code, 0, "{err}");
    let nyc = text
        .lines()
        .find(|l| l.starts_with("us-ny-nyc "))
        .expect("nyc row");
    assert!(nyc.contains("permitted only if"), "{nyc}");
    assert!(
        text.contains(
            "us-ny-nyc detainer (jail): permitted only if a judicial warrant, and either"
        ),
        "{text}"
    );
    let tx = text
        .lines()
        .find(|l| l.starts_with("us-tx "))
        .expect("tx row");
    assert!(tx.split_whitespace().nth(1) == Some("required"), "{tx}");

    let (code, csv, _) = run(&[
        "compare",
        "us-ny-nyc",
        "--date",
        "2025-06-01",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("jurisdiction,kind,agency,class,condition,unless,outcomes,citations,note")
    );
    assert_eq!(lines.count(), 8);

    let (code, json, _) = run(&[
        "compare",
        "--date",
        "2025-06-01",
        "--format",
        "json",
        "--agency",
        "police",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let rows = v["rows"].as_array().expect("rows");
    assert!(rows.len() >= 2);
    assert!(rows
        .iter()
        .flat_map(|r| r.as_array().into_iter().flatten())
        .all(|c| c["agency"] == "police"));

    let dir = std::env::temp_dir().join(format!("brightline-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let file = dir.join("m.html");
    let (code, _, err) = run(&[
        "compare",
        "--date",
        "2025-06-01",
        "--format",
        "html",
        "-o",
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&file).expect("written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("class=\"legend\""));
    // The SVG namespace is a name, not a fetch; nothing else may point off the page,
    // and the map's script is inline.
    let bare = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !bare.contains("http://") && !bare.contains("https://") && !bare.contains(" src="),
        "no external assets"
    );
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script type=\"module\">"));
    assert!(html.contains("N.Y.C. Admin. Code § 9-131(b)(1)"));
    // The map: shapes and cells for the states and D.C., and the slider's stops.
    assert!(html.contains("id=\"map-box\""));
    assert!(html.contains("\"id\":\"us-dc\"") && html.contains("\"id\":\"us-wy\""));
    assert!(html.contains("\"2011-01-01\"") && html.contains("\"2025-07-14\""));
    browser_renders_the_map(&file);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The saved page in a real headless Chromium, from a file URL: the script draws 51 state
/// shapes, coloured. Skips without chromium unless CI=true.
fn browser_renders_the_map(file: &std::path::Path) {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(browser) = browser else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no chromium"
        );
        eprintln!("SKIPPED: no chromium");
        return;
    };
    let profile = file.with_extension("profile");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        dom.matches("class=\"state").count(),
        51,
        "51 state shapes drawn: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every shape got the fill of its outcome (the grey of `no rule` is not the default here:
    // every state has a pack in force on 2025-06-01).
    assert_eq!(dom.matches("data-class=").count(), 51);
    assert!(
        dom.contains("data-date=\"2025-06-01\""),
        "the page's date is shown"
    );
    assert!(dom.contains("id=\"map-table\""));
}

#[test]
fn diff_reports_the_2014_detainer_change_and_exits_1() {
    let (code, text, err) = run(&["diff", "us-ny-nyc@2014-12-13", "us-ny-nyc@2014-12-14"]);
    assert_eq!(code, 1, "{err}");
    assert!(text.contains("§ 9-131(b)(1)"), "{text}");
    assert!(text.contains("checked: decides"));
    assert!(!text.contains("WARNING"), "{text}");
    let (code, json, _) = run(&[
        "diff",
        "us-ny-nyc",
        "us-tx",
        "--date",
        "2024-01-01",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["equivalent"], false);
}

#[test]
fn diff_of_a_law_with_itself_is_equivalent_and_bad_input_is_exit_2() {
    let (code, text, _) = run(&["diff", "us-ny-nyc@2020-01-01", "us-ny-nyc@2020-01-01"]);
    assert_eq!(code, 0);
    assert!(text.contains("equivalent"));
    let (code, _, err) = run(&["diff", "us-ny-nyc", "us-tx"]);
    assert_eq!(code, 2);
    assert!(err.contains("names no date"), "{err}");
    let (code, _, err) = run(&["diff", "nowhere@2020-01-01", "us-tx@2020-01-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("has no law pack"), "{err}");
    let (code, _, err) = run(&["compare", "--date", "2020-13-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a date"), "{err}");
}

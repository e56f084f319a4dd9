//! `brightline simulate` as a user runs it, over the real record files in shared/data.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_brightline"))
}

/// The records live outside the repository, in `../shared/data` beside the checkout (or
/// wherever `BRIGHTLINE_DATA` points).
fn data_root() -> PathBuf {
    match std::env::var_os("BRIGHTLINE_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Returns early when the record files are not on this machine, saying so; with
/// BRIGHTLINE_REQUIRE_DATA=1 their absence is a failure.
macro_rules! needs_data {
    () => {
        if !data_root().is_dir() {
            assert!(
                std::env::var("BRIGHTLINE_REQUIRE_DATA").as_deref() != Ok("1"),
                "BRIGHTLINE_REQUIRE_DATA=1 but {} is missing",
                data_root().display()
            );
            eprintln!("SKIPPED: no record files at {}", data_root().display());
            return;
        }
    };
}

const FY2015: &str = "ice-foia-fy2015/ice_lea_detainers_FY2015YTD.csv.gz";
const PA: &str = "ice-foia-pennsylvania/pa_detainers_FY2008-FY2015.csv";

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("brightline-cli-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn a_filter_that_matches_nothing_exits_2_naming_the_closest_values() {
    needs_data!();
    let out = out_dir("nomatch");
    let o = bin()
        .args(["simulate"])
        .arg(data_root().join(FY2015))
        .args([
            "--profile",
            "ice-lesa-fy2015",
            "--where",
            "state=New York",
            "--law",
            "profile@row",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("`state=New York` matches no row"), "{err}");
    assert!(err.contains("`NEW YORK` (2700 rows)"), "{err}");
    assert!(err.contains("NEW JERSEY"), "the next closest: {err}");
    assert!(o.stdout.is_empty(), "no report for an empty run");
    assert!(
        !out.join("decisions.csv").exists(),
        "no half-written output"
    );
    // The same file with the value as written there runs.
    let o = bin()
        .args(["simulate"])
        .arg(data_root().join(FY2015))
        .args([
            "--profile",
            "ice-lesa-fy2015",
            "--where",
            "state=NEW YORK",
            "--law",
            "profile@row",
            "--rows",
            "none",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&out);
}

fn pa_args(out: &Path) -> Vec<String> {
    vec![
        "simulate".into(),
        data_root().join(PA).display().to_string(),
        "--profile".into(),
        "ice-lesa-pennsylvania".into(),
        "--law".into(),
        "profile@row".into(),
        "--rows".into(),
        "none".into(),
        "--no-charts".into(),
        "--out".into(),
        out.display().to_string(),
    ]
}

/// `--threads`: one thread and a mapping thread write the same files; a layout
/// that does not exist is refused before anything runs.
#[test]
fn every_thread_choice_writes_the_same_files() {
    needs_data!();
    let mut files = Vec::new();
    for threads in ["one", "mapper"] {
        let out = out_dir(&format!("threads-{threads}"));
        let mut args = pa_args(&out);
        args[7] = "csv".into();
        let o = bin()
            .args(&args)
            .args(["--threads", threads, "--quiet"])
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        files.push(
            ["aggregate.csv", "decisions.csv", "methods.md"]
                .map(|f| std::fs::read(out.join(f)).expect("written")),
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    assert!(!files[0][1].is_empty());
    assert!(
        files[0] == files[1],
        "one thread and a mapping thread differ"
    );
    let out = out_dir("threads-bad");
    let o = bin()
        .args(pa_args(&out))
        .args(["--threads", "two"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("reader+mapper"));
    assert!(!out.exists(), "nothing written for a refused layout");
}

#[test]
fn the_progress_bar_is_drawn_on_a_terminal_only() {
    needs_data!();
    // Piped: no bar, no control characters.
    let out = out_dir("progress-pipe");
    let o = bin().args(pa_args(&out)).output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let text = String::from_utf8_lossy(&o.stdout);
    for s in [&err, &text] {
        assert!(!s.contains("ETA"), "{s}");
        assert!(
            !s.contains('\u{1b}'),
            "no escape sequences in a pipe: {s:?}"
        );
        assert!(!s.contains('█'), "{s}");
    }
    assert!(text.contains("rows read 32757"), "{text}");
    let _ = std::fs::remove_dir_all(&out);

    // On a terminal (a pseudo-terminal from util-linux `script`): the bar, with its
    // percentage of the file and the time left.
    if !Path::new("/usr/bin/script").is_file() {
        eprintln!("SKIPPED the terminal half: no /usr/bin/script");
        return;
    }
    let out = out_dir("progress-tty");
    let cmd = std::iter::once(env!("CARGO_BIN_EXE_brightline").to_string())
        .chain(pa_args(&out))
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let o = Command::new("/usr/bin/script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("script runs");
    assert_eq!(o.status.code(), Some(0));
    let tty = String::from_utf8_lossy(&o.stdout);
    assert!(tty.contains("ETA"), "{tty}");
    assert!(tty.contains("MiB"), "bytes of the file read: {tty}");
    assert!(tty.contains("%  "), "a percentage of the file: {tty}");
    assert!(tty.contains("rows read 32757"), "{tty}");
    // `--quiet` turns it off even there.
    let o = Command::new("/usr/bin/script")
        .args(["-qec", &format!("{cmd} --quiet"), "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("script runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("ETA"));
    let _ = std::fs::remove_dir_all(&out);
}

//! "Decisions are deterministic, byte for byte" across processes, not just
//! across two calls: this test binary runs itself twice as a child, each child
//! loading the bundled library afresh (its own hash seeds, its own
//! allocation addresses) and writing every decision of a fixed corpus, and
//! the two outputs and this process's own must be identical.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Set in a child: the file to write the corpus's decisions to.
const DUMP: &str = "BRIGHTLINE_DETERMINISM_DUMP";
const TEST: &str = "decisions_are_identical_across_processes";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every decision of the corpus (`examples/*.json`, then every bundled worked
/// example, both in strict mode and not): the JSON, the text and the
/// outcome-only answer, one request after another.
fn decisions() -> String {
    let lib = brightline_laws::library().expect("bundled packs load");
    let mut requests: Vec<serde_json::Value> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in files {
        requests.push(serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap());
    }
    for p in &lib.packs {
        for ex in &p.examples {
            requests.push(ex.json.clone());
        }
    }
    let mut out = String::new();
    for mut req in requests {
        for strict in [false, true] {
            req["strict"] = serde_json::Value::Bool(strict);
            match lib.decode(&req) {
                Ok((pack, facts)) => {
                    let d = lib.decide(pack, &facts).expect("decides");
                    out += &serde_json::to_string(&d).unwrap();
                    out += "\n";
                    out += &d.to_text();
                    let law = lib.law_for(pack, &facts).unwrap();
                    out += brightline_core::decide::outcome(law, &facts).as_str();
                }
                Err(e) => out += &e.to_string(),
            }
            out += "\n";
        }
    }
    out
}

fn first_difference(a: &str, b: &str) -> String {
    let (line, (x, y)) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .unwrap_or((0, ("(length)", "(length)")));
    format!("line {}:\n  {x}\n  {y}", line + 1)
}

#[test]
fn decisions_are_identical_across_processes() {
    if let Some(path) = std::env::var_os(DUMP) {
        // The child: write and stop.
        std::fs::write(path, decisions()).unwrap();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut outputs = Vec::new();
    for run in 0..2 {
        let path = dir.join(format!("determinism-{}-{run}.txt", std::process::id()));
        let child = Command::new(&exe)
            .args(["--exact", TEST, "--test-threads=1", "--quiet"])
            .env(DUMP, &path)
            .output()
            .expect("the test binary runs itself");
        assert!(
            child.status.success(),
            "child run {run} failed: {}\n{}",
            child.status,
            String::from_utf8_lossy(&child.stderr)
        );
        let text = std::fs::read_to_string(&path).expect("the child wrote its decisions");
        let _ = std::fs::remove_file(&path);
        outputs.push(text);
    }
    let here = decisions();
    assert!(here.len() > 100_000, "the corpus is {} bytes", here.len());
    assert!(
        outputs[0] == outputs[1],
        "two processes disagree at {}",
        first_difference(&outputs[0], &outputs[1])
    );
    assert!(
        outputs[0] == here,
        "a child and this process disagree at {}",
        first_difference(&outputs[0], &here)
    );
}

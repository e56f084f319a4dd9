//! The façade is the one door into the engine: the crates above it name
//! `brightline` and never `brightline-core`, in their manifests or their code.

use std::path::Path;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn cli_server_sim_and_python_go_through_the_facade() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for c in ["crates/cli", "crates/server", "crates/sim", "python"] {
        let manifest = std::fs::read_to_string(root.join(c).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("brightline.workspace = true")
                || manifest.contains("brightline = { path"),
            "{c} does not depend on the façade"
        );
        let mut fs = Vec::new();
        files(&root.join(c).join("src"), &mut fs);
        let tests = root.join(c).join("tests");
        if tests.is_dir() {
            files(&tests, &mut fs);
        }
        fs.push(root.join(c).join("Cargo.toml"));
        for f in fs {
            let text = std::fs::read_to_string(&f).unwrap();
            for word in [
                "brightline-core",
                "brightline_core",
                "brightline-laws",
                "brightline_laws",
            ] {
                assert!(!text.contains(word), "{} names {word}", f.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} files read");
}

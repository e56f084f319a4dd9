//! Compiles the bundled packs' plans to Rust (`brightline_core::decide::native`)
//! so that the bundled library decides with native code. Reads `laws/` the way
//! `include_dir!` embeds it (sorted paths, the same files), so the library
//! built here numbers its tables as the embedded one does; a plan whose
//! fingerprint still differs is interpreted, and a test says so.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use brightline_core::{Library, PackSource, SourceFile};

fn main() {
    // include_dir does not track new files: rebuild on any change under laws/.
    println!("cargo:rerun-if-changed=../../laws");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../laws");
    let mut sources = Vec::new();
    for dir in sorted(&root) {
        if dir.is_dir() && dir.join("pack.toml").is_file() {
            let name = rel(&root, &dir);
            let mut files = Vec::new();
            collect(&root, &dir, &mut files);
            sources.push(PackSource {
                dir: format!("laws/{name}"),
                files,
            });
        }
    }
    let source = match Library::from_sources(&sources) {
        Ok(lib) => brightline_core::decide::native::rust_source(&lib),
        // The packs' own tests report the errors; without a library there is
        // nothing to compile, and every plan is interpreted.
        Err(_) => brightline_core::decide::native::empty_source(),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("native.rs"), source).expect("OUT_DIR is writable");
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// The files `brightline_laws::sources` keeps, in its order: a folder's files, then its folders.
fn collect(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) {
    let entries = sorted(dir);
    for f in entries.iter().filter(|p| p.is_file()) {
        let path = format!("laws/{}", rel(root, f));
        if [".md", ".toml", ".csv", ".json"]
            .iter()
            .any(|x| path.ends_with(x))
        {
            if let Ok(text) = std::fs::read_to_string(f) {
                out.push(SourceFile {
                    path,
                    text: Arc::from(text),
                });
            }
        }
    }
    for d in entries.iter().filter(|p| p.is_dir()) {
        collect(root, d, out);
    }
}

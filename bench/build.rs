//! Compiles the fixture pack's plans to Rust, as `brightline-laws` does for
//! the bundled packs, so the engines bench can time the rule both ways.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use brightline_core::{Library, PackSource, SourceFile};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/us-ny-nyc");
    println!("cargo:rerun-if-changed={}", dir.display());
    // The same files, in the same order, with the same paths as `fixture_library`.
    let files = brightline_bench_fixture::FILES
        .iter()
        .map(|rel| {
            let p = dir.join(rel);
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            SourceFile {
                path: p.display().to_string(),
                text: Arc::from(text),
            }
        })
        .collect();
    let source = match Library::from_sources(&[PackSource {
        dir: dir.display().to_string(),
        files,
    }]) {
        Ok(lib) => brightline_core::decide::native::rust_source(&lib),
        // `fixture_library` reports the error when the bench runs.
        Err(_) => brightline_core::decide::native::empty_source(),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("native.rs"), source).expect("OUT_DIR is writable");
}

#[path = "src/fixture.rs"]
mod brightline_bench_fixture;

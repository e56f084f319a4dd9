//! The law packs of `laws/`, embedded in the binary at build time so that
//! `brightline` answers from any directory. Loading from disk (`--laws DIR`)
//! goes through the same `PackSource` type.

use std::sync::{Arc, OnceLock};

use brightline_core::{Library, PackSource, SourceFile};
use include_dir::{include_dir, Dir};

static LAWS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../laws");

/// The sources of every bundled pack: each folder of `laws/` with a pack.toml.
pub fn sources() -> Vec<PackSource> {
    let mut out = Vec::new();
    for dir in LAWS.dirs() {
        if dir.get_file(dir.path().join("pack.toml")).is_none() {
            continue;
        }
        let mut files = Vec::new();
        collect(dir, &mut files);
        out.push(PackSource {
            dir: format!("laws/{}", dir.path().display()),
            files,
        });
    }
    out
}

fn collect(dir: &Dir<'_>, out: &mut Vec<SourceFile>) {
    for f in dir.files() {
        let Some(text) = f.contents_utf8() else {
            continue;
        };
        let path = format!("laws/{}", f.path().display());
        if path.ends_with(".md")
            || path.ends_with(".toml")
            || path.ends_with(".csv")
            || path.ends_with(".json")
        {
            out.push(SourceFile {
                path,
                text: Arc::from(text),
            });
        }
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

// The bundled plans compiled to Rust by build.rs (`brightline_core::decide::native`).
include!(concat!(env!("OUT_DIR"), "/native.rs"));

/// The plans compiled into this build, by fingerprint: what `library`
/// attaches, and what the equivalence test checks against the interpreter.
pub fn compiled_plans() -> &'static [(u64, brightline_core::decide::native::NativePlan)] {
    compiled::PLANS
}

/// The bundled library, loaded once. Bundled packs are checked by the test
/// suite, so an error here is a build defect: it is reported, not hidden.
pub fn library() -> Result<&'static Library, &'static [brightline_core::Diagnostic]> {
    static LIB: OnceLock<Result<Library, Vec<brightline_core::Diagnostic>>> = OnceLock::new();
    match LIB.get_or_init(|| {
        Library::from_sources(&sources()).map(|mut lib| {
            lib.attach_native(compiled::PLANS);
            lib
        })
    }) {
        Ok(l) => Ok(l),
        Err(d) => Err(d.as_slice()),
    }
}

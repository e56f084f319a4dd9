//! Helpers shared by the integration tests: build packs from strings.
#![allow(dead_code)]

use std::sync::Arc;

use brightline_core::{Library, PackSource, SourceFile};

pub fn pack(dir: &str, files: &[(&str, &str)]) -> PackSource {
    PackSource {
        dir: dir.to_string(),
        files: files
            .iter()
            .map(|(p, t)| SourceFile {
                path: format!("{dir}/{p}"),
                text: Arc::from(*t),
            })
            .collect(),
    }
}

pub const MANIFEST: &str = r#"
id = "us"
name = "Test federal layer"
layer = "federal"

[schemes."NY PL"]
file = "pl.csv"

[tables.vsc]
file = "vsc.csv"
"#;

pub const PL: &str = "code,name,class,violent_felony,repealed,source\nNY PL 120.05,Assault 2,D,yes,,test\nNY PL 155.30,Grand larceny 4,E,no,,test\nNY PL 265.02,Weapon 3,D,partial,,test\n";
pub const VSC: &str =
    "code,subdivisions,note,source\nNY PL 120.05,,,test\nNY PL 265.02,2-8,,test\n";

pub const RULES: &str = r#"# § 1 Detainers

The agency may only honor a detainer with a judicial warrant.

```rule
id: default
citation: Test Code § 1(a)
source: https://example.invalid/1
effective: 2014-12-14 ..
title: No detainer
when: agency is jail and request.kind is detainer
outcome: prohibited
```

```rule
id: honor
citation: Test Code § 1(b)
source: https://example.invalid/1
effective: 2014-12-14 ..
title: Judicial warrant and a listed conviction
when: agency is jail and request.kind is detainer and request.warrant is judicial
  and any subject.convictions (offense in vsc and level is felony
      and date within 5 years before subject.arrest_date extended by incarcerated_days days)
outcome: permitted
obligation: hold-48h "Hold no longer than 48 hours."
overrides: default
```
"#;

/// A valid one-pack library, with `RULES` replaced by `rules`.
pub fn lib_with(rules: &str) -> (Library, Vec<brightline_core::Diagnostic>) {
    let p = pack(
        "t/us",
        &[
            ("pack.toml", MANIFEST),
            ("pl.csv", PL),
            ("vsc.csv", VSC),
            ("rules.md", rules),
        ],
    );
    let (lib, mut diags) = Library::load(&[p]);
    brightline_core::lint::check_rules(&lib, &mut diags);
    if !diags
        .iter()
        .any(|d| d.severity == brightline_core::Severity::Error)
    {
        brightline_core::lint::check_examples(&lib, &mut diags);
    }
    (lib, diags)
}

/// Diagnostics as stable text: location, code, message, label, help.
pub fn render(diags: &[brightline_core::Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let snippet = d
                .file
                .text
                .get(d.span.clone())
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            format!(
                "{}\n  at: `{}`\n  label: {}\n  help: {}\n",
                d.short(),
                snippet,
                d.label,
                d.help.clone().unwrap_or_default()
            )
        })
        .collect()
}

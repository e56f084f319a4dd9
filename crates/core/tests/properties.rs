//! Property tests: the parser never panics on any input, and decisions are
//! deterministic byte for byte (here across two libraries loaded apart;
//! `determinism.rs` across two processes).

use proptest::prelude::*;
use std::sync::Arc;

use brightline_core::{schema, Library, PackSource, SourceFile};

fn arbitrary_pack(md: String, toml: String) -> PackSource {
    PackSource {
        dir: "p".into(),
        files: vec![
            SourceFile {
                path: "p/pack.toml".into(),
                text: Arc::from(toml),
            },
            SourceFile {
                path: "p/x.md".into(),
                text: Arc::from(md),
            },
        ],
    }
}

/// Text built from the language's own pieces finds deeper paths than random bytes.
fn fragments() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "```rule\n",
        "```\n",
        "```example\n",
        "```event\n",
        "id: a\n",
        "when: ",
        "and ",
        "or ",
        "not ",
        "(",
        ")",
        "{",
        "}",
        ",",
        "request.kind ",
        "is ",
        "in ",
        "detainer",
        "agency ",
        "jail ",
        "any subject.convictions (",
        "offense in vsc",
        "within 5 years before subject.arrest_date",
        "extended by incarcerated_days days",
        "date >= 2014-12-14",
        "effective: 2014-12-14 ..",
        "outcome: permitted\n",
        "citation: X\n",
        "source: http://x\n",
        "title: t\n",
        "overrides: a\n",
        "  continued\n",
        "\n",
        "é",
        "§",
        "\r\n",
        "2014-02-30",
        "287g",
        "==",
        "<",
        "!",
    ]);
    prop::collection::vec(words, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_bytes(md in ".{0,400}", toml in ".{0,100}") {
        let _ = Library::load(&[arbitrary_pack(md, toml)]);
    }

    #[test]
    fn parser_never_panics_on_fragments(md in fragments()) {
        let toml = "id = \"us\"\nname = \"x\"\nlayer = \"federal\"\n".to_string();
        let (lib, mut diags) = Library::load(&[arbitrary_pack(md, toml)]);
        brightline_core::lint::check_rules(&lib, &mut diags);
        brightline_core::lint::check_examples(&lib, &mut diags);
        for d in &diags {
            let _ = d.short();
        }
    }

    #[test]
    fn conditions_never_panic(src in ".{0,200}") {
        let _ = brightline_core::expr::parse(&src, 0);
    }

    #[test]
    fn decisions_are_deterministic(
        kind in 0..schema::KINDS.len(), warrant in 0..schema::WARRANTS.len(), agency in prop::option::of(prop::sample::select(vec!["doc", "nypd", "dop", "police", "jail", "probation", "agency", "court"])),
        jurisdiction in prop::sample::select(schema::JURISDICTIONS.iter().map(|j| j.0).collect::<Vec<_>>()),
        tsdb in any::<Option<bool>>(), year in 2012i32..2027, month in 1u8..13, conv_years in prop::collection::vec((0i32..12, any::<bool>()), 0..3),
        info in prop::sample::subsequence(schema::INFORMATION.to_vec(), 0..3),
    ) {
        let lib = brightline_laws::library().expect("bundled packs load");
        let date = format!("{year}-{month:02}-15");
        let convictions: Vec<serde_json::Value> = conv_years.iter().map(|(back, fel)| serde_json::json!({
            "offense": "NY PL 120.05", "date": format!("{}-03-01", year - back), "level": if *fel { "felony" } else { "misdemeanor" },
            "incarcerated_days": 0, "youthful_offender": false, "juvenile": false, "hate_crime": false })).collect();
        // NYC's own agency names are aliases only there; elsewhere they are bad input, which is fine.
        let mut req = serde_json::json!({
            "jurisdiction": jurisdiction, "agency": agency, "date": date,
            "request": { "kind": schema::KINDS[kind], "warrant": schema::WARRANTS[warrant], "information": info, "purpose": "civil_immigration", "place": "jail" },
            "subject": { "arrest_date": date, "tsdb_match": tsdb, "convictions": convictions, "pending_charges": [] } });
        if agency.is_none() {
            req.as_object_mut().unwrap().remove("agency");
        }
        // Two libraries loaded apart (each map with its own hash seed) decide
        // alike; `tests/determinism.rs` checks the same across two processes.
        let a = lib.decide_json(&req).map(|d| serde_json::to_string(&d).unwrap()).map_err(|e| e.to_string());
        let b = second_library().decide_json(&req).map(|d| serde_json::to_string(&d).unwrap()).map_err(|e| e.to_string());
        prop_assert_eq!(&a, &b);
        // The fast path agrees with the full decision.
        if let Ok((pack, facts)) = lib.decode(&req) {
            if let Ok(law) = lib.law_for(pack, &facts) {
                let full = lib.decide(pack, &facts).unwrap();
                prop_assert_eq!(brightline_core::decide::outcome(law, &facts), full.outcome);
            }
        }
    }
}

/// The bundled packs loaded a second time, apart from `brightline_laws::library()`.
fn second_library() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        let mut sources = brightline_laws::sources();
        // Loaded in the other order too: the result must not depend on it.
        sources.reverse();
        Library::from_sources(&sources).expect("bundled packs load")
    })
}

/// A JSON value of any shape, with the contract's own keys and values over-represented
/// so that generated requests reach deep into decoding and deciding.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let word = prop::sample::select(vec![
        "us-ny-nyc",
        "us-tx-travis",
        "us-ca",
        "doc",
        "nypd",
        "jail",
        "police",
        "detainer",
        "information",
        "judicial",
        "administrative",
        "felony",
        "misdemeanor",
        "NY PL 120.05",
        "NY PL 265.02(3)",
        "CA PC 187",
        "NCIC 1313",
        "2025-11-09",
        "2014-12-14",
        "1999-02-29",
        "release_date",
        "immigration_status",
        "",
        "x",
    ])
    .prop_map(|s| serde_json::Value::String(s.to_string()));
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        (-1e12f64..1e12).prop_map(|f| serde_json::json!(f)),
        word,
    ];
    let key = prop::sample::select(vec![
        "jurisdiction",
        "agency",
        "date",
        "request",
        "subject",
        "kind",
        "warrant",
        "information",
        "place",
        "purpose",
        "arrest_date",
        "convictions",
        "pending_charges",
        "offense",
        "level",
        "incarcerated_days",
        "youthful_offender",
        "tsdb_match",
        "booking_number",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|m| {
                serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Requests come from outside: whatever their shape, decoding and deciding
    /// end in a decision or an error naming a field, never a panic.
    #[test]
    fn requests_of_any_shape_never_panic(v in json_value(), valid in any::<bool>()) {
        let lib = brightline_laws::library().expect("bundled packs load");
        // Half the cases start from a valid request and graft the value onto it.
        let req = if valid {
            let mut base = serde_json::json!({
                "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-11-09",
                "request": { "kind": "detainer", "warrant": "judicial" },
                "subject": { "arrest_date": "2025-11-01", "convictions": [], "pending_charges": [] } });
            if let serde_json::Value::Object(m) = v {
                for (k, x) in m {
                    let at = match k.as_str() {
                        "kind" | "warrant" | "information" | "place" | "purpose" => "request",
                        "arrest_date" | "convictions" | "pending_charges" | "tsdb_match" | "booking_number" => "subject",
                        _ => "",
                    };
                    // A grafted `request` or `subject` may have replaced the object.
                    let target = if at.is_empty() { Some(&mut base) } else { base.get_mut(at) };
                    if let Some(serde_json::Value::Object(o)) = target {
                        o.insert(k, x);
                    }
                }
            }
            base
        } else {
            v
        };
        match lib.decide_json(&req) {
            Ok(d) => prop_assert!(serde_json::to_string(&d).is_ok()),
            Err(e) => prop_assert!(!e.field.is_empty() && !e.message.is_empty()),
        }
    }
}

//! One NYC DOC detainer decision, request already decoded: the fast path
//! (outcome only) and the full decision (reasons, trace, counterfactuals).

use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn request(warrant: &str) -> serde_json::Value {
    serde_json::json!({
        "jurisdiction": "us-ny-nyc", "agency": "doc", "date": "2025-11-09",
        "request": { "kind": "detainer", "warrant": warrant, "information": ["release_date"], "place": "jail", "purpose": "civil_immigration" },
        "subject": { "arrest_date": "2025-11-01",
            "convictions": [{ "offense": "NY PL 120.05", "date": "2022-03-01", "level": "felony", "incarcerated_days": 0,
                              "youthful_offender": false, "juvenile": false, "hate_crime": false }],
            "pending_charges": [{ "offense": "NY PL 155.30", "level": "felony" }],
            "tsdb_match": false, "reentry_after_removal": false, "lawful_status_proof": false }
    })
}

fn bench(c: &mut Criterion) {
    let lib = brightline_laws::library().expect("bundled packs load");
    // The same packs with no compiled plans attached: the interpreter alone.
    let plain = brightline_core::Library::from_sources(&brightline_laws::sources())
        .unwrap_or_else(|_| panic!("bundled packs load"));
    for warrant in ["judicial", "administrative"] {
        let (pack, facts) = lib.decode(&request(warrant)).expect("valid request");
        let law = lib.law_for(pack, &facts).expect("law in force");
        c.bench_function(&format!("nyc_doc_detainer/{warrant}/outcome"), |b| {
            b.iter(|| brightline_core::decide::outcome(black_box(law), black_box(&facts)))
        });
        let plain_law = plain.law_for(pack, &facts).expect("law in force");
        c.bench_function(
            &format!("nyc_doc_detainer/{warrant}/outcome_interpreted"),
            |b| {
                b.iter(|| brightline_core::decide::outcome(black_box(plain_law), black_box(&facts)))
            },
        );
        c.bench_function(
            &format!("nyc_doc_detainer/{warrant}/full_decision_with_trace"),
            |b| {
                b.iter(|| {
                    lib.decide(black_box(pack), black_box(&facts))
                        .expect("decides")
                })
            },
        );
    }
    let req = request("judicial");
    c.bench_function("nyc_doc_detainer/decode_json", |b| {
        b.iter(|| lib.decode(black_box(&req)).expect("valid"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

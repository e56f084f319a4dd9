//! Requests as a clerk fills them: only what is on the detainer form and the
//! rap sheet, codes as records print them. Each case names what the decision
//! must say; `tests/clerk/requests.json` holds them.

use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clerk/requests.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn clerk_requests_are_answered_as_received() {
    let lib = brightline_laws::library().expect("bundled packs load");
    let cases = cases();
    assert!(cases.len() >= 15);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let want = &c["expect"];
        let got = lib.decide_json(&c["request"]);
        if let Some(field) = want["error"].as_str() {
            let e = got.expect_err(name);
            assert_eq!(e.field, field, "{name}");
            assert!(
                e.message.contains(want["message"].as_str().unwrap()),
                "{name}: {e}"
            );
            continue;
        }
        let d = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["outcome"], want["outcome"], "{name}: {}", d.summary);
        for fact in want["assumes"].as_array().into_iter().flatten() {
            assert!(
                d.assumptions
                    .iter()
                    .any(|a| a.fact == fact.as_str().unwrap()),
                "{name}: assumes {fact}"
            );
        }
        if let Some(m) = want["matched"].as_str() {
            assert!(
                d.reasons
                    .iter()
                    .flat_map(|r| &r.matched)
                    .any(|x| x.contains(m)),
                "{name}: matched {m}: {:?}",
                d.reasons
            );
        }
        if let Some(q) = want["asks"].as_str() {
            assert!(
                d.questions.iter().any(|x| x.fact == q) || d.missing_facts.iter().any(|x| x == q),
                "{name}: asks {q}: {:?}",
                d.questions
            );
        }
        if let Some(bs) = want["branches"].as_array() {
            for b in bs {
                assert!(
                    d.branches
                        .iter()
                        .any(|x| x.outcome.as_str() == b.as_str().unwrap()),
                    "{name}: a {b} branch"
                );
            }
            assert!(d.summary.contains(" unless "), "{name}: {}", d.summary);
        }
        if let Some(f) = want["counterfactual"].as_str() {
            assert!(
                d.counterfactuals.iter().any(|c| c.change.contains_key(f)),
                "{name}: a counterfactual on {f}"
            );
        }
        if let Some(s) = want["absent"].as_str() {
            let all = serde_json::to_string(&d).unwrap() + &d.to_text();
            assert!(!all.contains(s), "{name}: {s} must not appear");
        }
    }
}

/// The 22 real St. Cloud detainers of February 2026 (Deportation Data
/// Project), filled in as the jail's clerk would from each I-247A and the
/// conviction ICE lists: every one is decided under Minnesota's law.
#[test]
fn real_minnesota_detainers_are_decided_not_undetermined() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ddp/mn_st_cloud_denied.csv"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        assert!(
            std::env::var_os("BRIGHTLINE_REQUIRE_DATA").is_none(),
            "{path} is missing"
        );
        eprintln!("skipped: {path} not found");
        return;
    };
    let lib = brightline_laws::library().expect("bundled packs load");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let head = rdr.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (date, code, conv) = (
        col("detainer_prepare_date"),
        col("msc_charge_code"),
        col("msc_conviction_date"),
    );
    let mut n = 0;
    for rec in rdr.records() {
        let r = rec.unwrap();
        let mut conviction = serde_json::json!({ "offense": format!("NCIC {}", &r[code]) });
        if &r[conv] != "NA" {
            conviction["date"] = Value::from(&r[conv]);
        }
        let req = serde_json::json!({
            "jurisdiction": "us-mn", "agency": "jail", "date": &r[date],
            "request": { "form": "I-247A" },
            "subject": { "convictions": [conviction] }
        });
        let d = lib.decide_json(&req).unwrap();
        assert_eq!(d.outcome.as_str(), "prohibited", "{req}: {}", d.summary);
        n += 1;
    }
    assert_eq!(n, 22);
}

//! The law as data: jurisdictions, and the provisions and events in force on a date.

use brightline::Library;
use brightline_core::decide::period;
use serde_json::{json, Value};

use crate::error::ApiError;

pub fn list(lib: &Library, law_hash: &str) -> Value {
    let js: Vec<Value> = lib
        .packs
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "layer": brightline::schema::LAYERS.get(p.layer),
                "parent": p.parent.map(|i| lib.packs[i].id.clone()),
                "ocd_id": p.ocd_id,
                "versions": lib.versions.get(&p.id).map(Vec::len).unwrap_or(0),
                "agencies": p.agencies.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "law_hash": law_hash, "engine_version": brightline::ENGINE_VERSION, "jurisdictions": js })
}

pub fn in_force(lib: &Library, jurisdiction: &str, date: time::Date) -> Result<Value, ApiError> {
    let pack = lib
        .jurisdiction(jurisdiction)
        .map_err(|e| ApiError::not_found(e.message))?;
    let law = lib
        .law(pack, date)
        .map_err(|e| ApiError::bad("date", e.message))?;
    let p = &lib.packs[pack];
    let provisions: Vec<Value> = law
        .rules
        .iter()
        .map(|&r| {
            let d = &lib.rule(r).def;
            json!({
                "rule": format!("{}/{}", lib.packs[r.0].id, d.id),
                "jurisdiction": lib.packs[r.0].id,
                "title": d.title,
                "citation": d.citation,
                "outcome": d.outcome,
                "effective": period(d.from, d.until),
                "confidence": d.confidence,
                "source": d.source,
                "quote": d.quote,
            })
        })
        .collect();
    let event = |(pi, ei): (usize, usize)| -> Value {
        let e = &lib.packs[pi].events[ei];
        json!({
            "id": e.id,
            "jurisdiction": lib.packs[pi].id,
            "date": e.date.to_string(),
            "until": e.until.map(|u| u.to_string()),
            "kind": e.kind,
            "citation": e.citation,
            "title": e.title,
            "source": e.source,
            "targets": e.targets.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
        })
    };
    let events: Vec<Value> = law.events.iter().map(|&e| event(e)).collect();
    let suspended: Vec<Value> = law
        .suspended
        .iter()
        .map(|&(r, (pi, ei))| {
            let d = &lib.rule(r).def;
            json!({ "rule": format!("{}/{}", lib.packs[r.0].id, d.id), "citation": d.citation, "event": lib.packs[pi].events[ei].id })
        })
        .collect();
    let history: Vec<Value> = lib
        .versions
        .get(&p.id)
        .map(|vs| {
            vs.iter()
                .map(|v| json!({ "from": v.from.to_string(), "until": v.until.map(|u| u.to_string()), "provisions": v.rules.len(), "events": v.events.len() }))
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({
        "jurisdiction": p.id,
        "name": p.name,
        "as_of": date.to_string(),
        "version": { "from": law.from.to_string(), "until": law.until.map(|u| u.to_string()) },
        "chain": law.chain.iter().map(|&c| lib.packs[c].id.clone()).collect::<Vec<_>>(),
        "provisions": provisions,
        "events": events,
        "suspended": suspended,
        "history": history,
    }))
}

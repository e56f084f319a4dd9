//! The law as data: jurisdictions, and the provisions and events in force on a date.

use brightline::Library;
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

pub fn in_force(
    lib: &Library,
    jurisdiction: &str,
    date: time::Date,
) -> Result<brightline::views::LawInForce, ApiError> {
    let pack = lib
        .jurisdiction(jurisdiction)
        .map_err(|e| ApiError::not_found(e.message))?;
    lib.law_in_force(pack, date)
        .map_err(|e| ApiError::bad("date", e.message))
}

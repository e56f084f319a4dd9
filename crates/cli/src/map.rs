//! The map in `brightline compare --format html`: the console's map.js inlined with the
//! state boundaries and every state's cells precomputed for each version of its law, so the
//! date slider works in a saved file with no server.

use std::collections::HashMap;

use brightline::analysis::Cell;
use brightline::{schema, Library};
use brightline_server::map;
use serde_json::{json, Value};
use time::Date;

const MAP_JS: &str = include_str!("../../server/assets/map.js");

/// Each state's law as periods (a version of its law: from, until inclusive), each with
/// one cell index per request kind into a shared list of distinct cells.
pub fn data(lib: &Library, date: Date, agency: Option<&str>) -> Result<Value, String> {
    let today = time::OffsetDateTime::now_utc().date();
    let last = map::last_stop(today.max(date));
    let mut dates = map::dates(lib, last);
    dates.push(date);
    dates.sort();
    dates.dedup();
    let mut cells: Vec<Value> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut intern = |c: &Cell| -> Result<usize, String> {
        let v = serde_json::to_value(c).map_err(|e| e.to_string())?;
        let key = v.to_string();
        Ok(*seen.entry(key).or_insert_with(|| {
            cells.push(v);
            cells.len() - 1
        }))
    };
    let mut states = Vec::new();
    for (_, id, name) in map::states(lib) {
        let mut periods = Vec::new();
        // The law, and so every cell, changes only where a version of it begins.
        for v in lib.versions.get(&id).map(Vec::as_slice).unwrap_or_default() {
            if v.until.is_some_and(|u| u < map::FIRST) || v.from > last {
                continue;
            }
            let rows = crate::compare::matrix(lib, std::slice::from_ref(&id), v.from, agency)?.rows;
            let idx = rows
                .first()
                .map(|r| r.iter().map(&mut intern).collect::<Result<Vec<_>, _>>())
                .transpose()?
                .unwrap_or_default();
            periods.push(json!({
                "from": v.from.to_string(),
                "until": v.until.map(|u| u.to_string()),
                "cells": idx,
            }));
        }
        states.push(json!({ "id": id, "name": name, "periods": periods }));
    }
    Ok(json!({
        "date": date.to_string(),
        "kinds": schema::KINDS,
        "dates": dates.iter().map(Date::to_string).collect::<Vec<_>>(),
        "cells": cells,
        "states": states,
    }))
}

/// The map section of the page: markup, then one module script with the map code,
/// the shapes and the precomputed cells.
pub fn section(lib: &Library, date: Date, agency: Option<&str>) -> Result<String, String> {
    let d = data(lib, date, agency)?;
    // Inside <script>, a `</` in the data would end the element early.
    let safe = |s: &str| s.replace("</", "<\\/");
    Ok(format!(
        r#"<div id="map-box"><noscript><p>The map needs JavaScript; the table below holds the same cells for {date}.</p></noscript></div>
<script type="module">
{js}
const SHAPES = {shapes};
const DATA = {data};
const byId = new Map(DATA.states.map((s) => [s.id, s]));
// The cells of each state's law in force on a date (versions run from..until, inclusive).
const load = async (date) => new Map([...byId].map(([id, s]) => {{
  const p = s.periods.find((x) => x.from <= date && (!x.until || date <= x.until));
  return [id, p ? p.cells.map((i) => DATA.cells[i]) : null];
}}));
document.getElementById('map-box').append(mapWidget({{
  shapes: SHAPES, kinds: DATA.kinds, dates: DATA.dates, date: DATA.date, kind: 'detainer',
  names: new Map(DATA.states.map((s) => [s.id, s.name])), load,
}}));
</script>
"#,
        js = safe(MAP_JS),
        shapes = safe(map::shapes_json()),
        data = safe(&d.to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The page keeps one set of cells per version of a state's law; on any day, the
    /// version in force must give exactly the cells computed for that day.
    #[test]
    fn cells_per_version_equal_cells_per_day() {
        let lib = brightline::bundled().expect("bundled packs load");
        let d = data(lib, date!(2026 - 12 - 04), None).unwrap();
        let ids: Vec<String> = d["states"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 51);
        for day in [
            date!(2011 - 07 - 01),
            date!(2014 - 12 - 14),
            date!(2019 - 07 - 01),
            date!(2025 - 07 - 14),
            date!(2026 - 12 - 04),
        ] {
            let direct = crate::compare::matrix(lib, &ids, day, None).unwrap().rows;
            let s = day.to_string();
            for (state, row) in d["states"].as_array().unwrap().iter().zip(&direct) {
                let p = state["periods"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| {
                        p["from"].as_str().unwrap() <= s.as_str()
                            && p["until"].as_str().is_none_or(|u| s.as_str() <= u)
                    })
                    .unwrap_or_else(|| panic!("{} has no period on {s}", state["id"]));
                let cells: Vec<&Value> = p["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| &d["cells"][i.as_u64().unwrap() as usize])
                    .collect();
                for (k, c) in row.iter().enumerate() {
                    assert_eq!(
                        cells[k],
                        &serde_json::to_value(c).unwrap(),
                        "{} {} on {s}",
                        state["id"],
                        schema::KINDS[k]
                    );
                }
            }
        }
    }
}

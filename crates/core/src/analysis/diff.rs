//! The exact diff of two laws.

use super::*;

/// A jurisdiction's law as of a date.
#[derive(Clone, Copy, Debug)]
pub struct LawAt {
    pub pack: usize,
    pub date: Date,
}

#[derive(Clone, Debug, Serialize)]
pub struct LawRef {
    pub jurisdiction: String,
    pub date: String,
    /// The period in which this version of the law is in force.
    pub version: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SideResult {
    pub outcome: Outcome,
    pub provisions: Vec<Provision>,
}

/// What the example request really gives when decided on each side.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub a: Outcome,
    pub b: Outcome,
    pub a_citations: Vec<String>,
    pub b_citations: Vec<String>,
    /// The example decides as the region says on both sides.
    pub agrees: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Region {
    pub kinds: Vec<String>,
    pub agencies: Vec<String>,
    /// The region: every clause holds (an empty list: every request of these kinds).
    pub when: Vec<String>,
    pub a: SideResult,
    pub b: SideResult,
    /// A request in the region, for side A (side B: the same with its jurisdiction and date).
    pub example: Value,
    pub example_b: Value,
    pub check: Check,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub a: LawRef,
    pub b: LawRef,
    pub equivalent: bool,
    pub regions: Vec<Region>,
    /// Parts of the space that were not decided, and why.
    pub undecided: Vec<String>,
    /// What the comparison covers and how.
    pub scope: Vec<String>,
    /// Abstract requests enumerated, and how many decide differently.
    pub points: u64,
    pub differing_points: u64,
}

pub(super) type Sig = (Outcome, Outcome, Vec<RuleIx>, Vec<RuleIx>);

pub(super) fn law_ref(lib: &Library, at: LawAt, law: &LawVersion) -> LawRef {
    LawRef {
        jurisdiction: lib.packs[at.pack].id.clone(),
        date: at.date.to_string(),
        version: crate::decide::period(law.from, law.until),
    }
}

/// Every region of the fact space in which the two laws decide differently.
pub fn diff(lib: &Library, a: LawAt, b: LawAt) -> Result<Diff, RequestError> {
    diff_between(lib, a, lib, b)
}

/// The tables of side B, moved to bits 64 and up so that both sides' tables
/// can be tested in one space (see `Codes`).
pub(super) fn shift_tables(c: &Cond) -> Cond {
    match c {
        Cond::All(v) => Cond::All(v.iter().map(shift_tables).collect()),
        Cond::Any(v) => Cond::Any(v.iter().map(shift_tables).collect()),
        Cond::Not(x) => Cond::Not(Box::new(shift_tables(x))),
        Cond::Table { r, bit, atom } => Cond::Table {
            r: *r,
            bit: bit + 64,
            atom: *atom,
        },
        Cond::Quant {
            any,
            list,
            body,
            atom,
        } => Cond::Quant {
            any: *any,
            list: *list,
            body: Box::new(shift_tables(body)),
            atom: *atom,
        },
        other => other.clone(),
    }
}

/// Like `diff`, with each side's law from its own library (e.g. a pack being
/// edited against the bundled one).
pub fn diff_between(
    lib_a: &Library,
    a: LawAt,
    lib_b: &Library,
    b: LawAt,
) -> Result<Diff, RequestError> {
    let la = lib_a.law(a.pack, a.date)?;
    let lb = lib_b.law(b.pack, b.date)?;
    let codes = Codes::of(&[lib_a, lib_b]);
    let ex = Example {
        date: a.date.min(b.date),
    };
    let mut out = Diff {
        a: law_ref(lib_a, a, la),
        b: law_ref(lib_b, b, lb),
        equivalent: false,
        regions: Vec::new(),
        undecided: Vec::new(),
        scope: vec![
            "every request kind for every agency role, with every fact the rules test given".into(),
            "not compared: requests that leave out a fact a rule tests or name no agency, and offense codes whose table membership cannot be decided (all of these are `undetermined` or decided by completion on either side)".into(),
        ],
        points: 0,
        differing_points: 0,
    };
    let mut opaque_seen = false;
    // (kind, role, when) -> region parts, in order of discovery.
    let mut raw: Vec<RawRegion> = Vec::new();
    for kind in 0..schema::KINDS.len() {
        for role in 0..schema::AGENCIES.len() {
            let (Some(pa), Some(pb)) = (plan(la, kind, role), plan(lb, kind, role)) else {
                continue;
            };
            if pa.rules.is_empty() && pb.rules.is_empty() {
                continue;
            }
            let shifted: Vec<Cond> = pb.rules.iter().map(|r| shift_tables(&r.cond)).collect();
            let mut srcs = sources(lib_a, pa);
            srcs.extend(
                shifted
                    .iter()
                    .zip(&pb.rules)
                    .map(|(c, r)| (c, lib_b.rule(r.rule).atoms.as_slice())),
            );
            let label = format!("{} to {}", schema::KINDS[kind], schema::AGENCIES[role]);
            let scope = match Scope::build(&srcs, None, pinned(kind, role), &codes) {
                Ok(s) => s,
                Err(e) => {
                    out.undecided.push(format!("{label}: {e}"));
                    continue;
                }
            };
            if scope
                .vars
                .iter()
                .any(|v| matches!(v.kind, VarKind::Opaque(_)))
            {
                opaque_seen = true;
            }
            let na: Vec<Node> = pa.rules.iter().map(|r| scope.compile(&r.cond)).collect();
            let nb: Vec<Node> = shifted.iter().map(|c| scope.compile(c)).collect();
            let mut groups: BTreeMap<Sig, Vec<Vec<u32>>> = BTreeMap::new();
            let (mut fa, mut fb) = (vec![false; na.len()], vec![false; nb.len()]);
            let mut n = 0u64;
            let ok = scope.each(MAX_POINTS, |p| {
                n += 1;
                for (i, x) in na.iter().enumerate() {
                    fa[i] = x.eval(p);
                }
                for (i, x) in nb.iter().enumerate() {
                    fb[i] = x.eval(p);
                }
                let (oa, wa) = combine(pa, &fa);
                let (ob, wb) = combine(pb, &fb);
                if oa != ob {
                    let sig = (
                        oa,
                        ob,
                        wa.iter().map(|&i| pa.rules[i].rule).collect(),
                        wb.iter().map(|&i| pb.rules[i].rule).collect(),
                    );
                    groups.entry(sig).or_default().push(p.to_vec());
                }
            });
            if !ok {
                out.undecided.push(format!(
                    "{label}: {} abstract requests, more than the limit of {MAX_POINTS}",
                    scope.points()
                ));
                continue;
            }
            out.points += n;
            for (sig, points) in groups {
                out.differing_points += points.len() as u64;
                for cube in merge(points, scope.vars.len()) {
                    let first: Vec<u32> = cube.iter().map(|v| v[0]).collect();
                    let req = ex.request(&scope, &first, kind, role);
                    raw.push((kind, role, scope.describe(&cube), sig.clone(), req));
                }
            }
        }
    }
    if opaque_seen {
        out.scope.push("date windows tested outside a list are free true/false variables; an example the window contradicts is flagged".into());
    }
    for ((when, (oa, ob, wa, wb)), kinds, roles, req) in merge_regions(raw) {
        let (ra, rb, check) = check_example(lib_a, a, lib_b, b, &req, oa, ob);
        out.regions.push(Region {
            kinds: kinds
                .iter()
                .map(|&k| schema::KINDS[k].to_string())
                .collect(),
            agencies: roles
                .iter()
                .map(|&r| schema::AGENCIES[r].to_string())
                .collect(),
            when,
            a: SideResult {
                outcome: oa,
                provisions: wa.into_iter().map(|r| provision(lib_a, r)).collect(),
            },
            b: SideResult {
                outcome: ob,
                provisions: wb.into_iter().map(|r| provision(lib_b, r)).collect(),
            },
            example: ra,
            example_b: rb,
            check,
        });
    }
    out.equivalent = out.regions.is_empty() && out.undecided.is_empty();
    Ok(out)
}

/// A region of one request kind and role: (kind, role, when, signature, example).
type RawRegion = (usize, usize, Vec<String>, Sig, Value);
/// A region's description and signature.
type RegionKey = (Vec<String>, Sig);

/// Merges the kinds of one role with the same region, then roles with the same kinds.
fn merge_regions(raw: Vec<RawRegion>) -> Vec<(RegionKey, Vec<usize>, Vec<usize>, Value)> {
    let mut by_role: Vec<(RegionKey, usize, Vec<usize>, Value)> = Vec::new();
    for (kind, role, when, sig, req) in raw {
        let k = (when, sig);
        match by_role
            .iter_mut()
            .find(|(x, r, _, _)| *x == k && *r == role)
        {
            Some((_, _, kinds, _)) => kinds.push(kind),
            None => by_role.push((k, role, vec![kind], req)),
        }
    }
    let mut merged: Vec<(RegionKey, Vec<usize>, Vec<usize>, Value)> = Vec::new();
    for (k, role, kinds, req) in by_role {
        match merged
            .iter_mut()
            .find(|(x, ks, _, _)| *x == k && *ks == kinds)
        {
            Some((_, _, roles, _)) => roles.push(role),
            None => merged.push((k, kinds, vec![role], req)),
        }
    }
    merged
}

/// A region's example as a request to each side, decided again for real:
/// the check that the region's outcomes hold.
fn check_example(
    lib_a: &Library,
    a: LawAt,
    lib_b: &Library,
    b: LawAt,
    req: &Value,
    oa: Outcome,
    ob: Outcome,
) -> (Value, Value, Check) {
    let with = |lib: &Library, at: LawAt, req: &Value| {
        let mut r = req.clone();
        if let Some(o) = r.as_object_mut() {
            o.insert(
                "jurisdiction".into(),
                Value::from(lib.packs[at.pack].id.clone()),
            );
            o.insert("date".into(), Value::from(at.date.to_string()));
        }
        // Put the jurisdiction first, as requests are usually written.
        let mut ordered = Map::new();
        if let Some(o) = r.as_object() {
            for k in ["jurisdiction", "agency", "date", "request", "subject"] {
                if let Some(v) = o.get(k) {
                    ordered.insert(k.into(), v.clone());
                }
            }
        }
        Value::Object(ordered)
    };
    let ra = with(lib_a, a, req);
    let rb = with(lib_b, b, req);
    let da = lib_a.decide_json(&ra);
    let db = lib_b.decide_json(&rb);
    let check = match (da, db) {
        (Ok(da), Ok(db)) => {
            let agrees = da.outcome == oa && db.outcome == ob;
            Check {
                a: da.outcome,
                b: db.outcome,
                a_citations: da.citations,
                b_citations: db.citations,
                agrees,
                note: (!agrees).then(|| format!(
                    "the example decides {} on A and {} on B, not {} and {}: a test the space treats as free (a date window) does not hold as the region assumes",
                    da.outcome.as_str(), db.outcome.as_str(), oa.as_str(), ob.as_str()
                )),
            }
        }
        (da, db) => Check {
            a: da
                .as_ref()
                .map(|d| d.outcome)
                .unwrap_or(Outcome::Undetermined),
            b: db
                .as_ref()
                .map(|d| d.outcome)
                .unwrap_or(Outcome::Undetermined),
            a_citations: Vec::new(),
            b_citations: Vec::new(),
            agrees: false,
            note: Some(format!(
                "the example is not a valid request: {}",
                da.err()
                    .or(db.err())
                    .map(|e| e.to_string())
                    .unwrap_or_default()
            )),
        },
    };
    (ra, rb, check)
}

/// Merges points (one value per variable) into product cubes, exactly:
/// cubes that differ in one coordinate only are joined on it, until no
/// more join.
pub(super) fn merge(points: Vec<Vec<u32>>, nvars: usize) -> Vec<Vec<Vec<u32>>> {
    let mut cubes: Vec<Vec<Vec<u32>>> = points
        .into_iter()
        .map(|p| p.into_iter().map(|x| vec![x]).collect())
        .collect();
    loop {
        let before = cubes.len();
        for v in 0..nvars {
            let mut map: BTreeMap<Vec<Vec<u32>>, Vec<u32>> = BTreeMap::new();
            for mut c in cubes {
                let vals = std::mem::take(&mut c[v]);
                map.entry(c).or_default().extend(vals);
            }
            cubes = map
                .into_iter()
                .map(|(mut c, mut vals)| {
                    vals.sort_unstable();
                    vals.dedup();
                    c[v] = vals;
                    c
                })
                .collect();
        }
        if cubes.len() == before {
            return cubes;
        }
    }
}

impl Diff {
    // Long on purpose: one text report written top to bottom.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Law diff: A = {} as of {} (version {}), B = {} as of {} (version {})",
            self.a.jurisdiction,
            self.a.date,
            self.a.version,
            self.b.jurisdiction,
            self.b.date,
            self.b.version
        );
        if self.equivalent {
            let _ = writeln!(
                s,
                "equivalent: every request of the compared space gets the same outcome ({} abstract requests)",
                self.points
            );
        } else if self.regions.is_empty() {
            let _ = writeln!(s, "no difference in the part of the space that was decided");
        } else {
            let _ = writeln!(
                s,
                "{} region(s) differ ({} of {} abstract requests):",
                self.regions.len(),
                self.differing_points,
                self.points
            );
        }
        for (i, r) in self.regions.iter().enumerate() {
            let _ = writeln!(
                s,
                "\n{}. {} — agency {}",
                i + 1,
                r.kinds.join(", "),
                r.agencies.join(", ")
            );
            if r.when.is_empty() {
                let _ = writeln!(s, "   when: any request of this kind");
            } else {
                let _ = writeln!(s, "   when:");
                for w in &r.when {
                    let _ = writeln!(s, "     - {w}");
                }
            }
            for (side, res) in [("A", &r.a), ("B", &r.b)] {
                let cites: Vec<String> = res
                    .provisions
                    .iter()
                    .map(|p| format!("{} ({})", p.citation, p.rule))
                    .collect();
                let _ = writeln!(
                    s,
                    "   {side}: {} — {}",
                    r_outcome(res.outcome),
                    if cites.is_empty() {
                        "no provision applies".into()
                    } else {
                        cites.join("; ")
                    }
                );
            }
            let _ = writeln!(
                s,
                "   example: {}",
                serde_json::to_string(&r.example).unwrap_or_default()
            );
            match &r.check.note {
                None => {
                    let _ = writeln!(
                        s,
                        "   checked: decides {} on A and {} on B",
                        r.check.a.as_str(),
                        r.check.b.as_str()
                    );
                }
                Some(n) => {
                    let _ = writeln!(s, "   WARNING: {n}");
                }
            }
        }
        if !self.undecided.is_empty() {
            let _ = writeln!(s, "\nNot decided:");
            for u in &self.undecided {
                let _ = writeln!(s, "  - {u}");
            }
        }
        let _ = writeln!(s, "\nScope:");
        for u in &self.scope {
            let _ = writeln!(s, "  - {u}");
        }
        s
    }
}

pub(super) fn r_outcome(o: Outcome) -> &'static str {
    o.as_str()
}

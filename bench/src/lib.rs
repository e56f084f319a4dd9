//! The same decision in four engines: brightline, Cedar, Regorus (Rego) and a
//! hand-written Rust function — the NYC DOC detainer rule of N.Y.C. Admin.
//! Code § 9-131(b)(1): permitted with a judicial warrant AND (a violent-or-
//! serious felony conviction within five years before the arrest OR a TSDB
//! match); otherwise prohibited.
//!
//! Requests are generated from a seed and pre-built for every engine, so each
//! timing covers the decision alone. The look-back start (arrest date minus
//! five calendar years) is precomputed for Cedar, Rego and the hand-written
//! function; brightline computes it while it decides.

use std::path::Path;
use std::sync::Arc;

use brightline::schema;
use brightline::{Facts, Item, LawVersion, Library, Outcome, Val};
use brightline_core::facts::date_value;
use time::{Date, Month};

pub const MAX_CONVICTIONS: usize = 3;
pub const SEED: u64 = 0x5eed_2014_1214;

#[derive(Clone, Debug)]
pub struct Conviction {
    pub vsc: bool,
    pub felony: bool,
    /// Julian day.
    pub date: i64,
}

#[derive(Clone, Debug)]
pub struct Req {
    pub warrant: &'static str,
    pub tsdb: bool,
    pub arrest: Date,
    pub lookback_start: i64,
    pub convictions: Vec<Conviction>,
    /// The request's date (the law is looked up once, for all requests).
    pub date: Date,
}

/// xorshift64*: a small deterministic generator, enough for test data.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

fn minus_years(d: Date, n: i32) -> Date {
    let y = d.year() - n;
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, Month::February, 28))
        .unwrap_or(d)
}

/// `n` requests from a seed; about a third of the warrants are judicial so that every branch is exercised.
pub fn generate(n: usize, seed: u64) -> Vec<Req> {
    let mut r = Rng::new(seed);
    let base = Date::from_calendar_date(2024, Month::January, 1)
        .unwrap_or(Date::MIN)
        .to_julian_day();
    (0..n)
        .map(|_| {
            let arrest = Date::from_julian_day(base + r.below(700) as i32).unwrap_or(Date::MIN);
            let warrant = ["judicial", "administrative", "none"][r.below(3) as usize];
            let k = r.below(MAX_CONVICTIONS as u64 + 1) as usize;
            let convictions = (0..k)
                .map(|_| Conviction {
                    vsc: r.below(2) == 0,
                    felony: r.below(5) < 3,
                    date: i64::from(date_value(arrest)) - r.below(3650) as i64,
                })
                .collect();
            let date = arrest.saturating_add(time::Duration::days(r.below(5) as i64));
            Req {
                warrant,
                tsdb: r.below(10) == 0,
                arrest,
                lookback_start: date_value(minus_years(arrest, 5)).into(),
                convictions,
                date,
            }
        })
        .collect()
}

/// The floor: the rule as a plain function over the pre-built request.
#[inline(never)]
pub fn hand_written(q: &Req) -> bool {
    q.warrant == "judicial"
        && (q.tsdb
            || q.convictions
                .iter()
                .any(|c| c.vsc && c.felony && c.date >= q.lookback_start))
}

/// The same function computing the look-back start itself, from the arrest
/// date, as the engines must (the floor above gets it precomputed).
#[inline(never)]
pub fn hand_written_lookback(q: &Req) -> bool {
    q.warrant == "judicial"
        && (q.tsdb || {
            let start = date_value(minus_years(q.arrest, 5));
            q.convictions
                .iter()
                .any(|c| c.vsc && c.felony && c.date >= i64::from(start))
        })
}

/// Where the rule's facts sit in brightline's `Facts`, looked up once.
pub struct Slots {
    warrant: usize,
    judicial: Val,
    arrest: usize,
    tsdb: usize,
    date: usize,
    level: usize,
    felony: Val,
    vsc: u64,
}

impl Slots {
    pub fn new(vsc_bit: u64) -> Result<Slots, String> {
        let s = |p: &str| schema::scalar(p).ok_or_else(|| format!("no fact {p}"));
        let field = |p: &str| {
            schema::CONVICTION_FIELDS
                .iter()
                .position(|d| d.path == p)
                .ok_or_else(|| format!("no conviction field {p}"))
        };
        Ok(Slots {
            warrant: s("request.warrant")?,
            judicial: schema::value_index(schema::WARRANTS, "judicial").ok_or("warrant")? as Val,
            arrest: s("subject.arrest_date")?,
            tsdb: s("subject.tsdb_match")?,
            date: field("date")?,
            level: field("level")?,
            felony: schema::value_index(schema::LEVELS, "felony").ok_or("level")? as Val,
            vsc: vsc_bit,
        })
    }
}

/// The rule written by hand over brightline's own decoded `Facts`, computing
/// its look-back: what reading that layout costs with nothing interpreted.
/// It answers permitted or not, so it holds only for complete facts, as the
/// generated requests are.
#[inline(never)]
pub fn hand_written_facts(f: &Facts, s: &Slots) -> bool {
    f.scalars[s.warrant] == s.judicial
        && (f.scalars[s.tsdb] != 0 || {
            let arrest = i64::from(f.scalars[s.arrest]);
            let start = brightline_core::eval::minus_years(arrest, 5).unwrap_or(i64::MAX);
            f.lists[0].iter().flatten().any(|c| {
                c.member & s.vsc != 0
                    && c.fields[s.level] == s.felony
                    && (start..=arrest).contains(&i64::from(c.fields[s.date]))
            })
        })
}

// ---------------------------------------------------------------- brightline

mod fixture;

// The fixture's plans compiled to Rust by build.rs (`brightline_core::decide::native`).
include!(concat!(env!("OUT_DIR"), "/native.rs"));

/// The fixture pack (the rule alone) as a library, its rules interpreted.
pub fn fixture_library() -> Result<Library, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/us-ny-nyc");
    let mut files = Vec::new();
    for rel in fixture::FILES {
        let p = dir.join(rel);
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        files.push(brightline::SourceFile {
            path: p.display().to_string(),
            text: Arc::from(text),
        });
    }
    Library::from_sources(&[brightline::PackSource {
        dir: dir.display().to_string(),
        files,
    }])
    .map_err(|d| {
        d.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The fixture pack with its plans compiled ahead of time by build.rs.
/// Errs if no plan took the compiled code, so a timing never passes the
/// interpreter off as compiled.
pub fn fixture_library_compiled() -> Result<Library, String> {
    let mut lib = fixture_library()?;
    match lib.attach_native(compiled::PLANS) {
        0 => Err("the fixture's compiled plans match no plan: rebuild the bench".into()),
        _ => Ok(lib),
    }
}

/// Pre-decodes a request into facts (what a caller does once per request).
pub fn facts(lib: &Library, pack: usize, q: &Req, vsc_bit: u64) -> Result<Facts, String> {
    let mut f = Facts::default();
    let s = |p: &str| schema::scalar(p).ok_or_else(|| format!("no fact {p}"));
    f.scalars[schema::DATE] = date_value(q.date);
    f.scalars[schema::AGENCY] = lib.agency(pack, "doc").map_err(|e| e.to_string())? as Val;
    f.scalars[schema::KIND] = 0; // detainer
    f.scalars[s("request.warrant")?] =
        schema::value_index(schema::WARRANTS, q.warrant).ok_or("warrant")? as Val;
    f.scalars[s("request.place")?] =
        schema::value_index(schema::PLACES, "jail").ok_or("place")? as Val;
    f.scalars[s("request.purpose")?] =
        schema::value_index(schema::PURPOSES, "civil_immigration").ok_or("purpose")? as Val;
    f.scalars[s("request.court_ordered")?] = 0;
    f.scalars[s("request.criminal_warrant")?] = 0;
    f.scalars[s("subject.arrest_date")?] = date_value(q.arrest);
    f.scalars[s("subject.tsdb_match")?] = q.tsdb as Val;
    for p in [
        "subject.reentry_after_removal",
        "subject.final_order_of_removal",
        "subject.in_custody",
        "subject.lawful_status_proof",
        "subject.registered_sex_offender",
        "subject.probable_cause_finding",
        "subject.aggravated_felony",
    ] {
        f.scalars[s(p)?] = if p == "subject.in_custody" { 1 } else { 0 };
    }
    let felony = schema::value_index(schema::LEVELS, "felony").ok_or("level")? as Val;
    let misd = schema::value_index(schema::LEVELS, "misdemeanor").ok_or("level")? as Val;
    let items: Vec<Item> = q
        .convictions
        .iter()
        .map(|c| {
            let mut it = Item {
                member: if c.vsc { vsc_bit } else { 0 },
                ..Item::new()
            };
            it.fields[0] = 0;
            it.fields[1] = c.date as Val;
            it.fields[2] = if c.felony { felony } else { misd };
            it.fields[3] = 0;
            for i in 4..schema::CONVICTION_FIELDS.len() {
                it.fields[i] = 0;
            }
            it
        })
        .collect();
    f.lists[0] = Some(items.into());
    f.lists[1] = Some(Box::default());
    Ok(f)
}

/// The membership bit of the library's `vsc` table (the NYC pack's own, or the fixture's).
pub fn vsc_bit(lib: &Library) -> Result<u64, String> {
    lib.lists
        .iter()
        .position(|t| t.name == "vsc" && t.pack == "us-ny-nyc")
        .map(|i| 1u64 << i)
        .ok_or_else(|| "no vsc table".into())
}

pub fn law_of(lib: &Library, date: Date) -> Result<(usize, &LawVersion), String> {
    let p = lib.jurisdiction("us-ny-nyc").map_err(|e| e.to_string())?;
    Ok((p, lib.law(p, date).map_err(|e| e.to_string())?))
}

pub fn permitted(o: Outcome) -> Option<bool> {
    match o {
        Outcome::Permitted => Some(true),
        Outcome::Prohibited => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------- Cedar

pub const CEDAR_POLICY: &str = r#"
// N.Y.C. Admin. Code § 9-131(b)(1): DOC may honor a detainer only with a judicial
// warrant and a VSC felony judgment in the look-back or a TSDB match. No permit
// means deny (prohibited). Cedar cannot quantify over a set of records, so the
// (at most three) convictions are c0, c1, c2.
permit(principal == Agency::"doc", action == Action::"detainer", resource)
when {
  context.warrant == "judicial" &&
  (context.tsdb_match ||
   (context has c0 && context.c0.vsc && context.c0.felony && context.c0.date >= context.lookback_start) ||
   (context has c1 && context.c1.vsc && context.c1.felony && context.c1.date >= context.lookback_start) ||
   (context has c2 && context.c2.vsc && context.c2.felony && context.c2.date >= context.lookback_start))
};
"#;

pub struct Cedar {
    pub policies: cedar_policy::PolicySet,
    pub entities: cedar_policy::Entities,
    pub authorizer: cedar_policy::Authorizer,
}

impl Cedar {
    pub fn new() -> Result<Cedar, String> {
        let policies: cedar_policy::PolicySet =
            CEDAR_POLICY.parse().map_err(|e| format!("{e:?}"))?;
        Ok(Cedar {
            policies,
            entities: cedar_policy::Entities::empty(),
            authorizer: cedar_policy::Authorizer::new(),
        })
    }

    pub fn request(q: &Req) -> Result<cedar_policy::Request, String> {
        let mut ctx = serde_json::json!({"warrant": q.warrant, "tsdb_match": q.tsdb, "lookback_start": q.lookback_start});
        for (i, c) in q.convictions.iter().enumerate() {
            ctx[format!("c{i}")] =
                serde_json::json!({"vsc": c.vsc, "felony": c.felony, "date": c.date});
        }
        let context =
            cedar_policy::Context::from_json_value(ctx, None).map_err(|e| format!("{e:?}"))?;
        let uid = |s: &str| {
            s.parse::<cedar_policy::EntityUid>()
                .map_err(|e| format!("{e:?}"))
        };
        cedar_policy::Request::new(
            uid(r#"Agency::"doc""#)?,
            uid(r#"Action::"detainer""#)?,
            uid(r#"Person::"subject""#)?,
            context,
            None,
        )
        .map_err(|e| format!("{e:?}"))
    }

    #[inline(never)]
    pub fn decide(&self, r: &cedar_policy::Request) -> bool {
        self.authorizer
            .is_authorized(r, &self.policies, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }
}

// ---------------------------------------------------------------- Regorus

pub const REGO_POLICY: &str = r#"
package nyc.doc

# N.Y.C. Admin. Code § 9-131(b)(1): permitted only with a judicial warrant and a
# VSC felony judgment in the look-back or a TSDB match; otherwise prohibited.
default permitted := false

permitted if {
	input.warrant == "judicial"
	input.tsdb_match
}

permitted if {
	input.warrant == "judicial"
	some c in input.convictions
	c.vsc
	c.felony
	c.date >= input.lookback_start
}
"#;

pub fn rego_engine() -> Result<regorus::Engine, String> {
    let mut e = regorus::Engine::new();
    e.add_policy("nyc_doc.rego".into(), REGO_POLICY.into())
        .map_err(|e| e.to_string())?;
    Ok(e)
}

pub fn rego_input(q: &Req) -> regorus::Value {
    let convictions: Vec<serde_json::Value> = q
        .convictions
        .iter()
        .map(|c| serde_json::json!({"vsc": c.vsc, "felony": c.felony, "date": c.date}))
        .collect();
    regorus::Value::from(
        serde_json::json!({"warrant": q.warrant, "tsdb_match": q.tsdb, "lookback_start": q.lookback_start, "convictions": convictions}),
    )
}

#[inline(never)]
pub fn rego_decide(e: &mut regorus::Engine, input: &regorus::Value) -> Result<bool, String> {
    e.set_input(input.clone());
    let v = e
        .eval_rule("data.nyc.doc.permitted".into())
        .map_err(|e| e.to_string())?;
    v.as_bool().copied().map_err(|e| e.to_string())
}

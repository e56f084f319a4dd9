//! Simulations over the real record files in shared/data.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use brightline_sim::profile::{resolve, BUNDLED};
use brightline_sim::{simulate, Options, Summary};

#[macro_use]
mod common;
use common::{data, opts};

const FY2015_CSV: &str = "ice-foia-fy2015/ice_lea_detainers_FY2015YTD.csv.gz";
const FY2015_XLSX: &str = "ice-foia-fy2015/rif-FOIA_15-87693_07262015_LESA-STU_FINAL_FY15YTD.xlsx";

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("brightline-sim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(file: &str, profile: &str, o: &Options) -> Summary {
    let lib = brightline::bundled().expect("bundled packs load");
    let p = resolve(profile).expect("profile");
    simulate(lib, &p, &data(file), o).expect("simulation runs")
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let h = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            h.iter()
                .zip(rec.expect("record").iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Counts NY rows of the CSV.gz without the profile, the mapper or the engine:
/// (all NY rows, rows dated before 2014-12-14, by month, by lift reason and side of that date).
type NyCounts = (
    u64,
    u64,
    BTreeMap<String, u64>,
    BTreeMap<(String, bool), u64>,
);

fn independent_ny_counts() -> NyCounts {
    let f = std::fs::File::open(data(FY2015_CSV)).expect("data file");
    let mut text = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut text)
        .expect("gzip");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let (mut ny, mut pre) = (0, 0);
    let mut months = BTreeMap::new();
    let mut lift = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.expect("record");
        if &rec[3] != "NEW YORK" {
            continue;
        }
        ny += 1;
        let before = &rec[0] < "2014-12-14";
        if before {
            pre += 1;
        }
        *months.entry(rec[0][..7].to_string()).or_default() += 1;
        *lift.entry((rec[5].to_string(), before)).or_default() += 1;
    }
    (ny, pre, months, lift)
}

#[test]
fn fy2015_new_york_under_nyc_law_of_each_row_honors_no_detainer_without_a_judicial_warrant() {
    needs_data!();
    let out = out_dir("ny");
    let o = opts(
        &["us-ny-nyc@row"],
        Some("doc"),
        &[("state", "NEW YORK")],
        &["month", "lift_reason"],
        out.clone(),
    );
    let s = run(FY2015_CSV, "ice-lesa-fy2015", &o);
    assert_eq!(
        (s.rows_read, s.rows_filtered_out, s.rows_evaluated),
        (79_053, 76_353, 2_700)
    );
    let law = &s.laws[0];
    assert_eq!(law.engine_disagreements, 0);
    assert_eq!(
        law.outcomes.get("permitted"),
        None,
        "no detainer is honorable without a judicial warrant"
    );
    // Before 2014-12-14 (LL 58/2014) the 2013 model needs conviction facts the records lack;
    // from then on § 9-131(b)(1) prohibits every hold without a judicial warrant.
    assert_eq!(law.outcomes.get("undetermined"), Some(&1_090));
    assert_eq!(law.outcomes.get("prohibited"), Some(&1_610));
    assert_eq!(
        law.undetermined_needs.get("subject.convictions"),
        Some(&1_090)
    );
    let a = &law.assumptions[0];
    assert_eq!(
        (a.id.as_str(), a.applied, a.decided),
        ("no-judicial-warrant", 2_700, 1_610)
    );

    // The same numbers, counted without the simulator (also by python and awk when written: 2700, 1090).
    let (ny, pre, months, lift) = independent_ny_counts();
    assert_eq!((ny, pre), (2_700, 1_090));
    assert_eq!(law.outcomes["undetermined"], pre);
    assert_eq!(law.outcomes["prohibited"], ny - pre);

    // Aggregate table: by month, and by lift reason, against the independent counts.
    let agg = csv_rows(&out.join("aggregate.csv"));
    let mut by_month: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_lift: BTreeMap<(String, bool), u64> = BTreeMap::new();
    for r in &agg {
        let n: u64 = r["rows"].parse().expect("count");
        assert_ne!(r["outcome"], "permitted");
        *by_month.entry(r["month"].clone()).or_default() += n;
        *by_lift
            .entry((r["lift_reason"].clone(), r["outcome"] == "undetermined"))
            .or_default() += n;
    }
    assert_eq!(by_month, months);
    assert_eq!(by_lift, lift);
    let dec_2014: u64 = agg
        .iter()
        .filter(|r| r["month"] == "2014-12" && r["outcome"] == "undetermined")
        .map(|r| r["rows"].parse::<u64>().unwrap_or(0))
        .sum();
    assert_eq!(dec_2014, 169, "1-13 December 2014 precede LL 58/2014");
    let declined_after: u64 = agg
        .iter()
        .filter(|r| r["lift_reason"] == "Detainer Declined by LEA" && r["outcome"] == "prohibited")
        .map(|r| r["rows"].parse::<u64>().unwrap_or(0))
        .sum();
    assert_eq!(declined_after, 86);

    // Per-row decisions: every prohibited row cites § 9-131(b)(1)'s default rule.
    let rows = csv_rows(&out.join("decisions.csv"));
    assert_eq!(rows.len(), 2_700);
    for r in &rows {
        match r["outcome"].as_str() {
            "prohibited" => assert_eq!(r["provisions"], "us-ny-nyc/doc-detainer-default"),
            "undetermined" => assert!(r["missing_facts"].contains("subject.convictions"), "{r:?}"),
            o => panic!("unexpected outcome {o}"),
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn law_change_impact_names_the_provisions_on_each_side() {
    needs_data!();
    let out = out_dir("impact");
    let o = opts(
        &["us-ny-nyc@2014-12-13", "us-ny-nyc@2014-12-14"],
        Some("doc"),
        &[("state", "NEW YORK")],
        &[],
        out.clone(),
    );
    let s = run(FY2015_CSV, "ice-lesa-fy2015", &o);
    assert_eq!(
        s.impact.len(),
        1,
        "{:?}",
        s.impact
            .iter()
            .map(|g| (&g.from_provisions, &g.to_provisions, g.rows))
            .collect::<Vec<_>>()
    );
    let g = &s.impact[0];
    assert_eq!(
        (g.from_outcome.as_str(), g.to_outcome.as_str(), g.rows),
        ("undetermined", "prohibited", 2_700)
    );
    assert_eq!(g.to_provisions, "us-ny-nyc/doc-detainer-default");
    assert!(
        g.from_provisions.split(';').all(|p| p.starts_with('?')) && !g.from_provisions.is_empty(),
        "{}",
        g.from_provisions
    );
    let impact = csv_rows(&out.join("impact.csv"));
    assert_eq!(impact.len(), 1);
    assert_eq!(impact[0]["rows"], "2700");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn xlsx_release_and_csv_gz_give_identical_results() {
    needs_data!();
    let (a, b) = (out_dir("csvgz"), out_dir("xlsx"));
    let group = ["month", "lift_reason", "facility", "state", "detainer_type"];
    let sa = run(
        FY2015_CSV,
        "ice-lesa-fy2015",
        &opts(
            &["us-ny-nyc@row", "profile@row"],
            Some("doc"),
            &[],
            &group,
            a.clone(),
        ),
    );
    let sb = run(
        FY2015_XLSX,
        "ice-lesa-fy2015",
        &opts(
            &["us-ny-nyc@row", "profile@row"],
            Some("doc"),
            &[],
            &group,
            b.clone(),
        ),
    );
    assert_eq!(sa.rows_read, 79_053);
    assert_eq!(sb.rows_read, 79_053);
    for f in ["aggregate.csv", "decisions.csv", "impact.csv"] {
        let x = std::fs::read(a.join(f)).expect("file");
        let y = std::fs::read(b.join(f)).expect("file");
        assert!(x == y, "{f} differs between the xlsx and the CSV.gz");
    }
    assert_eq!(
        serde_json::to_value(&sa.laws).ok(),
        serde_json::to_value(&sb.laws).ok()
    );
    assert_eq!(
        serde_json::to_value(&sa.columns).ok(),
        serde_json::to_value(&sb.columns).ok()
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn shipped_profiles_load_and_name_only_contract_values() {
    needs_data!();
    let lib = brightline::bundled().expect("bundled packs load");
    assert_eq!(BUNDLED.len(), 3);
    for (name, _) in BUNDLED {
        let p = resolve(name).expect("profile parses");
        assert_eq!(&p.name, name);
        // Binding to its own column names checks every field, value and assumption against the contract.
        let headers: Vec<String> = p.columns.values().map(|v| v[0].clone()).collect();
        brightline_sim::map::Mapper::new(&p, &headers, lib, &[], &p.group_by, None)
            .expect("profile binds");
    }
    let files = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles"))
        .expect("profiles folder");
    assert_eq!(
        files
            .filter_map(Result::ok)
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .count(),
        BUNDLED.len()
    );
}

#[test]
fn pennsylvania_rows_map_and_blank_types_are_counted() {
    needs_data!();
    let out = out_dir("pa");
    let s = run(
        "ice-foia-pennsylvania/pa_detainers_FY2008-FY2015.csv",
        "ice-lesa-pennsylvania",
        &opts(&["profile@row"], None, &[], &[], out.clone()),
    );
    assert_eq!(s.rows_read, 32_757);
    assert_eq!(s.rows_evaluated, 32_757);
    assert_eq!(s.columns["detainer_type"].blank, 30_958);
    assert_eq!(s.columns["detainer_type"].unknown, 0);
    let law = &s.laws[0];
    // Each row under the law of its facility: Philadelphia's prisons and police districts under
    // the city's pack, federal prisons, marshals and ICE's office under `us`, the rest under us-pa.
    let by: BTreeMap<&str, u64> = law
        .bounds_by_jurisdiction
        .iter()
        .map(|(j, b)| (j.as_str(), b.rows))
        .collect();
    assert_eq!(
        by,
        BTreeMap::from([
            ("us", 7_462),
            ("us-pa", 21_464),
            ("us-pa-philadelphia", 3_829)
        ])
    );
    // The Youth Study Center (Philadelphia juvenile detention, no agency the pack names).
    assert_eq!(law.outcomes.get("unmapped"), Some(&2));
    // Philadelphia's Executive Order 1-14 (2014-04-16) bars holds without a judicial warrant;
    // federal and Pennsylvania law leave them to the agency.
    assert_eq!(law.outcomes.get("prohibited"), Some(&258));
    assert_eq!(law.outcomes.get("permitted"), Some(&32_497));
    assert_eq!(law.bounds_by_jurisdiction["us-pa"].lower[0], 21_464);
    let kind = law
        .assumptions
        .iter()
        .find(|a| a.id == "blank-type-is-detainer")
        .expect("assumption");
    assert_eq!((kind.applied, kind.decided), (30_956, 30_956));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn ddp_rows_read_with_ncic_convictions_and_unknown_states_counted() {
    needs_data!();
    let out = out_dir("ddp");
    let s = run(
        "ddp/mn_st_cloud_denied.csv",
        "ddp-detainers",
        &opts(
            &["us-ny-nyc@row", "profile@row"],
            Some("doc"),
            &[],
            &["month"],
            out.clone(),
        ),
    );
    assert_eq!(s.rows_read, 22);
    // Minnesota's rows are decided under Minnesota's pack; asked under NYC's law they are
    // counted as moved from there.
    assert_eq!(s.columns["state"].unknown, 0);
    // Under its own law they reach Minnesota's pack, which knows no `--agency doc`: said per row.
    assert_eq!(
        s.laws[1].unmapped_reasons,
        BTreeMap::from([(
            "the agency is not known to this jurisdiction".to_string(),
            22
        )])
    );
    assert_eq!(
        s.laws[0].decided_as_if_here,
        BTreeMap::from([("us-mn".to_string(), 22)])
    );
    // Three rows have no most serious conviction (`NA`): counted blank, not dropped.
    assert_eq!(s.columns["msc_code"].blank, 3);
    // Hypothetically at NYC DOC: an I-247A with an administrative warrant is never honorable.
    let nyc = &s.laws[0];
    assert_eq!(nyc.outcomes.get("prohibited"), Some(&22));
    let w = nyc
        .assumptions
        .iter()
        .find(|a| a.id == "administrative-warrant")
        .expect("assumption");
    assert_eq!((w.applied, w.decided), (22, 22));
    let conv = nyc
        .assumptions
        .iter()
        .find(|a| a.id == "msc-only-conviction")
        .expect("assumption");
    assert_eq!(
        conv.applied, 22,
        "19 rows with a conviction and 3 pending-charge rows with none"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn unknown_and_unreadable_values_are_counted_never_dropped() {
    needs_data!();
    let dir = out_dir("bad");
    std::fs::create_dir_all(&dir).expect("dir");
    let input = dir.join("rows.csv");
    std::fs::write(
        &input,
        "prepare_date,detainer_type,detainer_detention_facility,state,city,detainer_lift_reason\n\
         2015-01-05,I247D - Immigration Detainer - Request for Action,\"RIKERS ISLAND, QUEENS, NY\",NEW YORK,ELMHURST,\n\
         2015-01-06,I999 - Some Other Form,\"RIKERS ISLAND, QUEENS, NY\",NEW YORK,ELMHURST,Lifted\n\
         not a date,I247D - Immigration Detainer - Request for Action,SOMEWHERE,NEW YORK,X,\n",
    )
    .expect("write");
    let lib = brightline::bundled().expect("bundled packs load");
    let p = resolve("ice-lesa-fy2015").expect("profile");
    let s = simulate(
        lib,
        &p,
        &input,
        &opts(&["profile@row"], None, &[], &[], dir.join("out")),
    )
    .expect("runs");
    assert_eq!(s.rows_evaluated, 3);
    assert_eq!(
        s.columns["detainer_type"]
            .unknown_values
            .get("I999 - Some Other Form"),
        Some(&1)
    );
    assert_eq!(s.columns["date"].unknown_values.get("not a date"), Some(&1));
    // A facility no table lists is placed by its state (here under us-ny), not counted unknown;
    // this row is unmapped for its unreadable date instead.
    assert_eq!(s.columns["facility"].unknown, 0);
    assert_eq!(
        s.laws[0]
            .unmapped_reasons
            .get("the row has no readable date"),
        Some(&1),
        "{:?}",
        s.laws[0].unmapped_reasons
    );
    let law = &s.laws[0];
    assert_eq!(
        law.outcomes.get("prohibited"),
        Some(&1),
        "{:?}",
        law.outcomes
    );
    assert_eq!(
        law.outcomes.get("undetermined"),
        Some(&1),
        "an unknown form leaves the request kind missing"
    );
    assert_eq!(law.outcomes.get("unmapped"), Some(&1));
    let rows = csv_rows(&dir.join("out/decisions.csv"));
    assert_eq!(
        rows.iter().map(|r| r["row"].as_str()).collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn parquet_decisions_read_back_through_the_parquet_reader() {
    needs_data!();
    struct Collect(Vec<String>, Vec<Vec<String>>);
    impl brightline_sim::read::Visitor for Collect {
        fn header(&mut self, h: &[String]) -> Result<(), brightline_sim::SimError> {
            self.0 = h.to_vec();
            Ok(())
        }
        fn row(
            &mut self,
            c: &brightline_sim::read::Cells<'_>,
        ) -> Result<(), brightline_sim::SimError> {
            self.1
                .push((0..self.0.len()).map(|i| c.get(i).to_string()).collect());
            Ok(())
        }
    }
    let out = out_dir("pq");
    run(
        "ddp/mn_st_cloud_denied.csv",
        "ddp-detainers",
        &opts(&["us-ny-nyc@row"], Some("doc"), &[], &[], out.clone()),
    );
    let mut c = Collect(Vec::new(), Vec::new());
    brightline_sim::read::read(&out.join("decisions.parquet"), None, &mut c)
        .expect("parquet reads");
    assert_eq!(
        c.0,
        [
            "row",
            "law",
            "outcome",
            "provisions",
            "missing_facts",
            "possible_outcomes",
            "note"
        ]
    );
    let from_csv: Vec<Vec<String>> = csv_rows(&out.join("decisions.csv"))
        .into_iter()
        .map(|r| c.0.iter().map(|k| r[k].clone()).collect())
        .collect();
    assert_eq!(c.1.len(), 22);
    assert_eq!(c.1, from_csv);
    let _ = std::fs::remove_dir_all(&out);
}

/// Facility -> jurisdiction, read straight from the reviewed table (comments skipped).
fn facility_table() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../profiles/facilities/ice-lesa-new-york.csv"),
    )
    .expect("table");
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut r = csv::Reader::from_reader(body.as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.expect("row");
            (rec[1].to_string(), rec[3].to_string())
        })
        .collect()
}

#[test]
fn new_york_rows_are_decided_under_the_law_of_their_own_facility() {
    needs_data!();
    let out = out_dir("facilities");
    let s = run(
        FY2015_CSV,
        "ice-lesa-fy2015",
        &opts(
            &["profile@2014-12-14"],
            None,
            &[("state", "NEW YORK")],
            &["jurisdiction"],
            out.clone(),
        ),
    );
    // Independently: each New York row's facility looked up in the table.
    let table = facility_table();
    let f = std::fs::File::open(data(FY2015_CSV)).expect("data file");
    let mut text = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut text)
        .expect("gzip");
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for rec in csv::Reader::from_reader(text.as_bytes()).records() {
        let rec = rec.expect("record");
        if &rec[3] == "NEW YORK" {
            let j = table
                .get(&rec[2])
                .cloned()
                .expect("every NY facility is in the table");
            *want.entry(j).or_default() += 1;
        }
    }
    assert_eq!(
        want["us-ny-nyc"], 838,
        "NYC DOC jails and NYPD central booking"
    );
    assert_eq!(
        want["us"], 467,
        "federal prisons, marshals, ICE's own centres"
    );
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    for r in csv_rows(&out.join("aggregate.csv")) {
        *got.entry(r["jurisdiction"].clone()).or_default() += r["rows"].parse::<u64>().unwrap_or(0);
    }
    // Unplaced rows (children's homes) have no jurisdiction: the empty key.
    assert_eq!(got.remove("").unwrap_or(0), want.remove("").unwrap_or(0));
    assert_eq!(got, want);
    let law = &s.laws[0];
    assert_eq!(law.outcomes.get("unmapped"), Some(&5));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // Only NYC's rows can be prohibited by NYC's law; federal rows stay permitted.
    let nyc = &law.bounds_by_jurisdiction["us-ny-nyc"];
    assert_eq!(nyc.rows, 838);
    assert_eq!(law.bounds_by_jurisdiction["us"].lower[0], 467);
    // Bounds bracket the point shares: lowest <= decided <= highest, and the open rows
    // are exactly the gap between them.
    let b = &law.bounds;
    let und = law.outcomes.get("undetermined").copied().unwrap_or(0);
    for (i, o) in ["permitted", "prohibited", "required"].iter().enumerate() {
        let n = law.outcomes.get(*o).copied().unwrap_or(0);
        assert_eq!(b.lower[i], n, "{o}: a decided row is a point");
        assert!(b.upper[i] >= n && b.upper[i] <= n + und, "{o}");
    }
    assert!(
        b.upper[0] > b.lower[0],
        "conviction facts could make NYPD rows honorable"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn agency_and_jurisdiction_overrides_are_counted_and_said() {
    needs_data!();
    let out = out_dir("override");
    let s = run(
        FY2015_CSV,
        "ice-lesa-fy2015",
        &opts(
            &["us-ny-nyc@row"],
            Some("doc"),
            &[("state", "NEW YORK")],
            &[],
            out.clone(),
        ),
    );
    let law = &s.laws[0];
    assert_eq!(
        law.decided_as_if_here.values().sum::<u64>(),
        2_700 - 838 - 5,
        "{:?}",
        law.decided_as_if_here
    );
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("--agency doc overrides") && w.contains("nypd: 506")),
        "{:?}",
        s.warnings
    );
    assert!(s
        .warnings
        .iter()
        .any(|w| w.contains("1857 rows the profile places")));
    let methods = std::fs::read_to_string(out.join("methods.md")).expect("methods.md");
    assert!(methods.contains("## Read this first"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_filter_matching_nothing_is_an_error_naming_the_closest_values() {
    needs_data!();
    let out = out_dir("nomatch");
    let lib = brightline::bundled().expect("bundled packs load");
    let p = resolve("ice-lesa-fy2015").expect("profile");
    let e = simulate(
        lib,
        &p,
        &data(FY2015_CSV),
        &opts(
            &["profile@row"],
            None,
            &[("state", "New York")],
            &[],
            out.clone(),
        ),
    )
    .err()
    .expect("no row matches");
    let msg = e.to_string();
    assert!(matches!(e, brightline_sim::SimError::Input(_)));
    assert!(msg.contains("`state=New York` matches no row"), "{msg}");
    assert!(msg.contains("`NEW YORK` (2700 rows)"), "{msg}");
    assert!(
        !out.join("decisions.csv").exists(),
        "no half-written output"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn kept_source_columns_join_back_to_the_input() {
    needs_data!();
    let out = out_dir("keep");
    let mut o = opts(
        &["profile@row"],
        None,
        &[("state", "NEW YORK")],
        &[],
        out.clone(),
    );
    o.keep = Some(vec![
        "detainer_detention_facility".into(),
        "prepare_date".into(),
    ]);
    run(FY2015_CSV, "ice-lesa-fy2015", &o);
    let f = std::fs::File::open(data(FY2015_CSV)).expect("data file");
    let mut text = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut text)
        .expect("gzip");
    let src: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record"))
        .collect();
    let rows = csv_rows(&out.join("decisions.csv"));
    assert_eq!(rows.len(), 2_700);
    for r in &rows {
        let i: usize = r["row"].parse().expect("row");
        assert_eq!(r["detainer_detention_facility"], &src[i - 1][2]);
        assert_eq!(r["prepare_date"], &src[i - 1][0]);
    }
    let _ = std::fs::remove_dir_all(&out);
}

fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles")
}

/// (state, facility) -> jurisdiction, read straight from a reviewed table (comments skipped).
fn table(file: &str) -> BTreeMap<(String, String), String> {
    let text =
        std::fs::read_to_string(profiles_dir().join("facilities").join(file)).expect("table");
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|rec| {
            let rec = rec.expect("row");
            ((rec[0].to_string(), rec[1].to_string()), rec[3].to_string())
        })
        .collect()
}

#[test]
fn every_facility_of_the_reviewed_tables_is_named_by_a_release() {
    needs_data!();
    let mut seen = std::collections::BTreeSet::new();
    let f = std::fs::File::open(data(FY2015_CSV)).expect("data file");
    let mut text = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut text)
        .expect("gzip");
    for rec in csv::Reader::from_reader(text.as_bytes()).records() {
        let rec = rec.expect("record");
        seen.insert((rec[3].to_string(), rec[2].to_string()));
    }
    let pa = data("ice-foia-pennsylvania/pa_detainers_FY2008-FY2015.csv");
    for rec in csv::Reader::from_path(pa).expect("pa").records() {
        let rec = rec.expect("record");
        seen.insert((rec[4].to_string(), rec[2].to_string()));
    }
    for file in [
        "ice-lesa-new-york.csv",
        "ice-lesa-local.csv",
        "ice-lesa-federal.csv",
    ] {
        for (key, _) in table(file) {
            assert!(seen.contains(&key), "{file}: {key:?} is in no release");
        }
    }
}

#[test]
fn fy2015_rows_are_placed_by_facility_then_by_state() {
    needs_data!();
    let out = out_dir("states");
    let s = run(
        FY2015_CSV,
        "ice-lesa-fy2015",
        &opts(
            &["profile@2014-12-14"],
            None,
            &[],
            &["jurisdiction", "state", "facility"],
            out.clone(),
        ),
    );
    assert_eq!(s.rows_evaluated, 79_053);
    // (state, facility) -> (jurisdiction, rows), from the aggregate the run wrote.
    let mut placed: BTreeMap<(String, String), (String, u64)> = BTreeMap::new();
    let mut by_jur: BTreeMap<String, u64> = BTreeMap::new();
    for r in csv_rows(&out.join("aggregate.csv")) {
        let n: u64 = r["rows"].parse().expect("rows");
        let e = placed
            .entry((r["state"].clone(), r["facility"].clone()))
            .or_insert((r["jurisdiction"].clone(), 0));
        assert_eq!(e.0, r["jurisdiction"], "one jurisdiction per facility");
        e.1 += n;
        *by_jur.entry(r["jurisdiction"].clone()).or_default() += n;
    }
    let at = |st: &str, fac: &str| placed[&(st.to_string(), fac.to_string())].clone();
    assert_eq!(at("NEW YORK", "RIKERS ISLAND, QUEENS, NY").0, "us-ny-nyc");
    assert_eq!(at("NEW YORK", "BROOKLYN MDC"), ("us".into(), 269));
    assert_eq!(at("NEW YORK", "SUFFOLK CO.CORREC FAC").0, "us-ny");
    assert_eq!(
        at("ILLINOIS", "COOK COUNTY JAIL"),
        ("us-il-cook".into(), 186)
    );
    assert_eq!(at("ILLINOIS", "CHICAGO MCC").0, "us");
    assert_eq!(at("ILLINOIS", "CICERO POLICE DEPT.").0, "us-il");
    assert_eq!(
        at("TEXAS", "HARRIS COUNTY JAIL"),
        ("us-tx-harris".into(), 1_654)
    );
    assert_eq!(at("TEXAS", "TRAVIS COUNTY STATE JAIL").0, "us-tx");
    assert_eq!(at("TEXAS", "COOKE COUNTY JAIL").0, "us-tx");
    assert_eq!(at("TEXAS", "US MARSHALS  SDTX"), ("us".into(), 508));
    assert_eq!(
        at("CALIFORNIA", "LOS ANGELES COUNTY JAIL-TWIN TOWER").0,
        "us-ca-los-angeles-county"
    );
    assert_eq!(
        at("CALIFORNIA", "LOS ANGELES CITY JAIL").0,
        "us-ca",
        "no city pack"
    );
    assert_eq!(at("WASHINGTON", "REGIONAL JUSTICE CENTER").0, "us-wa-king");
    assert_eq!(at("WASHINGTON", "KENT CITY JAIL").0, "us-wa");
    assert_eq!(at("FLORIDA", "DADE CORRECTIONAL INST").0, "us-fl");
    assert_eq!(
        at("FLORIDA", "TURNER GUIFORD KNIGHT (TGK) JAIL").0,
        "us-fl-miami-dade"
    );
    assert_eq!(
        at("PUERTO RICO", "GUAYNABO MDC (SAN JUAN)"),
        ("us".into(), 84)
    );
    assert_eq!(
        at("PUERTO RICO", "GUERRERO PENAL INST.").0,
        "",
        "no pack for Puerto Rico"
    );

    // A facility no table lists is under its own state's pack, and only then.
    let lib = brightline::bundled().expect("bundled packs load");
    let mut listed = table("ice-lesa-new-york.csv");
    listed.extend(table("ice-lesa-local.csv"));
    listed.extend(table("ice-lesa-federal.csv"));
    let territories = [
        "PUERTO RICO",
        "GUAM",
        "VIRGIN ISLANDS",
        "NORTHERN MARIANA ISLANDS",
    ];
    for ((st, fac), (j, _)) in &placed {
        if let Some(want) = listed.get(&(st.clone(), fac.clone())) {
            assert_eq!(j, want, "{st} / {fac}: as the table says");
        } else if st.is_empty() || territories.contains(&st.as_str()) {
            assert_eq!(j, "", "{st} / {fac}: no pack, unmapped");
        } else {
            let pack = lib.jurisdiction(j).expect("a pack");
            assert!(
                lib.packs[pack].name.to_uppercase().starts_with(st.as_str()) && j.len() == 5,
                "{st} / {fac}: placed under {j}"
            );
        }
    }

    // Rows per jurisdiction on the whole release.
    assert_eq!(by_jur["us-ny-nyc"], 838);
    assert_eq!(by_jur["us-ny"], 1_390);
    assert_eq!(by_jur["us"], 6_380);
    assert_eq!(by_jur["us-il-cook"], 186);
    assert_eq!(by_jur["us-il"], 947);
    assert_eq!(by_jur["us-az-maricopa"], 2_741);
    assert_eq!(by_jur["us-ca-los-angeles-county"], 1_777);
    assert_eq!(by_jur["us-ca-san-francisco"], 143);
    assert_eq!(by_jur["us-ca-santa-clara"], 392);
    assert_eq!(by_jur["us-co-denver"], 288);
    assert_eq!(by_jur["us-fl-miami-dade"], 286);
    assert_eq!(by_jur["us-pa-philadelphia"], 109);
    assert_eq!(by_jur["us-tx-dallas"], 1_212);
    assert_eq!(by_jur["us-tx-travis"], 1_214);
    assert_eq!(by_jur["us-wa-king"], 32);
    assert_eq!(by_jur["us-tx"], 11_747);
    assert_eq!(by_jur.len(), 66, "65 packs and the unmapped");
    // Unmapped: 9,020 rows without a state, 39 in territories without a pack, 21 at the
    // children's homes, juvenile halls and aid agency the tables leave unplaced.
    assert_eq!(by_jur[""], 9_080);
    assert_eq!(s.columns["state"].blank, 9_020);
    assert_eq!(
        s.columns["state"].unknown_values,
        BTreeMap::from([
            ("GUAM".to_string(), 10),
            ("NORTHERN MARIANA ISLANDS".to_string(), 8),
            ("PUERTO RICO".to_string(), 16),
            ("VIRGIN ISLANDS".to_string(), 5),
        ])
    );
    assert_eq!(s.columns["facility"].unknown, 0, "the fallback places them");
    let methods = std::fs::read_to_string(out.join("methods.md")).expect("methods.md");
    assert!(methods.contains("  - `PUERTO RICO`: 16 rows"), "{methods}");
    assert!(
        methods.contains("| jurisdiction | column `state`, 51 values mapped"),
        "{methods}"
    );
    assert!(
        methods.contains("rows name a facility the reviewed tables do not list"),
        "{methods}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn kept_columns_are_in_the_parquet_file_with_the_source_values() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    needs_data!();
    let out = out_dir("keep-parquet");
    let mut o = opts(
        &["profile@2014-12-13", "profile@2014-12-14"],
        None,
        &[("state", "NEW YORK")],
        &[],
        out.clone(),
    );
    o.keep = Some(vec![
        "detainer_detention_facility".into(),
        "prepare_date".into(),
    ]);
    run(FY2015_CSV, "ice-lesa-fy2015", &o);
    let f = std::fs::File::open(data(FY2015_CSV)).expect("data file");
    let mut text = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut text)
        .expect("gzip");
    let src: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record"))
        .collect();
    let reader = SerializedFileReader::new(
        std::fs::File::open(out.join("decisions.parquet")).expect("decisions.parquet"),
    )
    .expect("a parquet file");
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(
        names[names.len() - 2..],
        ["detainer_detention_facility", "prepare_date"],
        "the kept columns, in --keep order, after the decision: {names:?}"
    );
    let (mut n, mut per_law) = (0usize, BTreeMap::<String, u64>::new());
    let csv_rows = csv_rows(&out.join("decisions.csv"));
    for (i, row) in reader.get_row_iter(None).expect("rows").enumerate() {
        let row = row.expect("row");
        let cols: BTreeMap<String, String> = row
            .get_column_iter()
            .map(|(k, v)| {
                let s = v.to_string();
                (k.clone(), s.trim_matches('"').to_string())
            })
            .collect();
        let r: usize = cols["row"].parse().expect("row number");
        assert_eq!(
            cols["detainer_detention_facility"],
            &src[r - 1][2],
            "row {r}"
        );
        assert_eq!(cols["prepare_date"], &src[r - 1][0], "row {r}");
        assert_eq!(&src[r - 1][3], "NEW YORK");
        // Same line as the CSV twin.
        assert_eq!(cols["row"], csv_rows[i]["row"]);
        assert_eq!(cols["outcome"], csv_rows[i]["outcome"]);
        assert_eq!(
            cols["detainer_detention_facility"],
            csv_rows[i]["detainer_detention_facility"]
        );
        *per_law.entry(cols["law"].clone()).or_default() += 1;
        n += 1;
    }
    assert_eq!(n, 2 * 2_700);
    assert_eq!(
        per_law.values().copied().collect::<Vec<_>>(),
        [2_700, 2_700]
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn charts_and_methods_say_what_they_show() {
    needs_data!();
    let out = out_dir("charts");
    let mut o = opts(
        &["profile@2014-12-13", "profile@2014-12-14"],
        None,
        &[("state", "NEW YORK")],
        &["month", "jurisdiction"],
        out.clone(),
    );
    o.charts = true;
    run(FY2015_CSV, "ice-lesa-fy2015", &o);
    let source = "ice_lea_detainers_FY2015YTD.csv.gz";
    let caption = [
        format!("Source: {source} (profile ice-lesa-fy2015)."),
        "N = 2700 rows; 5 could not be put to a law and are not drawn (see methods.md).".into(),
        "Filters: state=NEW YORK.".into(),
        "Assumptions (see methods.md): no-judicial-warrant.".into(),
    ];
    for (file, title) in [
        ("outcomes.svg", format!("Outcome shares by law: {source}")),
        (
            "monthly.svg",
            format!("Rows by month and outcome: {source}"),
        ),
    ] {
        let svg = std::fs::read_to_string(out.join(file)).expect(file);
        let title_at = svg.find("<title>").expect("a <title>");
        assert!(
            svg[..title_at].matches('<').count() <= 3,
            "{file}: <title> first inside the root element"
        );
        let t = &svg[title_at + 7..svg.find("</title>").expect("</title>")];
        assert_eq!(t, title, "{file}");
        let desc =
            &svg[svg.find("<desc>").expect("a <desc>") + 6..svg.find("</desc>").expect("</desc>")];
        for c in &caption {
            assert!(
                desc.contains(c.as_str()),
                "{file}: <desc> lacks {c:?}: {desc}"
            );
            // ...and the caption is drawn on the chart itself, not only described.
            assert!(
                svg.matches(c.as_str()).count() >= 2,
                "{file}: caption line {c:?} not drawn"
            );
        }
        assert!(out.join(file.replace(".svg", ".png")).is_file());
    }
    let outcomes = std::fs::read_to_string(out.join("outcomes.svg")).expect("svg");
    assert!(outcomes.contains(
        "Under profile@2014-12-14, of 2695 rows put to the law: permitted 1857 (68.9%); prohibited 333 (12.4%); undetermined 505 (18.7%);"
    ));
    assert!(
        !outcomes.contains(">unmapped<"),
        "unmapped rows are a count in the caption, not a bar"
    );

    let m = std::fs::read_to_string(out.join("methods.md")).expect("methods.md");
    for want in [
        format!("Every row of `{}` was read through the profile `ice-lesa-fy2015`", data(FY2015_CSV).display()),
        "79053 rows read; 76353 left out by the filters (state=NEW YORK); 2700 evaluated.".into(),
        "- `state` = `NEW YORK`: 2700 rows".into(),
        "| request.date | column `date` (formats: iso, excel-serial) |".into(),
        "| jurisdiction, agency, request.place | the reviewed tables `facilities/ice-lesa-new-york.csv`, `facilities/ice-lesa-local.csv`, `facilities/ice-lesa-federal.csv`, by state + facility".into(),
        "| request.warrant | profile assumption `no-judicial-warrant` = `none`, for rows dated any date to 2017-04-01 |".into(),
        "Source: ICE Policy 10074.2 (issued 2017-03-24, effective 2017-04-02)".into(),
        "| NEW YORK / BROOKLYN MDC | us | jail | 269 |".into(),
        "| NEW YORK / ABBOTT HOME | (none: unmapped) |  | 2 |".into(),
        "### profile@2014-12-14".into(),
        "- prohibited: 333 (12.3% of evaluated rows)".into(),
        "- not put to the law (the profile maps no jurisdiction for this row): 5".into(),
        "- undetermined for want of `subject.convictions`: 505".into(),
        "- assumption `no-judicial-warrant` supplied a fact to 2695 rows and decided 333 of them".into(),
        "| us-ny-nyc | 838 | prohibited | 39.7% | 100.0% |".into(),
        "| us | 467 | permitted | 100.0% | 100.0% |".into(),
        "Every range is exact.".into(),
    ] {
        assert!(m.contains(want.as_str()), "methods.md lacks {want:?}:\n{m}");
    }
    assert!(
        !m.contains("rows name a facility the reviewed tables do not list"),
        "every New York facility is in the table"
    );
    let _ = std::fs::remove_dir_all(&out);
}

//! Every thread layout (`set_threads`: reading, mapping and deciding on one
//! thread or spread over two or three) writes every output file exactly as one
//! thread does, on the FY2015 release (which lives in `../shared/data`, as for
//! `real_rows.rs`). Its own test binary: the switch is process-wide.

use std::collections::BTreeMap;
use std::path::Path;

use brightline_sim::profile::resolve;
use brightline_sim::{set_threads, simulate, Threads};

mod common;
use common::{data, opts, present};

const GROUPS: &[&str] = &["month", "jurisdiction", "lift_reason"];

/// Every file the run wrote, by name; the timings and the peak memory of the
/// summary (which differ from run to run anyway) left out.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("out dir") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().to_string();
        let bytes = std::fs::read(e.path()).expect("output file");
        let bytes = match name.as_str() {
            "summary.json" => {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                let o = v.as_object_mut().expect("an object");
                for k in [
                    "decide_seconds",
                    "total_seconds",
                    "decide_rate",
                    "rows_rate",
                    "peak_rss_kib",
                ] {
                    assert!(o.remove(k).is_some(), "summary.json has {k}");
                }
                serde_json::to_vec_pretty(&v).expect("json")
            }
            "summary.txt" => String::from_utf8(bytes)
                .expect("utf-8")
                .lines()
                .filter(|l| !l.contains("s end to end (") && !l.starts_with("peak RSS"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes(),
            _ => bytes,
        };
        files.insert(name, bytes);
    }
    files
}

/// The laws, `--agency` and `--where` of one run.
type Run<'a> = (&'a [&'a str], Option<&'a str>, &'a [(&'a str, &'a str)]);

#[test]
fn every_thread_layout_writes_every_output_as_one_thread_does() {
    let input = data("ice-foia-fy2015/ice_lea_detainers_FY2015YTD.csv.gz");
    if !present(&input) {
        return;
    }
    let lib = brightline::bundled().expect("bundled packs load");
    let profile = resolve("ice-lesa-fy2015").expect("profile");
    let out = std::env::temp_dir().join(format!("brightline-sim-parallel-{}", std::process::id()));
    // Each row under its own facility's law on two dates (impact.csv), and every row
    // of one state under NYC DOC's law (an agency override and a filter that drops rows).
    let runs: [Run; 2] = [
        (&["profile@2014-06-01", "profile@row"], None, &[]),
        (
            &["us-ny-nyc@2014-06-01", "us-ny-nyc@row"],
            Some("doc"),
            &[("state", "NEW YORK")],
        ),
    ];
    for (laws, agency, filters) in runs {
        let mut o = opts(laws, agency, filters, GROUPS, out.clone());
        o.charts = true;
        o.keep = Some(Vec::new());
        let mut got = Vec::new();
        for threads in Threads::ALL {
            let _ = std::fs::remove_dir_all(&out);
            set_threads(Some(threads));
            let s = simulate(lib, &profile, &input, &o).expect("simulate");
            assert!(s.rows_evaluated > 0, "{laws:?}: some rows decided");
            got.push(outputs(&out));
        }
        let one = &got[0];
        for (threads, other) in Threads::ALL.iter().zip(&got).skip(1) {
            assert_eq!(
                one.keys().collect::<Vec<_>>(),
                other.keys().collect::<Vec<_>>(),
                "{laws:?}: the same files with {threads:?}"
            );
            for (name, bytes) in one {
                assert!(
                    !bytes.is_empty() || name.ends_with(".csv"),
                    "{laws:?}: {name} is empty"
                );
                assert!(
                    bytes == &other[name],
                    "{laws:?}: {name} differs between one thread and {threads:?}"
                );
            }
        }
        for f in [
            "aggregate.csv",
            "impact.csv",
            "decisions.csv",
            "decisions.parquet",
            "methods.md",
            "summary.json",
        ] {
            assert!(one.contains_key(f), "{laws:?}: {f} written");
        }
    }
    set_threads(None);
    let _ = std::fs::remove_dir_all(&out);
}

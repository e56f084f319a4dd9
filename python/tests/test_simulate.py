import csv
import json
import subprocess

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

import brightline

LAWS = ["profile@2014-12-13", "profile@2014-12-14"]


def cli_aggregate(cli, path, out, laws, group_by):
    args = [str(cli), "simulate", str(path), "--profile", "ice-lesa-fy2015", "--rows", "none",
            "--no-charts", "--quiet", "--group-by", ",".join(group_by), "--out", str(out)]
    for l in laws:
        args += ["--law", l]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(out / "aggregate.csv", newline="") as f:
        return {tuple(r[k] for k in ["law", "outcome", *group_by]): int(r["rows"]) for r in csv.DictReader(f)}


def test_simulate_returns_the_cli_aggregates(fy2015, cli, tmp_path):
    t = brightline.simulate(str(fy2015), "ice-lesa-fy2015", LAWS, group_by=["jurisdiction"])
    got = {(r["law"], r["outcome"], r["jurisdiction"]): r["rows"] for r in t.to_pylist()}
    want = cli_aggregate(cli, fy2015, tmp_path, LAWS, ["jurisdiction"])
    assert got == want
    summary = json.loads(t.schema.metadata[b"brightline.summary"])
    assert summary["rows_read"] == 79053
    nyc = summary["laws"][1]["bounds_by_jurisdiction"]["us-ny-nyc"]
    assert nyc["rows"] == 838


def test_simulate_filter_matching_nothing_names_the_closest_value(fy2015):
    try:
        brightline.simulate(str(fy2015), "ice-lesa-fy2015", ["profile@row"], where_={"state": ["New York"]})
    except ValueError as e:
        assert "`NEW YORK` (2700 rows)" in str(e)
    else:
        raise AssertionError("a filter matching no row must fail")


def test_decide_batch_with_a_profile_matches_the_cli_row_for_row(fy2015, cli, tmp_path):
    table = pacsv.read_csv(fy2015, convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in ["prepare_date", "detainer_type",
                                                 "detainer_detention_facility", "state", "city",
                                                 "detainer_lift_reason"]}))
    out = brightline.decide_batch(table, law="profile@row", profile="ice-lesa-fy2015")
    assert out.num_rows == table.num_rows
    counts = pc.value_counts(out.column("outcome")).to_pylist()
    got = {c["values"]: c["counts"] for c in counts}
    args = [str(cli), "simulate", str(fy2015), "--profile", "ice-lesa-fy2015", "--law", "profile@row",
            "--rows", "none", "--no-charts", "--quiet", "--json", "--out", str(tmp_path)]
    summary = json.loads(subprocess.run(args, check=True, capture_output=True).stdout)
    assert got == summary["laws"][0]["outcomes"]

"""decide_batch as a partition function on a local Dask cluster of two workers."""
import collections
import csv
import subprocess

import pyarrow as pa
import pytest

import brightline

COLS = ["prepare_date", "detainer_type", "detainer_detention_facility", "state", "city",
        "detainer_lift_reason"]
LAW = "profile@row"


def partition(df):
    # pandas in, pandas out, through Arrow: the function Dask runs on every worker.
    t = brightline.decide_batch(pa.Table.from_pandas(df, preserve_index=False), law=LAW,
                                profile="ice-lesa-fy2015")
    return t.select(["jurisdiction_decided", "outcome"]).to_pandas()


def test_two_worker_cluster_gives_the_cli_aggregates_exactly(fy2015, cli, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    import pandas as pd

    # Rows in file order, split into 8 partitions: the profile decides each row on its own,
    # so the split cannot change any row's outcome.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        pdf = pd.read_csv(fy2015, dtype=str, keep_default_na=False)
        ddf = dd.from_pandas(pdf, npartitions=8)
        meta = pd.DataFrame({"jurisdiction_decided": pd.Series(dtype=object),
                             "outcome": pd.Series(dtype=object)})
        decided = ddf.map_partitions(partition, meta=meta)
        agg = decided.groupby(["jurisdiction_decided", "outcome"]).size().compute()
    got = {(j, o): int(n) for (j, o), n in agg.items()}

    args = [str(cli), "simulate", str(fy2015), "--profile", "ice-lesa-fy2015", "--law", LAW,
            "--group-by", "jurisdiction", "--rows", "none", "--no-charts", "--quiet",
            "--out", str(tmp_path)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    want = collections.Counter()
    with open(tmp_path / "aggregate.csv", newline="") as f:
        for r in csv.DictReader(f):
            want[(r["jurisdiction"], r["outcome"])] += int(r["rows"])
    assert sum(want.values()) == 79053
    assert got == dict(want)

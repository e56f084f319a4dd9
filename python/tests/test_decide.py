import json
import pathlib

import pyarrow as pa
import pytest

import brightline

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_decide_returns_the_json_contract():
    req = json.loads((ROOT / "examples" / "nyc-doc-detainer.json").read_text())
    d = brightline.decide(req)
    assert d["outcome"] == "prohibited"
    assert any("9-131" in c for c in d["citations"])


def test_decide_names_the_bad_field():
    with pytest.raises(ValueError, match="jurisdiction"):
        brightline.decide({"jurisdiction": "atlantis", "agency": "doc", "date": "2025-01-01",
                           "request": {"kind": "detainer"}})


def test_decide_batch_contract_columns_agree_with_decide_and_pass_columns_through():
    kinds = pa.array(["detainer", "detainer", "detainer", "notification"])
    warrants = pa.array(["judicial", "administrative", None, "none"])
    t = pa.table({"request.kind": kinds, "request.warrant": warrants,
                  "case_id": pa.array([10, 11, 12, 13])})
    out = brightline.decide_batch(t, law="us-ny-nyc@2025-11-09", agency="doc")
    assert out.num_rows == 4
    assert out.column_names[:3] == ["request.kind", "request.warrant", "case_id"]
    # The input columns come back as the same buffers (zero-copy through the C data interface).
    assert out.column("case_id").chunk(0).buffers()[1].address == t.column("case_id").chunk(0).buffers()[1].address
    for i in range(4):
        req = {"jurisdiction": "us-ny-nyc", "date": "2025-11-09", "agency": "doc",
               "request": {"kind": kinds[i].as_py()}}
        if warrants[i].as_py() is not None:
            req["request"]["warrant"] = warrants[i].as_py()
        assert out.column("outcome")[i].as_py() == brightline.decide(req)["outcome"], i
    assert out.column("outcome")[1].as_py() == "prohibited"
    assert out.column("possible_outcomes")[1].as_py() == "prohibited"
    assert out.column("error").null_count == 4


def test_decide_batch_reports_a_bad_row_without_failing_the_batch():
    t = pa.table({"request.kind": ["detainer", "teleport"]})
    out = brightline.decide_batch(t, agency="doc")
    assert out.column("outcome").to_pylist()[1] == "invalid"
    assert "request.kind" in out.column("error")[1].as_py()


def test_polars_and_pandas_go_through_arrow():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"request.kind": ["detainer", "detainer"],
                       "request.warrant": ["administrative", "judicial"]})
    out = brightline.decide_batch(pa.Table.from_pandas(df), agency="doc").to_pandas()
    # An administrative warrant never suffices at NYC DOC; a judicial one turns on the
    # person's convictions, which the table does not give.
    assert list(out["outcome"]) == ["prohibited", "undetermined"]
    assert out["possible_outcomes"][1] == "permitted|prohibited"
    pl = pytest.importorskip("polars")
    out = pl.from_arrow(brightline.decide_batch(pl.DataFrame(df).to_arrow(), agency="doc"))
    assert out["outcome"].to_list() == ["prohibited", "undetermined"]


def test_decide_batch_is_row_for_row_what_decide_says():
    """The columnar path (each column read once, each distinct row decided once) against the
    per-request JSON contract, on rows that mix every kind of cell: enums, booleans, a date,
    JSON lists, nulls, repeats and bad values."""
    import itertools

    convictions = [
        None,
        json.dumps([{"offense": "NY PL 120.05", "date": "2022-03-01", "level": "felony"}]),
        json.dumps([{"offense": "NY PL 155.30", "date": "2024-01-05", "level": "misdemeanor"}]),
        json.dumps([{"offense": "NOT A CODE", "date": "2024-01-05"}]),
        "[not json",
    ]
    rows = list(itertools.product(
        ["detainer", "notification", "teleport", None],
        [None, "judicial", "administrative", "I-200", "none"],
        [None, True, False],
        convictions,
        ["2025-11-09", "2014-12-13", "not a date"],
    ))
    rows = rows + rows[::7]  # repeats go through the memo
    cols = list(zip(*rows))
    t = pa.table({
        "request.kind": pa.array(cols[0], pa.string()),
        "request.warrant": pa.array(cols[1], pa.string()),
        "subject.tsdb_match": pa.array(cols[2], pa.bool_()),
        "subject.convictions": pa.array(cols[3], pa.string()),
        "date": pa.array(cols[4], pa.string()),
        "row_id": pa.array(range(len(rows)), pa.int64()),
    })
    out = brightline.decide_batch(t, law="us-ny-nyc@row", agency="doc")
    assert out.num_rows == len(rows)
    got = out.select(["outcome", "possible_outcomes", "error"]).to_pylist()
    n_invalid = 0
    for (kind, warrant, tsdb, conv, date), g in zip(rows, got):
        req = {"jurisdiction": "us-ny-nyc", "agency": "doc", "date": date}
        request = {}
        if kind is not None:
            request["kind"] = kind
        if warrant is not None:
            request["warrant"] = warrant
        if request:
            req["request"] = request
        subject = {}
        if tsdb is not None:
            subject["tsdb_match"] = tsdb
        if conv is not None and not conv.startswith("[not"):
            subject["convictions"] = json.loads(conv)
        if subject:
            req["subject"] = subject
        try:
            d = brightline.decide(req)
        except ValueError as e:
            n_invalid += 1
            assert g["outcome"] == "invalid", (req, g)
            assert g["error"] == str(e), (req, g)
            continue
        assert g["error"] is None, (req, g)
        assert g["outcome"] == d["outcome"], (req, g)
        if d["outcome"] != "undetermined":
            assert g["possible_outcomes"] == d["outcome"], (req, g)
    assert 0 < n_invalid < len(rows)
    assert {g["outcome"] for g in got} >= {"prohibited", "undetermined", "invalid"}

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

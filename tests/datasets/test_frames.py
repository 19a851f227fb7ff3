"""DataFrames in and out: ws.datasets.add(df), Dataset.to_pandas / to_arrow / iter_batches."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import trainlab
from tests.conftest import jsonl, workspace_files
from trainlab.errors import DatasetError


def mixed_frame(n: int = 4) -> pd.DataFrame:
    """Every dtype the round trip promises, with missing values where a dtype can hold one."""
    frame = pd.DataFrame({
        "count": pd.array([1, None, 3, -7], dtype="Int64"),
        "small": np.array([1, 2, 3, 4], dtype="int32"),
        "price": [1.5, np.nan, 0.1 + 0.2, -1e300],
        "color": pd.Categorical(["red", "blue", None, "red"], categories=["red", "blue", "unused"]),
        "size": pd.Categorical(["s", "l", "s", "m"], categories=["s", "m", "l"], ordered=True),
        "flag": [True, False, True, False],
        "maybe": pd.array([True, None, False, True], dtype="boolean"),
        "note": ["x", None, "z", "naïve ✓"],
        "code": pd.array(["p", None, "q", "r"], dtype="string"),
        "when": pd.to_datetime(["2024-01-01 10:00", None, "2024-03-01 00:00:00.123456",
                                "1999-12-31 23:59:59"], format="ISO8601"),
        "at": pd.to_datetime(["2024-01-01 10:00", "2024-06-01 00:00", None,
                              "2024-10-27 02:30"], format="ISO8601").tz_localize(
            "Europe/Paris", ambiguous=np.array([False, False, False, True])),  # the 2nd 02:30
        "ints": [[1, 2], [], None, [3]],
        "floats": [[1.5], [2.5, 3.5], [0.0], []],
    }, index=pd.Index(["r1", "r2", "r3", "r4"], name="rid"))
    return frame.iloc[:n]


def test_a_frame_of_every_dtype_comes_back_equal(ws: trainlab.Workspace) -> None:
    df = mixed_frame()
    ds = ws.datasets.add(df, name="mixed")
    assert ds.status == "valid" and ds.rows == 4 and ds.format == "jsonl"
    assert ds.report["rows_total"] == 4 and "count" in ds.profile()["fields"]
    pd.testing.assert_frame_equal(ds.to_pandas(), df)
    assert ds.to_pandas()["color"].cat.categories.tolist() == ["red", "blue", "unused"]
    # stored as JSON Lines, index first, in column order, NaN/NA/None as null, ISO datetimes
    first, second = (json.loads(line) for line in ds.path.read_text("utf-8").splitlines()[:2])
    assert list(first) == ["rid", *df.columns]
    assert first["when"].startswith("2024-01-01T10:00:00") and first["at"].endswith("Z")
    assert second["count"] is None and second["price"] is None and second["maybe"] is None
    assert first["ints"] == [1, 2] and first["flag"] is True
    # a fresh handle on the workspace reads the same thing
    again = trainlab.Workspace(ws.path).datasets.get(ds.id)
    pd.testing.assert_frame_equal(again.to_pandas(), df)


@pytest.mark.parametrize("df", [
    pd.DataFrame({"a": pd.array([1.5, None, 2.0], dtype="Float64"),
                  "u": np.array([1, 2, 255], "uint8"), "f": np.array([0.1, 0.2, 1e30], "float32")}),
    pd.DataFrame({"a": pd.Categorical([3, 1, None], categories=[1, 2, 3])}),
    pd.DataFrame({"a": pd.Categorical(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]))}),
    pd.DataFrame({"a": [np.nan] * 3, "t": pd.to_datetime([None] * 3), "k": [2**62, -2**63, 1]}),
    pd.DataFrame({"a": [{"x": 1}, {"x": 2}, None], "b": [[[1, 2], [3]], [], [["x"]]]}),
    pd.DataFrame({"a": pd.array(["a", None, "c"], dtype=pd.StringDtype("python"))}),
    pd.DataFrame({"v": [1, 2, 3]}, index=pd.MultiIndex.from_tuples(
        [("a", 1), ("a", 2), ("b", 1)], names=["g", None])),
    pd.DataFrame({"v": [1, 2, 3]}, index=[10, 20, 30]),
    pd.DataFrame({"a": pd.Series(pd.to_datetime(["2024-01-01 00:00:00.5"] * 3)).astype(
        "datetime64[ms]")}),
    pd.DataFrame({"a": pd.to_datetime(["2024-01-01 10:00"]).tz_localize(
        dt.timezone(dt.timedelta(hours=3))), "d": [dt.date(2024, 2, 29)]}),
    pd.DataFrame({"a": pd.array([1, None], dtype="int64[pyarrow]"),
                  "s": pd.array(["x", None], dtype="string[pyarrow]")}),
], ids=["nullable-float-small-ints", "int-categories", "datetime-categories", "all-missing",
        "nested", "python-strings", "multiindex", "unnamed-index", "ms-datetimes",
        "fixed-offset-and-dates", "arrow-backed"])
def test_more_dtypes_round_trip(ws: trainlab.Workspace, df: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(ws.datasets.add(df).to_pandas(), df)


def test_columns_and_batches(ws: trainlab.Workspace) -> None:
    df = mixed_frame()
    ds = ws.datasets.add(df)
    pd.testing.assert_frame_equal(ds.to_pandas(columns=["price", "color"]), df[["price", "color"]])
    batches = list(ds.iter_batches(size=3))
    assert [len(b) for b in batches] == [3, 1]
    pd.testing.assert_frame_equal(pd.concat(batches), df)
    with pytest.raises(DatasetError) as info:
        ds.to_pandas(columns=["prize"])
    assert info.value.code == "column_not_found" and "price" in str(info.value)
    with pytest.raises(DatasetError):
        list(ds.iter_batches(size=0))


def test_default_index_and_no_index_column(ws: trainlab.Workspace) -> None:
    df = mixed_frame().reset_index(drop=True)
    ds = ws.datasets.add(df)
    assert "rid" not in ds.schema and "index" not in ds.schema
    out = ds.to_pandas()
    assert isinstance(out.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(out, df)


def test_the_same_frame_twice_is_the_same_dataset(ws: trainlab.Workspace) -> None:
    df = mixed_frame()
    first = ws.datasets.add(df, name="first")
    again = ws.datasets.add(df.copy(), name="second")
    assert again.id == first.id and again.name == "first"
    assert [d.id for d in ws.datasets.list()] == [first.id]
    # other dtypes (same JSON Lines) or other values: a new dataset
    other_dtypes = ws.datasets.add(df.astype({"small": "int64"}))
    other_values = ws.datasets.add(df.assign(small=df["small"] + 1))
    assert len({first.id, other_dtypes.id, other_values.id}) == 3
    assert other_dtypes.sha256 == first.sha256
    # a file with the same bytes is stored anew, as any file is
    path = ws.path.parent / "same.jsonl"
    path.write_bytes(first.path.read_bytes())
    assert ws.datasets.add(path).id != first.id


def test_a_pyarrow_table_round_trips(ws: trainlab.Workspace) -> None:
    table = pa.table({"a": pa.array([1, None, 3], pa.int64()), "s": ["x", "y", None],
                      "l": pa.array([[1], None, [2, 3]], pa.list_(pa.int64())),
                      "t": pa.array([0, None, 10**9], pa.timestamp("ms", tz="UTC"))})
    ds = ws.datasets.add(table, name="arrow")
    assert ds.to_arrow().equals(table)
    frame = ds.to_pandas()
    assert str(frame["a"].dtype) == "Int64" and frame["l"].tolist() == [[1], None, [2, 3]]
    dates = pa.table({"d": pa.array([dt.date(2024, 2, 29), None], pa.date32())})
    assert ws.datasets.add(dates).to_arrow().equals(dates)
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(table, format="csv")
    assert info.value.code == "invalid_argument" and "JSON Lines" in str(info.value)
    batch = pa.RecordBatch.from_pydict({"a": [1, 2]})
    assert ws.datasets.add(batch).to_pandas()["a"].tolist() == [1, 2]


def test_a_polars_frame(ws: trainlab.Workspace) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1, None, 3], "s": ["x", "y", None], "l": [[1, 2], None, []],
                          "t": [dt.datetime(2024, 1, 1), None, dt.datetime(2024, 1, 2, 3)],
                          "c": pl.Series(["u", "v", "u"], dtype=pl.Categorical),
                          "b": [True, None, False], "d": [dt.date(2024, 1, 1), None, None]})
    ds = ws.datasets.add(frame, name="polars")
    assert ds.rows == 3 and ws.datasets.add(frame.clone()).id == ds.id
    assert pl.from_arrow(ds.to_arrow()).equals(frame)


@pytest.mark.parametrize(("source", "code"), [
    ([1, 2, 3], "unsupported_source"),
    ({"a": [1]}, "unsupported_source"),
    (pd.Series([1, 2]), "unsupported_source"),
    (pd.DataFrame({"a": [1.0, np.inf]}), "frame_not_finite"),
    (pd.DataFrame({"z": [[1.0]], "a": [[1.0, np.nan]]}), "frame_not_finite"),
    (pd.DataFrame({"z": [1, 2], "a": [[1], [object()]]}), "frame_unsupported_value"),
    (pd.DataFrame({"a": pd.to_timedelta([1, 2], unit="s")}), "frame_unsupported_dtype"),
    (pd.DataFrame([[1, 2]], columns=["a", "a"]), "frame_column_names"),
    (pd.DataFrame({0: [1]}), "frame_column_names"),
    (pd.DataFrame({"a": [1]}, index=pd.Index([5], name="a")), "frame_column_names"),
    (pd.DataFrame({"a": []}), "frame_empty"),
    (pa.table({"a": pa.array([], pa.int64())}), "frame_empty"),
    (pd.DataFrame({"a": np.array([2**64 - 1], "uint64")}), "frame_unsupported_dtype"),
])
def test_bad_input_is_refused_and_leaves_nothing(ws: trainlab.Workspace, source, code) -> None:
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(source)
    assert info.value.code == code
    if code == "frame_empty":  # a frame, not a file: no "Upload a file", no 0 bytes
        assert str(info.value).startswith("The DataFrame has no rows (only 1 column)")
        assert "file" not in str(info.value) and "bytes" not in str(info.value)
    elif code.startswith("frame_") and code != "frame_column_names":
        assert "'a'" in str(info.value)  # the column is named
    if code == "unsupported_source":
        assert "pandas DataFrame" in str(info.value) and type(source).__name__ in str(info.value)
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_a_file_dataset_to_pandas_is_typed_like_preview(ws: trainlab.Workspace, write) -> None:
    rows = [{"n": i, "x": i / 2, "ok": i % 2 == 0, "s": f"t{i}", "l": [i]} for i in range(7)]
    rows[3]["n"] = None
    ds = ws.datasets.add(write("f.jsonl", jsonl(rows)))
    frame = ds.to_pandas()
    assert frame.index.name == "line" and frame.index.tolist() == list(range(1, 8))
    assert str(frame["n"].dtype) == "Int64" and str(frame["ok"].dtype) == "boolean"
    assert frame["n"].isna().tolist() == [i == 3 for i in range(7)]
    assert list(frame.columns) == ["n", "x", "ok", "s", "l"]
    pd.testing.assert_frame_equal(frame.iloc[:5], ds.preview(limit=5))
    assert ds.to_arrow(columns=["x"]).column("x").to_pylist() == [i / 2 for i in range(7)]
    assert ds.to_arrow(columns=["s", "n"]).column_names == ["s", "n"]
    assert [len(b) for b in ds.iter_batches(3)] == [3, 3, 1]
    csv = ws.datasets.add(write("f.csv", "a,b\n1,x\n2,y\n"))
    frame = csv.to_pandas()
    assert frame["a"].tolist() == [1, 2] and str(frame["a"].dtype) == "Int64"
    assert frame.index.tolist() == [2, 3]


def test_valid_only_false(ws: trainlab.Workspace, write) -> None:
    good = ws.datasets.add(write("good.jsonl", jsonl([{"a": 1}, {"a": 2}])))
    pd.testing.assert_frame_equal(good.to_pandas(valid_only=False), good.to_pandas())
    bad = ws.datasets.add(write("bad.jsonl", '{"a": 1}\n{"a": \n{"a": 3}\n'))
    assert bad.status == "invalid"
    assert bad.to_pandas()["a"].tolist() == [1, 3]
    with pytest.raises(DatasetError) as info:
        bad.to_pandas(valid_only=False)
    assert info.value.code == "rows_not_readable" and "ds.report" in str(info.value)
    assert "has 1 invalid row without typed values" in str(info.value)
    assert "take the 2 valid rows with valid_only=True" in str(info.value)
    one = ws.datasets.add(write("one.jsonl", '{"a": 1}\n{"a": \n{"a": \n'))
    with pytest.raises(DatasetError) as info:  # plural-aware: 1 row, 2 rows
        one.to_pandas(valid_only=False)
    assert "has 2 invalid rows without typed values" in str(info.value)
    assert "take the 1 valid row with valid_only=True" in str(info.value)


def test_batches_are_read_block_by_block(ws: trainlab.Workspace, write, monkeypatch) -> None:
    """A file of many blocks: iter_batches parses one block at a time, lazily."""
    from trainlab.datasets import plan
    from trainlab.datasets import rows as rows_module

    monkeypatch.setattr(plan, "BLOCK_BYTES", 4096)
    rows = [{"i": i, "t": "x" * 50} for i in range(2000)]
    ds = ws.datasets.add(write("big.jsonl", jsonl(rows)))
    assert len(ds.index) > 2
    parsed = []
    real = rows_module.parse_block
    monkeypatch.setattr(rows_module, "parse_block", lambda spec: parsed.append(spec) or real(spec))
    batches = ds.iter_batches(size=10)
    first = next(batches)
    assert len(first) == 10 and len(parsed) == 1
    rest = list(batches)
    assert {len(b) for b in rest} == {10} and len(parsed) == len(ds.index)
    assert pd.concat([first, *rest])["i"].tolist() == list(range(2000))


def test_a_column_null_in_a_whole_block_keeps_its_type(ws: trainlab.Workspace, write,
                                                      monkeypatch) -> None:
    from trainlab.datasets import plan

    monkeypatch.setattr(plan, "BLOCK_BYTES", 256)
    rows = [{"n": i, "s": f"s{i}", "b": i % 2 == 0} for i in range(10)] + \
        [{"n": None, "s": None, "b": None} for _ in range(30)] + [{"n": 1, "s": "z", "b": True}]
    ds = ws.datasets.add(write("gap.jsonl", jsonl(rows)))
    assert len(ds.index) > 2
    frame = ds.to_pandas()
    assert [str(frame[c].dtype) for c in "nsb"] == ["Int64", "str", "boolean"]
    assert frame["n"].isna().sum() == 30 and frame["s"].iloc[-1] == "z"


def test_a_failure_after_some_chunks_leaves_nothing(ws: trainlab.Workspace, monkeypatch) -> None:
    from trainlab.datasets import frames

    monkeypatch.setattr(frames, "CHUNK_ROWS", 10)
    df = pd.DataFrame({"x": [float(i) for i in range(35)]})
    df.loc[31, "x"] = np.inf  # in the fourth chunk: three were written already
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(df)
    assert info.value.code == "frame_not_finite" and "'x'" in str(info.value)
    assert workspace_files(ws) == [] and ws.datasets.list() == []
    # a failure inside validation (after the file is complete) leaves nothing either
    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr("trainlab.datasets.dataset.scan_file", broken)
    with pytest.raises(RuntimeError):
        ws.datasets.add(df.replace(np.inf, 0.0))
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_a_frame_over_many_blocks(ws: trainlab.Workspace, monkeypatch) -> None:
    from trainlab.datasets import plan

    monkeypatch.setattr(plan, "BLOCK_BYTES", 1024)
    big = pd.concat([mixed_frame().reset_index(drop=True)] * 50, ignore_index=True)
    ds = ws.datasets.add(big)
    assert len(ds.index) > 5
    out = ds.to_pandas()
    assert isinstance(out.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(out, big)
    batches = list(ds.iter_batches(size=64))
    assert [len(b) for b in batches] == [64, 64, 64, 8]
    pd.testing.assert_frame_equal(pd.concat(batches), big)

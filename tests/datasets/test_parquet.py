"""Parquet, the fourth format: the same report, preview, profile and checks as the others,
read by row groups; a file that is not Parquet is refused with nothing kept."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import trainlab
from tests.conftest import workspace_files
from tests.training.conftest import FAST, tabular_rows
from trainlab.errors import DatasetError


def mixed_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "n": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
        "x": [0.5, 1.5, None, 2.0, -3.25, 1e6],
        "s": ["سلام دنیا", "b", "c", None, "b", ""],
        "ok": pd.array([True, False, None, True, True, False], dtype="boolean"),
        "t": pd.to_datetime(["2024-01-01 00:00", "2024-02-01 10:30", None, "2025-01-01 00:00",
                             "2025-06-30 23:59", "2026-12-01 08:00"]),
        "tags": [[1, 2], [3], None, [], [4, 5, 6], [7]],
    })


def write_parquet(path: Path, table: pa.Table | pd.DataFrame, **kwargs) -> Path:
    if isinstance(table, pd.DataFrame):
        table.to_parquet(path, **kwargs)
    else:
        pq.write_table(table, path, **kwargs)
    return path


def _without_bytes(profile: dict) -> dict:
    return {k: v for k, v in profile.items() if k != "bytes"}


def test_a_good_parquet_reads_like_the_same_frame(ws, tmp_path) -> None:
    frame = mixed_frame()
    ds = ws.datasets.add(write_parquet(tmp_path / "mixed.parquet", frame))
    same = ws.datasets.add(frame)
    assert ds.format == "parquet" and ds.status == "valid" and ds.rows == 6
    assert ds.schema == {"n": "integer", "x": "number", "s": "string", "ok": "boolean",
                         "t": "string", "tags": "list"} == same.schema
    pd.testing.assert_frame_equal(ds.preview(), same.preview())
    assert _without_bytes(ds.profile()) == _without_bytes(same.profile())
    assert ds.report["warnings"] == same.report["warnings"]
    assert {w["code"] for w in ds.report["warnings"]} >= {"missing_values", "empty_strings"}
    assert ds.preview().loc[1, "s"] == "سلام دنیا"
    assert ds.preview().loc[2, "t"].startswith("2024-02-01T10:30:00")
    assert ds.profile()["fields"]["tags"]["list_length"] == {"min": 0, "mean": 1.4, "max": 3}


def test_same_bytes_same_sha256_and_nan_inf_are_reported_as_in_csv(ws, tmp_path, write) -> None:
    table = pa.table({"y": pa.array([1.0, float("nan"), float("inf"), 2.0]),
                      "k": pa.array(["a", "b", "a", "b"])})
    path = write_parquet(tmp_path / "nan.parquet", table)
    ds = ws.datasets.add(path)
    import hashlib

    assert ds.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ds.size_bytes == path.stat().st_size
    csv = ws.datasets.add(write("nan.csv", "y,k\n1.0,a\nnan,b\ninf,a\n2.0,b\n"))
    codes = [(w["code"], w.get("field")) for w in ds.report["warnings"]]
    assert ("non_finite_values", "y") in codes
    assert ds.profile()["fields"] == csv.profile()["fields"]  # NaN missing, inf non-finite
    assert ds.report["warnings"] == csv.report["warnings"]
    pd.testing.assert_frame_equal(ds.preview().reset_index(drop=True),
                                  csv.preview().reset_index(drop=True))


def _codes(report: dict) -> list[tuple]:
    return [(e["code"], e["line"], e.get("column")) for e in report["errors"]]


def test_bad_columns_for_a_task_are_reported_like_jsonl(ws, tmp_path, write) -> None:
    rows = [{"text": "خوب بود", "label": ["a"], "price": "cheap", "score": 1.5},
            {"text": "bad", "label": ["b"], "price": "12", "score": None},
            {"text": "  ", "label": ["a", "b"], "price": "dear", "score": 3.0},
            {"text": None, "label": ["b"], "price": "7", "score": 0.5}]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    jsonl = ws.datasets.add(write("bad.jsonl", lines))
    parquet = ws.datasets.add(write_parquet(tmp_path / "bad.parquet", pa.Table.from_pylist(rows)))
    assert parquet.schema == jsonl.schema
    for task, columns in [("text-classification", {"text": "text", "label": "label"}),
                          ("tabular-regression", {"target": "price"}),
                          ("tabular-regression", {"target": "score"}),
                          ("causal-lm", {"text": "text"})]:
        ours, theirs = parquet.check(task, columns), jsonl.check(task, columns)
        assert _codes(ours) == _codes(theirs) and ours["errors"], (task, ours)
        assert [e["message"] for e in ours["errors"]] == [e["message"] for e in theirs["errors"]]
    wrong = parquet.check("text-classification", {"text": "text", "label": "label"})
    assert _codes(wrong)[0] == ("wrong_column_type", None, "label")  # a label of lists
    rows_level = parquet.check("causal-lm", {"text": "text"})
    assert _codes(rows_level) == [("empty_text", 3, "text"), ("missing_value", 4, "text")]


@pytest.mark.parametrize(("content", "code"), [
    (b"a,b\n1,2\n" * 20, "parquet_bad_magic"),
    (b"", "empty_file"),
    (b"PAR1" + b"\x00" * 30, "parquet_bad_footer"),
])
def test_a_file_that_is_not_parquet_is_refused_with_nothing_kept(ws, write, content,
                                                                   code) -> None:
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(write("fake.parquet", content))
    assert info.value.code == code and "fake.parquet" in str(info.value)
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_a_truncated_or_damaged_parquet_is_refused_with_nothing_kept(ws, tmp_path, write
                                                                      ) -> None:
    good = write_parquet(tmp_path / "g.parquet", pa.table({"a": list(range(1000))}),
                         compression="none")
    data = good.read_bytes()
    for name, broken, code in [("cut.parquet", data[: len(data) // 2], "parquet_bad_footer"),
                               ("footer.parquet", data[:-12] + b"\xff" * 4 + data[-8:],
                                "parquet_bad_footer")]:
        with pytest.raises(DatasetError) as info:
            ws.datasets.add(write(name, broken))
        assert info.value.code == code, name
        assert trainlab.i18n.render(code, info.value.params, "fa") != str(info.value)
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_row_groups_deep_preview_batches_and_round_trip(ws, tmp_path, monkeypatch) -> None:
    from trainlab.datasets import read_parquet

    monkeypatch.setattr(read_parquet, "BATCH_ROWS", 64)  # several blocks per row group too
    n = 1000
    table = pa.table({"i": pa.array(range(n), pa.int64()),
                      "w": pa.array([f"w{i % 7}" for i in range(n)]),
                      "f": pa.array(np.linspace(0, 1, n))})
    path = write_parquet(tmp_path / "groups.parquet", table, row_group_size=150)
    assert pq.ParquetFile(path).metadata.num_row_groups == 7
    ds = ws.datasets.add(path)
    assert ds.rows == n and len(ds.index) == 7 * 3 - 1  # 6 groups of 150 = 3 blocks, then 100
    deep = ds.preview(offset=937, limit=10)
    assert deep.index.tolist() == list(range(938, 948))
    assert deep["i"].tolist() == list(range(937, 947))
    assert ds.preview(offset=995, limit=10)["i"].tolist() == list(range(995, 1000))
    back = ds.to_pandas()
    assert back["i"].tolist() == list(range(n)) and back.index.tolist() == list(range(1, n + 1))
    assert back["w"].tolist() == table.column("w").to_pylist()
    batches = list(ds.iter_batches(size=333))
    assert [len(b) for b in batches] == [333, 333, 333, 1]
    pd.testing.assert_frame_equal(pd.concat(batches), back)
    assert ds.to_arrow().equals(table)
    train, test = ds.split(test_size=0.2, seed=1)
    assert train.rows + test.rows == n and set(train.to_pandas()["i"]).isdisjoint(
        test.to_pandas()["i"])
    assert ds.profile()["fields"]["w"]["distinct"] == 7
    assert ds.profile()["fields"]["i"]["max"] == n - 1


def test_dictionary_binary_and_all_null_columns(ws, tmp_path) -> None:
    table = pa.table({"cat": pa.array(["a", "b", "a", None]).dictionary_encode(),
                      "raw": pa.array([b"\x00\x01", None, b"x", b""], pa.binary()),
                      "none": pa.nulls(4), "big": pa.array(["x", "yy", "zzz", "w"], pa.large_string())})
    ds = ws.datasets.add(write_parquet(tmp_path / "odd.parquet", table))
    assert ds.schema == {"cat": "string", "raw": "object", "none": "null-only", "big": "string"}
    assert ds.preview()["cat"].tolist()[:3] == ["a", "b", "a"]
    report = ds.check("text-classification", {"text": "raw", "label": "cat"})
    assert _codes(report) == [("wrong_column_type", None, "raw")]


def test_a_tabular_model_trains_from_parquet(ws, tmp_path) -> None:
    frame = pd.DataFrame(tabular_rows(200))
    ds = ws.datasets.add(write_parquet(tmp_path / "churn.parquet", frame, row_group_size=64))
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, **FAST)
    assert result.status == "completed"
    model = trainlab.load_model(result.job_id, workspace=ws)
    predicted = model.predict(frame.drop(columns=["label"]).head(5).to_dict("records"))
    assert len(predicted) == 5 and set(predicted) <= {"high", "low"}


def test_zoned_timestamps_dates_and_decimals(ws, tmp_path) -> None:
    import datetime
    import decimal

    frame = pd.DataFrame({
        "tz": pd.to_datetime(["2024-01-01 10:00", None, "2024-06-01 12:30"]).tz_localize(
            "Asia/Tehran"),
        "day": [datetime.date(2024, 1, 2), None, datetime.date(2025, 3, 4)]})
    ds = ws.datasets.add(write_parquet(tmp_path / "when.parquet", frame))
    same = ws.datasets.add(frame)
    pd.testing.assert_frame_equal(ds.preview(), same.preview(), check_like=True)
    assert ds.preview()["tz"].tolist()[0] == "2024-01-01T06:30:00.000000Z"  # UTC, as a frame's
    assert _without_bytes(ds.profile()) == _without_bytes(same.profile())
    money = pa.table({"price": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3.5")],
                                        pa.decimal128(5, 2))})
    priced = ws.datasets.add(write_parquet(tmp_path / "money.parquet", money))
    assert priced.schema == {"price": "number"}
    assert priced.profile()["fields"]["price"]["min"] == -3.5
    assert priced.check("tabular-regression", {"target": "price"})["error_counts"] == {
        "missing_value": 1}


def test_no_rows_repeated_names_and_a_damaged_chunk_are_refused(ws, tmp_path) -> None:
    empty = write_parquet(tmp_path / "none.parquet", pa.table({"a": pa.array([], pa.int64())}))
    twice = write_parquet(tmp_path / "twice.parquet",
                          pa.table({"a": [1, 2], "b": [3, 4]}).rename_columns(["a", "a"]))
    good = write_parquet(tmp_path / "good.parquet",
                         pa.table({"s": [f"value number {i}" for i in range(5000)]}),
                         compression="snappy", row_group_size=1000)
    data = bytearray(good.read_bytes())
    page = pq.ParquetFile(good).metadata.row_group(3).column(0).data_page_offset
    data[page + 40: page + 400] = b"\xab" * 360  # row group 4's compressed page, garbled
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(bytes(data))
    for path, code in [(empty, "no_records"), (twice, "parquet_bad_schema"),
                       (damaged, "parquet_bad_data")]:
        with pytest.raises(DatasetError) as info:
            ws.datasets.add(path)
        assert info.value.code == code, path
    assert "3,000 rows" in str(info.value)  # the rows read before the damage
    assert "'a' appears twice" in trainlab.i18n.render("parquet_bad_schema", {
        "name": "x", "detail": "'a' appears twice"}, "fa")
    assert workspace_files(ws) == [] and ws.datasets.list() == []

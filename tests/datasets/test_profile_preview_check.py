from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from tests.conftest import jsonl
from trainlab.errors import DatasetError


def make_rows(n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    return [{"id": i, "x": float(rng.normal()), "label": ["cat", "dog", "fish"][i % 3],
             "text": "سلام دنیا " * (i % 5) + f"review number {i} is here", "ok": bool(i % 2),
             "maybe": None if i % 4 == 0 else i} for i in range(n)]


def test_profile_figures_exact(ws, write) -> None:
    rows = make_rows(300)
    ds = ws.datasets.add(write("p.jsonl", jsonl(rows)))
    profile = ds.profile()
    assert profile["rows"] == 300
    fields = profile["fields"]
    xs = [r["x"] for r in rows]
    assert fields["x"]["min"] == pytest.approx(min(xs)) and fields["x"]["max"] == pytest.approx(max(xs))
    assert fields["x"]["mean"] == pytest.approx(statistics.fmean(xs))
    assert fields["x"]["std"] == pytest.approx(statistics.pstdev(xs))
    assert fields["maybe"]["null_count"] == 75 and fields["maybe"]["nullable"]
    assert fields["label"]["type"] == "category" and fields["label"]["distinct"] == 3
    assert fields["label"]["top"][0] == {"value": "cat", "count": 100}
    assert fields["text"]["type"] == "text"
    lengths = [len(r["text"]) for r in rows]
    assert fields["text"]["length"] == {"min": min(lengths), "mean": pytest.approx(
        statistics.fmean(lengths)), "max": max(lengths)}
    assert fields["ok"]["type"] == "boolean" and fields["id"]["distinct"] == 300
    balance = ds.profile(label="label")["class_balance"]
    assert balance["exact"] and [c["count"] for c in balance["classes"]] == [100, 100, 100]


def test_approximate_distinct_on_many_values(ws, write) -> None:
    n = 30_000
    text = "k,v\n" + "".join(f"key-{i},{i % 7}\n" for i in range(n))
    ds = ws.datasets.add(write("many.csv", text))
    field = ds.profile()["fields"]["k"]
    assert not field["distinct_exact"] and abs(field["distinct"] - n) / n < 0.1
    assert ds.profile()["fields"]["v"]["distinct"] == 7


def test_parallel_scan_matches_serial(ws, write, monkeypatch) -> None:
    from trainlab.datasets import plan

    monkeypatch.setattr(plan, "BLOCK_BYTES", 4096)
    lines = jsonl(make_rows(400)).splitlines(keepends=True)
    lines[123] = '{"broken": \n'
    path = write("par.jsonl", "".join(lines))
    serial = ws.datasets.add(path, parallel=False)
    parallel = ws.datasets.add(path, parallel=True)
    assert serial.report["errors"] == parallel.report["errors"]
    assert [e["line"] for e in serial.report["errors"]] == [124]
    assert serial.profile() == parallel.profile() and serial.schema == parallel.schema
    assert len(serial.index) > 5


def test_preview_deep_offset_reads_one_block(ws, write, monkeypatch) -> None:
    from trainlab.datasets import plan
    from trainlab.datasets import rows as rows_module

    monkeypatch.setattr(plan, "BLOCK_BYTES", 2048)
    ds = ws.datasets.add(write("deep.csv", "i,s\n" + "".join(f"{i},v{i}\n" for i in range(5000))))
    read: list[int] = []
    original = rows_module.parse_block
    monkeypatch.setattr(rows_module, "parse_block", lambda spec: read.append(spec.start) or
                        original(spec))
    frame = ds.preview(4321, 3)
    assert frame["i"].tolist() == [4321, 4322, 4323] and frame.index.tolist() == [4323, 4324, 4325]
    assert len(read) == 1 and len(ds.index) > 20
    assert ds.preview(4999, 10)["i"].tolist() == [4999]
    assert ds.preview(6000).empty
    with pytest.raises(DatasetError):
        ds.preview(-1)


def test_check_text_classification(ws, write) -> None:
    rows = [{"text": "good film", "label": "pos"}, {"text": "", "label": "neg"},
            {"text": "meh", "label": None}, {"text": "bad", "label": "neg"}]
    ds = ws.datasets.add(write("t.jsonl", jsonl(rows)))
    report = ds.check("text-classification", {"text": "text", "label": "label"})
    assert not report["ok"]
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(2, "empty_text"),
                                                                   (3, "missing_value")]
    assert report["rows_invalid"] == 2


def test_check_regression_and_tabular_resolution(ws, write) -> None:
    ds = ws.datasets.add(write("r.csv", "x,y,c\n1,2.5,a\n2,oops,b\n3,4.0,a\n4,,b\n5,1,a\n"))
    report = ds.check("tabular-regression", {"target": "y"})
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(3, "not_numeric"),
                                                                   (5, "missing_value")]
    assert ds.check("tabular", {"target": "c"})["task"] == "tabular-classification"
    assert ds.check("tabular", {"target": "c", "features": "x"})["columns"]["features"] == ["x"]
    with pytest.raises(DatasetError) as info:
        ds.check("tabular", {"target": "yy"})
    assert info.value.code == "column_not_found" and "Did you mean 'y'" in str(info.value)
    with pytest.raises(DatasetError) as info:
        ds.check("image-segmentation", {})
    assert info.value.code == "unknown_task"
    with pytest.raises(DatasetError) as info:
        ds.check("text-classification", {"text": "c"})
    assert info.value.code == "missing_mapping"


def test_check_too_few_classes_and_wrong_type(ws, write) -> None:
    ds = ws.datasets.add(write("one.csv", "t,l,n\nhello,a,1\nworld,a,2\n"))
    report = ds.check("text-classification", {"text": "t", "label": "l"})
    assert [e["code"] for e in report["errors"]] == ["too_few_classes"]
    report = ds.check("causal-lm", {"text": "n"})
    assert [e["code"] for e in report["errors"]] == ["wrong_column_type"]
    assert ds.check("causal-lm", {"text": "t"})["ok"]
    assert not math.isnan(ds.profile()["fields"]["n"]["mean"])

"""CSV values kept as written: line breaks inside quotes, leading zeros (issue 14, items 5-6)."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.datasets.test_native import assert_datasets_same, both_ways


def python_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("text", [
    'a,b\r\n"x\r\ny",2\r\n',
    'a,b\n"x\r\ny",2\n"p\nq",3\n',
    'a,b\r\n"one\r\n\r\ntwo",2\r\n"last\r\n"\r\n',
    'a,b\r\n"x\r\ny",2',  # no newline at the end
])
def test_a_line_break_inside_quotes_is_kept_as_written(ws, write, monkeypatch, text) -> None:
    path = write("crlf.csv", text.encode())
    a, b = both_ways(ws, path, monkeypatch)
    assert_datasets_same(a, b)
    expected = [row for row in python_csv(text)[1:] if len(row) == 2]  # valid rows
    rows = a.preview(0, 10)
    assert [[str(v) for v in row] for row in rows.values.tolist()] == expected


# -- leading zeros ----------------------------------------------------------------------------
def warnings_of(ds, code: str) -> list[dict]:
    return [w for w in ds.report["warnings"] if w["code"] == code]


def test_leading_zeros_keep_a_column_text(ws, write, monkeypatch) -> None:
    path = write("zips.csv", "zip,n,x\n08123,1,0\n002,2,0.5\n06090,3,-0.25\n12345,4,7\n")
    a, b = both_ways(ws, path, monkeypatch)
    assert_datasets_same(a, b)
    assert a.schema == {"zip": "string", "n": "integer", "x": "number"}
    assert a.preview(0, 10)["zip"].tolist() == ["08123", "002", "06090", "12345"]
    assert a.preview(0, 10)["x"].tolist() == [0, 0.5, -0.25, 7]
    (warning,) = warnings_of(a, "leading_zeros")
    assert warning["field"] == "zip" and warning["params"]["count"] == 3
    assert not warnings_of(a, "mixed_types")
    assert a.profile()["fields"]["zip"]["leading_zeros"] == 3
    (fa,) = [w for w in a.report_in("fa")["warnings"] if w["code"] == "leading_zeros"]
    assert "'zip'" in fa["message"] and "3" in fa["message"]


@pytest.mark.parametrize("where", [0, 63, 64, 500, 9_999])
def test_one_leading_zero_anywhere_makes_the_column_text(ws, write, monkeypatch, where) -> None:
    values = [str(100 + i) for i in range(10_000)]
    values[where] = "0" + values[where]
    path = write("ids.csv", "id,v\n" + "".join(f"{v},{i % 3}\n" for i, v in enumerate(values)))
    a, b = both_ways(ws, path, monkeypatch)
    assert_datasets_same(a, b)
    assert a.schema["id"] == "string" and a.schema["v"] == "integer"
    assert a.preview(where, 1)["id"].tolist() == [values[where]]
    (warning,) = warnings_of(a, "leading_zeros")
    assert warning["params"]["count"] == 1


@pytest.mark.parametrize("value, leading", [
    ("007", True), ("-01", True), ("+00", True), ("00.5", True), ("01e3", True), ("00", True),
    ("0", False), ("0.5", False), ("-0.25", False), ("0e5", False), ("10", False),
    ("100", False), (".05", False), ("0x1F", False),
])
def test_the_rule_is_one_in_c_and_python(value, leading) -> None:
    from trainlab.datasets import native, semantics

    assert semantics.has_leading_zero(value) is leading
    if native.AVAILABLE and leading:
        assert native.classify(value)[0] not in ("integer", "number")


@given(st.text("0123456789-+. \teE", max_size=6) | st.from_regex(r"\s*[-+]?0\d+", fullmatch=True))
@settings(max_examples=300, deadline=None)
def test_leading_zeros_read_alike_by_the_regex_python_and_c(value: str) -> None:
    from trainlab.datasets import native, semantics

    regex = pc.match_substring_regex(pa.array([value]), semantics.LEADING_ZERO_PATTERN)[0]
    assert semantics.has_leading_zero(value) is regex.as_py()
    if native.AVAILABLE and regex.as_py():
        assert native.classify(value)[0] == "unsure"


def test_leading_zeros_in_a_later_block_make_the_column_text(ws, write, monkeypatch) -> None:
    from trainlab.datasets import plan

    monkeypatch.setattr(plan, "BLOCK_BYTES", 4096)
    values = [str(10_000 + i) for i in range(3_000)] + ["00042", "+7", "1.50"]
    path = write("late.csv", "id\n" + "".join(f"{v}\n" for v in values))
    a, b = both_ways(ws, path, monkeypatch)
    assert_datasets_same(a, b)
    assert len(a.index) > 3 and a.schema == {"id": "string"}
    assert a.preview(0, 5000)["id"].tolist() == values  # every block as written
    assert warnings_of(a, "leading_zeros")[0]["params"]["count"] == 1

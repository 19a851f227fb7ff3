"""Property tests: for any generated records, in any format, the report's counts are exact."""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trainlab

NAMES = ["alpha", "beta", "gamma", "delta"]
RESERVED = {"", "na", "null", "none", "nan", "n/a", "true", "false", "inf", "infinity"}
KINDS = {
    "integer": st.integers(-(2**53), 2**53),
    "number": st.floats(allow_nan=False, allow_infinity=False, width=64).filter(
        lambda x: not float(x).is_integer()),
    "boolean": st.booleans(),
    # words CSV reads as null, boolean or infinity are not strings there: leave them out
    "string": st.text(string.ascii_letters + "سلام ", min_size=1, max_size=12).filter(
        lambda s: s.strip() == s and s.lower() not in RESERVED),
}
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@st.composite
def tables(draw):
    """Columns with one kind each, nulls and (for JSON) absent keys sprinkled in."""
    n_fields = draw(st.integers(1, 4))
    kinds = {name: draw(st.sampled_from(list(KINDS))) for name in NAMES[:n_fields]}
    n_rows = draw(st.integers(1, 30))
    rows = []
    for _ in range(n_rows):
        row = {}
        for name, kind in kinds.items():
            choice = draw(st.integers(0, 5))
            if choice == 0:
                row[name] = None
            elif choice == 1:
                continue  # absent (JSON) / empty (CSV)
            else:
                row[name] = draw(KINDS[kind])
        rows.append(row)
    return kinds, rows


def write(path: Path, fmt: str, kinds: dict, rows: list[dict]) -> None:
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    elif fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(list(kinds))
        for row in rows:
            writer.writerow(["" if row.get(k) is None else
                             str(row[k]).lower() if isinstance(row[k], bool) else repr(row[k])
                             if isinstance(row[k], float) else row[k] for k in kinds])
        path.write_text(buffer.getvalue())


def expected_type(kind: str, values: list) -> str:
    if not values:
        return "null-only"
    if kind != "string":
        return kind
    distinct = len(set(values))
    mean = sum(len(v) for v in values) / len(values)
    if distinct <= 1000 and len(values) >= 2 * distinct and mean <= 50:
        return "category"
    return "text" if mean >= 30 else "string"


@SETTINGS
@given(data=tables(), fmt=st.sampled_from(["jsonl", "json", "csv"]))
def test_counts_types_and_nulls_are_exact(tmp_path_factory, data, fmt) -> None:
    kinds, rows = data
    base = tmp_path_factory.mktemp("p")
    path = base / f"data.{fmt}"
    write(path, fmt, kinds, rows)
    present = {k for r in rows for k in r}
    if fmt != "csv" and not present:
        return  # records with no fields at all: nothing to type
    ds = trainlab.Workspace(base / "ws").datasets.add(path)
    report = ds.report
    assert report["rows_total"] == report["rows_valid"] == len(rows) == ds.rows
    assert ds.status == "valid" and report["errors"] == []
    fields = ds.profile()["fields"]
    for name, kind in kinds.items():
        if fmt != "csv" and name not in present:
            assert name not in fields
            continue
        values = [r[name] for r in rows if r.get(name) is not None]
        assert fields[name]["null_count"] == len(rows) - len(values), name
        assert fields[name]["count"] == len(values)
        assert ds.schema[name] == expected_type(kind, values), (name, values)


@SETTINGS
@given(n_rows=st.integers(2, 60), data=st.data(),
       corruption=st.sampled_from(["cut", "garbage", "nan", "ragged", "bad_utf8"]),
       fmt=st.sampled_from(["jsonl", "csv"]))
def test_any_single_corrupted_line_is_named(tmp_path_factory, n_rows, data, corruption,
                                            fmt) -> None:
    rows = [{"a": i, "b": f"word {i}", "c": i * 0.5} for i in range(n_rows)]
    base = tmp_path_factory.mktemp("c")
    path = base / f"data.{fmt}"
    write(path, fmt, {"a": 0, "b": 0, "c": 0}, rows)
    lines = path.read_bytes().split(b"\n")
    first_data = 1 if fmt == "csv" else 0
    target = data.draw(st.integers(first_data + 1, first_data + n_rows - 1))  # not the first
    line = lines[target]
    if corruption == "cut":
        line = line[: max(1, len(line) // 2)] if fmt == "jsonl" else b"1"
    elif corruption == "garbage":
        line = b"}{ not a record" if fmt == "jsonl" else b'1,"x"y,2'
    elif corruption == "nan":
        line = b'{"a": NaN}' if fmt == "jsonl" else b"1,2,3,4"
    elif corruption == "ragged":
        line = b"[1, 2]" if fmt == "jsonl" else b"1,2"
    else:
        line = line.replace(b"word", b"w\xffrd")
    lines[target] = line
    path.write_bytes(b"\n".join(lines))
    ds = trainlab.Workspace(base / "ws").datasets.add(path)
    assert [e["line"] for e in ds.report["errors"]] == [target + 1]
    assert ds.rows == n_rows - 1 and ds.status == "invalid"

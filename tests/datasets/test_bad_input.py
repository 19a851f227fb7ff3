"""Bad input gives a named bad line and changes nothing (issue 14, section 1, items 1-4).

Each test runs with the native scanner on and off: both paths must give the same answer.
"""

from __future__ import annotations

import pytest

from trainlab.datasets.semantics import MAX_DEPTH


def codes(report: dict) -> list[tuple[int, str]]:
    return [(e["line"], e["code"]) for e in report["errors"]]


# -- item 1: deep nesting -------------------------------------------------------------------
DEEP = [
    # an unclosed array 1000 deep between two good lines (RecursionError in the strict reader)
    ("open.jsonl", b'{"a":1}\n' + b"[" * 1000 + b'\n{"a":3}\n', [(2, "too_deep")], 2),
    # valid JSON 350 deep (RecursionError in the walk for NaN over Arrow's nested columns)
    ("valid.jsonl", b'{"a":1}\n{"v": ' + b"[" * 350 + b"]" * 350 + b'}\n{"a":3}\n',
     [(2, "too_deep")], 2),
    # one element of a JSON array nested 500 deep (preview crashed)
    ("deep.json", b'[{"a":1},\n{"v":' + b"[" * 500 + b"]" * 500 + b'},\n{"a":3}]',
     [(2, "too_deep")], 2),
    ("deep_element.json", b'[{"a":1},\n' + b"[" * 500 + b"]" * 500 + b',\n{"a":3}]',
     [(2, "too_deep")], 2),
]


@pytest.mark.parametrize(("name", "content", "expected", "rows"), DEEP,
                         ids=[case[0] for case in DEEP])
def test_deep_nesting_is_a_named_line(ws, write, paths, name, content, expected, rows) -> None:
    ds = ws.datasets.add(write(name, content))
    assert codes(ds.report) == expected and ds.rows == rows
    error = ds.report["errors"][0]
    assert error["params"]["limit"] == MAX_DEPTH and str(MAX_DEPTH) in error["message"]
    assert len(ds.preview()) == rows  # preview reads what was accepted


def test_nesting_up_to_the_limit_is_kept(ws, write, paths) -> None:
    inner = MAX_DEPTH - 1  # the record's own braces are the first level
    line = b'{"v": ' + b"[" * inner + b"1" + b"]" * inner + b"}\n"
    ds = ws.datasets.add(write("ok.jsonl", b'{"v": [1]}\n' + line))
    assert ds.report["errors"] == [] and ds.rows == 2
    deeper = b'{"v": ' + b"[" * (inner + 1) + b"1" + b"]" * (inner + 1) + b"}\n"
    ds = ws.datasets.add(write("no.jsonl", b'{"v": [1]}\n' + deeper))
    assert codes(ds.report) == [(2, "too_deep")]


# -- item 2: a NUL byte after the head is a bad line, in every format ------------------------
FILLER_LINES = 20_000  # of 4 bytes or more: past the 64 KiB head, where a NUL is "binary"


def _tail_nul_files() -> list[tuple[str, bytes, int, int]]:
    """(name, content, line of the NUL, its column): a NUL well past the head."""
    n = FILLER_LINES
    jsonl = b"".join(b'{"a":%d}\n' % (i % 10) for i in range(n))
    csv = b"a,b\n" + b"".join(b"%d,x\n" % (i % 10) for i in range(n))
    array = b"[\n" + b"".join(b'{"a":%d},\n' % (i % 10) for i in range(n))
    return [
        ("tail.jsonl", jsonl + b'{"a":"x\x00y"}\n{"a":1}\n', n + 1, 8),
        ("outside.jsonl", jsonl + b'{"a":1,\x00"b":2}\n{"a":1}\n', n + 1, 8),
        ("tail.csv", csv + b"1,a\x00b\n2,c\n", n + 2, 4),
        ("quoted.csv", csv + b'1,"a\x00b"\n2,c\n', n + 2, 5),
        # on the second line of a quoted record: that line is named, the next record is kept
        ("multiline.csv", csv + b'1,"x\ny\x00z"\n2,c\n', n + 3, 2),
        ("tail.json", array + b'{"a":"x\x00y"},\n{"a":1}\n]', n + 2, 8),
    ]


@pytest.mark.parametrize(("name", "content", "line", "column"), _tail_nul_files(),
                         ids=[case[0] for case in _tail_nul_files()])
def test_nul_after_the_head_is_a_bad_line(ws, write, paths, name, content, line, column) -> None:
    ds = ws.datasets.add(write(name, content))
    assert codes(ds.report) == [(line, "nul_byte")]
    assert ds.report["errors"][0]["params"]["column"] == column
    assert f"column {column}" in ds.report["errors"][0]["message"]
    preview = ds.preview(ds.rows - 1, 5)
    assert not any("\x00" in str(v) for v in preview.to_numpy().ravel())


def test_nul_in_the_head_still_rejects_the_file(ws, write, paths) -> None:
    from trainlab.errors import DatasetError

    with pytest.raises(DatasetError) as info:
        ws.datasets.add(write("head.csv", b"a,b\n1,a\x00b\n"))
    assert info.value.code == "binary_file"


# -- item 3: a raw line break inside a string of a JSON array -------------------------------
@pytest.mark.parametrize("brk", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_raw_line_break_in_a_json_array_string_is_an_error(ws, write, paths, brk) -> None:
    content = b'[{"s": "new' + brk + b'line"},\n {"s": "ok"},\n {"s":\n "pretty"}]'
    ds = ws.datasets.add(write("nl.json", content))
    assert codes(ds.report) == [(1, "invalid_json")]
    assert "line break" in ds.report["errors"][0]["message"]
    assert ds.preview()["s"].tolist() == ["ok", "pretty"]  # nothing changed silently


def test_escaped_line_break_in_a_json_array_is_kept(ws, write, paths) -> None:
    ds = ws.datasets.add(write("ok.json", b'[\n  {"s": "new\\nline"}\n]'))
    assert ds.status == "valid" and ds.preview()["s"].tolist() == ["new\nline"]


# -- item 4: a NUL in a nested key is kept --------------------------------------------------
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_nul_in_a_nested_key_is_kept(ws, write, paths, fmt) -> None:
    record = b'{"v": {"foo\\u0000bar": 42}, "w": {"a\\u0000": "b\\u0000c"}}'
    content = record + b"\n" if fmt == "jsonl" else b"[" + record + b"]"
    ds = ws.datasets.add(write(f"k.{fmt}", content))
    assert ds.status == "valid"
    row = ds.preview().iloc[0]
    for column, key, value in (("v", "foo\x00bar", 42), ("w", "a\x00", "b\x00c")):
        cell = row[column]
        cell = __import__("json").loads(cell) if isinstance(cell, str) else dict(cell)
        assert cell == {key: value}


@pytest.mark.parametrize(("content", "column"), [
    (b'[{"a": 1},]', 11), (b'[{"a": 1}, {"a": 2} ,\n ]', 2), (b"[\n" + b'{"a": 1},\n' * 3 + b"]", 1),
])
def test_a_trailing_comma_in_a_json_array_is_named(ws, write, paths, content, column) -> None:
    """JSON has no trailing comma: the array is invalid, its records kept, the comma named."""
    ds = ws.datasets.add(write("t.json", content))
    assert ds.status == "invalid" and ds.rows >= 1
    (error,) = ds.report["errors"]
    assert error["code"] == "json_structure" and error["params"]["column"] == column
    assert "comma right before ]" in error["message"]


def test_an_empty_json_array_element_list_is_still_fine(ws, write, paths) -> None:
    ds = ws.datasets.add(write("ok.json", b'[{"a": [1, 2,3]}, {"a": []}]'))
    assert ds.status == "valid" and ds.rows == 2

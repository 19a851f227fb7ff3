"""CSV values kept as written: line breaks inside quotes, leading zeros (issue 14, items 5-6)."""

from __future__ import annotations

import csv
import io

import pytest

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

"""A bad quote in CSV is described from the record, whatever the csv module's wording."""

from __future__ import annotations

import csv

import pytest

from trainlab.datasets import read_csv
from trainlab.datasets.read_csv import quote_problem

AFTER = "after the closing quote of a value"
TEXT = ("id,text,label\n"
        '1,"bad "quote" here",a\n'  # line 2: text after a closing quote
        "2,ok,b\n"
        '3,"never closed,a\n'  # line 4: swallows the rest
        "4,after,b\n")


@pytest.mark.parametrize(("record", "expected"), [
    ('a,"ab"c,d', f"'c' {AFTER}"),
    ('"x"y', f"'y' {AFTER}"),
    ('a,"b""c"x', f"'x' {AFTER}"),  # a doubled quote inside is one quote, not the end
    ('a,"multi\nline"z', f"'z' {AFTER}"),
    ('a,"abc', "a quoted value is never closed"),
    ('a,"ab""', "a quoted value is never closed"),
    ('a;"b"c', f"'c' {AFTER}"),
])
def test_described_from_the_record(record: str, expected: str) -> None:
    delimiter = ";" if ";" in record else ","
    assert quote_problem(record, delimiter).startswith(expected)


_READER = csv.reader


class _Reworded:
    """csv.reader whose every error says something no classifier has seen."""

    def __init__(self, *args, **kwargs) -> None:
        self._reader = _READER(*args, **kwargs)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._reader)
        except csv.Error:
            raise csv.Error("reworded") from None

    @property
    def line_num(self) -> int:
        return self._reader.line_num


@pytest.mark.parametrize("reworded", [False, True])
def test_the_report_says_which_quote_whatever_csv_says(ws, write, monkeypatch, reworded) -> None:
    if reworded:
        monkeypatch.setattr(read_csv.csv, "reader", _Reworded)
    ds = ws.datasets.add(write("q.csv", TEXT))
    bad = [(e["line"], e["params"]["detail"]) for e in ds.report["errors"]]
    assert [line for line, _ in bad] == [2, 4]
    assert bad[0][1].startswith(f"'q' {AFTER}") and bad[1][1] == "a quoted value is never closed"

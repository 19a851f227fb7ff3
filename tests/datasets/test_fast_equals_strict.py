"""The fast path (Arrow) must say exactly what the strict path (line by line) says."""

from __future__ import annotations

import msgspec
import pytest

from trainlab.datasets import read_csv, read_jsonl

TRICKY_JSON = [
    b'{"a": 1} // c', b"{'a': 1}", b'{"a": 01}', b'{"a": .5}', b'{"a": 1e}', b'{"a": "x\ty"}',
    b'{"a": "\\ud800"}', b'{"a": tru}', b'{"a": 1}  ', b' {"a": 1}', b'{"a": [1,]}',
    b'{"a": 1, "b": {"c": NaN}}', b'{"a": "\\x41"}', b'{"a": -}', b'{"a": 1.5E+3}',
    b'{"\xc3\xa9": 1}', b'{"a":"\\u00e9"}', b'{"a": [Infinity]}', b'{"a": 1}{"a": 2}',
]


@pytest.mark.parametrize("line", TRICKY_JSON)
def test_fast_json_agrees_with_msgspec(line: bytes) -> None:
    try:
        value = msgspec.json.decode(line)
        strict_ok = isinstance(value, dict)
    except (msgspec.DecodeError, UnicodeDecodeError):
        strict_ok = False
    fast_ok = read_jsonl._jsonl_fast(line + b"\n", 1) is not None
    if line[:1].isspace():  # maybe a blank line: always read strictly
        assert not fast_ok
    else:
        assert fast_ok == strict_ok


MESSY_CSV = (
    "id,text,n\n"
    "1,plain,1\n"
    '2,"quoted, with comma",2\n'
    '3,"say ""hi""",3\n'
    "4,two\n"
    '5,"x"y,5\n'
    "6,a,b,c\n"
    "8,NA,\n"
    "9,ok,9\n"
)
MESSY_JSONL = (
    '{"a": 1, "t": "x"}\n{"a": 2,}\n{"a": NaN}\n\n{"a": "s", "t": null}\n[1]\n'
    '{"a": 3}{"a": 4}\n{"a": 5, "t": "2024-01-01"}\n'
)


@pytest.mark.parametrize(("name", "text", "fast"), [
    ("m.csv", MESSY_CSV, "_csv_fast"), ("m.jsonl", MESSY_JSONL, "_jsonl_fast")])
def test_reports_identical_with_fast_path_off(ws, write, monkeypatch, name, text, fast) -> None:
    reader = read_csv if name.endswith(".csv") else read_jsonl
    path = write(name, text)
    original, used = getattr(reader, fast), []

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        used.append(result is not None)
        return result

    monkeypatch.setattr(reader, fast, spy)
    with_fast = ws.datasets.add(path)
    assert used == [True] or name.endswith(".jsonl")  # CSV: the fast path really ran
    monkeypatch.setattr(reader, fast, lambda *args, **kwargs: None)
    strict = ws.datasets.add(path)
    assert with_fast.report["errors"] == strict.report["errors"]
    assert with_fast.profile() == strict.profile() and with_fast.schema == strict.schema
    assert with_fast.preview().equals(strict.preview())
